"""Retention of studied patterns: recall by pattern completion after later patterns and delays.

A trial studies ``n_patterns`` random binary patterns one after another, waits
``test_delay`` and then cues every pattern with part of it; the model fills in
the rest (pattern completion, as in an auto-associative memory). How well the
recalled activity matches the stored pattern, as a function of the pattern's
age — the number of patterns studied after it (``lag``) and the time since it
was studied (``retention_interval``) — is the forgetting curve (Ebbinghaus 1885;
for palimpsest memories Amit & Fusi 1994; Benna & Fusi 2016).

Patterns live on ``n_features`` units; a model maps features onto its own
units (a block of excitatory neurons per feature, or input channels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import encoding as enc
from neuromem.tasks.base import Task, merge_timing
from neuromem.validation import as_rng, as_values, check_duration, check_positive_int

TEST_ORDERS: tuple[str, ...] = ("forward", "backward")


class Retention(Task):
    """Study patterns one after another, then recall each from a partial cue.

    Parameters
    ----------
    n_patterns : int
        Patterns studied per trial.
    n_features : int
        Units a pattern is written on.
    coding_level : float
        Fraction of active features per pattern (0 < f < 1).
    cue_fraction : float
        Fraction of a pattern's active features given as the cue (0 < c < 1).
    test_delays : sequence of float
        Seconds from the end of the last study period to the first test; trials
        cycle through them (forgetting in time at a fixed number of later patterns).
    test_order : {"forward", "backward"}
        Test the oldest pattern first (equal times since study, ages differ in
        number of later patterns) or the newest first.
    timing : mapping, optional
        Seconds for ``fixation``, ``study`` (each pattern), ``gap`` (after each
        pattern), ``test`` (each cue and recall) and ``test_gap`` (after each test).
    """

    name = "retention"
    tags = ("long-term-memory", "forgetting", "pattern-completion")
    references = "Ebbinghaus H (1885) Memory; Amit DJ, Fusi S (1994) Neural Comput 6:957-982; Benna MK, Fusi S (2016) Nat Neurosci 19:1697-1706"
    default_timing: Mapping[str, float] = {"fixation": 0.2, "study": 1.0, "gap": 1.0, "test": 0.3, "test_gap": 0.7}
    condition = "test_delay"
    condition_parameter = "test_delays"
    fit_defaults = {
        "n_patterns": 2,
        "n_features": 20,
        "coding_level": 0.25,
        "test_delays": [0.0, 0.2],
        "timing": {"fixation": 0.04, "study": 0.1, "gap": 0.1, "test": 0.1, "test_gap": 0.06},
    }
    perfect = {"overlap": 1.0, "identified": 1.0}

    def __init__(
        self,
        n_patterns: int = 6,
        n_features: int = 100,
        coding_level: float = 0.2,
        cue_fraction: float = 0.5,
        test_delays: Sequence[float] = (0.5,),
        test_order: str = "forward",
        timing: Mapping[str, float] | None = None,
    ) -> None:
        self.n_patterns = check_positive_int("n_patterns", n_patterns)
        self.n_features = check_positive_int("n_features", n_features)
        for key, value in (("coding_level", coding_level), ("cue_fraction", cue_fraction)):
            if not (isinstance(value, (int, float)) and 0 < value < 1):
                raise ValueError(f"{key}={value!r} is not allowed; it must be a fraction between 0 and 1")
        self.coding_level = float(coding_level)
        self.cue_fraction = float(cue_fraction)
        active = round(self.coding_level * self.n_features)
        if active < 2 or round(self.cue_fraction * active) < 1 or round(self.cue_fraction * active) >= active:
            raise ValueError(
                f"coding_level={coding_level} of n_features={n_features} gives {active} active features; a cue of "
                f"cue_fraction={cue_fraction} must leave at least one cued and one uncued feature"
            )
        delays = as_values("test_delays", test_delays)
        if delays.size == 0:
            raise ValueError("test_delays=[] is not allowed; give one or more delays in seconds")
        self.test_delays = tuple(check_duration("test_delays", d) for d in delays)
        if test_order not in TEST_ORDERS:
            raise ValueError(f"test_order={test_order!r} is not allowed; choose one of {TEST_ORDERS}")
        self.test_order = test_order
        self.timing = merge_timing(self.default_timing, timing, zero_ok=("fixation", "gap", "test_gap"))

    @property
    def n_active(self) -> int:
        return int(round(self.coding_level * self.n_features))

    @property
    def n_cued(self) -> int:
        return int(round(self.cue_fraction * self.n_active))

    def get_params(self) -> dict[str, Any]:
        return {
            "n_patterns": self.n_patterns,
            "n_features": self.n_features,
            "coding_level": self.coding_level,
            "cue_fraction": self.cue_fraction,
            "test_delays": list(self.test_delays),
            "test_order": self.test_order,
            "timing": dict(self.timing),
        }

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        """``n`` trials cycling through ``test_delays``, each with its own random patterns.

        Returns
        -------
        xarray.Dataset
            dims ``trial``, ``item`` (study position), ``feature``: ``pattern`` and
            ``cue`` (0/1), ``study_onset``, ``test_onset`` (s); coords ``lag``
            (patterns studied after the item), ``test_delay`` and ``retention_interval``.
        """
        n = check_positive_int("n", n)
        rng = as_rng(rng)
        P, F, t = self.n_patterns, self.n_features, self.timing
        order = np.argsort(rng.random((n, P, F)), axis=-1)  # a random permutation of the features per pattern
        pattern = np.zeros((n, P, F), dtype=np.int8)
        np.put_along_axis(pattern, order[..., : self.n_active], 1, axis=-1)
        cue = np.zeros_like(pattern)
        np.put_along_axis(cue, order[..., : self.n_cued], 1, axis=-1)
        delay = np.resize(np.asarray(self.test_delays), n)
        study_onset = t["fixation"] + np.arange(P) * (t["study"] + t["gap"])
        study_end = study_onset[-1] + t["study"]
        slot = np.arange(P) if self.test_order == "forward" else np.arange(P)[::-1]
        test_onset = study_end + delay[:, None] + slot[None, :] * (t["test"] + t["test_gap"])
        retention = test_onset - (study_onset + t["study"])[None, :]

        def secs(dims: tuple, values: np.ndarray, long_name: str) -> tuple:
            return (dims, values, {"units": "s", "long_name": long_name})

        ds = xr.Dataset(
            {
                "pattern": (("trial", "item", "feature"), pattern, {"units": "1", "long_name": "studied pattern (1: active feature)"}),
                "cue": (("trial", "item", "feature"), cue, {"units": "1", "long_name": "features given as the recall cue"}),
                "study_onset": secs(("item",), study_onset, "study onset from trial start"),
                "study_offset": secs(("item",), study_onset + t["study"], "study offset from trial start"),
                "test_onset": secs(("trial", "item"), test_onset, "cue (test) onset from trial start"),
                "test_offset": secs(("trial", "item"), test_onset + t["test"], "test offset from trial start"),
                "trial_end": secs(("trial",), test_onset.max(1) + t["test"] + t["test_gap"], "end of trial"),
            },
            coords={
                "trial": np.arange(n),
                "item": np.arange(P),
                "feature": np.arange(F),
                "lag": ("item", P - 1 - np.arange(P), {"units": "1", "long_name": "patterns studied after this one"}),
                "test_delay": ("trial", delay, {"units": "s", "long_name": "delay from the last study to the first test"}),
                "retention_interval": (("trial", "item"), retention, {"units": "s", "long_name": "time from the end of study to the test"}),
            },
        )
        return self._stamp(ds)

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        """Pattern completion per tested item.

        ``responses`` needs ``recalled`` (trial, item, feature): the activity of
        each feature while the item was cued (any units; rates for spiking models).

        Returns
        -------
        xarray.Dataset
            ``overlap`` (trial, item): Pearson correlation between recalled activity
            and the stored pattern over the features *outside the cue* (0 at chance,
            1 for perfect completion; 0 where the activity there is flat);
            ``identified``: the activity outside the cue correlates best with this
            item's pattern among the trial's patterns (chance 1 / n_patterns).
        """
        self.check_trials(trials)
        if "recalled" not in responses or set(responses["recalled"].dims) != {"trial", "item", "feature"}:
            raise ValueError("responses need a 'recalled' variable on dims (trial, item, feature)")
        if not np.array_equal(responses["trial"].values, trials["trial"].values):
            raise ValueError("responses and trials are not aligned on 'trial' (different trial labels)")
        if responses.sizes["feature"] != trials.sizes["feature"] or responses.sizes["item"] != trials.sizes["item"]:
            raise ValueError("responses and trials differ in the number of items or features")
        act = responses["recalled"].transpose("trial", "item", "feature").values.astype(float)
        pat = trials["pattern"].values.astype(float)
        outside = trials["cue"].values == 0
        n, P, _ = act.shape
        overlap = np.zeros((n, P))
        identified = np.zeros((n, P), dtype=np.int8)
        for k in range(P):
            m = outside[:, k, :]
            # correlation with every stored pattern of the trial, over this test's uncued features
            sims = np.stack([_masked_corr(act[:, k, :], pat[:, j, :], m) for j in range(P)], axis=1)
            overlap[:, k] = sims[:, k]
            identified[:, k] = (np.argmax(sims, axis=1) == k) & (sims[:, k] > 0)
        ds = xr.Dataset(
            {
                "overlap": (("trial", "item"), overlap, {"units": "1", "long_name": "correlation of recalled activity with the pattern (uncued features)"}),
                "identified": (("trial", "item"), identified, {"units": "1", "long_name": "recall closest to this pattern among those studied"}),
            },
            coords={
                "trial": trials["trial"],
                "item": trials["item"],
                "lag": trials["lag"],
                "test_delay": trials["test_delay"],
                "retention_interval": trials["retention_interval"],
            },
        )
        ds.attrs["identified_chance"] = 1.0 / P
        return self._stamp(ds)

    # ------------------------------------------------- artificial-model coding
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        """Inputs: the features and a test flag; outputs: one logit per feature."""
        return trials.sizes["feature"] + 1, trials.sizes["feature"]

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, *, show_study: bool = True, **options: Any) -> enc.Encoded:
        """Study periods show the whole pattern, tests show the cue and a test flag; targets: the pattern (BCE).

        ``show_study=False`` leaves the study periods blank, so a pattern can only
        come back from what the weights learned (in-weights memory).
        """
        T = steps if steps is not None else enc.n_steps(trials, dt)
        t = enc.step_midpoints(T, dt)
        B = trials.sizes["trial"]
        n_in, n_out = self.io_sizes(trials)
        x = np.zeros((T, B, n_in), np.float32)
        y = np.zeros((T, B, n_out), np.float32)
        pattern = trials["pattern"].values.astype(np.float32)
        cue = trials["cue"].values.astype(np.float32)
        write = np.zeros((T, B), np.float32)
        mask = np.zeros((T, B), np.float32)
        for k in range(trials.sizes["item"]):
            if show_study:
                s = enc.window(t, np.full(B, float(trials["study_onset"][k])), np.full(B, float(trials["study_offset"][k])))
                x[..., :-1] += s[..., None] * pattern[None, :, k, :]
                write += s
            test = enc.window(t, trials["test_onset"].values[:, k], trials["test_offset"].values[:, k])
            x[..., :-1] += test[..., None] * cue[None, :, k, :]
            x[..., -1] += test
            y += test[..., None] * pattern[None, :, k, :]
            mask += test
        return enc.Encoded(x, y, mask, write, "bce")

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        """``recalled`` (trial, item, feature): mean output probability while each item is cued."""
        t = enc.step_midpoints(out.shape[0], dt)
        prob = enc.sigmoid(out)
        rec = np.stack(
            [enc.mean_over(enc.window(t, trials["test_onset"].values[:, k], trials["test_offset"].values[:, k]), prob) for k in range(trials.sizes["item"])],
            axis=1,
        )
        return xr.Dataset(
            {"recalled": (("trial", "item", "feature"), rec, {"units": "1", "long_name": "mean output probability of each feature while cued"})},
            coords={"trial": trials["trial"].values, "item": trials["item"].values, "feature": trials["feature"].values},
        )


def _masked_corr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation of ``a`` and ``b`` over ``mask``; 0 where either is flat."""
    w = mask.astype(float)
    cnt = w.sum(1, keepdims=True)
    am = a - (a * w).sum(1, keepdims=True) / cnt
    bm = b - (b * w).sum(1, keepdims=True) / cnt
    num = (am * bm * w).sum(1)
    den = np.sqrt((am**2 * w).sum(1) * (bm**2 * w).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
