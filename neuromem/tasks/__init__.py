"""Tasks: trial generation and scoring, shared by spiking and artificial models."""

from __future__ import annotations

import inspect
from typing import Any

from neuromem.tasks.base import Task
from neuromem.tasks.delayed_estimation import DelayedEstimation
from neuromem.tasks.multi_item_recall import MultiItemRecall
from neuromem.tasks.retention import Retention

TASKS: dict[str, type[Task]] = {cls.name: cls for cls in (DelayedEstimation, MultiItemRecall, Retention)}


def list_tasks() -> list[str]:
    """Registry names of the tasks."""
    return sorted(TASKS)


def get_task(name: str, **params: Any) -> Task:
    """Build task ``name`` with ``params``; unknown names raise ``ValueError`` listing the known ones."""
    try:
        cls = TASKS[name]
    except KeyError:
        raise ValueError(f"task={name!r} is unknown; known tasks: {', '.join(list_tasks())}") from None
    allowed = list(inspect.signature(cls).parameters)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for task {name!r}; allowed: {allowed}")
    return cls(**params)


__all__ = ["DelayedEstimation", "MultiItemRecall", "Retention", "Task", "get_task", "list_tasks"]
