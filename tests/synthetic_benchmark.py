"""A benchmark on a synthetic human curve, for the tests of ceilings and metrics.

Its model "curve" is the result itself (``curve=lambda ds: ds``), so a test scores curves it
draws directly against ``human``.
"""

from __future__ import annotations

import xarray as xr

from neuromem.benchmarks import Benchmark, ShapeR2


def synthetic_benchmark(human: xr.DataArray, metric=None, identifier: str = "synthetic-curve") -> Benchmark:
    """A free-recall benchmark whose people's data are ``human`` and whose metric is ``metric`` (ShapeR2 by default)."""
    return Benchmark(
        identifier=identifier,
        parent="synthetic",
        version=1,
        task="free-recall",
        task_params={},
        reference=lambda: human,
        curve=lambda ds: ds,
        metric=metric or ShapeR2(),
        citation="synthetic",
    )
