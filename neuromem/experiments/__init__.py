"""Named experiments: what ``neuromem run <experiment>``, notebooks and scripts call.

Each is declared once (:class:`Experiment`, a table of :class:`Param`); built-ins
are registered here and a lab's own come from the ``neuromem.experiments``
entry-point group. Call one from Python with keyword parameters::

    from neuromem.experiments import get_experiment
    written = get_experiment("working-memory")(delays=[0.5, 1.0], trials=10, seed=1, out="results")
    ds, path = written["trials"]
"""

from __future__ import annotations

from typing import Any

from neuromem.experiments.builtin import (
    BUILTIN,
    FREE_RECALL,
    MULTI_ITEM_RECALL,
    RETENTION,
    STDP,
    SYNAPTIC_TRANSMISSION,
    TASK,
    WORKING_MEMORY,
    artificial_forgetting,
)
from neuromem.experiments.declare import Experiment, Param, Written, checkpoint_for
from neuromem.experiments.fit import FIT, fit_model
from neuromem.registry import Registry


def _check_experiment(name: str, obj: Any) -> Experiment:
    if not isinstance(obj, Experiment):
        raise ValueError(f"it is {obj!r}, not a neuromem.experiments.Experiment")
    if obj.name != name:
        raise ValueError(f"it says name={obj.name!r}, the entry point {name!r}")
    return obj


EXPERIMENTS: Registry[Experiment] = Registry("experiment", "neuromem.experiments", _check_experiment)
for _exp in (*BUILTIN, FIT):  # fit is also `neuromem fit`; registered, a sweep can vary its hyperparameters
    EXPERIMENTS.register(_exp.name, _exp)


def get_experiment(name: str) -> Experiment:
    """The experiment ``name``; unknown names raise ``ValueError`` listing the known ones."""
    return EXPERIMENTS.get(name)


def list_experiments() -> list[str]:
    """Names of the experiments (built-in and plug-ins)."""
    return EXPERIMENTS.names()


# the built-ins as plain functions of the Python API (same parameters as the CLI options)
working_memory = WORKING_MEMORY
multi_item_recall = MULTI_ITEM_RECALL
free_recall = FREE_RECALL
retention = RETENTION
stdp = STDP
synaptic_transmission = SYNAPTIC_TRANSMISSION
task = TASK

__all__ = [
    "EXPERIMENTS",
    "FIT",
    "Experiment",
    "Param",
    "Written",
    "artificial_forgetting",
    "checkpoint_for",
    "fit_model",
    "free_recall",
    "get_experiment",
    "list_experiments",
    "multi_item_recall",
    "retention",
    "stdp",
    "synaptic_transmission",
    "task",
    "working_memory",
]
