"""The task contract shared by every model.

A task is a small class: the constructor validates and stores parameters;
``trials(n, rng)`` returns a trials Dataset (one row per trial, conditions as
coords); ``score(trials, responses)`` returns per-trial metrics. A task also owns
everything else that does not depend on a model, so nothing outside its module
switches on its name:

* its condition (the coord the trials cycle through, and the constructor
  parameter that lists its values) and the parameters it is trained with;
* its encoding for artificial models (:meth:`io_sizes`, :meth:`encode`,
  :meth:`decode`, see :mod:`neuromem.tasks.encoding`).

Tasks generate trials, score them and encode them; they never aggregate. How
the results of a task are summarised, aligned, set beside human data and
reported lives in the analysis layer (:mod:`neuromem.analysis.summaries`).
Tasks never import a simulator, a model or an analysis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.tasks.encoding import Encoded
from neuromem.validation import as_rng, check_duration, check_positive_int

#: the capability a model declares when it reports every item of a display in turn (whole report)
WHOLE_REPORT = "whole-report"

__all__ = ["WHOLE_REPORT", "Task", "as_rng", "check_duration", "check_positive_int", "draw_lists", "merge_timing"]


def merge_timing(default: Mapping[str, float], timing: Mapping[str, float] | None, zero_ok: Sequence[str] = ()) -> dict[str, float]:
    """``default`` periods updated by ``timing`` (s); unknown periods or negative durations raise."""
    timing = dict(timing or {})
    unknown = set(timing) - set(default)
    if unknown:
        raise ValueError(f"timing has unknown period(s) {sorted(unknown)}; allowed: {sorted(default)}")
    merged = {**default, **timing}
    return {k: check_duration(f"timing[{k!r}]", v, allow_zero=k in zero_ok) for k, v in merged.items()}


def draw_lists(rng: np.random.Generator, n_items: int, sizes: np.ndarray, slots: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct items per trial, drawn from a pool of ``n_items``, ``sizes`` (trial,) of them.

    Returns ``item_id`` (trial, ``slots``: the task's largest size, whichever sizes these trials
    have; -1 past a trial's size), ``studied`` (trial, pool; 1 for a drawn item) and the full
    random ``order`` of the pool per trial (for probes of unshown items).
    """
    n = len(sizes)
    order = np.argsort(rng.random((n, n_items)), axis=1)  # a random permutation of the pool per trial
    used = np.arange(slots)[None, :] < np.asarray(sizes)[:, None]
    item_id = np.where(used, order[:, :slots], -1)
    studied = np.zeros((n, n_items), dtype=np.int8)
    np.put_along_axis(studied, np.where(used, item_id, order[:, :1]), 1, axis=1)  # unused slots repeat the first item
    return item_id, studied, order


class Task:
    """Base class: subclasses set the class attributes below and implement the methods."""

    name: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[str] = ""
    #: coord on ``trial`` that the trials cycle through (e.g. ``"delay"``)
    condition: ClassVar[str] = ""
    #: constructor parameter that lists the condition's values (e.g. ``"delays"``)
    condition_parameter: ClassVar[str] = ""
    #: constructor parameters for training artificial models (short periods, short sequences)
    fit_defaults: ClassVar[Mapping[str, Any]] = {}
    #: score of every trial when the encoded targets are decoded (``decode(encode(trials).y)``); the common checks test it
    perfect: ClassVar[Mapping[str, float]] = {}

    # ------------------------------------------------------------ the contract
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as stored (JSON-serialisable)."""
        raise NotImplementedError

    def trials(self, n: int, rng: np.random.Generator | int) -> xr.Dataset:
        raise NotImplementedError

    def score(self, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
        raise NotImplementedError

    def requires(self) -> dict[str, str]:
        """Capabilities a model must declare (its ``capabilities``) to run this task's trials as configured,
        each with the setting that asks for it.

        None by default; e.g. delayed estimation with every item reported in turn asks for
        ``"whole-report"``. The runner refuses a model that lacks one before it runs.
        """
        return {}

    @classmethod
    def from_trials(cls, trials: xr.Dataset) -> Task:
        """The task that made ``trials`` (from its ``task_parameters`` attribute)."""
        return cls(**json.loads(trials.attrs.get("task_parameters", "{}")))

    def conditions(self) -> list[Any]:
        """The condition values the trials cycle through."""
        return list(np.atleast_1d(self.get_params()[self.condition_parameter]))

    # ------------------------------------------------- artificial-model coding
    def io_sizes(self, trials: xr.Dataset) -> tuple[int, int]:
        """(n_in, n_out) of the encoded trials."""
        raise ValueError(f"task {self.name!r} has no encoding for artificial models (it defines no io_sizes/encode/decode)")

    def encode(self, trials: xr.Dataset, dt: float, steps: int | None = None, **options: Any) -> Encoded:
        """Inputs, targets, loss mask and write mask of ``trials`` at time step ``dt`` (s)."""
        raise ValueError(f"task {self.name!r} has no encoding for artificial models (it defines no encode)")

    def decode(self, trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
        """Responses (the variables :meth:`score` takes) from outputs (T, B, n_out)."""
        raise ValueError(f"task {self.name!r} has no encoding for artificial models (it defines no decode)")

    @classmethod
    def has_encoding(cls) -> bool:
        """Whether artificial models can run this task."""
        return cls.encode is not Task.encode

    # --------------------------------------------------------------- helpers
    def _stamp(self, ds: xr.Dataset) -> xr.Dataset:
        ds.attrs.update(task=self.name, task_parameters=json.dumps(self.get_params(), sort_keys=True), task_references=self.references)
        return ds

    def check_trials(self, trials: xr.Dataset) -> None:
        """Refuse a trials Dataset made by another task."""
        made_by = trials.attrs.get("task")
        if made_by != self.name:
            raise ValueError(
                f"trials Dataset comes from task {made_by!r}, but task {self.name!r} was asked to use it; generate trials with this task's trials()"
            )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"
