"""Common checks (scikit-learn's ``check_estimator`` pattern) over every registered task, model card and benchmark.

The checks themselves are public, in :mod:`neuromem.checks`, so a lab runs them on its plug-ins from
its own tests. The lists are read from the registries when this module is collected, so a lab's
plug-ins are checked here too: ``test_plugins_pass_the_common_checks`` runs this module with the
test suite's toy lab on the path.
"""

import re

import pytest

import neuromem
from neuromem import checks
from neuromem.benchmarks import list_benchmarks
from neuromem.tasks import list_tasks

TASKS = list_tasks()
CARDS = neuromem.list_models()
ARTIFICIAL = [c for c in CARDS if checks.is_artificial(c)]
#: every card x task it runs (artificial cards: every task with an encoding)
CARD_TASKS = [(c, t) for c in CARDS for t in checks.card_tasks(c)]


@pytest.mark.parametrize("task", TASKS)
def test_task_trials(task):
    checks.check_task_trials(task)


@pytest.mark.parametrize("task", checks.encoded_tasks())
def test_task_decoding(task):
    checks.check_task_decoding(task)


@pytest.mark.parametrize("card", CARDS)
def test_card_tasks(card):
    checks.check_card_tasks(card)


# causality and the state contract concern the artificial cards only (the checks pass over others)
@pytest.mark.parametrize("check", [checks.check_card_causal, checks.check_card_states], ids=lambda c: c.__name__)
@pytest.mark.parametrize("card", ARTIFICIAL)
def test_artificial_card(card, check):
    check(card)


@pytest.mark.parametrize("card, task", CARD_TASKS, ids=[f"{c}-{t}" for c, t in CARD_TASKS])
def test_card_runs_task(card, task):
    checks.check_card_runs_task(card, task)


@pytest.mark.parametrize("name", list_benchmarks())
def test_benchmark(name):
    checks.check_benchmark(name)


def test_every_artificial_card_is_checked_on_every_encoded_task():
    assert ARTIFICIAL and all((c, t) in CARD_TASKS for c in ARTIFICIAL for t in checks.encoded_tasks())


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
    # task checks, card checks, card x task (3 artificial fits among them), benchmark
    assert re.search(r"\b(\d+) passed", proc.stdout) and int(re.search(r"\b(\d+) passed", proc.stdout).group(1)) >= 8, proc.stdout[-1000:]


def test_the_checks_fail_on_what_they_check(monkeypatch):
    """Each check can fail: a task that draws other trials for the same seed, a card that lists an unknown
    task, and an artificial card whose outputs see the future are refused with CheckFailed."""
    import numpy as np

    from neuromem.cards import load_card, model_class
    from neuromem.tasks import task_class

    cls = task_class("delayed-estimation")
    real = cls.trials
    monkeypatch.setattr(cls, "trials", lambda self, n, seed: real(self, n, np.random.default_rng().integers(1 << 30)))
    with pytest.raises(checks.CheckFailed, match="different trials for the same seed"):
        checks.check_task_trials("delayed-estimation")
    monkeypatch.setattr(cls, "trials", real)

    from dataclasses import replace

    card = replace(load_card("cmr"), tasks=("free-recall", "no-such-task"))
    monkeypatch.setattr(checks, "load_card", lambda name: card)
    with pytest.raises(checks.CheckFailed, match="'no-such-task', which is not a registered task"):
        checks.check_card_tasks("cmr")

    rnn = model_class("rate_rnn")
    forward = rnn.forward
    monkeypatch.setattr(rnn, "forward", lambda self, params, x, write, h: forward(self, params, x.flip(1), write.flip(1), h))
    with pytest.raises(checks.CheckFailed, match="outputs before step 17 moved"):
        checks.check_card_causal("rate_rnn")
