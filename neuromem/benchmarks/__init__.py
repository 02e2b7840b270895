"""Benchmarks: every model on the tasks people did, scored against their data with ceilings.

The fourth registry, beside tasks, models and experiments. A lab adds its own from
its package, with no edit to neuromem::

    [project.entry-points."neuromem.benchmarks"]
    mylab2026-recall = "mylab.benchmarks:RECALL"     # a neuromem.benchmarks.Benchmark

:func:`score` scores any model object (registered or not) on one benchmark;
:func:`neuromem.benchmarks.table.benchmark` scores every registered model on every
benchmark its card can run, into one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import xarray as xr

from neuromem.benchmarks.base import Benchmark, Effect, mean_at
from neuromem.benchmarks.builtin import BUILTIN
from neuromem.benchmarks.metrics import Closeness, Metric, SEMCloseness, ShapeR2, spearman_brown
from neuromem.registry import Registry

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "Closeness",
    "Effect",
    "Metric",
    "SEMCloseness",
    "ShapeR2",
    "get_benchmark",
    "list_benchmarks",
    "mean_at",
    "score",
    "spearman_brown",
]


def _check_benchmark(name: str, obj: Any) -> Benchmark:
    if not isinstance(obj, Benchmark):
        raise ValueError(f"it is {obj!r}, not a neuromem.benchmarks.Benchmark")
    if obj.identifier != name:
        raise ValueError(f"its identifier is {obj.identifier!r}, the entry point {name!r}")
    return obj


BENCHMARKS: Registry[Benchmark] = Registry("benchmark", "neuromem.benchmarks", _check_benchmark)
for _b in BUILTIN:
    BENCHMARKS.register(_b.identifier, _b)


def list_benchmarks() -> list[str]:
    """Identifiers of the registered benchmarks (built-in and plug-ins)."""
    return BENCHMARKS.names()


def get_benchmark(identifier: str) -> Benchmark:
    """The benchmark ``identifier``; an unknown one raises ``ValueError`` listing the known ones."""
    return BENCHMARKS.get(identifier)


def score(model: Any, benchmark: str | Benchmark, seeds: Sequence[int] = (1,), trials: int | None = None) -> xr.Dataset:
    """Score a model object on one benchmark, with no registration (a lab's model in a notebook).

    Parameters
    ----------
    model
        Anything with neuromem's ``run(trials, *, seed, progress, checkpoint)``
        returning the task's responses (a loaded card model, a fitted network, a
        lab's own class).
    benchmark : str or Benchmark
        A registered identifier, or a Benchmark object.
    seeds : sequence of int
        One run per seed; the interval resamples them with the human subjects.
    trials : int, optional
        Trials per condition per seed (default: the benchmark's).

    Returns
    -------
    xarray.Dataset
        Scalars ``raw``, ``ceiling``, ``score`` (clipped to [0, 1]),
        ``score_unclipped``, ``ci_low``, ``ci_high``, the same with a ``closeness_``
        prefix, ``distance_se``, the effects; ``curve`` (seed, x); the benchmark's
        identifier, version and citation in the attrs.
    """
    bench = benchmark if isinstance(benchmark, Benchmark) else get_benchmark(benchmark)
    return bench(model, seeds=list(seeds), trials=trials)
