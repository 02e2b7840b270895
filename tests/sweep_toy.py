"""A test experiment for sweeps: each point waits ``hold`` seconds, then draws five normal numbers.

Importable by the dask workers (they start with the test process's ``sys.path``);
``marker`` leaves a file per start of a point (which process ran it), ``fail_at``
makes one level raise.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import xarray as xr

from neuromem.experiments import Experiment, Param
from neuromem.results import provenance


def _hold(*, level: float, seed: int, hold: float, fail_at: float | None, marker: str | None, out: str | None, quiet: bool):
    if marker:
        Path(marker, f"{level}-{seed}-{os.getpid()}").touch()
    time.sleep(hold)
    if fail_at is not None and level == fail_at:
        raise RuntimeError(f"level {level} fails on purpose")
    values = np.random.default_rng(seed).normal(level, 1.0, size=5)
    ds = xr.Dataset({"value": ("sample", values, {"units": "1", "long_name": "a draw"})}, coords={"sample": np.arange(5)})
    ds.attrs.update(
        provenance(title="hold", model="none", model_family="none", task="none", parameters={"level": level}, seed=seed, backend="numpy", references="none")
    )
    return {"values": (ds, None)}


HOLD = Experiment(
    "hold",
    "wait, then draw numbers (tests)",
    (
        Param("level", float, 0.0, "mean of the draws"),
        Param("seed", int, 1, "seed"),
        Param("hold", float, 0.0, "seconds to wait", units="s"),
        Param("fail_at", float, None, "a level that raises"),
        Param("marker", str, None, "folder for a file per start"),
        Param("out", str, None, "unused"),
        Param("quiet", flag=True, default=False, help="unused"),
    ),
    _hold,
)
