"""Spike counts per trial, time bin and group of neurons, as rates: the one binning of every spiking network.

Pure numpy, no Brian2: a network passes the spikes it read (trial, time, group of the spiking
neuron) and gets rates in Hz on a grid of bins that starts at the trial's start.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def population_rates(
    trial: ArrayLike, time: ArrayLike, group: ArrayLike, *, n_trials: int, group_sizes: ArrayLike, duration: float, bin_width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rates of groups of neurons per trial and time bin from their spikes.

    Parameters
    ----------
    trial : array_like of int, shape (n_spikes,)
        Trial (0 .. ``n_trials - 1``) of each spike.
    time : array_like of float, shape (n_spikes,)
        Time of each spike from its trial's start (s).
    group : array_like of int, shape (n_spikes,)
        Group of the neuron that fired (0 .. ``len(group_sizes) - 1``): a population, an
        angle bin, an item's block; for per-neuron rates the neuron's index (with
        ``group_sizes`` all 1).
    n_trials : int
        Trials in the result (a trial without spikes has rate 0).
    group_sizes : array_like of int, shape (n_groups,)
        Neurons in each group.
    duration : float
        Length of the binned time (s): ``n_t = ceil(duration / bin_width)`` bins, the ratio
        rounded to 6 decimals first so that a duration of whole bins does not gain a bin
        from rounding (0.3 / 0.1 = 2.9999999999999996).
    bin_width : float
        Width of a time bin (s).

    Returns
    -------
    rates : numpy.ndarray, shape (n_trials, n_t, n_groups)
        Spike count / (neurons in the group x ``bin_width``), in Hz. A spike at or past the last
        bin's end (a trial run a step longer than ``duration``) counts in the last bin.
    centres : numpy.ndarray, shape (n_t,)
        Centre of each time bin from the trial's start (s).
    """
    trial = np.asarray(trial, dtype=np.intp)
    time = np.asarray(time, dtype=float)
    group = np.asarray(group, dtype=np.intp)
    sizes = np.asarray(group_sizes)
    n_t = int(math.ceil(round(duration / bin_width, 6)))
    t_bin = np.minimum((time / bin_width).astype(int), n_t - 1)
    counts = np.zeros((n_trials, n_t, sizes.size))
    # np.add.at counts repeated (trial, bin, group) triples, which fancy-index += would drop
    np.add.at(counts, (trial, t_bin, group), 1.0)
    return counts / (sizes[None, None, :] * bin_width), (np.arange(n_t) + 0.5) * bin_width
