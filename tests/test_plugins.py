"""A lab's package outside neuromem adds a task, a model and an experiment through entry points.

The package (``tests/plugins/neuromem_toylab`` with its ``.dist-info``) is put on
the path of each ``neuromem`` process; nothing under ``neuromem/`` names it.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from neuromem.results import load

PLUGINS = Path(__file__).parent / "plugins"
PACKAGE = Path(__file__).parent.parent / "neuromem"


def neuromem(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "neuromem.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_nothing_in_neuromem_names_the_plugin():
    for path in PACKAGE.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".toml", ".md", ".csv"):
            text = path.read_text()
            for name in ("digit-recall", "decaying_trace", "neuromem_toylab", "DigitRecall"):
                assert name not in text, f"{path} names {name}"


def test_list_shows_the_plugin_task_model_and_experiment(tmp_path):
    proc = neuromem("list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for line in ("decaying_trace", "digit-recall", "plug-in: entry point neuromem_toylab.task:DigitRecall"):
        assert line in proc.stdout


def test_run_fit_and_compare_work_on_the_plugin_task_and_model(tmp_path):
    out = str(tmp_path / "r")
    proc = neuromem(
        "run",
        "task",
        "--task",
        "digit-recall",
        "--model",
        "decaying_trace",
        "--task-param",
        "delays=[0.1,3.0]",
        "--trials",
        "200",
        "--seed",
        "2",
        "--out",
        out,
        "--quiet",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    trace = load(tmp_path / "r" / "digit-recall_decaying_trace_seed2.nc")
    acc = trace["correct"].groupby("delay").mean()
    # P(correct) = e^(-d/tau) + (1 - e^(-d/tau)) / 4 with tau = 1 s: 0.93 at 0.1 s, 0.29 at 3 s; 4 s.e. of 200 trials
    expected = np.exp(-acc["delay"] / 1.0) + (1 - np.exp(-acc["delay"] / 1.0)) / 4
    se = np.sqrt(expected.values * (1 - expected.values) / 200)
    assert (np.abs(acc.values - expected.values) < 4 * se).all(), (acc.values, expected.values)

    # an artificial model fits the new task with no edit to neuromem.artificial: the task owns its encoding
    proc = neuromem(
        "fit", "--model", "keyvalue", "--task", "digit-recall", "--steps", "150", "--hidden", "16", "--device", "cpu", "--out", out, "--quiet", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    proc = neuromem(
        "run",
        "task",
        "--task",
        "digit-recall",
        "--fitted",
        f"{out}/fit_keyvalue_digit-recall.pt",
        "--task-param",
        "delays=[0.1,3.0]",
        "--trials",
        "50",
        "--out",
        out,
        "--quiet",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    fitted = load(tmp_path / "r" / "digit-recall_keyvalue_fitted_seed1.nc")
    assert fitted.attrs["model_family"] == "keyvalue" and float(fitted["correct"].mean()) > 0.5  # chance 0.25

    proc = neuromem(
        "compare",
        str(tmp_path / "r" / "digit-recall_decaying_trace_seed2.nc"),
        str(tmp_path / "r" / "digit-recall_keyvalue_fitted_seed1.nc"),
        "--out",
        f"{out}/cmp.nc",
        "--figure",
        f"{out}/cmp.png",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    both = load(tmp_path / "r" / "cmp.nc")
    assert both["accuracy"].dims == ("model", "delay") and list(both["model"].values) == ["decaying_trace", "keyvalue"]
    np.testing.assert_allclose(both["accuracy"].sel(model="decaying_trace"), acc)
    assert (tmp_path / "r" / "cmp.png").stat().st_size > 5000


def test_the_plugin_experiment_runs_and_its_card_is_checked(tmp_path):
    proc = neuromem("run", "digit-recall", "--delays", "0.2", "--trials", "20", "--out", str(tmp_path), "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    ds = load(tmp_path / "digit-recall_decaying_trace_seed1.nc")
    assert ds.attrs["experiment"] == "digit-recall" and '"trials": 20' in ds.attrs["experiment_parameters"]
    proc = neuromem("run", "digit-recall", "--tau", "1 mV", "--out", str(tmp_path), "--quiet", cwd=tmp_path)
    assert proc.returncode == 2
    assert "parameter tau='1 mV' is not allowed; it is a voltage, but tau must be a time" in proc.stderr
    proc = neuromem("run", "task", "--task", "digit-recall", "--model", "compte2000", "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "model 'compte2000' does not run task 'digit-recall'" in proc.stderr and "Traceback" not in proc.stderr


def test_without_the_plugin_on_the_path_neuromem_does_not_know_it():
    code = (
        "import neuromem.tasks, neuromem.cards, neuromem.experiments as e;"
        "print(neuromem.tasks.list_tasks(), neuromem.cards.list_models(), e.list_experiments())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "digit-recall" not in out and "decaying_trace" not in out


def test_a_broken_plugin_is_a_one_line_error_naming_its_entry_point(tmp_path):
    info = tmp_path / "brokenlab-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenlab\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[neuromem.tasks]\nodd-one-out = brokenlab.tasks:OddOneOut\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "neuromem.cli", "list"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "task plug-in 'odd-one-out' (brokenlab.tasks:OddOneOut) cannot be loaded: No module named 'brokenlab'" in proc.stderr
