"""Multi-item recall and change detection in working memory.

K items (out of ``n_items`` possible ones) are shown one after another, held
through a delay, and recalled at a read-out; a probe then asks whether it was
among them (change detection). Accuracy falls with set size, and Cowan's K =
N (H - F) estimates capacity at about 3-4 items in humans (Luck & Vogel 1997;
Cowan 2001). In the synaptic theory of working memory (Mongillo et al. 2008)
items are pools of neurons held by short-term facilitation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import encoding as enc
from neuromem.tasks.base import Task, draw_lists, merge_timing
from neuromem.validation import as_rng, check_duration, check_positive_int


class MultiItemRecall(Task):
    """Present ``set_size`` distinct items, hold them, recall them, answer a probe.

    Parameters
    ----------
    set_sizes : sequence of int
        Set sizes the trials cycle through (each from 1 to ``n_items``).
    n_items : int
        Number of distinct items (e.g. selective pools of a network).
    delay : float
        Seconds from the end of the last item to the read-out.
    timing : mapping, optional
        Seconds for ``fixation`` (before the first item), ``item`` (each item),
        ``gap`` (between items), ``readout`` (the read-out period).
    """

    name = "multi-item-recall"
    tags = ("working-memory", "capacity", "change-detection")
    references = "Luck SJ, Vogel EK (1997) Nature 390:279-281; Cowan N (2001) Behav Brain Sci 24:87-114"
    default_timing: Mapping[str, float] = {"fixation": 0.3, "item": 0.35, "gap": 0.15, "readout": 0.25}
    condition = "set_size"
    condition_parameter = "set_sizes"
    fit_defaults = {"set_sizes": [1, 2, 3], "delay": 0.3, "timing": {"fixation": 0.1, "item": 0.1, "gap": 0.06, "readout": 0.1}}
    perfect = {"accuracy": 1.0, "intrusions": 0.0}

    def __init__(self, set_sizes: Sequence[int] = (1, 2, 3, 4), n_items: int = 5, delay: float = 1.0, timing: Mapping[str, float] | None = None) -> None:
        self.n_items = check_positive_int("n_items", n_items)
        sizes = [check_positive_int("set_sizes", s) for s in np.atleast_1d(np.asarray(set_sizes, dtype=object))]
        if not sizes or max(sizes) > self.n_items:
            raise ValueError(f"set_sizes={list(set_sizes)} is not allowed; each must be between 1 and n_items={self.n_items}")
        self.set_sizes = tuple(sizes)
        self.delay = check_duration("delay", delay)
        self.timing = merge_timing(self.default_timing, timing, zero_ok=("fixation", "gap"))

    def get_params(self) -> dict[str, Any]:
        return {"set_sizes": list(self.set_sizes), "n_items": self.n_items, "delay": self.delay, "timing": dict(self.timing)}

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        """``n`` trials cycling through the set sizes; half the probes are studied items.

        Returns
        -------
        xarray.Dataset
            dims ``trial``, ``item`` (presentation slot), ``pool`` (item identity);
            ``item_id`` (-1 where a slot is unused), onsets in s, ``studied``
            (trial, pool) as the recall target, ``probe_id`` and ``probe_is_old``.
        """
        n = check_positive_int("n", n)
        rng = as_rng(rng)
        size = np.resize(np.asarray(self.set_sizes), n)
        slots = max(self.set_sizes)
        item_id, studied, order = draw_lists(rng, self.n_items, size, slots)
        used = item_id >= 0
        t = self.timing
        onset = t["fixation"] + np.arange(slots) * (t["item"] + t["gap"])
        item_onset = np.where(used, onset[None, :], np.nan)
        last_offset = t["fixation"] + size * t["item"] + (size - 1) * t["gap"]
        readout_onset = last_offset + self.delay
        # probe: a studied item on half the trials, an unstudied one on the rest (when one exists)
        want_old = (rng.random(n) < 0.5) | (size == self.n_items)
        old_pick = order[np.arange(n), rng.integers(0, size)]
        new_pick = order[np.arange(n), np.minimum(size + rng.integers(0, np.maximum(self.n_items - size, 1)), self.n_items - 1)]
        probe = np.where(want_old, old_pick, new_pick)

        def secs(dims: tuple, values: np.ndarray, long_name: str) -> tuple:
            return (dims, values, {"units": "s", "long_name": long_name})

        ds = xr.Dataset(
            {
                "item_id": (("trial", "item"), item_id, {"units": "1", "long_name": "item shown in this slot (-1: none)"}),
                "item_onset": secs(("trial", "item"), item_onset, "item onset from trial start"),
                "item_offset": secs(("trial", "item"), item_onset + t["item"], "item offset from trial start"),
                "readout_onset": secs(("trial",), readout_onset, "read-out (recall) onset"),
                "trial_end": secs(("trial",), readout_onset + t["readout"], "end of trial"),
                "studied": (("trial", "pool"), studied, {"units": "1", "long_name": "item was shown (recall target)"}),
                "probe_id": ("trial", probe, {"units": "1", "long_name": "probed item"}),
                "probe_is_old": ("trial", want_old.astype(np.int8), {"units": "1", "long_name": "probe was shown"}),
            },
            coords={
                "trial": np.arange(n),
                "item": np.arange(slots),
                "pool": np.arange(self.n_items),
                "set_size": ("trial", size),
                "delay": ("trial", np.full(n, self.delay), {"units": "s", "long_name": "delay after the last item"}),
            },
        )
        return self._stamp(ds)

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        """Per-trial recall and change-detection outcome.

        ``responses`` needs ``recalled`` (trial, pool): 1 where the item was
        recalled at read-out. The probe is answered "old" when it was recalled.
        """
        self.check_trials(trials)
        if "recalled" not in responses or set(responses["recalled"].dims) != {"trial", "pool"}:
            raise ValueError("responses need a 'recalled' variable on dims (trial, pool)")
        if not np.array_equal(responses["trial"].values, trials["trial"].values):
            raise ValueError("responses and trials are not aligned on 'trial' (different trial labels)")
        recalled = responses["recalled"].transpose("trial", "pool").values.astype(bool)
        studied = trials["studied"].values.astype(bool)
        size = trials["set_size"].values
        said_old = recalled[np.arange(recalled.shape[0]), trials["probe_id"].values]
        ds = xr.Dataset(
            {
                "accuracy": ("trial", (recalled & studied).sum(1) / size, {"units": "1", "long_name": "fraction of shown items recalled"}),
                "intrusions": ("trial", (recalled & ~studied).sum(1), {"units": "1", "long_name": "items recalled but not shown"}),
                "said_old": ("trial", said_old.astype(np.int8), {"units": "1", "long_name": "probe answered as shown"}),
                "probe_is_old": trials["probe_is_old"],
            },
            coords={"trial": trials["trial"], "set_size": trials["set_size"]},
        )
        return self._stamp(ds)

    # ------------------------------------------------- artificial-model coding
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        """Inputs: one line per item and a read-out flag; outputs: one logit per item."""
        return trials.sizes["pool"] + 1, trials.sizes["pool"]

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> enc.Encoded:
        """Each item's line while it is shown; at read-out, the studied items as 0/1 targets (BCE)."""
        T = steps if steps is not None else enc.n_steps(trials, dt)
        t = enc.step_midpoints(T, dt)
        x, write = enc.shown_items(trials, t, self.io_sizes(trials)[0])
        mask, y = enc.recall_set_targets(trials, t, x)
        return enc.Encoded(x, y, mask, write, "bce")

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        """``recalled`` (trial, pool): mean output probability at read-out > 0.5."""
        p = enc.readout_probability(trials, out, dt)
        return xr.Dataset(
            {
                "recalled": (("trial", "pool"), (p > 0.5).astype(np.int8), {"units": "1", "long_name": "item reported at read-out"}),
                "recall_probability": (("trial", "pool"), p, {"units": "1", "long_name": "mean output probability at read-out"}),
            },
            coords={"trial": trials["trial"].values, "pool": trials["pool"].values},
        )
