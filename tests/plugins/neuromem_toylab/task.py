"""Digit recall: one of ``n_digits`` digits is shown, held through a delay, then reported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import encoding as enc
from neuromem.tasks.base import Task, merge_timing
from neuromem.validation import as_rng, check_duration, check_positive_int


class DigitRecall(Task):
    """Report which of n digits was shown before a delay (chance 1/n)."""

    name = "digit-recall"
    tags = ("working-memory", "categorical-report")
    references = "a toy task of the test suite"
    condition = "delay"
    condition_parameter = "delays"
    fit_defaults = {"delays": [0.1, 0.3], "timing": {"cue": 0.1, "response": 0.1}}
    perfect = {"correct": 1.0}
    default_timing = {"cue": 0.2, "response": 0.2}

    def __init__(self, delays: Sequence[float] = (0.5, 2.0), n_digits: int = 4, timing: dict | None = None) -> None:
        self.delays = tuple(check_duration("delays", d) for d in np.atleast_1d(delays))
        self.n_digits = check_positive_int("n_digits", n_digits)
        self.timing = merge_timing(self.default_timing, timing)

    def get_params(self) -> dict[str, Any]:
        return {"delays": list(self.delays), "n_digits": self.n_digits, "timing": dict(self.timing)}

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        n = check_positive_int("n", n)
        digit = as_rng(rng).integers(self.n_digits, size=n)
        delay = np.resize(np.asarray(self.delays), n)
        onset = self.timing["cue"] + delay
        s = {"units": "s"}
        ds = xr.Dataset(
            {
                "digit": ("trial", digit, {"units": "1", "long_name": "digit shown"}),
                "response_onset": ("trial", onset, {**s, "long_name": "start of report"}),
                "trial_end": ("trial", onset + self.timing["response"], {**s, "long_name": "end of trial"}),
            },
            coords={
                "trial": np.arange(n),
                "delay": ("trial", delay, {**s, "long_name": "delay"}),
                "candidate": ("candidate", np.arange(self.n_digits), {"units": "1", "long_name": "digit"}),
            },
        )
        return self._stamp(ds)

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        self.check_trials(trials)
        correct = (responses["reported"].values == trials["digit"].values).astype(float)
        return self._stamp(
            xr.Dataset(
                {"correct": ("trial", correct, {"units": "1", "long_name": "digit reported correctly"})},
                coords={"trial": trials["trial"], "delay": trials["delay"]},
            )
        )

    # the encoding for artificial models lives here, not in neuromem.artificial
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        return trials.sizes["candidate"] + 1, trials.sizes["candidate"]

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> enc.Encoded:
        T = steps if steps is not None else enc.n_steps(trials, dt)
        t = enc.step_midpoints(T, dt)
        B, K = trials.sizes["trial"], trials.sizes["candidate"]
        onehot = np.eye(K, dtype=np.float32)[trials["digit"].values]
        cue = enc.window(t, np.zeros(B), np.full(B, self.timing["cue"]))
        mask = enc.window(t, trials["response_onset"].values, trials["trial_end"].values)
        x = np.concatenate([cue[..., None] * onehot[None], mask[..., None]], axis=-1)
        return enc.Encoded(x, mask[..., None] * onehot[None], mask, cue, "bce")

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        t = enc.step_midpoints(out.shape[0], dt)
        mean = enc.mean_over(enc.window(t, trials["response_onset"].values, trials["trial_end"].values), out)
        return xr.Dataset({"reported": ("trial", mean.argmax(1), {"units": "1", "long_name": "digit reported"})}, coords={"trial": trials["trial"].values})
