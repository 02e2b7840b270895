"""A task's trials as arrays for artificial models: PsychRNN-style ``(x, y, mask)``.

Numpy only: a task builds its :class:`Encoded` here and the artificial models
move it to their device. Step k covers [k dt, (k + 1) dt); a period covers the
steps whose midpoint falls inside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

#: losses an encoding may name (the artificial layer adds those it registers: neuromem.artificial.losses)
LOSSES: set[str] = {"mse", "bce", "cross_entropy"}


@dataclass(frozen=True)
class Encoded:
    """Inputs ``x`` (T, B, n_in), targets ``y`` (T, B, n_out), loss mask (T, B) and write mask (T, B).

    ``write`` is 1 where an item is shown (what a key-value memory stores);
    ``loss`` is ``"mse"`` (targets are values) or ``"bce"`` (targets are 0/1 and
    outputs are logits).
    """

    x: Any
    y: Any
    mask: Any
    write: Any
    loss: str

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss={self.loss!r} is not allowed; choose one of {sorted(LOSSES)}")


def n_steps(trials: xr.Dataset, dt: float) -> int:
    """Steps of ``dt`` (s) that cover the longest trial."""
    return int(math.ceil(round(float(trials["trial_end"].max()) / dt, 6)))


def step_midpoints(T: int, dt: float) -> np.ndarray:
    """Midpoint (s) of each of ``T`` steps."""
    return (np.arange(T) + 0.5) * dt


def window(t: np.ndarray, on: Any, off: Any) -> np.ndarray:
    """(T, B) 1 where on <= t < off, for step times ``t`` (T,) and onsets/offsets (s) per trial.

    ``on`` and ``off`` are each one value per trial (B,) or one value for every trial (a
    scalar); they broadcast against each other, so a scalar with a (B,) array gives (T, B),
    and two scalars give (T, 1), which broadcasts against any number of trials.
    """
    on_b, off_b = (np.asarray(v, dtype=float) for v in (on, off))
    if on_b.ndim > 1 or off_b.ndim > 1:
        raise ValueError(f"window onsets and offsets are one value per trial or one for all; got shapes {on_b.shape} and {off_b.shape}")
    on_b, off_b = np.broadcast_arrays(np.atleast_1d(on_b), np.atleast_1d(off_b))
    return ((t[:, None] >= on_b[None, :]) & (t[:, None] < off_b[None, :])).astype(np.float32)


def mean_over(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Time-average of ``values`` (T, B, K) inside window ``w`` (T, B), per trial: (B, K)."""
    return (w[..., None] * values).sum(0) / np.maximum(w.sum(0), 1.0)[:, None]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logits -> probabilities (for tasks whose loss is ``"bce"``)."""
    from scipy.special import expit  # no overflow warning for large negative logits

    return expit(x)


def shown_items(trials: xr.Dataset, t: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (T, B, ``n_in``) with each shown item's line on (``item_id`` (trial, slot) between
    ``item_onset`` and ``item_offset``; -1: no item) and the write mask (T, B) of those steps."""
    B = trials.sizes["trial"]
    x = np.zeros((t.size, B, n_in), np.float32)
    write = np.zeros((t.size, B), np.float32)
    ids = trials["item_id"].values
    for slot in range(ids.shape[1]):
        used = ids[:, slot] >= 0
        w = window(t, np.where(used, trials["item_onset"].values[:, slot], np.inf), trials["item_offset"].values[:, slot])
        x[:, np.flatnonzero(used), ids[used, slot]] += w[:, used]
        write += w
    return x, write


def recall_set_targets(trials: xr.Dataset, t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loss mask (T, B): the read-out period (``readout_onset`` to ``trial_end``), also set as the last
    input line of ``x``; targets (T, B, pool): the studied set (``studied``) during it."""
    mask = window(t, trials["readout_onset"].values, trials["trial_end"].values)
    x[..., -1] = mask
    return mask, (mask[..., None] * trials["studied"].values[None, :, :]).astype(np.float32)


def readout_probability(trials: xr.Dataset, out: np.ndarray, dt: float) -> np.ndarray:
    """Mean output probability (trial, pool) over the read-out period of outputs (T, B, pool) that are logits."""
    t = step_midpoints(out.shape[0], dt)
    return mean_over(window(t, trials["readout_onset"].values, trials["trial_end"].values), sigmoid(out))
