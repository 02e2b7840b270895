"""Sweeps on a real dask LocalCluster: the grid as dims, equal to the points run one by one, nothing lost.

Each scenario starts real worker processes (``LocalCluster``, 2 processes of one
thread); the spiking points are the Compte ring at 128 + 32 neurons on Brian2's
runtime device, so they take seconds.
"""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("distributed")
pytest.importorskip("zarr")

from sweep_toy import HOLD  # noqa: E402  (tests/ is on the path of the test process and of its workers)

from neuromem.analysis.compare import compare  # noqa: E402
from neuromem.experiments import EXPERIMENTS, get_experiment  # noqa: E402
from neuromem.results import open_sweep, save  # noqa: E402
from neuromem.sweep import Sweep, client_for, run_sweep  # noqa: E402
from neuromem.sweep.define import parse_seeds, parse_values  # noqa: E402

RING = {"trials": 1, "delays": [0.5], "device": "runtime", "N_E": 128, "N_I": 32}
PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture
def hold_experiment(monkeypatch):
    monkeypatch.setitem(EXPERIMENTS._items, "hold", HOLD)
    monkeypatch.setitem(EXPERIMENTS._sources, "hold", "tests")
    return HOLD


@pytest.fixture(scope="module")
def client():
    with client_for(workers=2) as c:
        yield c


def _interrupt_once_written(store: Path, points: int) -> None:
    """Ctrl-C in the main thread (a KeyboardInterrupt there) as soon as ``points`` points of ``store`` are written."""

    def interrupt() -> None:
        while len(list((store / "points").glob("p*"))) < points:
            time.sleep(0.05)
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()


def _trim(ds: xr.Dataset, like: xr.Dataset) -> xr.Dataset:
    """A point of the sweep cut back to the length of its own ragged dims (spikes are padded to the longest)."""
    return ds.isel({d: slice(0, n) for d, n in like.sizes.items() if d not in like.indexes})


@pytest.mark.long
def test_ring_sweep_has_the_grid_dims_and_equals_the_points_run_one_by_one(tmp_path, client):
    sweep = Sweep("working-memory", grid={"J_plus": [1.5, 1.7]}, seeds=[1, 2], fixed=RING)
    counts = run_sweep(sweep, tmp_path / "s.zarr", client=client, progress=False)
    assert counts == {"points": 4, "skipped": 0, "ran": 4, "failed": 0}
    ds = open_sweep(tmp_path / "s.zarr")
    assert list(ds["rate"].dims[:2]) == ["J_plus", "seed"]
    assert ds["rate"].chunks is not None  # lazy: read point by point when asked
    assert (ds["point_status"] == "ok").all()
    assert ds.attrs["experiment"] == "working-memory" and "sweep" in ds.attrs and "created" not in ds.attrs
    experiment = get_experiment("working-memory")
    for point in sweep.points():
        alone = experiment(**point.params)["trials"][0]
        got = _trim(ds.sel(point.coords), alone).drop_vars(["J_plus", "seed", "point_status", "point_error", "point_key"])
        xr.testing.assert_equal(got.load(), alone)
        assert got["rate"].attrs == alone["rate"].attrs  # units survive the store
    assert ds["J_plus"].attrs["units"] == "1" and ds["seed"].attrs["units"] == "1"
    # two sweeps compared at every grid point, saved under the results schema (its float coords need units)
    comparison = compare([ds, ds])
    assert comparison["variance"].dims == ("model", "J_plus", "seed", "delay")
    save(comparison, tmp_path / "comparison.nc")
    # the same grid on one worker: the identical Dataset
    with client_for(workers=1) as one:
        run_sweep(sweep, tmp_path / "one.zarr", client=one, progress=False)
    xr.testing.assert_identical(open_sweep(tmp_path / "one.zarr").load(), ds.load())


def test_a_point_that_raises_is_recorded_and_the_rest_go_on(tmp_path, client, hold_experiment):
    sweep = Sweep("hold", grid={"level": [0.0, 1.0, 2.0]}, seeds=[3, 4], fixed={"fail_at": 1.0})
    counts = run_sweep(sweep, tmp_path / "s.zarr", client=client, progress=False)
    assert counts["ran"] == 4 and counts["failed"] == 2
    ds = open_sweep(tmp_path / "s.zarr").load()
    assert list(ds["point_status"].sel(level=1.0).values) == ["failed", "failed"]
    assert "level 1.0 fails on purpose" in str(ds["point_error"].sel(level=1.0, seed=3).values)
    assert ds["value"].sel(level=1.0).isnull().all()
    expected = np.random.default_rng(4).normal(2.0, 1.0, size=5)
    np.testing.assert_array_equal(ds["value"].sel(level=2.0, seed=4).values, expected)
    # a rerun tries only the failed points again
    counts = run_sweep(sweep, tmp_path / "s.zarr", client=client, progress=False)
    assert counts == {"points": 6, "skipped": 4, "ran": 0, "failed": 2}


def test_a_worker_killed_mid_point_is_retried_and_the_sweep_completes(tmp_path, client, hold_experiment):
    marker = tmp_path / "starts"
    marker.mkdir()
    sweep = Sweep("hold", grid={"level": [0.0, 1.0, 2.0]}, seeds=[1, 2], fixed={"hold": 1.5, "marker": str(marker)})
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(run_sweep(sweep, tmp_path / "s.zarr", client=client, progress=False)))
    runner.start()
    deadline = time.monotonic() + 60
    while not list(marker.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = list(marker.iterdir())[0]
    os.kill(int(victim.name.rsplit("-", 1)[1]), signal.SIGKILL)  # the worker process running that point, mid-point
    runner.join(timeout=120)
    assert result == {"points": 6, "skipped": 0, "ran": 6, "failed": 0}
    level_seed = victim.name.rsplit("-", 1)[0]
    assert len([m for m in marker.iterdir() if m.name.startswith(level_seed + "-")]) == 2  # started again elsewhere
    ds = open_sweep(tmp_path / "s.zarr").load()
    assert (ds["point_status"] == "ok").all() and ds["value"].notnull().all()


def test_an_interrupted_sweep_keeps_finished_points_and_resumes(tmp_path, hold_experiment):
    sweep = Sweep("hold", grid={"level": [0.0, 1.0, 2.0, 3.0]}, seeds=[1, 2], fixed={"hold": 0.5})
    store = tmp_path / "s.zarr"
    _interrupt_once_written(store, 2)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, store, workers=2, progress=False)
    kept = len(list((store / "points").glob("p*")))
    assert 2 <= kept < 8
    assert not list((store / ".incoming").glob("*"))  # no half-written point left behind
    counts = run_sweep(sweep, store, workers=2, progress=False)
    assert counts["skipped"] == kept and counts["ran"] == 8 - kept
    with client_for(workers=1) as one:
        run_sweep(sweep, tmp_path / "whole.zarr", client=one, progress=False)
    xr.testing.assert_identical(open_sweep(store).load(), open_sweep(tmp_path / "whole.zarr").load())


def test_an_interrupt_while_a_point_is_written_leaves_no_half_of_it(tmp_path, monkeypatch):
    # the interrupt of the test above can land inside SweepStore.write; this makes that moment certain
    from neuromem.sweep.store import SweepStore

    store = SweepStore(tmp_path / "s.zarr")
    part = xr.Dataset({"x": ("trial", np.arange(3.0))})
    calls = []

    def write_then_interrupt(self, *args, **kwargs):
        calls.append(args)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), store.locked():
        store.start({"sweep": "t"}, {"a": [1]}, {"a": ""}, ["p1"])
        monkeypatch.setattr(xr.Dataset, "to_zarr", write_then_interrupt)
        store.write("p1", {"main": part})
    assert calls, "the write was never reached"
    assert not list((store.path / ".incoming").glob("*")) and store.done() == set()


def test_cli_sweeps_a_plugin_card_parameter_and_resumes(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-m", "neuromem.cli", "sweep", "task", "--set", "task=digit-recall", "--set", "model=decaying_trace"]
    args += ["--grid", "tau=0.5 s,4 s", "--set", "trials=200", "--set", 'task_param=["delays=[1.0]"]', "--seeds", "1:2", "--out", "s.zarr", "--quiet"]
    args += ["--workers", "2"]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "4 points (4 run now, 0 already there, 0 failed)" in proc.stdout
    ds = open_sweep(tmp_path / "s.zarr")
    accuracy = ds["correct"].mean("trial").compute()
    # P(correct) after 1 s = e^(-1/tau) + (1 - e^(-1/tau)) / 4: 0.35 for tau 0.5 s, 0.91 for 4 s; 4 s.e. of 200 trials
    expected = xr.DataArray([np.exp(-2.0) + (1 - np.exp(-2.0)) / 4, np.exp(-0.25) + (1 - np.exp(-0.25)) / 4], dims="tau", coords={"tau": ds["tau"]})
    assert (abs(accuracy - expected) < 4 * np.sqrt(expected * (1 - expected) / 200)).all(), accuracy.values
    proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "(0 run now, 4 already there, 0 failed)" in proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["working-memory", "--grid", "J_pluss=1,2"], "neither parameters of experiment 'working-memory'"),
        (["working-memory", "--grid", "trials=a,2"], "trials='a' is not allowed; it must be a whole number"),
        (["working-memory", "--grid", "delays"], "write --grid NAME=VALUE"),
        (["working-memory", "--seeds", "9:1"], "--seeds '9:1' is not allowed"),
        (["working-memory", "--grid", "out=a,b"], "'out' cannot be set"),
        (["working-memory", "--grid", "seed=1,2", "--seeds", "1:2"], "give seeds with --seeds"),
        (["working-memory", "--grid", "device=gpu"], "device='gpu' is not allowed"),
        (["working-memory"], "give at least one grid axis"),
        (["synaptic-transmission", "--seeds", "1:2"], "takes no seed"),
        (["nonsense", "--seeds", "1:2"], "nonsense"),
        (["working-memory", "--seeds", "1:2", "--workers", "0"], "workers=0 is not allowed"),
        (["--file", "missing.toml"], "sweep file 'missing.toml' does not exist"),
    ],
)
def test_cli_mistakes_are_one_line_errors(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "neuromem.cli", "sweep", *args, "--out", "s.zarr"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_store_holds_one_sweep_and_one_writer(tmp_path, hold_experiment):
    store = tmp_path / "s.zarr"
    run_sweep(Sweep("hold", grid={"level": [0.0]}, seeds=[1]), store, workers=1, progress=False)
    with pytest.raises(ValueError, match="holds another sweep"):
        run_sweep(Sweep("hold", grid={"level": [0.0, 1.0]}, seeds=[1]), store, workers=1, progress=False)
    from filelock import FileLock

    with FileLock(str(store / ".lock")), pytest.raises(ValueError, match="in use by another sweep"):
        run_sweep(Sweep("hold", grid={"level": [0.0]}, seeds=[1]), store, workers=1, progress=False)


def test_grid_and_seed_texts():
    assert parse_values("x", "1.5,1.62,[0.5,1],0.3 nS") == [1.5, 1.62, [0.5, 1], "0.3 nS"]
    assert parse_seeds("1:16") == list(range(1, 17)) and parse_seeds("1,5,9") == [1, 5, 9]
    with pytest.raises(ValueError, match="NAME=V1,V2"):
        parse_values("x", "[1,2")


def test_a_sweep_file_is_the_same_sweep_as_the_options(tmp_path):
    from neuromem.sweep import load_sweep_file

    path = tmp_path / "s.toml"
    path.write_text('experiment = "working-memory"\nseeds = "1:3"\n[grid]\nJ_plus = [1.5, 1.62]\ndelays = [[0.5, 1.0]]\n[fixed]\ntrials = 2\n')
    sweep = load_sweep_file(path)
    assert sweep == Sweep("working-memory", {"J_plus": [1.5, 1.62], "delays": [[0.5, 1.0]]}, [1, 2, 3], {"trials": 2})
    points = sweep.points()
    assert len(points) == 6 and points[0].params["option"] == ["J_plus=1.5"] and points[0].params["delays"] == [0.5, 1.0]
    assert len({p.key for p in points}) == 6


def test_fit_sweeps_hyperparameters_with_the_seeds_batched_in_each_point(tmp_path, client):
    """Through --scheduler: the address of a running cluster (here the module's LocalCluster)."""
    sweep = Sweep("fit", grid={"hidden": [8, 16]}, seeds=[1, 2, 3], fixed={"model": "lstm", "steps": 15, "device": "cpu", "eval_trials": 20})
    counts = run_sweep(sweep, tmp_path / "fit.zarr", scheduler=client.scheduler.address, progress=False)
    assert counts["ran"] == 2  # one point per hidden size, its three seeds trained together
    history = open_sweep(tmp_path / "fit.zarr", part="history").load()
    assert history["loss"].dims == ("hidden", "seed", "step") and list(history["seed"].values) == [1, 2, 3]
    # alone as a sweep worker runs it, on one torch thread: with two, sums are split differently
    # (rounding) once an earlier test has started torch's thread pool in this process
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        alone = get_experiment("fit")(**sweep.points()[1].params)["history"][0]
    finally:
        torch.set_num_threads(threads)
    xr.testing.assert_equal(history["loss"].sel(hidden=16, drop=True), alone["loss"])
    with pytest.raises(ValueError, match="part=None is not allowed"):
        open_sweep(tmp_path / "fit.zarr")


def test_cli_out_that_cannot_be_a_store_is_a_one_line_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    for out in ("file", "file/s.zarr"):
        proc = subprocess.run(
            [sys.executable, "-m", "neuromem.cli", "sweep", "working-memory", "--seeds", "1:2", "--out", out], capture_output=True, text=True, cwd=tmp_path
        )
        assert proc.returncode == 2 and f"out='{out}'" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_sweep_interrupted_where_brian2_wrapped_an_ignored_sigint_still_raises_keyboardinterrupt(tmp_path, hold_experiment):
    """Brian2 imported while SIGINT was ignored wraps SIG_IGN and fails on the next interrupt ("'Handlers' object is not
    callable"); the sweep puts its own handler in place while it waits, so the interrupt is a KeyboardInterrupt."""
    import signal

    import brian2

    broken = brian2._InterruptHandler(signal.SIG_IGN)  # what Brian2's import installs when SIGINT was ignored
    kept = signal.signal(signal.SIGINT, broken)
    try:
        sweep = Sweep("hold", grid={"level": [0.0, 1.0, 2.0]}, seeds=[1], fixed={"hold": 0.5})
        store = tmp_path / "s.zarr"
        _interrupt_once_written(store, 1)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(sweep, store, workers=1, progress=False)
        assert signal.getsignal(signal.SIGINT) is broken  # the caller's handler is back afterwards
    finally:
        signal.signal(signal.SIGINT, kept)


def test_points_that_measure_different_things_are_not_set_side_by_side(tmp_path, client):
    """A grid over report (cued / every item in turn) changes the dims of the error: opening the sweep refuses it, rather
    than copying the cued error along the report order. With report fixed, the whole-report sweep opens and pools."""
    from neuromem.analysis.summaries import summarize

    fixed = {"model": "vandenberg2012", "set_sizes": [2], "trials": 4, "delays": [1.0]}
    mixed = Sweep("working-memory", grid={"report": ["cued", "all"]}, seeds=[1], fixed=fixed)
    assert run_sweep(mixed, tmp_path / "mixed.zarr", client=client, progress=False)["ran"] == 2
    with pytest.raises(ValueError, match="a grid axis changes what is measured"):
        open_sweep(tmp_path / "mixed.zarr")
    whole = Sweep("working-memory", grid={"option": [["alpha=0.9"], ["alpha=1.0"]]}, seeds=[1], fixed={**fixed, "report": "all"})
    assert run_sweep(whole, tmp_path / "whole.zarr", client=client, progress=False)["failed"] == 0
    summary = summarize(open_sweep(tmp_path / "whole.zarr").load())
    assert summary["n_trials"].sel(set_size=2).values.ravel().tolist() == [8, 8]  # two reports of each of 4 displays, per point
