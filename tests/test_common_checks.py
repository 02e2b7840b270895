"""Common checks (scikit-learn's ``check_estimator`` pattern) over every registered task, model card and benchmark.

The lists are read from the registries when this module is collected, so a lab's
plug-ins are checked too: ``test_plugins_pass_the_common_checks`` runs this module
with the test suite's toy lab on the path.
"""

import re

import numpy as np
import pytest
import xarray as xr

from neuromem.benchmarks import get_benchmark, list_benchmarks
from neuromem.cards import ANY_ENCODED_TASK, load_card, load_model, model_class
from neuromem.runner import run_trials
from neuromem.tasks import fit_task, list_tasks, task_class

TASKS = list_tasks()
CARDS = [c for c in __import__("neuromem").list_models()]
ENCODED = [t for t in TASKS if task_class(t).has_encoding()]
ARTIFICIAL = [c for c in CARDS if getattr(model_class(c), "needs_fit", False)]
#: every card x task it lists (artificial cards: every task with an encoding)
CARD_TASKS = [(c, t) for c in CARDS if c not in ARTIFICIAL for t in load_card(c).tasks if t != ANY_ENCODED_TASK]
#: the smallest network each spiking card may be built with for a smoke run (not a scientific result)
TINY = {"spiking": {"N_E": 80, "N_I": 20}}
#: short lists every card can hold (the synaptic working-memory card has 5 pools)
SMALL_TASK = {"free-recall": {"list_lengths": [3], "n_items": 5}, "multi-item-recall": {"set_sizes": [1, 2], "n_items": 5}}


@pytest.mark.parametrize("card", CARDS)
def test_card_tasks_are_registered_tasks(card):
    c = load_card(card)
    for t in c.tasks:
        assert t == ANY_ENCODED_TASK or t in TASKS, f"card {card} lists {t!r}, which is not a registered task (a protocol goes in `protocols`)"


@pytest.mark.parametrize("task", TASKS)
def test_same_seed_same_trials_and_every_variable_described(task):
    t = fit_task(task) if task in ENCODED else task_class(task)()
    a, b = t.trials(6, 11), t.trials(6, 11)
    xr.testing.assert_identical(a, b)
    assert a.attrs["task"] == task
    for name, var in a.data_vars.items():
        assert "units" in var.attrs and "long_name" in var.attrs, f"{task}: {name} lacks units or long_name"


@pytest.mark.parametrize("task", ENCODED)
def test_decoding_the_targets_scores_perfectly(task):
    t = fit_task(task)
    assert t.perfect, f"task {task} has an encoding but declares no `perfect` scores"
    trials = t.trials(8, 3)
    coded = t.encode(trials, 0.01)
    scores = t.score(trials, t.decode(trials, np.asarray(coded.y), 0.01))
    for name, value in t.perfect.items():
        np.testing.assert_allclose(scores[name].values.astype(float), value, atol=1e-5, err_msg=f"{task}: {name}")


@pytest.mark.parametrize("card, task", CARD_TASKS, ids=[f"{c}-{t}" for c, t in CARD_TASKS])
def test_every_card_runs_every_task_it_lists(card, task):
    c = load_card(card)
    options = TINY.get(c.family, {})
    t = fit_task(task, **SMALL_TASK.get(task, {})) if task in ENCODED else task_class(task)(**SMALL_TASK.get(task, {}))
    trials = t.trials(len(t.conditions()), 5)
    out = run_trials(load_model(card, **options), t, trials, seed=5, progress=False)
    assert out.sizes["trial"] == trials.sizes["trial"]
    assert any(v not in trials for v in out.data_vars), "no score was added to the trials"


@pytest.mark.parametrize("card", ARTIFICIAL)
@pytest.mark.parametrize("task", ENCODED)
def test_every_artificial_card_fits_every_encoded_task_and_reloads(card, task, tmp_path):
    from neuromem.artificial import load_fitted, save_fitted
    from neuromem.experiments.fit import fit_model

    net, _ = fit_model(model=card, task=task, steps=3, eval_trials=2, out=None, progress=False)
    assert str(net.history_["fit_status"].values[0]).startswith("not judged")  # 3 steps is a smoke test, not a fit
    t = fit_task(task)
    trials = t.trials(4, 9)
    again = load_fitted(save_fitted(net, tmp_path / "net.pt"))
    xr.testing.assert_identical(net.run(trials, seed=9).drop_attrs(), again.run(trials, seed=9).drop_attrs())
    scored = run_trials(again, t, trials, seed=9, progress=False)
    assert scored.sizes["trial"] == 4


def _random_inputs(model, seeds=(3, 4), T=40, B=5, n_in=6, n_out=3):
    """Untrained weights of ``seeds`` and random inputs and write mask (S, T, B, .) for an artificial card."""
    import torch

    params = model.init_params(list(seeds), n_in, n_out, torch.device("cpu"))
    g = torch.Generator().manual_seed(0)
    x = torch.randn(len(seeds), T, B, n_in, generator=g)
    write = (torch.rand(len(seeds), T, B, generator=g) < 0.3).float()
    return params, x, write


@pytest.mark.parametrize("card", ARTIFICIAL)
def test_every_artificial_card_is_causal(card):
    """Outputs before t0 do not depend on inputs (or writes) from t0 on: encodings put response cues in x."""
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
    torch.testing.assert_close(a[:, :t0], b[:, :t0], rtol=0, atol=1e-6)
    assert (a[:, t0:] - b[:, t0:]).abs().max() > 1e-3, "the perturbation reached no output: the check would not see a leak"


@pytest.mark.parametrize("card", ARTIFICIAL)
def test_every_artificial_card_reads_out_its_recorded_states(card):
    """``forward`` is ``readout(states)``, and the recorded states have the declared shapes (and no others)."""
    import torch

    from neuromem.artificial.base import state_shapes

    model = load_model(card, device="cpu")
    params, x, write = _random_inputs(model)
    with torch.no_grad():
        states = model.states(params, x, write, None, record=True)
        torch.testing.assert_close(model.readout(params, states, x), model.forward(params, x, write, None), rtol=1e-5, atol=1e-6)
    assert model.state_variables, f"{card} declares no states"
    for name, shape in state_shapes(model, x.shape[1], x.shape[2]).items():
        assert tuple(states[name].shape) == (x.shape[0], *shape), name
        assert torch.isfinite(states[name]).all(), name


@pytest.mark.parametrize("name", list_benchmarks())
def test_benchmark_declaration_ceiling_and_metric(name):
    b = get_benchmark(name)
    assert re.fullmatch(r"[a-z]+\d{4}-[a-z0-9-]+", b.identifier), "name a benchmark <data><year>-<measure>"
    assert isinstance(b.version, int) and b.version >= 1 and b.parent and b.citation
    assert b.task in TASKS
    b.experiment()  # the human conditions are valid task parameters
    human = b.human
    assert human.dims[0] == "subject" and human.sizes["subject"] >= 4
    ceiling, splits = b.ceiling()
    assert 0 < ceiling <= 1 and len(splits) == 10
    mean = human.mean("subject").expand_dims(seed=[0])
    assert float(b.score(mean)["score"]) >= 0.9  # people's own mean curve is as good as people


def test_plugins_pass_the_common_checks():
    """The same checks, collected with the toy lab's package on the path: its task, card and benchmark are checked too."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    plugins = Path(__file__).parent / "plugins"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-k", "digit or decaying or toylab", "-n", "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    # card tasks, same trials, perfect decoding, card x task, 3 artificial fits, benchmark
    assert re.search(r"\b(\d+) passed", proc.stdout) and int(re.search(r"\b(\d+) passed", proc.stdout).group(1)) >= 8, proc.stdout[-1000:]
