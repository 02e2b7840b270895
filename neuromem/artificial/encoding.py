"""Trials Datasets as tensors for artificial models, and outputs back as responses.

The task that made the trials owns its encoding (:meth:`Task.encode`,
:meth:`Task.decode`, :meth:`Task.io_sizes`, in numpy); this module only finds that
task from the trials and moves its arrays to the model's torch device, so a new
task (a plug-in too) needs no edit here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import xarray as xr

from neuromem.tasks import task_class
from neuromem.tasks.base import Task
from neuromem.tasks.encoding import Encoded, n_steps

__all__ = ["Encoded", "decode", "encode", "n_steps", "sizes", "task_of", "to_device"]


def task_of(trials: xr.Dataset) -> Task:
    """The task that made ``trials``; a task without an encoding for artificial models is refused."""
    name = trials.attrs.get("task")
    cls = task_class(str(name))
    if not cls.has_encoding():
        raise ValueError(f"artificial models run tasks that define an encoding; task {name!r} has none")
    return cls.from_trials(trials)


def sizes(trials: xr.Dataset) -> tuple[int, int]:
    """(n_in, n_out) of a task's trials."""
    return tuple(task_of(trials).io_sizes(trials))


def encode(trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> Encoded:
    """The task's inputs, targets, loss mask and write mask at time step ``dt`` (s), as numpy arrays."""
    return task_of(trials).encode(trials, dt, steps, **options)


def decode(trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
    """Responses from outputs (T, B, n_out): the variables the task's ``score`` takes."""
    return task_of(trials).decode(trials, out, dt)


def to_device(enc: Encoded, device: Any) -> Encoded:
    """The arrays of ``enc`` as float32 torch tensors on ``device``."""
    import torch

    x, y, mask, write = (torch.as_tensor(np.asarray(a), dtype=torch.float32, device=device) for a in (enc.x, enc.y, enc.mask, enc.write))
    return replace(enc, x=x, y=y, mask=mask, write=write)
