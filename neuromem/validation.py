"""Input checks shared by tasks, models and experiments.

Each check returns the cleaned value or raises ``ValueError`` with one line that
names the input, the value given and what is allowed (the CLI turns it into
exit status 2).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system has one, e.g. under SLURM)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def check_positive_int(name: str, value: Any, *, maximum: int | None = None, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise naming ``name`` if it is not a whole number >= ``minimum`` (<= ``maximum``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} is not allowed; it must be a whole number >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value!r} is not allowed; it must be a whole number from {minimum} to {maximum}")
    return int(value)


def check_positive_values(name: str, values: Any, unit: str) -> np.ndarray:
    """``values`` as a 1-D float array, or raise naming ``name`` unless all are finite numbers > 0 (in ``unit``)."""
    if isinstance(values, (str, bytes)):  # never read as characters, nor parsed as a number here
        raise ValueError(f"{name}={values!r} is not allowed; give a list of numbers in {unit}, e.g. {name}=[0.5, 1.0]")
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"{name}={values!r} is not allowed; give one or more numbers in {unit}") from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name}={arr.tolist()} is not allowed; give one or more values > 0 {unit}")
    return arr


def as_values(name: str, values: Any) -> np.ndarray:
    """``values`` (one value or a sequence) as a 1-D object array; a string is refused, never read as characters."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name}={values!r} is not allowed; give a list, e.g. {name}=[0.5, 1.0]")
    return np.atleast_1d(np.asarray(values, dtype=object))


def check_duration(name: str, value: Any, *, allow_zero: bool = True) -> float:
    """Return ``value`` (seconds) as a float, or raise naming ``name`` if it is negative."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise ValueError(f"{name}={value!r} is not allowed; it must be a duration in seconds (a number)")
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
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ValueError(f"seed={rng!r} is not allowed; it must be a whole number >= 0")
    return np.random.default_rng(rng)


#: what ``run(..., record=...)`` can add to a result (the state contract of every model family)
RECORDABLE: tuple[str, ...] = ("states",)


def check_record(record: Sequence[str]) -> tuple[str, ...]:
    """``record`` as a tuple; anything but :data:`RECORDABLE` raises one line."""
    wanted = (record,) if isinstance(record, str) else tuple(record)
    for item in wanted:
        if item not in RECORDABLE:
            raise ValueError(f"record={item!r} is not allowed; choose from {RECORDABLE}")
    return wanted
