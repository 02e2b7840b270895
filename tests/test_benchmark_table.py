"""`neuromem benchmark`: every model on every benchmark it can run, one table, resumable, with plug-ins and unregistered models."""

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import neuromem
from neuromem.benchmarks import table as table_mod
from neuromem.benchmarks.report import html_report
from neuromem.cards import load_model
from neuromem.results import load

PLUGINS = Path(__file__).parent / "plugins"
LAB = "toylab2026-digit-accuracy"


def neuromem_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "neuromem.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


class _Table(HTMLParser):
    """The rows of the table with id ``scores``: header cells then data cells, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.rows, self.cell = False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "scores") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def html_rows(path: Path) -> list[list[str]]:
    parser = _Table()
    parser.feed(path.read_text())
    return parser.rows


@pytest.fixture(scope="module")
def lab_table(tmp_path_factory):
    """A plug-in model and benchmark beside a built-in model and benchmark, --quick."""
    cwd = tmp_path_factory.mktemp("bench")
    args = ("benchmark", "--models", "decaying_trace", "cmr", "--benchmarks", LAB, "peers2014-serial-position", "--quick", "--quiet", "--out", "b")
    proc = neuromem_cli(*args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return cwd, args, proc


def test_plugin_benchmark_and_model_are_scored_beside_the_builtins(lab_table):
    cwd, _, proc = lab_table
    for name in ("decaying_trace", "cmr", LAB, "peers2014-serial-position", "tree of scores"):
        assert name in proc.stdout
    table = load(cwd / "b" / "benchmark_table.nc")
    status = table["status"].to_pandas()
    assert status.loc["decaying_trace", LAB] == "scored"
    assert status.loc["cmr", "peers2014-serial-position"] == "scored"
    assert status.loc["cmr", LAB].startswith("not applicable: its card does not list task 'digit-recall'")
    assert status.loc["decaying_trace", "peers2014-serial-position"].startswith("not applicable")
    # the toy trace decays with the lab's 1.5 s time constant nearly (card: 1 s): the shape matches, closeness is lower
    assert float(table["score"].sel(model="decaying_trace", benchmark=LAB)) > 0.8
    # n/a cells are not zeros: each model's root is the mean of its one scored benchmark
    for m, b in (("decaying_trace", LAB), ("cmr", "peers2014-serial-position")):
        assert float(table["node_score"].sel(model=m, node="memory")) == pytest.approx(float(table["score"].sel(model=m, benchmark=b)))
        assert int(table["node_scored"].sel(model=m, node="memory")) == 1


def test_the_html_report_holds_every_model_and_benchmark(lab_table):
    cwd, _, _ = lab_table
    page = cwd / "b" / "benchmark_report.html"
    rows = html_rows(page)
    assert rows[0][1:] == [f"{b}v1" for b in (LAB, "peers2014-serial-position")]
    assert sorted(r[0] for r in rows[1:]) == ["cmr", "decaying_trace"]
    assert (cwd / "b" / "benchmark_scores.png").stat().st_size > 1000


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_html_report_renders_in_headless_chromium(lab_table, tmp_path):
    cwd, _, _ = lab_table
    page = cwd / "b" / "benchmark_report.html"
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rendered = tmp_path / "dom.html"
    rendered.write_text(proc.stdout)
    assert sorted(r[0] for r in html_rows(rendered)[1:]) == ["cmr", "decaying_trace"]


def test_a_rerun_computes_only_missing_runs_and_gives_the_same_table(lab_table):
    cwd, args, _ = lab_table
    runs = sorted((cwd / "b" / "runs").glob("*.nc"))
    assert len(runs) == 2
    before = {p: p.stat().st_mtime_ns for p in runs}
    first = load(cwd / "b" / "benchmark_table.nc")
    runs[0].unlink()  # as if the first run had been interrupted before it was written
    proc = neuromem_cli(*args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert "replacing" in proc.stdout
    assert runs[0].is_file() and runs[1].stat().st_mtime_ns == before[runs[1]]
    again = load(cwd / "b" / "benchmark_table.nc")
    keep = ["score", "raw", "ceiling", "ci_low", "ci_high", "closeness_score", "status", "node_score"]
    xr.testing.assert_identical(first[keep].drop_attrs(), again[keep].drop_attrs())


class LabModel:
    """A model a lab has not registered: CMR behind another name, in a notebook."""

    name = "my_cmr_variant"
    family = "cognitive"

    def __init__(self) -> None:
        self._inner = load_model("cmr")

    def run(self, trials, *, seed, progress=False, checkpoint=None):
        return self._inner.run(trials, seed=seed, progress=progress, checkpoint=checkpoint)


def test_score_takes_a_model_object_that_is_not_registered():
    out = neuromem.score(LabModel(), "peers2014-serial-position", seeds=[1, 2], trials=10)
    assert out.attrs["benchmark"] == "peers2014-serial-position" and out.attrs["benchmark_version"] == "1"
    assert 0 <= float(out["score"]) <= 1 and float(out["ci_low"]) <= float(out["ci_high"])
    assert out["curve"].dims == ("seed", "position") and out.sizes["seed"] == 2
    assert np.isfinite(out["curve"]).all()


def test_a_failed_cell_is_recorded_with_its_error_not_as_zero(monkeypatch, tmp_path):
    def boom(*args, **kwargs):
        raise RuntimeError("simulator crashed")

    monkeypatch.setattr(table_mod, "run_cached", boom)
    table = table_mod.benchmark(models=["cmr", "compte2000"], benchmarks=["peers2014-lag-crp"], quick=True, out=tmp_path, progress=False)
    assert table["status"].sel(model="cmr", benchmark="peers2014-lag-crp").item() == "failed: RuntimeError: simulator crashed"
    assert table["status"].sel(model="compte2000", benchmark="peers2014-lag-crp").item().startswith("not applicable")
    assert np.isnan(table["node_score"].sel(model="cmr", node="memory"))  # nothing scored: no score, not 0
    html_report(table, tmp_path / "r.html")
    assert "FAILED" in (tmp_path / "r.html").read_text()


def test_an_unknown_model_or_benchmark_or_repeated_seed_exits_2_in_one_line(tmp_path):
    for args, needle in (
        (("--models", "nope"), "model='nope' is unknown"),
        (("--benchmarks", "nope"), "benchmark='nope' is unknown"),
        (("--seeds", "1", "1"), "seeds=[1, 1] is not allowed"),
        (("--seeds", "-1"), "seeds=[-1] is not allowed"),
        (("--scheduler", "tcp://127.0.0.1:1", "--workers", "2"), "--workers is for the local cluster"),
    ):
        proc = neuromem_cli("benchmark", *args, "--out", "x", cwd=tmp_path)
        assert proc.returncode == 2 and needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not (tmp_path / "x").exists()


def test_compare_says_when_the_human_curve_cannot_be_drawn():
    """Fitted-size lists (6, 8) beside people's 16-item lists: no human curve, and a warning saying why (it was all NaN, silently)."""
    from neuromem.analysis.compare import compare
    from neuromem.runner import run_task
    from neuromem.tasks import get_task

    task = get_task("free-recall", list_lengths=[6, 8], conditions=["immediate"])
    results = [run_task(load_model(m), task, 8, seed=1, progress=False) for m in ("cmr", "dual_store")]
    with pytest.warns(UserWarning, match=r"people's data \(peers_free_recall\) cannot be set beside these results: human_recall_probability"):
        ds = compare(results)
    assert not any(v.startswith("human_") for v in ds.data_vars)
    assert ds.attrs["human_reference_status"].startswith("not drawn: people's data")
    task16 = get_task("free-recall", list_lengths=[16], conditions=["immediate"])
    ds16 = compare([run_task(load_model(m), task16, 8, seed=1, progress=False) for m in ("cmr", "dual_store")])
    assert ds16.attrs["human_reference_status"].startswith("drawn: human_recall_probability")


def test_killed_and_rerun_it_computes_only_the_missing_runs_and_the_table_is_the_same(tmp_path):
    """SIGTERM once the first run is written: exit 143 and no table; the rerun keeps that run and gives the uninterrupted table."""
    import signal
    import time

    args = ("benchmark", "--models", "cmr", "dual_store", "--benchmarks", "peers2014-lag-crp", "--quick", "--quiet", "--seeds", "1", "2")
    whole = neuromem_cli(*args, "--out", "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "neuromem.cli", *args, "--out", "cut"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    runs = tmp_path / "cut" / "runs"
    deadline = time.monotonic() + 120
    while not (runs.is_dir() and list(runs.glob("*.nc"))) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # the whole command finished before the signal: nothing to resume (a fast machine)
        pytest.skip("the command finished before it could be interrupted")
    assert proc.returncode == 128 + signal.SIGTERM and "interrupted (SIGTERM)" in err, err
    assert not (tmp_path / "cut" / "benchmark_table.nc").exists()
    kept = {p: p.stat().st_mtime_ns for p in runs.glob("*.nc")}
    assert 1 <= len(kept) <= 4  # all 4 when the signal came while the cells were being scored
    again = neuromem_cli(*args, "--out", "cut", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items()) and len(list(runs.glob("*.nc"))) == 4
    keep = ["score", "raw", "ceiling", "ci_low", "ci_high", "closeness_score", "status"]
    xr.testing.assert_identical(
        load(tmp_path / "whole" / "benchmark_table.nc")[keep].drop_attrs(), load(tmp_path / "cut" / "benchmark_table.nc")[keep].drop_attrs()
    )


@pytest.mark.long
def test_two_local_workers_give_the_same_table_as_one_process(tmp_path):
    kw = {
        "models": ["cmr", "dual_store", "compte2000"],
        "benchmarks": ["peers2014-lag-crp", "peers2014-first-recall", "barbosa2020-spatial-error"],
        "quick": True,
        "progress": False,
    }
    one = neuromem.benchmark(out=tmp_path / "one", workers=1, **kw)
    two = neuromem.benchmark(out=tmp_path / "two", workers=2, **kw)
    keep = ["score", "raw", "ceiling", "ci_low", "ci_high", "closeness_score", "status", "node_score"]
    xr.testing.assert_identical(one[keep].drop_attrs(), two[keep].drop_attrs())
    assert (two["status"] == "scored").sum() == 5
    assert len(list((tmp_path / "two" / "runs").glob("*.nc"))) == 3  # one run per model, shared by the free-recall benchmarks


def test_a_run_is_reused_only_for_the_same_conditions(tmp_path):
    import dataclasses

    from neuromem.benchmarks import get_benchmark

    b = get_benchmark("peers2014-serial-position")
    table_mod.run_cached("cmr", b, 1, True, tmp_path, False)
    table_mod.run_cached("cmr", b, 1, True, tmp_path, False)  # the same: read back
    assert len(list((tmp_path / "runs").glob("*.nc"))) == 1
    for changed in (dataclasses.replace(b, quick_trials=5), dataclasses.replace(b, task_params={**b.task_params, "n_items": 50})):
        table_mod.run_cached("cmr", changed, 1, True, tmp_path, False)
    table_mod.run_cached("cmr", b, 2, True, tmp_path, False)
    assert len(list((tmp_path / "runs").glob("*.nc"))) == 4
    damaged = sorted((tmp_path / "runs").glob("*.nc"))[0]
    damaged.write_bytes(b"not netCDF")
    kept = damaged.name
    table_mod.run_cached("cmr", b, 1, True, tmp_path, False)
    table_mod.run_cached("cmr", dataclasses.replace(b, quick_trials=5), 1, True, tmp_path, False)
    table_mod.run_cached("cmr", dataclasses.replace(b, task_params={**b.task_params, "n_items": 50}), 1, True, tmp_path, False)
    table_mod.run_cached("cmr", b, 2, True, tmp_path, False)
    assert load(tmp_path / "runs" / kept).sizes["trial"] > 0  # the damaged file was made again


def test_an_error_while_scoring_is_failed_and_a_refusal_is_not_applicable(monkeypatch, tmp_path):
    from neuromem.benchmarks import Benchmark

    def bad_score(self, curves, seed=0):
        raise ValueError("the model's curve has 0 finite point(s) of 11")

    monkeypatch.setattr(Benchmark, "score", bad_score)
    table = table_mod.benchmark(models=["cmr"], benchmarks=["peers2014-lag-crp"], quick=True, out=tmp_path, progress=False)
    assert table["status"].item().startswith("failed: ValueError: the model's curve has 0 finite point(s)")


@pytest.mark.long
def test_a_running_dask_cluster_gives_the_same_table(tmp_path):
    """--scheduler: the sweep engine's client on a running cluster (here a local one, one worker); a spiking network on a
    dask worker runs its batches in that worker, which may not start processes of its own."""
    distributed = pytest.importorskip("distributed")
    kw = {"models": ["cmr", "compte2000"], "benchmarks": ["peers2014-lag-crp", "barbosa2020-spatial-error"], "quick": True, "progress": False}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = neuromem.benchmark(out=tmp_path / "remote", scheduler=cluster.scheduler_address, **kw)
    here = neuromem.benchmark(out=tmp_path / "here", **kw)
    keep = ["score", "raw", "ci_low", "ci_high", "status"]
    xr.testing.assert_identical(here[keep].drop_attrs(), remote[keep].drop_attrs())
    assert (remote["status"] == "scored").sum() == 2
