"""Every spiking experiment resumes after a kill: finished batches are not simulated again, and the
result is identical to an uninterrupted run's."""

import os
import signal
import subprocess
import sys
import time

import pytest
import xarray as xr

from neuromem.cli import main
from neuromem.results import load
from neuromem.spiking import devices
from neuromem.validation import usable_cores

# two short trials, one batch each, on the small network (both tests share its build)
ARGS = ["run", "multi-item-recall", "--set-sizes", "1", "--delay", "0.2", "--trials", "2", "--seed", "4", "--size", "small", "--workers", "1", "--quiet"]
STEM = "multi-item-recall_mongillo2008_small_seed4"


def comparable(ds: xr.Dataset) -> xr.Dataset:
    """Drop what legitimately differs between two runs: wall-clock times and where the file went."""
    drop = ("created", "build_seconds", "simulation_seconds", "experiment_parameters")
    return ds.assign_attrs({k: "" for k in drop if k in ds.attrs})


def _wait_until_the_group_is_gone(pgid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process group {pgid} still has processes {timeout} s after SIGKILL")


@pytest.mark.long
def test_multi_item_recall_killed_after_a_batch_resumes_without_redoing_it(tmp_path, monkeypatch):
    killed = tmp_path / "killed"
    partial = killed / f".{STEM}.partial"
    proc = subprocess.Popen(
        [sys.executable, "-m", "neuromem.cli", *ARGS, "--out", str(killed)], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 400
    while not list(partial.glob("batch_*.npz")):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no batch finished in time"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: Python and the standalone binary it runs
    proc.wait()
    _wait_until_the_group_is_gone(proc.pid)  # a forked batch worker shares the claim's lock until the kernel has reaped it
    done = sorted(p.name for p in partial.glob("batch_*.npz"))
    assert len(done) == 1, done  # killed between the two batches

    runs = []
    original = devices.TrialRunner.run
    monkeypatch.setattr(devices.TrialRunner, "run", lambda self, values, seed, *rest: runs.append(seed) or original(self, values, seed, *rest))
    assert main([*ARGS, "--out", str(killed)]) == 0
    assert len(runs) == 1  # only the missing batch was simulated
    assert not partial.exists() and not list(killed.glob("*.part"))

    runs.clear()
    assert main([*ARGS, "--out", str(tmp_path / "whole")]) == 0
    assert len(runs) == 2
    xr.testing.assert_identical(comparable(load(killed / f"{STEM}.nc")), comparable(load(tmp_path / "whole" / f"{STEM}.nc")))


@pytest.mark.long
@pytest.mark.skipif(usable_cores() < 2, reason="two worker processes need two usable cores")
def test_batches_in_two_worker_processes_give_the_identical_dataset(tmp_path):
    """Each batch has its own seed: run two at once in forked workers, the Dataset is the one of a single process."""
    two = [*ARGS[: ARGS.index("--workers")], "--workers", "2", *ARGS[ARGS.index("--workers") + 2 :]]  # an option is given once
    assert main([*two, "--out", str(tmp_path / "two")]) == 0
    assert main([*ARGS, "--out", str(tmp_path / "one")]) == 0
    two, one = (load(tmp_path / d / f"{STEM}.nc") for d in ("two", "one"))
    xr.testing.assert_identical(comparable(two), comparable(one))
    assert not list((tmp_path / "two").glob(".*.partial"))
