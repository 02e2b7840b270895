"""`neuromem figures` makes every figure from real result files, through the one notebook runner."""

import subprocess
import sys

import pytest

from neuromem import figures
from neuromem.figures import list_notebooks, notebook_needs, run_order

FIGURES = {
    "working_memory": ["working_memory_trial.png", "working_memory_error_variance.png"],
    "synaptic_transmission": ["synaptic_transmission.png"],
    "artificial_models": ["artificial_models.png"],
    "comparison": ["comparison_retention.png"],
    "plasticity_and_forgetting": ["stdp_protocols.png", "stdp_multiplets.png", "forgetting_curves.png"],
    "synaptic_working_memory": ["synaptic_working_memory_trial.png", "synaptic_working_memory_capacity.png"],
    "sweep_drift": ["sweep_drift.png"],
    "free_recall": ["free_recall.png"],
    "set_size": ["set_size.png"],
    "states": ["states_delayed_estimation.png", "states_similarity.png", "states_attention_by_lag.png"],
}


def figures_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuromem.cli", "figures", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Small real results, made by `neuromem figures --quick` (the experiments, then the notebooks)."""
    root = tmp_path_factory.mktemp("quick")
    # two notebooks at a time (each after those it needs): the fixture's wall time is most of this file's
    proc = figures_command("--quick", "--jobs", "2", "--results", str(root / "results"), "--out", str(root / "quick_figures"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # printed in the order they are run in, comparison after the notebooks whose results it draws
    printed = [line.split()[1].rstrip(":") for line in proc.stdout.splitlines() if line.startswith(("ok  ", "FAIL"))]
    assert printed == run_order(list(FIGURES)) and printed.index("comparison") > printed.index("plasticity_and_forgetting")
    assert sorted(p.name for p in (root / "quick_figures").iterdir()) == sorted(sum(FIGURES.values(), []))  # no drawing folder left
    return root / "results"


def test_every_notebook_has_its_figures_listed():
    assert sorted(FIGURES) == list_notebooks()


@pytest.mark.long
def test_figures_command_draws_every_figure_from_saved_results(results, tmp_path):
    made = sorted(p.name for p in results.iterdir())
    proc = figures_command("--results", str(results), "--out", str(tmp_path / "figures"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ok  ") == len(FIGURES) and "FAIL" not in proc.stdout
    for name in sum(FIGURES.values(), []):
        figure = tmp_path / "figures" / name
        assert figure.is_file() and figure.stat().st_size > 5000, name
    assert sorted(p.name for p in results.iterdir()) == made  # without --quick nothing new is computed


def test_figures_without_results_fails_with_the_notebooks_reason(tmp_path):
    proc = figures_command("--results", str(tmp_path / "none"), "--out", str(tmp_path / "f"), "--only", "working_memory")
    assert proc.returncode == 1 and "FAIL working_memory" in proc.stdout and "working-memory_compte2000" in proc.stdout
    assert "neuromem figures: running notebooks/working_memory.py" in proc.stderr and "1/1" in proc.stderr  # which runs, and progress


def test_the_states_figure_without_any_states_result_says_what_it_could_not_draw(tmp_path):
    """It used to stop on a NameError (the colour bar of a panel never drawn)."""
    (tmp_path / "empty").mkdir()
    proc = figures_command("--results", str(tmp_path / "empty"), "--out", str(tmp_path / "f"), "--only", "states")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not drawn (no result file): rate RNN, LSTM, Transformer, ring (Compte 2000, scaled)" in proc.stdout
    assert (tmp_path / "f" / "states_delayed_estimation.png").is_file()


def test_a_human_curve_the_free_recall_figure_cannot_draw_is_said(tmp_path):
    from neuromem.experiments import free_recall

    for model in ("cmr", "dual_store"):
        free_recall(model=model, trials=6, list_lengths=[8], out=str(tmp_path / "r"), quiet=True)
    proc = figures_command("--results", str(tmp_path / "r"), "--out", str(tmp_path / "f"), "--only", "free_recall")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not drawn: people's curves beside CMR (PEERS lists have 16 items, these 8)" in proc.stdout
    assert "not drawn (no result file): LSTM (fitted)" in proc.stdout


def test_a_notebook_runs_after_the_notebooks_it_needs(monkeypatch):
    assert notebook_needs("comparison") == ["artificial_models", "plasticity_and_forgetting"]
    assert notebook_needs("working_memory") == []
    order = run_order(list(FIGURES))
    assert order.index("comparison") > max(order.index("artificial_models"), order.index("plasticity_and_forgetting"))
    assert run_order(["comparison", "working_memory"]) == ["comparison", "working_memory"]  # needs outside the selection do not hold it back
    monkeypatch.setattr("neuromem.figures.notebook_needs", lambda name: {"a": ["b"], "b": ["a"]}.get(name, []))
    with pytest.raises(ValueError, match=r"need each other"):
        run_order(["a", "b", "c"])


def test_with_two_jobs_a_notebook_starts_only_once_those_it_needs_have_ended(monkeypatch, tmp_path):
    """a (slow) and b run side by side; c needs a, so run order puts it last and it starts only after a
    ends, while d, needing nothing, runs in b's slot meanwhile. Results come back in run order."""
    import threading
    import time

    events, lock = [], threading.Lock()

    def fake_run(name, results, out, quick=False):
        with lock:
            events.append(("start", name))
        time.sleep({"a": 0.4}.get(name, 0.05))
        with lock:
            events.append(("end", name))
        return True, f"{name}.png"

    monkeypatch.setattr(figures, "list_notebooks", lambda: ["a", "b", "c", "d"])
    monkeypatch.setattr(figures, "notebook_needs", lambda name: {"c": ["a"]}.get(name, []))
    monkeypatch.setattr(figures, "run_notebook", fake_run)
    yielded = list(figures.regenerate(tmp_path / "results", tmp_path / "figures", jobs=2))
    assert [name for name, *_ in yielded] == ["a", "b", "d", "c"] and all(ok for _, ok, _ in yielded)
    assert events.index(("start", "c")) > events.index(("end", "a"))
    assert events.index(("start", "d")) < events.index(("end", "a"))


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_figures_jobs_below_one_is_a_one_line_error(tmp_path, jobs):
    proc = figures_command("--jobs", jobs, "--results", str(tmp_path), "--out", str(tmp_path / "f"))
    assert proc.returncode == 2 and f"jobs={jobs} is not allowed" in proc.stderr and "Traceback" not in proc.stderr
