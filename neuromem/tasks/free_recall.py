"""Free recall of lists: the serial-position curve and the two-store debate.

A list of ``list_length`` items drawn from a pool of ``n_items`` is shown one item
at a time; after the list the items are recalled in any order. Three distractor
schedules cycle through the trials (Glanzer & Cunitz 1966; Bjork & Whitten 1974):

* ``immediate``: recall starts right after the last item;
* ``delayed``: a filled distractor period (e.g. arithmetic) precedes recall;
* ``continual``: a distractor period follows *every* item, the last one included.

A filled delay removes the recency effect and leaves primacy, which a short-term
buffer explains; the continual distractor brings recency back, which a single
store with a drifting temporal context explains (Howard & Kahana 2002; Polyn,
Norman & Kahana 2009) and a buffer does not.

Responses are ragged recall sequences (``recall`` (trial, output), item ids, -1
past the last recall; intrusions and repeats allowed). The trials say so
(``attrs["expects"] = "recall"``); a spiking network, which holds the list as pool
activity, reads its recall order out itself (:mod:`neuromem.spiking.readout`): the task
only scores.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import encoding as enc
from neuromem.tasks.base import Task, draw_lists, merge_timing
from neuromem.validation import as_rng, check_positive_int

#: distractor schedules, in the order the trials cycle through them
SCHEDULES: tuple[str, ...] = ("immediate", "delayed", "continual")
#: what the trials ask a model for (``trials.attrs["expects"]``): the sequence of recalled item ids
EXPECTS = "recall"


class FreeRecall(Task):
    """Study a list, then recall its items in any order.

    Parameters
    ----------
    list_lengths : sequence of int
        List lengths the trials cycle through (each from 1 to ``n_items``).
    conditions : sequence of str
        Distractor schedules, from ``"immediate"``, ``"delayed"``, ``"continual"``.
    n_items : int
        Size of the pool the list items are drawn from (without replacement).
    timing : mapping, optional
        Seconds for ``item`` (each presentation), ``gap`` (blank after each item),
        ``distractor`` (each filled distractor period) and ``recall`` (the recall period).
    """

    name = "free-recall"
    tags = ("episodic-memory", "free-recall", "serial-position", "two-store")
    references = (
        "Murdock BB (1962) J Exp Psychol 64:482-488; Glanzer M, Cunitz AR (1966) J Verbal Learn Verbal Behav 5:351-360; "
        "Bjork RA, Whitten WB (1974) Cogn Psychol 6:173-189; Kahana MJ (1996) Mem Cognit 24:103-109"
    )
    default_timing: Mapping[str, float] = {"item": 1.0, "gap": 0.5, "distractor": 16.0, "recall": 60.0}
    condition = "condition"
    condition_parameter = "conditions"
    fit_defaults = {"list_lengths": [6, 8], "n_items": 16, "timing": {"item": 0.06, "gap": 0.02, "distractor": 0.2, "recall": 0.1}}
    perfect = {"recall_fraction": 1.0, "intrusions": 0.0, "repeats": 0.0}

    def __init__(
        self, list_lengths: Sequence[int] = (8, 16), conditions: Sequence[str] = SCHEDULES, n_items: int = 100, timing: Mapping[str, float] | None = None
    ) -> None:
        self.n_items = check_positive_int("n_items", n_items)
        lengths = [check_positive_int("list_lengths", n) for n in np.atleast_1d(np.asarray(list_lengths, dtype=object))]
        if not lengths or max(lengths) > self.n_items:
            raise ValueError(f"list_lengths={[int(n) for n in lengths]} is not allowed; each must be between 1 and n_items={self.n_items}")
        self.list_lengths = tuple(lengths)
        chosen = [str(c) for c in np.atleast_1d(np.asarray(conditions, dtype=object))]
        bad = [c for c in chosen if c not in SCHEDULES]
        if not chosen or bad:
            raise ValueError(f"conditions={chosen!r} is not allowed; choose from {list(SCHEDULES)}")
        self.conditions_ = tuple(chosen)
        self.timing = merge_timing(self.default_timing, timing, zero_ok=("gap",))

    def get_params(self) -> dict[str, Any]:
        return {"list_lengths": list(self.list_lengths), "conditions": list(self.conditions_), "n_items": self.n_items, "timing": dict(self.timing)}

    def conditions(self) -> list[tuple[str, int]]:
        """Every (distractor schedule, list length) pair; trials cycle through them."""
        return list(itertools.product(self.conditions_, self.list_lengths))

    # ------------------------------------------------------------------ trials
    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        """``n`` lists cycling through the (schedule, list length) pairs.

        Returns
        -------
        xarray.Dataset
            dims ``trial``, ``position`` (serial position, 1-based), ``pool`` (item identity);
            ``item_id`` (-1 past the list's end), item and distractor onsets/offsets in s
            (NaN where none), ``readout_onset`` (start of recall), ``trial_end`` and
            ``studied`` (trial, pool).
        """
        n = check_positive_int("n", n)
        rng = as_rng(rng)
        pairs = self.conditions()
        which = np.resize(np.arange(len(pairs)), n)
        schedule = np.array([pairs[k][0] for k in which], dtype=object)
        length = np.array([pairs[k][1] for k in which])
        slots = max(self.list_lengths)
        item_id, studied, _ = draw_lists(rng, self.n_items, length, slots)
        used = item_id >= 0
        t = self.timing
        continual = (schedule == "continual")[:, None]
        after_item = t["item"] + t["gap"] + np.where(continual, t["distractor"], 0.0)  # (n, 1) s from one onset to the next
        onset = np.arange(slots)[None, :] * after_item
        item_onset = np.where(used, onset, np.nan)
        item_offset = item_onset + t["item"]
        is_last = np.arange(slots)[None, :] == (length - 1)[:, None]
        has_distractor = used & (continual | (is_last & (schedule == "delayed")[:, None]))
        distractor_onset = np.where(has_distractor, item_offset + t["gap"], np.nan)
        last_end = np.nanmax(np.where(has_distractor, distractor_onset + t["distractor"], item_offset + t["gap"]), axis=1)
        readout_onset = last_end

        def secs(dims: tuple, values: np.ndarray, long_name: str) -> tuple:
            return (dims, values, {"units": "s", "long_name": long_name})

        ds = xr.Dataset(
            {
                "item_id": (("trial", "position"), item_id, {"units": "1", "long_name": "item shown at this serial position (-1: none)"}),
                "item_onset": secs(("trial", "position"), item_onset, "item onset from trial start"),
                "item_offset": secs(("trial", "position"), item_offset, "item offset from trial start"),
                "distractor_onset": secs(("trial", "position"), distractor_onset, "onset of the distractor after this item (NaN: none)"),
                "distractor_offset": secs(("trial", "position"), distractor_onset + t["distractor"], "offset of the distractor after this item"),
                "readout_onset": secs(("trial",), readout_onset, "recall onset"),
                "trial_end": secs(("trial",), readout_onset + t["recall"], "end of the recall period"),
                "studied": (("trial", "pool"), studied, {"units": "1", "long_name": "item was studied in this list"}),
            },
            coords={
                "trial": np.arange(n),
                "position": ("position", np.arange(1, slots + 1), {"units": "1", "long_name": "serial position"}),
                "pool": np.arange(self.n_items),
                "condition": ("trial", schedule.astype(str), {"long_name": "distractor schedule"}),
                "list_length": ("trial", length, {"units": "1", "long_name": "list length"}),
            },
        )
        ds.attrs["expects"] = EXPECTS  # a network that holds the list as activity reads its recall order out (spiking/readout.py)
        return self._stamp(ds)

    # ------------------------------------------------------------------- score
    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        """Per-list outcome of the recall sequence ``recall`` (trial, output).

        Returns ``position_recalled`` (trial, position: 1 where
        the item was recalled at least once), ``serial_position`` (trial, output:
        1-based position of each recall, 0 for an intrusion, -1 past the end),
        ``repeat`` (trial, output), ``n_recalled``, ``intrusions``, ``repeats``.
        """
        self.check_trials(trials)
        if "recall" not in responses:
            raise ValueError(
                "responses need 'recall' (trial, output): recalled item ids, -1 past the end"
                " (a spiking network reads it from its rates with neuromem.spiking.readout.recall_from_rates)"
            )
        if not np.array_equal(responses["trial"].values, trials["trial"].values):
            raise ValueError("responses and trials are not aligned on 'trial' (different trial labels)")
        recall = responses["recall"].transpose("trial", "output").values.astype(int)
        ids = trials["item_id"].values
        # serial position of each recalled item (0: not on the list)
        match = (recall[:, :, None] == ids[:, None, :]) & (recall[:, :, None] >= 0)
        position = np.where(match.any(2), match.argmax(2) + 1, 0)
        position = np.where(recall >= 0, position, -1)
        seen = np.zeros_like(match)
        seen[:, 1:] = np.cumsum(match, axis=1)[:, :-1] > 0
        repeat = (match & seen).any(2)
        recalled = match.any(1)
        L = trials["list_length"].values
        n_rec = recalled.sum(1)
        coords = {"trial": trials["trial"], "condition": trials["condition"], "list_length": trials["list_length"]}
        ds = xr.Dataset(
            {
                "position_recalled": (
                    ("trial", "position"),
                    recalled.astype(np.int8),
                    {"units": "1", "long_name": "item at this serial position recalled (at least once)"},
                ),
                "serial_position": (("trial", "output"), position, {"units": "1", "long_name": "serial position of each recall (0: intrusion, -1: none)"}),
                "repeat": (("trial", "output"), repeat.astype(np.int8), {"units": "1", "long_name": "recall repeats an item already recalled"}),
                "n_recalled": ("trial", n_rec, {"units": "1", "long_name": "list items recalled"}),
                "recall_fraction": ("trial", n_rec / L, {"units": "1", "long_name": "fraction of the list recalled"}),
                "intrusions": ("trial", (position == 0).sum(1), {"units": "1", "long_name": "recalls of items not on the list"}),
                "repeats": ("trial", repeat.sum(1), {"units": "1", "long_name": "repeated recalls"}),
            },
            coords={**coords, "output": responses["output"].values, "position": trials["position"]},
        )
        return self._stamp(ds)

    # ------------------------------------------------- artificial-model coding
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        """Inputs: one line per pool item, a distractor line, a recall cue; outputs: one logit per item."""
        return trials.sizes["pool"] + 2, trials.sizes["pool"]

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> enc.Encoded:
        """Items on their lines, distractors on theirs; in the recall period the studied set as 0/1 targets.

        The loss does not care about output order: every studied item is a target
        through the whole recall period (binary cross-entropy on the set), so a
        network is rewarded for *what* it recalls; the order is read from its
        confidence (:meth:`decode`).
        """
        T = steps if steps is not None else enc.n_steps(trials, dt)
        t = enc.step_midpoints(T, dt)
        x, write = enc.shown_items(trials, t, self.io_sizes(trials)[0])
        on = trials["distractor_onset"].values
        for slot in range(on.shape[1]):
            x[..., -2] += enc.window(t, np.where(np.isnan(on[:, slot]), np.inf, on[:, slot]), trials["distractor_offset"].values[:, slot])
        mask, y = enc.recall_set_targets(trials, t, x)
        return enc.Encoded(x, y, mask, write, "bce")

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        """``recall``: items whose mean output probability in the recall period is > 0.5, most confident first."""
        p = enc.readout_probability(trials, out, dt)
        return recall_from_scores(trials, p, 0.5, "mean output probability in the recall period")


# ------------------------------------------------------------- read-outs
def recall_from_scores(trials: xr.Dataset, score: np.ndarray, threshold: float, what: str) -> xr.Dataset:
    """``recall`` (trial, output): items with ``score`` (trial, pool) above ``threshold``, highest first."""
    order = np.argsort(-score, axis=1, kind="stable")
    above = np.take_along_axis(score, order, axis=1) > threshold
    recall = np.where(above, order, -1)
    width = max(int(above.sum(1).max()), 1)
    return xr.Dataset(
        {
            "recall": (("trial", "output"), recall[:, :width], {"units": "1", "long_name": "recalled item, in output order (-1: none)"}),
            "recall_score": (("trial", "pool"), score, {"units": "1", "long_name": what}),
        },
        coords={"trial": trials["trial"].values, "output": np.arange(1, width + 1), "pool": trials["pool"].values},
    )
