"""`neuromem figures` makes every figure from real result files, through the one notebook runner."""

import subprocess
import sys

import pytest

from neuromem.figures import list_notebooks

FIGURES = {
    "working_memory": ["working_memory_trial.png", "working_memory_error_variance.png"],
    "synaptic_transmission": ["synaptic_transmission.png"],
    "artificial_models": ["artificial_models.png"],
    "comparison": ["comparison_retention.png"],
    "plasticity_and_forgetting": ["stdp_protocols.png", "stdp_multiplets.png", "forgetting_curves.png"],
    "synaptic_working_memory": ["synaptic_working_memory_trial.png", "synaptic_working_memory_capacity.png"],
    "sweep_drift": ["sweep_drift.png"],
    "free_recall": ["free_recall.png"],
}


def figures_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuromem.cli", "figures", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Small real results, made by `neuromem figures --quick` (the experiments, then the notebooks)."""
    root = tmp_path_factory.mktemp("quick")
    proc = figures_command("--quick", "--results", str(root / "results"), "--out", str(root / "quick_figures"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "results"


def test_every_notebook_has_its_figures_listed():
    assert sorted(FIGURES) == list_notebooks()


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
