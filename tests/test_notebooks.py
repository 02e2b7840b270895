"""CI executes every notebook in quick mode; each must write its figures."""

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.py"))
FIGURES = {
    "working_memory": ["working_memory_trial.png", "working_memory_error_variance.png"],
    "synaptic_transmission": ["synaptic_transmission.png"],
    "artificial_models": ["artificial_models.png"],
    "comparison": ["comparison_retention.png"],
    "plasticity_and_forgetting": ["stdp_protocols.png", "forgetting_curves.png"],
    "synaptic_working_memory": ["synaptic_working_memory_trial.png", "synaptic_working_memory_capacity.png"],
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_quick_mode_and_writes_figures(path, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROMEM_QUICK", "1")
    monkeypatch.setenv("NEUROMEM_RESULT", str(tmp_path / "results" / "quick.nc"))
    monkeypatch.setenv("NEUROMEM_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("NEUROMEM_FIGURES", str(tmp_path / "figures"))
    nb = jupytext.read(path)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for name in FIGURES[path.stem]:
        figure = tmp_path / "figures" / name
        assert figure.is_file() and figure.stat().st_size > 5000, name
