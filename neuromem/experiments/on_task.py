"""The one path of every experiment that runs a model on a task's trials."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from neuromem.cards import check_task, load_card, load_model, model_class
from neuromem.experiments.declare import checkpoint_for
from neuromem.outputs import claim
from neuromem.runner import check_can_record, run_trials
from neuromem.tasks import get_task, task_class
from neuromem.validation import check_positive_int

#: upper bound on trials in one run (a mistyped --trials should not start a run of weeks)
MAX_TRIALS = 100_000
#: runs estimated to take longer (one core) or store more than this need ``yes=True`` (``--yes``)
MAX_SECONDS = 24 * 3600.0
MAX_BYTES = 20e9


def _readable(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def check_budget(net: Any, trials: xr.Dataset, yes: bool, inputs: str = "") -> None:
    """Refuse (unless ``yes``) a run whose estimate (``net.estimate(trials)``, where the model has one) is absurd, printing it
    and the ``inputs`` that drive it (how many trials, how long each, how big the model)."""
    if yes or not hasattr(net, "estimate"):
        return
    cost = net.estimate(trials)
    if cost["seconds"] > MAX_SECONDS or cost["bytes"] > MAX_BYTES:
        n = trials.sizes["trial"]
        raise ValueError(
            f"this run ({inputs or f'trials={n}'}: {n} trials, {cost['simulated_seconds'] / n:.3g} s simulated each on average) "
            f"would take about {_readable(cost['seconds'])} on one core and store about "
            f"{cost['bytes'] / 1e9:.1f} GB (rough estimate, {cost['simulated_seconds']:.0f} s simulated); "
            f"the limit without --yes is {_readable(MAX_SECONDS)} and {MAX_BYTES / 1e9:.0f} GB: add --yes to start it, "
            "or split it over machines with `neuromem sweep`"
        )


def fitted_network(fitted: str) -> Any:
    """The fitted network in file ``fitted`` (a .pt written by ``neuromem fit``)."""
    from neuromem.artificial import load_fitted

    if not Path(fitted).is_file():
        raise ValueError(f"fitted={str(fitted)!r} is not a file; give a .pt written by `neuromem fit`")
    net = load_fitted(fitted)
    statuses = {seed: net.fit_status_of(i) or "" for i, seed in enumerate(net.seeds_)}  # "": a file saved before statuses were
    unlearned = [f"seed {seed}: {v}" for seed, v in statuses.items() if v.startswith("did not learn")]
    if unlearned:  # its results are a network at chance, not the model's answer: said at every use, and in the result
        warnings.warn(f"{fitted} did not learn when it was fitted ({'; '.join(unlearned)}); its reports are not what a trained {net.name} does", stacklevel=2)
    return net


def build_model(model: str, task: Any, fitted: str | None, options: Mapping[str, Any], net: Any = None) -> Any:
    """The card model ``model`` with ``options``, or the fitted network in ``fitted`` (``net`` if already loaded); refuses a task its card does not list."""
    if fitted is not None:
        net = net if net is not None else fitted_network(fitted)
        check_task(load_card(net.name), task)
        return net
    card = load_card(model)
    check_task(card, task)
    if getattr(model_class(model), "needs_fit", False):
        raise ValueError(
            f"model={model!r} is a {card.family} model that must be trained first: run `neuromem fit --model "
            f"{model} --task {task.name}` and pass the .pt file with --fitted"
        )
    return load_model(model, **options)


def run_on_task(
    name: str,
    task_name: str,
    task_params: Mapping[str, Any],
    *,
    model: str,
    fitted: str | None,
    trials: int,
    seed: int,
    out: str | Path | None,
    progress: bool,
    options: Mapping[str, Any],
    tag: str = "",
    yes: bool = False,
    record: Sequence[str] = (),
) -> tuple[xr.Dataset, Path | None]:
    """Run ``trials`` trials per condition of task ``task_name`` on a model; returns the Dataset and its target path.

    The file is ``<out>/<name>_<model>[_<tag>]_seed<seed>.nc``; finished batches are
    kept in :func:`checkpoint_for` of it, so an interrupted run resumes. A run the
    model estimates beyond :data:`MAX_SECONDS` or :data:`MAX_BYTES` needs ``yes``.
    """
    net = None
    if fitted is not None:  # a fitted network runs the task as it was trained on, with the conditions asked for
        net = fitted_network(fitted)
        trained = getattr(net, "task_parameters_", None) if net.task_ == task_name else None
        task_params = {**(trained or task_class(task_name).fit_defaults), **task_params}
    task = get_task(task_name, **task_params)
    net = build_model(model, task, fitted, options, net)
    check_can_record(net, record)
    per_condition = check_positive_int("trials", trials, maximum=MAX_TRIALS)
    n = per_condition * len(task.conditions())
    check_positive_int("trials in all", n, maximum=MAX_TRIALS)
    drawn = task.trials(n, seed)  # drawn once: estimated, then run
    shown = ", ".join(f"{k}={v!r}" for k, v in {**task_params, **options}.items())
    check_budget(
        net, drawn, yes, f"trials={per_condition} x {len(task.conditions())} conditions of {task.name}; model {net.name}{'; ' + shown if shown else ''}"
    )
    label = f"{net.name}_fitted" if fitted is not None else net.name
    path = None if out is None else claim(Path(out) / f"{name}_{label}{'_' + tag if tag else ''}_seed{seed}.nc")
    ds = run_trials(net, task, drawn, seed=seed, progress=progress, checkpoint=None if path is None else checkpoint_for(path), record=record)
    return ds, path
