"""A benchmark: a task configured as a human experiment was, people's data per subject, metrics and a ceiling.

Brain-Score's contract, for memory: a benchmark runs the experiment *on* the model
(:meth:`Benchmark.measure`: draw the trials, let the model answer, measure the
model's curve), and only then sets the curve beside the human data
(:meth:`Benchmark.score`); the model never sees the target data. Its
``version`` is bumped whenever its scores would change (data, metric, conditions,
trials), and its ``parent`` places it in the tree of scores
(``working-memory/capacity``, ``free-recall/serial-position``, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import xarray as xr

from neuromem.benchmarks.metrics import Closeness, Metric, distance_in_se
from neuromem.runner import run_trials
from neuromem.tasks import get_task, task_class

#: resamples of subjects and model seeds behind every confidence interval
N_BOOTSTRAP = 500
#: two-sided level of the confidence intervals
CI_LEVEL = 0.95


@dataclass(frozen=True)
class Effect:
    """A qualitative effect people show: ``value(x, curve)`` is above 0 when a curve shows it."""

    name: str
    description: str
    value: Callable[[np.ndarray, np.ndarray], float]


def mean_at(x: np.ndarray, curve: np.ndarray, lo: float, hi: float) -> float:
    """Mean of ``curve`` over ``lo <= x <= hi`` (NaN-aware)."""
    sel = (x >= lo) & (x <= hi)
    return float(np.nanmean(curve[sel])) if sel.any() else float("nan")


@dataclass(frozen=True)
class Benchmark:
    """One benchmark (stored parameters only; see the module docstring).

    Parameters
    ----------
    identifier : str
        ``<data>-<measure>``, e.g. ``peers2014-serial-position``.
    parent : str
        Node of the score tree, ``/``-separated (``free-recall/serial-position``).
    version : int
        Bumped whenever its scores would change.
    task : str
        Registered task the experiment runs.
    task_params : mapping
        The task's parameters as the human experiment was run (its conditions).
    reference : callable
        Returns the per-subject human values, a DataArray ``(subject, <x>)``.
    curve : callable
        From a scored result Dataset to the model's values on ``<x>`` (a DataArray).
    metric : Metric
        The primary metric; :class:`Closeness` is computed beside it for every benchmark.
    effects : sequence of Effect
        Effects people show, each tested on the model's curve.
    citation : str
        The data's source (and the benchmark's, when it is a published one).
    trials, quick_trials : int
        Trials per condition per model seed (default and ``--quick``).
    """

    identifier: str
    parent: str
    version: int
    task: str
    task_params: Mapping[str, Any]
    reference: Callable[[], xr.DataArray]
    curve: Callable[[xr.Dataset], xr.DataArray]
    metric: Metric
    citation: str
    effects: Sequence[Effect] = ()
    trials: int = 100
    quick_trials: int = 20
    description: str = ""
    notes: str = ""
    fit_params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = self.parent.split("/")
        if not self.parent or any(not part for part in parts) or parts[0] == "memory":
            raise ValueError(
                f"benchmark {self.identifier!r}: parent={self.parent!r} is not allowed; give a path below the root, e.g. 'free-recall/serial-position'"
            )
        if not isinstance(self.version, int) or isinstance(self.version, bool) or self.version < 1:
            raise ValueError(f"benchmark {self.identifier!r}: version={self.version!r} is not allowed; it must be a whole number >= 1")

    # ------------------------------------------------------------- human side
    @cached_property
    def human(self) -> xr.DataArray:
        """People's values per subject, ``(subject, <x>)`` (loaded once)."""
        da = self.reference()
        if da.dims[0] != "subject" or da.ndim != 2:
            raise ValueError(f"benchmark {self.identifier!r}: its reference must be a (subject, x) DataArray, got dims {da.dims}")
        return da

    @property
    def x(self) -> str:
        """The dim the curves run along (position, lag, set_size, delay, ...)."""
        return str(self.human.dims[1])

    @cached_property
    def _ceilings(self) -> dict[str, tuple[float, np.ndarray]]:
        return {}

    def ceiling(self, metric: Metric | None = None) -> tuple[float, np.ndarray]:
        """The metric of people against people: median over seeded split halves of subjects, and every split's value.

        Computed once per metric (the splits are seeded, so every cell and the table share it)."""
        metric = metric or self.metric
        if metric.name not in self._ceilings:
            self._ceilings[metric.name] = metric.ceiling(self.human.values)
        return self._ceilings[metric.name]

    # ------------------------------------------------------------- model side
    def applicable(self, card: Any) -> str | None:
        """``None`` when a card can run this benchmark's task, else why not (``card.tasks`` decides)."""
        from neuromem.cards import runs_task

        if runs_task(card, task_class(self.task)):
            return None
        return f"its card does not list task {self.task!r}"

    def experiment(self, trained: Mapping[str, Any] | None = None) -> Any:
        """The task as people did it; a fitted network keeps the periods it was trained with (``trained``)."""
        return get_task(self.task, **{**(trained or {}), **self.task_params})

    def run(self, model: Any, seed: int, trials: int | None = None, progress: bool = False) -> xr.Dataset:
        """Run the experiment on ``model`` (anything with neuromem's ``run(trials, *, seed, ...)``): the scored result."""
        trained = getattr(model, "task_parameters_", None) if getattr(model, "task_", None) == self.task else None
        task = self.experiment(trained)
        n = int(trials or self.trials) * len(task.conditions())
        return run_trials(model, task, task.trials(n, seed), seed=seed, progress=progress)

    def measure(self, result: xr.Dataset) -> xr.DataArray:
        """The model's curve on ``<x>`` from a result of :meth:`run` (NaN where the model has no value)."""
        curve = self.curve(result)
        if curve.dims != (self.x,):
            raise ValueError(f"benchmark {self.identifier!r}: the model's curve has dims {curve.dims}, expected ({self.x!r},)")
        return curve.astype(float).reindex({self.x: self.human[self.x].values}).drop_attrs()

    # ---------------------------------------------------------------- scoring
    def score(self, curves: xr.DataArray, seed: int = 0) -> xr.Dataset:
        """Score a model's curves ``(seed, <x>)`` against people: raw, ceiling, normalised (clipped and not), CI, effects.

        The confidence interval resamples human subjects and model seeds together
        (``N_BOOTSTRAP`` times, ``seed`` seeds the resampling) and normalises each
        raw value by the point ceiling, so it says how the score would move with
        other people and other model seeds; the ceiling's own spread over the
        splits is ``ceiling_spread``.
        """
        curves = curves.transpose("seed", self.x).reindex({self.x: self.human[self.x].values})
        human = self.human.values
        model = curves.values
        mean_curve = np.nanmean(model, axis=0)
        finite = int(np.isfinite(mean_curve).sum())
        need = max(self.metric.min_points, 1)
        if finite < need:
            raise ValueError(f"the model's curve has {finite} finite point(s) of {mean_curve.size}; {self.metric.name} needs {need}")
        out: dict[str, Any] = {}
        for prefix, metric in (("", self.metric), ("closeness_", Closeness())):
            raw = _raw(metric, mean_curve, human)
            ceiling, splits = self.ceiling(metric)
            unclipped = metric.normalise(raw, ceiling)
            low, high = self._interval(metric, model, human, seed, ceiling)
            out.update(
                {
                    f"{prefix}raw": raw,
                    f"{prefix}ceiling": ceiling,
                    f"{prefix}ceiling_spread": float(np.nanstd(splits)),
                    f"{prefix}score_unclipped": unclipped,
                    f"{prefix}score": float(np.clip(unclipped, 0, 1)),
                    f"{prefix}ci_low": low,
                    f"{prefix}ci_high": high,
                }
            )
        out["distance_se"] = distance_in_se(mean_curve, human)
        x = self.human[self.x].values.astype(float)
        human_mean = np.nanmean(human, axis=0)
        effects = [(e.name, e.value(x, mean_curve), e.value(x, human_mean)) for e in self.effects]
        out["effects_shown"] = sum(int(m > 0) for _, m, _ in effects)
        out["effects_total"] = len(effects)
        out["effects"] = json.dumps({name: {"model": round(m, 4), "human": round(h, 4), "shown": bool(m > 0)} for name, m, h in effects})
        return xr.Dataset({k: ((), v) for k, v in out.items()})

    def _interval(self, metric: Metric, model: np.ndarray, human: np.ndarray, seed: int, ceiling: float) -> tuple[float, float]:
        """The score's interval: the spread of the bootstrap around its median, centred on the estimate, clipped to [0, 1].

        Each resample draws subjects and model seeds with replacement and normalises
        its raw value by the point ceiling (a ceiling recomputed on a resample would
        put copies of one subject in both halves). A resampled human mean is noisier
        than the sample's, which lowers a correlation on average: the interval keeps
        the bootstrap's spread but not that bias, so it always holds the estimate.
        """
        rng = np.random.default_rng(seed)
        values = np.empty(N_BOOTSTRAP)
        for b in range(N_BOOTSTRAP):
            people = human[rng.integers(0, len(human), len(human))]
            runs = model[rng.integers(0, len(model), len(model))]
            values[b] = metric.normalise(_raw(metric, np.nanmean(runs, axis=0), people), ceiling)
        values = values[np.isfinite(values)]
        estimate = metric.normalise(_raw(metric, np.nanmean(model, axis=0), human), ceiling)
        if values.size == 0 or not np.isfinite(estimate):
            return float("nan"), float("nan")
        tail = 100 * (1 - CI_LEVEL) / 2
        low, mid, high = np.percentile(values, [tail, 50, 100 - tail])
        return float(np.clip(estimate - (mid - low), 0, 1)), float(np.clip(estimate + (high - mid), 0, 1))

    def __call__(self, model: Any, seeds: Sequence[int] = (1,), trials: int | None = None) -> xr.Dataset:
        """Run the experiment on ``model`` once per seed and score it (the benchmark's whole job)."""
        curves = xr.concat([self.measure(self.run(model, s, trials)) for s in seeds], dim="seed").assign_coords(seed=list(seeds))
        scored = self.score(curves)
        return scored.assign(curve=curves).assign_attrs(self.attrs())

    def attrs(self) -> dict[str, str]:
        """What identifies this benchmark in a result."""
        return {
            "benchmark": self.identifier,
            "benchmark_version": str(self.version),
            "parent": self.parent,
            "task": self.task,
            "task_parameters": json.dumps(dict(self.task_params), sort_keys=True),
            "metric": self.metric.name,
            "references": self.citation,
        }


def _raw(metric: Metric, curve: np.ndarray, human: np.ndarray) -> float:
    """The metric's raw value; a flat (constant) model curve has no shape, so its shape value is 0, not undefined."""
    value = metric.raw(curve, human)
    finite = curve[np.isfinite(curve)]
    if not np.isfinite(value) and finite.size and np.ptp(finite) == 0:
        return 0.0
    return value
