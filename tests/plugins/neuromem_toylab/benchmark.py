"""A lab's benchmark: digit recall accuracy against the lab's own (here simulated) subjects."""

from __future__ import annotations

import numpy as np
import xarray as xr

from neuromem.benchmarks import Benchmark, Effect, ShapeR2, mean_at

DELAYS = [0.1, 0.5, 1.0, 2.0, 3.0]


def subjects() -> xr.DataArray:
    """24 subjects whose accuracy decays as a 1.5 s trace with guessing among 4 digits, plus per-subject noise."""
    rng = np.random.default_rng(7)
    truth = 0.25 + 0.75 * np.exp(-np.asarray(DELAYS) / 1.5)
    values = np.clip(truth + rng.normal(0, 0.05, size=(24, len(DELAYS))), 0, 1)
    return xr.DataArray(values, dims=("subject", "delay"), coords={"subject": np.arange(24), "delay": DELAYS}, attrs={"units": "1", "long_name": "accuracy"})


def accuracy(result: xr.Dataset) -> xr.DataArray:
    return result["correct"].groupby("delay").mean()


DIGIT_ACCURACY = Benchmark(
    identifier="toylab2026-digit-accuracy",
    parent="working-memory/categorical",
    version=1,
    task="digit-recall",
    task_params={"delays": DELAYS},
    reference=subjects,
    curve=accuracy,
    metric=ShapeR2(),
    effects=(Effect("forgetting", "accuracy at 0.1 s above 3 s", lambda x, c: mean_at(x, c, 0.1, 0.1) - mean_at(x, c, 3.0, 3.0)),),
    citation="simulated subjects of the test suite's toy lab",
    description="digit recall accuracy by delay",
    trials=200,
    quick_trials=100,
)
