"""A benchmark: a task configured as a human experiment was, people's data per subject, metrics and a ceiling.

Brain-Score's contract, for memory: a benchmark runs the experiment *on* the model
(:meth:`Benchmark.measure`: draw the trials, let the model answer, measure the
model's curve), and only then sets the curve beside the human data
(:meth:`Benchmark.score`); the model never sees the target data. Its
``version`` is bumped whenever its scores would change (data, metric, conditions,
trials), and its ``parent`` places it in the tree of scores
(``working-memory/capacity``, ``free-recall/serial-position``, ...).

The experiment is a registered task (``task``) or a lab protocol a card declares
(``protocol``, e.g. ``stdp-frequency``, run by ``protocol_run``). People's data are
per subject, ``(subject, <x>)``, wherever the source has subjects; where it
publishes only a group mean and its standard error per condition (slice
recordings, a single-subject classic), the reference is a ``(<x>,)`` DataArray of
means with a ``sem`` coordinate, and the ceiling and interval come from those
standard errors instead of split halves (see :mod:`neuromem.benchmarks.metrics`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import xarray as xr

from neuromem.benchmarks.metrics import Closeness, Metric, SEMCloseness, distance_from_mean
from neuromem.runner import run_trials
from neuromem.tasks import get_task, task_class

#: resamples of subjects and model seeds behind every confidence interval
N_BOOTSTRAP = 500
#: two-sided level of the confidence intervals
CI_LEVEL = 0.95
#: an effect's value must exceed this fraction of the curve's scale to count as shown (above floating-point rounding)
EFFECT_ROUNDING = 1e-9


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
        Registered task the experiment runs (``""`` for a protocol benchmark).
    task_params : mapping
        The task's parameters as the human experiment was run (its conditions).
    reference : callable
        Returns people's values: per subject, a DataArray ``(subject, <x>)``; or
        group means ``(<x>,)`` with their standard errors as a ``sem`` coordinate.
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
    same_measure : bool
        Whether the model's values are people's measure itself (False: a savings score
        beside a recall overlap; only shape and effects are compared, closeness is NaN).
    protocol : str
        A lab protocol instead of a task: a card runs it when its ``protocols`` list it.
    protocol_run : callable
        ``protocol_run(model, seed)``: the protocol's result Dataset on ``model``.
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
    same_measure: bool = True
    protocol: str = ""
    protocol_run: Callable[[Any, int], xr.Dataset] | None = None

    def __post_init__(self) -> None:
        if not self.same_measure and self.metric.same_measure:
            raise ValueError(
                f"benchmark {self.identifier!r}: metric {self.metric.name!r} is a distance to people's values, not allowed with "
                "same_measure=False (the model's values are another measure); use ShapeR2"
            )
        if bool(self.task) == bool(self.protocol) or bool(self.protocol) != (self.protocol_run is not None):
            raise ValueError(
                f"benchmark {self.identifier!r}: task={self.task!r}, protocol={self.protocol!r} is not allowed; "
                "give a registered task, or a protocol with its protocol_run"
            )
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
        """People's values: per subject ``(subject, <x>)``, or group means ``(<x>,)`` with a ``sem`` coordinate (loaded once)."""
        da = self.reference()
        per_subject = da.ndim == 2 and da.dims[0] == "subject"
        grouped = da.ndim == 1 and da.dims[0] != "subject" and "sem" in da.coords and da["sem"].dims == da.dims
        if not (per_subject or grouped):
            raise ValueError(
                f"benchmark {self.identifier!r}: its reference must be a (subject, x) DataArray, or group means (x,) with a 'sem' coordinate; "
                f"got dims {da.dims}"
            )
        if grouped and not bool((da["sem"] > 0).all()):
            raise ValueError(f"benchmark {self.identifier!r}: every standard error of its group means must be > 0")
        if grouped and not self.metric.group_means:
            raise ValueError(
                f"benchmark {self.identifier!r}: metric {self.metric.name!r} needs people's data per subject; its reference gives group means "
                "(use ShapeR2 or SEMCloseness)"
            )
        return da

    @property
    def grouped(self) -> bool:
        """Whether people's data are group means with standard errors (no subjects to split)."""
        return "subject" not in self.human.dims

    @property
    def x(self) -> str:
        """The dim the curves run along (position, lag, set_size, delay, ...)."""
        return str(self.human.dims[-1])

    @property
    def n_subjects(self) -> int:
        """Subjects in the reference data (0 for group means)."""
        return 0 if self.grouped else int(self.human.sizes["subject"])

    def human_mean(self) -> xr.DataArray:
        """People's mean on ``<x>``."""
        return self.human.drop_vars("sem") if self.grouped else self.human.mean("subject")

    def human_sem(self) -> xr.DataArray:
        """The standard error of people's mean on ``<x>``."""
        if self.grouped:
            return self.human["sem"].drop_vars("sem")
        return self.human.std("subject", ddof=1) / np.sqrt(self.human.notnull().sum("subject"))

    def closeness_metric(self) -> Metric:
        """The closeness computed beside the primary metric: in between-subject s.d., or in s.e.m. for group means."""
        return SEMCloseness() if self.grouped else Closeness()

    @cached_property
    def _ceilings(self) -> dict[str, tuple[float, np.ndarray]]:
        return {}

    def ceiling(self, metric: Metric | None = None) -> tuple[float, np.ndarray]:
        """The metric of people against people: median over seeded split halves of subjects, and every split's value.

        For group means, the value a curve equal to the true means would reach
        given the published standard errors (its one value is also the "splits").
        Computed once per metric (the splits are seeded, so every cell and the table share it)."""
        metric = metric or self.metric
        if metric.name not in self._ceilings:
            if self.grouped:
                value = metric.group_ceiling(self.human_mean().values, self.human_sem().values)
                self._ceilings[metric.name] = (value, np.array([value]))
            else:
                self._ceilings[metric.name] = metric.ceiling(self.human.values)
        return self._ceilings[metric.name]

    def raw(self, metric: Metric, curve: np.ndarray) -> float:
        """``metric`` of a model's mean curve against people."""
        if self.grouped:
            return _raw_group(metric, curve, self.human_mean().values, self.human_sem().values)
        return _raw(metric, curve, self.human.values)

    def _resampled_raw(self, metric: Metric, model: np.ndarray, rng: np.random.Generator) -> float:
        """``metric`` on one resample: model seeds with replacement, and subjects with replacement (or, for group means,
        a mean drawn from its normal sampling distribution)."""
        if self.grouped:
            mean, sem = self.human_mean().values, self.human_sem().values
            drawn = mean + rng.standard_normal(mean.shape) * sem
            return _raw_group(metric, np.nanmean(model[rng.integers(0, len(model), len(model))], axis=0), drawn, sem)
        human = self.human.values
        people = human[rng.integers(0, len(human), len(human))]  # subjects first, then seeds: the draws of every earlier table
        return _raw(metric, np.nanmean(model[rng.integers(0, len(model), len(model))], axis=0), people)

    # ------------------------------------------------------------- model side
    def applicable(self, card: Any) -> str | None:
        """``None`` when a card can run this benchmark's task, else why not (``card.tasks`` decides)."""
        from neuromem.cards import runs_task

        if self.protocol:
            return None if self.protocol in card.protocols else f"its card does not list protocol {self.protocol!r}"
        if runs_task(card, task_class(self.task)):
            return None
        return f"its card does not list task {self.task!r}"

    @property
    def experiment_name(self) -> str:
        """The task or protocol the benchmark runs."""
        return self.task or self.protocol

    def experiment(self, trained: Mapping[str, Any] | None = None) -> Any:
        """The task as people did it; a fitted network keeps the periods and sizes it was trained with (``trained``).

        Only the parameters the task trains with by default (its ``fit_defaults``: periods, pool sizes) carry
        over: what a network was trained to be asked (several items, every item in turn) never changes the
        question the benchmark asks.
        """
        if self.protocol:
            raise ValueError(f"benchmark {self.identifier!r} runs protocol {self.protocol!r}, not a task")
        carried = {k: v for k, v in (trained or {}).items() if k in task_class(self.task).fit_defaults}
        return get_task(self.task, **{**carried, **self.task_params})

    def run(self, model: Any, seed: int, trials: int | None = None, progress: bool = False) -> xr.Dataset:
        """Run the experiment on ``model`` (anything with neuromem's ``run(trials, *, seed, ...)``, or the protocol's methods): the scored result."""
        if self.protocol_run is not None:
            if trials not in (None, 1):
                raise ValueError(f"trials={trials!r} is not allowed for benchmark {self.identifier!r}: protocol {self.protocol!r} has no trials")
            return self.protocol_run(model, seed)
        trained = getattr(model, "task_parameters_", None) if getattr(model, "task_", None) == self.task else None
        task = self.experiment(trained)
        n = int(trials or self.trials) * len(task.conditions())
        return run_trials(model, task, task.trials(n, seed), seed=seed, progress=progress)

    def measure(self, result: xr.Dataset) -> xr.DataArray:
        """The model's curve on ``<x>`` from a result of :meth:`run` (NaN where the model has no value)."""
        curve = self.curve(result)
        if curve.dims != (self.x,):
            raise ValueError(f"benchmark {self.identifier!r}: the model's curve has dims {curve.dims}, expected ({self.x!r},)")
        return curve.astype(float).reindex({self.x: self.human[self.x].values}).drop_attrs().drop_vars("sem", errors="ignore")

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
        model = curves.values
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a condition no seed has a value at stays NaN (refused below for group means)
            mean_curve = np.nanmean(model, axis=0)
        finite = int(np.isfinite(mean_curve).sum())
        need = max(self.metric.min_points, 1)
        if finite < need:
            raise ValueError(f"the model's curve has {finite} finite point(s) of {mean_curve.size}; {self.metric.name} needs {need}")
        if self.grouped:  # the closed-form ceilings count every condition: a model must have a value at each
            missing = self.human[self.x].values[np.isnan(mean_curve) & np.isfinite(self.human_mean().values)]
            if missing.size:
                raise ValueError(f"the model's curve has no value at {self.x}={missing.tolist()}, where people's group means need one")
        out: dict[str, Any] = {}
        for prefix, metric in (("", self.metric), ("closeness_", self.closeness_metric())):
            if prefix and not self.same_measure:  # another measure than people's: no distance to their values
                out.update({f"{prefix}{k}": float("nan") for k in ("raw", "ceiling", "ceiling_spread", "score_unclipped", "score", "ci_low", "ci_high")})
                continue
            raw = self.raw(metric, mean_curve)
            ceiling, splits = self.ceiling(metric)
            unclipped = metric.normalise(raw, ceiling)
            low, high = self._interval(metric, model, seed, ceiling)
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
        human_mean = self.human_mean().values
        out["distance_se"] = distance_from_mean(mean_curve, human_mean, self.human_sem().values) if self.same_measure else float("nan")
        x = self.human[self.x].values.astype(float)
        effects = [(e.name, e.value(x, mean_curve), e.value(x, human_mean)) for e in self.effects]
        # a value within rounding of 0 is no effect: sums of the same numbers in another order differ in the last bits
        rounding = EFFECT_ROUNDING * max(1.0, float(np.nanmax(np.abs(mean_curve))))
        out["effects_shown"] = sum(int(m > rounding) for _, m, _ in effects)
        out["effects_total"] = len(effects)
        out["effects"] = json.dumps({name: {"model": round(m, 4), "human": round(h, 4), "shown": bool(m > rounding)} for name, m, h in effects})
        return xr.Dataset({k: ((), v) for k, v in out.items()})

    def _interval(self, metric: Metric, model: np.ndarray, seed: int, ceiling: float) -> tuple[float, float]:
        """The score's interval: the spread of the bootstrap around its median, centred on the estimate, clipped to [0, 1].

        Each resample draws subjects (or group means from their sampling
        distribution) and model seeds with replacement and normalises its raw value
        by the point ceiling (a ceiling recomputed on a resample would put copies of
        one subject in both halves). A resampled human mean is noisier than the
        sample's, which lowers a correlation on average: the interval keeps the
        bootstrap's spread but not that bias, so it always holds the estimate.
        """
        rng = np.random.default_rng(seed)
        values = np.array([metric.normalise(self._resampled_raw(metric, model, rng), ceiling) for _ in range(N_BOOTSTRAP)])
        values = values[np.isfinite(values)]
        estimate = metric.normalise(self.raw(metric, np.nanmean(model, axis=0)), ceiling)
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
            "task": self.experiment_name,
            "task_parameters": json.dumps(dict(self.task_params), sort_keys=True),
            "metric": self.metric.name,
            "references": self.citation,
        }


def _flat_is_zero(value: float, curve: np.ndarray) -> float:
    # a flat (constant) model curve has no shape, so its shape value is 0, not undefined
    finite = curve[np.isfinite(curve)]
    if not np.isfinite(value) and finite.size and np.ptp(finite) == 0:
        return 0.0
    return value


def _raw(metric: Metric, curve: np.ndarray, human: np.ndarray) -> float:
    """The metric's raw value against people per subject (a flat model curve's shape value is 0)."""
    return _flat_is_zero(metric.raw(curve, human), curve)


def _raw_group(metric: Metric, curve: np.ndarray, mean: np.ndarray, sem: np.ndarray) -> float:
    """The metric's raw value against group means with their standard errors (a flat model curve's shape value is 0)."""
    return _flat_is_zero(metric.raw_group(curve, mean, sem), curve)
