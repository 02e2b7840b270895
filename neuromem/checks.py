"""Common checks for every task, model card and benchmark, a lab's own included.

scikit-learn's ``check_estimator`` pattern: one set of checks that any registered object must
pass, run by neuromem's own tests over every registered name (``tests/test_common_checks.py``)
and by a lab over its plug-ins, from its own tests::

    from neuromem.checks import check_benchmark, check_card, check_task

    check_task("colour-recall")  # same seed same trials; units on every variable; encode/decode
    check_card("gru")  # its tasks exist; it runs (or fits, saves and reloads) on each; causal
    check_benchmark("mylab2026-accuracy")

Each raises :class:`CheckFailed` naming the check, the object and what was found. The checks are
smoke tests of the contracts (shapes, determinism, schemas), on tiny inputs: they say nothing
about whether a model is right, which is what benchmarks are for.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neuromem.benchmarks import get_benchmark
from neuromem.cards import ANY_ENCODED_TASK, list_models, load_card, load_model, model_class, runs_task
from neuromem.runner import run_trials
from neuromem.tasks import fit_task, list_tasks, task_class

#: the smallest network a spiking card is built with for a smoke run (the size options of SpikingModel)
TINY = {"spiking": {"N_E": 80, "N_I": 20}}
#: short lists every card can hold (the synaptic working-memory card has 5 pools)
SMALL_TASK = {"free-recall": {"list_lengths": [3], "n_items": 5}, "multi-item-recall": {"set_sizes": [1, 2], "n_items": 5}}


class CheckFailed(AssertionError):
    """A common check found a task, card or benchmark that breaks neuromem's contract."""


def _require(condition: Any, check: str, message: str) -> None:
    if not condition:
        raise CheckFailed(f"{check}: {message}")


def encoded_tasks() -> list[str]:
    """Registered tasks with an encoding for artificial models."""
    return [t for t in list_tasks() if task_class(t).has_encoding()]


def is_artificial(card: str) -> bool:
    """Whether card ``card`` is fitted before it runs (an artificial model)."""
    return bool(getattr(model_class(card), "needs_fit", False))


def card_tasks(card: str) -> list[str]:
    """The tasks card ``card`` runs: those it lists (registered or not, so a wrong name fails its run
    check), then the other registered tasks it runs through ``"*"``."""
    c = load_card(card)
    listed = [t for t in c.tasks if t != ANY_ENCODED_TASK]
    return listed + [t for t in list_tasks() if t not in listed and runs_task(c, task_class(t))]


def _small_task(name: str) -> Any:
    params = SMALL_TASK.get(name, {})
    return fit_task(name, **params) if task_class(name).has_encoding() else task_class(name)(**params)


# ---- tasks -------------------------------------------------------------------------------------


def check_task_trials(name: str) -> None:
    """The same seed gives the same trials, named for the task, with units and a long name on every variable."""
    task = _small_task(name)
    a, b = task.trials(6, 11), task.trials(6, 11)
    try:
        xr.testing.assert_identical(a, b)
    except AssertionError as err:
        raise CheckFailed(f"check_task_trials: task {name!r} gave different trials for the same seed: {err}") from None
    _require(a.attrs.get("task") == name, "check_task_trials", f"task {name!r} names its trials {a.attrs.get('task')!r}")
    for var_name, var in a.data_vars.items():
        _require("units" in var.attrs and "long_name" in var.attrs, "check_task_trials", f"task {name!r}: {var_name} lacks units or long_name")


def check_task_decoding(name: str) -> None:
    """Decoding the encoded targets gives the task's declared perfect scores (tasks with an encoding)."""
    if not task_class(name).has_encoding():
        return
    task = fit_task(name)
    _require(task.perfect, "check_task_decoding", f"task {name!r} has an encoding but declares no `perfect` scores")
    trials = task.trials(8, 3)
    coded = task.encode(trials, 0.01)
    scores = task.score(trials, task.decode(trials, np.asarray(coded.y), 0.01))
    for score, value in task.perfect.items():
        got = scores[score].values.astype(float)
        _require(np.allclose(got, value, atol=1e-5), "check_task_decoding", f"task {name!r}: decoded targets score {score}={got.tolist()}, not {value}")


TASK_CHECKS: tuple[Callable[[str], None], ...] = (check_task_trials, check_task_decoding)


def check_task(name: str) -> None:
    """Every task check on registered task ``name``."""
    for check in TASK_CHECKS:
        check(name)


# ---- model cards -------------------------------------------------------------------------------


def check_card_tasks(card: str) -> None:
    """A card lists registered tasks only (lab protocols go in ``protocols``)."""
    known = list_tasks()
    for task in load_card(card).tasks:
        _require(task == ANY_ENCODED_TASK or task in known, "check_card_tasks", f"card {card!r} lists {task!r}, which is not a registered task")


def check_card_runs_task(card: str, task: str) -> None:
    """The card runs the task on a few trials and the responses score; an artificial card is fitted for
    3 steps first, and saved and reloaded to the same responses."""
    if is_artificial(card):
        t = fit_task(task)  # the task the net is fitted on: its encoding fixes the input size
        trials = t.trials(4, 9)
        model = _fitted_and_reloaded(card, task, trials)
    else:
        t = _small_task(task)
        model = load_model(card, **TINY.get(load_card(card).family, {}))
        trials = t.trials(len(t.conditions()), 5)
    out = run_trials(model, t, trials, seed=5, progress=False)
    _require(out.sizes["trial"] == trials.sizes["trial"], "check_card_runs_task", f"card {card!r} on {task!r} returned {out.sizes['trial']} trials")
    _require(any(v not in trials for v in out.data_vars), "check_card_runs_task", f"card {card!r} on {task!r}: no score was added to the trials")


def _fitted_and_reloaded(card: str, task: str, trials: xr.Dataset) -> Any:
    from neuromem.artificial import load_fitted, save_fitted
    from neuromem.experiments.fit import fit_model

    net, _ = fit_model(model=card, task=task, steps=3, eval_trials=2, out=None, progress=False)
    status = str(net.history_["fit_status"].values[0])
    _require(status.startswith("not judged"), "check_card_runs_task", f"card {card!r}: 3 fit steps were judged ({status!r}); too few to tell")
    with tempfile.TemporaryDirectory() as folder:
        again = load_fitted(save_fitted(net, Path(folder) / "net.pt"))
    try:
        xr.testing.assert_identical(net.run(trials, seed=9).drop_attrs(), again.run(trials, seed=9).drop_attrs())
    except AssertionError as err:
        raise CheckFailed(f"check_card_runs_task: card {card!r} on {task!r} runs differently after save and reload: {err}") from None
    return again


def _random_inputs(model: Any, seeds: tuple[int, ...] = (3, 4), T: int = 40, B: int = 5, n_in: int = 6, n_out: int = 3) -> tuple[Any, Any, Any]:
    """Untrained weights of ``seeds`` and random inputs and write mask (S, T, B, .) for an artificial card."""
    import torch

    params = model.init_params(list(seeds), n_in, n_out, torch.device("cpu"))
    g = torch.Generator().manual_seed(0)
    x = torch.randn(len(seeds), T, B, n_in, generator=g)
    write = (torch.rand(len(seeds), T, B, generator=g) < 0.3).float()
    return params, x, write


def check_card_causal(card: str) -> None:
    """Artificial cards: outputs before t0 do not depend on inputs or writes from t0 on."""
    if not is_artificial(card):
        return
    import torch

    model = load_model(card, device="cpu")
    params, x, write = _random_inputs(model)
    t0 = 17
    later_x, later_write = x.clone(), write.clone()
    later_x[:, t0:] = torch.randn_like(x[:, t0:]) * 3
    later_write[:, t0:] = 1 - write[:, t0:]
    with torch.no_grad():
        a = model.forward(params, x, write, None)
        b = model.forward(params, later_x, later_write, None)
    leak = float((a[:, :t0] - b[:, :t0]).abs().max())
    _require(leak <= 1e-6, "check_card_causal", f"card {card!r}: outputs before step {t0} moved by {leak:.3g} when only later inputs changed")
    reach = float((a[:, t0:] - b[:, t0:]).abs().max())
    _require(reach > 1e-3, "check_card_causal", f"card {card!r}: the perturbation reached no output, so a leak could not be seen")


def check_card_states(card: str) -> None:
    """Artificial cards: ``forward`` is ``readout(states)``, and the recorded states have the declared shapes."""
    if not is_artificial(card):
        return
    import torch

    from neuromem.artificial.base import state_shapes

    model = load_model(card, device="cpu")
    params, x, write = _random_inputs(model)
    with torch.no_grad():
        states = model.states(params, x, write, None, record=True)
        read, forward = model.readout(params, states, x), model.forward(params, x, write, None)
    _require(torch.allclose(read, forward, rtol=1e-5, atol=1e-6), "check_card_states", f"card {card!r}: readout(states) differs from forward")
    _require(model.state_variables, "check_card_states", f"card {card!r} declares no states")
    for name, shape in state_shapes(model, x.shape[1], x.shape[2]).items():
        want = (x.shape[0], *shape)
        _require(tuple(states[name].shape) == want, "check_card_states", f"card {card!r}: state {name} has shape {tuple(states[name].shape)}, declared {want}")
        _require(bool(torch.isfinite(states[name]).all()), "check_card_states", f"card {card!r}: state {name} is not finite")


CARD_CHECKS: tuple[Callable[[str], None], ...] = (check_card_tasks, check_card_causal, check_card_states)


def check_card(card: str) -> None:
    """Every card check on registered card ``card``, on every task it runs."""
    for check in CARD_CHECKS:
        check(card)
    for task in card_tasks(card):
        check_card_runs_task(card, task)


# ---- benchmarks --------------------------------------------------------------------------------


def check_benchmark(name: str) -> None:
    """A benchmark is named ``<data><year>-<measure>``, versioned and cited, runs a registered task with valid
    conditions (or a protocol some card declares), has people's data per subject with a ceiling from 10 split halves
    (or group means with positive standard errors and a closed-form ceiling), and scores people's own mean near 1."""
    b = get_benchmark(name)
    _require(re.fullmatch(r"[a-z]+\d{4}-[a-z0-9-]+", b.identifier), "check_benchmark", f"{name!r}: name a benchmark <data><year>-<measure>")
    _require(isinstance(b.version, int) and b.version >= 1 and b.parent and b.citation, "check_benchmark", f"{name!r} lacks a version, parent or citation")
    if b.protocol:
        declared = any(b.protocol in load_card(m).protocols for m in list_models())
        _require(declared, "check_benchmark", f"{name!r} runs protocol {b.protocol!r}, which no registered card declares")
    else:
        _require(b.task in list_tasks(), "check_benchmark", f"{name!r} runs task {b.task!r}, which is not registered")
        b.experiment()  # the human conditions are valid task parameters (raises otherwise)
    human = b.human
    ceiling, splits = b.ceiling()
    if b.grouped:
        _require(0 < ceiling <= 1, "check_benchmark", f"{name!r}: ceiling {ceiling} from the group means' standard errors")
    else:
        _require(human.dims[0] == "subject" and human.sizes["subject"] >= 4, "check_benchmark", f"{name!r}: people's data need a first dim subject, 4 or more")
        _require(0 < ceiling <= 1 and len(splits) == 10, "check_benchmark", f"{name!r}: ceiling {ceiling} from {len(splits)} splits")
    own = float(b.score(b.human_mean().expand_dims(seed=[0]))["score"])
    _require(own >= 0.9, "check_benchmark", f"{name!r}: people's own mean curve scores {own:.3f}, under 0.9")
