"""The task contract shared by every model (see DESIGN.md, "Tasks").

A task is a small class: the constructor validates and stores parameters;
``trials(n, rng)`` returns a trials Dataset (one row per trial, conditions as
coords); ``score(trials, responses)`` returns per-trial metrics. Tasks never
import a simulator.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import numpy as np
import xarray as xr


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} is not allowed; it must be a whole number >= 1")
    return int(value)


def check_duration(name: str, value: Any, *, allow_zero: bool = True) -> float:
    """Return ``value`` (seconds) as a float, or raise naming ``name`` if it is negative."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not allowed; it must be a duration in seconds") from None
    if not np.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}={value!r} s is not allowed; it must be finite and {bound} s")
    return seconds


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Accept a Generator or a seed; refuse ``None`` so that runs stay reproducible."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise ValueError("rng=None is not allowed; pass a numpy Generator or an integer seed")
    return np.random.default_rng(rng)


class Task:
    """Base class: subclasses set ``name``, ``tags``, ``references`` and ``timing``."""

    name: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[str] = ""

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as stored (JSON-serialisable)."""
        raise NotImplementedError

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        raise NotImplementedError

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        raise NotImplementedError

    def _stamp(self, ds: xr.Dataset) -> xr.Dataset:
        ds.attrs.update(
            task=self.name,
            task_parameters=json.dumps(self.get_params(), sort_keys=True),
            task_references=self.references,
        )
        return ds

    def check_trials(self, trials: xr.Dataset) -> None:
        """Refuse a trials Dataset made by another task."""
        made_by = trials.attrs.get("task")
        if made_by != self.name:
            raise ValueError(
                f"trials Dataset comes from task {made_by!r}, but task {self.name!r} was asked to "
                "use it; generate trials with this task's trials()"
            )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
