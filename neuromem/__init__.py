"""neuromem: biological and artificial models of memory on the same tasks.

``import neuromem`` needs only numpy, scipy and xarray; Brian2 and PyTorch are
imported when a model that needs them is loaded.
"""

from typing import Any

from neuromem._version import __version__
from neuromem.cards import list_models, load_card, load_model
from neuromem.tasks import get_task, list_tasks


def score(model: Any, benchmark: Any, seeds: Any = (1,), trials: Any = None) -> Any:
    """Score a model object (registered or not) on one benchmark: see :func:`neuromem.benchmarks.score`."""
    from neuromem.benchmarks import score as _score

    return _score(model, benchmark, seeds=seeds, trials=trials)


def benchmark(**options: Any) -> Any:
    """Every registered model on every benchmark it can run, one table: see :func:`neuromem.benchmarks.table.benchmark`
    (``workers=N`` or ``scheduler="tcp://..."`` run it on a dask cluster)."""
    from neuromem.experiments.benchmark import run_benchmark

    return run_benchmark(**options)


__all__ = ["__version__", "benchmark", "get_task", "list_models", "list_tasks", "load_card", "load_model", "score"]
