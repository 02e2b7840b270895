"""Tasks: trial generation, scoring, encoding and comparison, shared by every model.

Built-in tasks are registered here; others come from the ``neuromem.tasks``
entry-point group (a :class:`Task` subclass each), see :mod:`neuromem.registry`.
"""

from __future__ import annotations

import inspect
from typing import Any

from neuromem.registry import Registry
from neuromem.tasks.base import Task
from neuromem.tasks.delayed_estimation import DelayedEstimation
from neuromem.tasks.free_recall import FreeRecall
from neuromem.tasks.multi_item_recall import MultiItemRecall
from neuromem.tasks.retention import Retention


def _check_task_class(name: str, obj: Any) -> type[Task]:
    if not (isinstance(obj, type) and issubclass(obj, Task)):
        raise ValueError(f"it is {obj!r}, not a subclass of neuromem.tasks.Task")
    if obj.name != name:
        raise ValueError(f"its class says name={obj.name!r}, the entry point {name!r}")
    return obj


TASKS: Registry[type[Task]] = Registry("task", "neuromem.tasks", _check_task_class)
for _cls in (DelayedEstimation, FreeRecall, MultiItemRecall, Retention):
    TASKS.register(_cls.name, _cls)


def list_tasks() -> list[str]:
    """Registry names of the tasks (built-in and plug-ins)."""
    return TASKS.names()


def task_class(name: str) -> type[Task]:
    """The class of task ``name``; unknown names raise ``ValueError`` listing the known ones."""
    return TASKS.get(name)


def get_task(name: str, **params: Any) -> Task:
    """Build task ``name`` with ``params``; unknown names or parameters raise ``ValueError``."""
    cls = task_class(name)
    allowed = list(inspect.signature(cls).parameters)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for task {name!r}; allowed: {allowed}")
    return cls(**params)


def fit_task(name: str, **params: Any) -> Task:
    """Task ``name`` as artificial models train on it: its ``fit_defaults`` updated by ``params``."""
    cls = task_class(name)
    if not cls.has_encoding():
        raise ValueError(f"task={name!r} has no encoding for artificial models, so they cannot be fitted to it")
    return get_task(name, **{**cls.fit_defaults, **params})


__all__ = ["TASKS", "DelayedEstimation", "FreeRecall", "MultiItemRecall", "Retention", "Task", "fit_task", "get_task", "list_tasks", "task_class"]
