"""Run a model on a task and assemble one self-describing result Dataset.

The single path of every model, spiking or artificial: ``task.trials`` ->
``model.run`` -> ``task.score``, merged on ``trial`` with the model's provenance.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from typing import Any

import xarray as xr

from neuromem.results import validate
from neuromem.tasks.base import Task
from neuromem.validation import check_record


def run_task(
    model: Any,
    task: Task,
    n_trials: int,
    *,
    seed: int,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    record: Sequence[str] = (),
    **run_options: Any,
) -> xr.Dataset:
    """Generate ``n_trials`` trials with ``seed``, run ``model`` on them and score the responses.

    Parameters
    ----------
    model
        Anything with ``run(trials, *, seed, progress, checkpoint)``: a spiking
        network, a fitted artificial model or a plug-in.
    task : Task
        The task whose trials are drawn and scored.
    seed : int
        Draws the trials and seeds the model's noise.
    checkpoint : path, optional
        Folder for finished batches, so an interrupted run resumes (models that
        run in batches use it; others ignore it).
    record : sequence of str
        ``("states",)``: the model's internal states as ``state_*`` variables
        (refused for a model that cannot record them, never ignored).

    **run_options
        Passed on to ``model.run``: e.g. ``fitted_seed=2`` runs a fitted artificial model's second
        seed (by default its first; ``seed`` only draws the trials and the noise). A model whose
        ``run`` does not take an option raises ``TypeError`` naming it: an option is never ignored.
    Returns
    -------
    xarray.Dataset
        Trial spec, responses and scores on the ``trial`` dim, with the
        provenance attributes of the model run (validated against the schema).
    """
    check_can_record(model, record)
    return run_trials(model, task, task.trials(n_trials, seed), seed=seed, progress=progress, checkpoint=checkpoint, record=record, **run_options)


def run_trials(
    model: Any,
    task: Task,
    trials: xr.Dataset,
    *,
    seed: int,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    record: Sequence[str] = (),
    **run_options: Any,
) -> xr.Dataset:
    """Run ``model`` on ``trials`` drawn from ``task`` (see :func:`run_task`) and score the responses."""
    wanted = check_record(record or ())
    extra = {"record": wanted} if check_can_record(model, wanted) else {}
    # what the trials ask, whatever task object came with them (trials of another task are refused by score)
    made_here = trials.attrs.get("task") == task.name and "task_parameters" in trials.attrs
    check_capabilities(model, task.from_trials(trials) if made_here else task)
    responses = model.run(trials, seed=seed, progress=progress, checkpoint=checkpoint, **extra, **run_options)
    return combine(task, trials, responses)


def check_capabilities(model: Any, task: Task, name: str | None = None) -> None:
    """Refuse (one line) a model, or its class, that lacks a capability ``task`` requires as configured.

    A model declares what it can do in ``capabilities`` (a set of names, e.g. ``"whole-report"``);
    one that does not declare a capability would answer another question than the one asked
    (one report where every item was to be reported), so it never runs.
    """
    declared = set(getattr(model, "capabilities", ()))
    for capability, setting in task.requires().items():
        if capability not in declared:
            name = name or getattr(model, "name", type(model).__name__)
            raise ValueError(
                f"model {name!r} cannot run {task.name} with {setting}: that needs the capability {capability!r}, "
                f"which the model does not declare; run the task without it, or a model that declares it"
            )


def can_record(model: Any) -> bool:
    """Whether ``model`` (an instance or its class) records internal states: its ``run`` takes ``record``
    and, where the model says (``records_states()``: a base class's subclass with no states declared), it has some."""
    run = getattr(model, "run", None)
    if run is None or "record" not in inspect.signature(run).parameters:
        return False
    declared = getattr(model, "records_states", None)
    return bool(declared()) if callable(declared) else True


def check_can_record(model: Any, record: Sequence[str], name: str | None = None) -> bool:
    """``True`` when something is to be recorded; a model that cannot record raises one line (an option is never ignored)."""
    wanted = check_record(record or ())
    if wanted and not can_record(model):
        name = name or getattr(model, "name", type(model).__name__)
        raise ValueError(
            f"record={list(wanted)} is not available for model {name!r}: it has no internal states through the state contract (leave --record out)"
        )
    return bool(wanted)


def combine(task: Task, trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
    """Score ``responses`` and merge them with ``trials``, keeping the responses' provenance."""
    scores = task.score(trials, responses)
    merged = xr.merge([trials, responses, scores], combine_attrs="drop_conflicts", compat="no_conflicts", join="exact")
    merged.attrs = {**responses.attrs, "task_parameters": trials.attrs["task_parameters"]}
    return validate(merged)
