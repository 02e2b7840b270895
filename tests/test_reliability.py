"""Nothing lost, nothing half-written, nothing left running.

Fault drills (kept small): ``kill -9`` of a run (the Python process only, as a
scheduler or an impatient user would) leaves no process of it behind and nothing
under the final name; the same command then finishes with the result of an
uninterrupted run. Two identical runs into one folder: one runs, the other stops
at once with "already being written (pid N)". Files get the umask's permissions;
damaged checkpoint pieces and stale temporary files are discarded with a warning;
``compare`` keeps coordinate attributes and saves the comparison of every task.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neuromem.analysis.forgetting import ForgettingFitWarning
from neuromem.analysis.summaries import summarize
from neuromem.cli import main
from neuromem.outputs import atomic_write, claim, claims, remove_stale_parts
from neuromem.results import load, save

WM = ["run", "working-memory", "--delays", "0.3", "--trials", "2", "--trials-per-run", "1", "--seed", "3", "--quiet"]
WM_STEM = "working-memory_compte2000_scaled_seed3"
WM_TWO_WORKERS = ["run", "working-memory", "--delays", "2", "--trials", "4", "--trials-per-run", "1", "--workers", "0", "--seed", "3", "--quiet"]
FIT = ["fit", "--model", "rate_rnn", "--steps", "120", "--eval-trials", "8", "--device", "cpu", "--quiet"]
FIT_STEM = "fit_rate_rnn_delayed-estimation"


def comparable(ds: xr.Dataset) -> xr.Dataset:
    """Drop what legitimately differs between two runs: wall-clock times and where the file went."""
    drop = ("created", "build_seconds", "simulation_seconds", "experiment_parameters", "fit_seconds")
    return ds.assign_attrs({k: "" for k in drop if k in ds.attrs})


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` now (Linux /proc)."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except FileNotFoundError:
            continue
        for t in tasks:
            try:
                kids = {int(k) for k in Path(f"/proc/{p}/task/{t}/children").read_text().split()}
            except (FileNotFoundError, ProcessLookupError):
                continue
            todo += list(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _kill_when(argv: list[str], ready, cwd: Path, timeout: float = 400) -> set[int]:
    """Start ``neuromem argv``, SIGKILL the Python process once ``ready()``; returns every process it had started."""
    proc = subprocess.Popen([sys.executable, "-m", "neuromem.cli", *argv], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while not ready():
        seen |= _children(proc.pid)
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the run did not reach the point of the kill in time"
        time.sleep(0.02)
    seen |= _children(proc.pid)
    proc.kill()
    proc.wait()
    proc.stderr.close()
    return seen


# every experiment whose spiking runs go in batches (argv, result stem, seconds allowed to reach the kill);
# the working-memory drill runs by default, the others are slow
BATCHED = [
    # one worker process per core (forked after the build), four 3-s trials: killed with a batch on disk
    # while others simulate
    pytest.param([*WM_TWO_WORKERS], WM_STEM, 400, id="working-memory"),
    pytest.param(
        ["run", "multi-item-recall", "--set-sizes", "1", "--delay", "0.2", "--trials", "2", "--seed", "5", "--quiet"],
        "multi-item-recall_mongillo2008_scaled_seed5",
        900,
        id="multi-item-recall",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        ["run", "retention", "--patterns", "2", "--trials", "2", "--seed", "5", "--quiet"],
        "retention_assembly_memory_simple_scaled_seed5",
        900,
        id="retention",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        ["run", "free-recall", "--model", "mongillo2008", "--list-lengths", "3", "--n-items", "5", "--conditions", "immediate"]
        + ["--trials", "2", "--seed", "5", "--quiet"],
        "free-recall_mongillo2008_scaled_seed5",
        900,
        id="free-recall",
        marks=pytest.mark.slow,
    ),
]


# not marked long: it kills a run at a moment it has to observe, which it missed (the run ended first) when the long
# tier's pools and pipelines starved its polling; in the default tier it runs beside lighter tests
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("argv, stem, timeout", BATCHED)
def test_kill_9_of_a_spiking_run_leaves_no_process_and_the_rerun_equals_an_uninterrupted_run(argv, stem, timeout, tmp_path):
    killed = tmp_path / "killed"
    partial = killed / f".{stem}.partial"
    # killed while the compiled binary simulates the second trial (the first batch is on disk)
    seen = _kill_when([*argv, "--out", str(killed)], lambda: len(list(partial.glob("batch_*.npz"))) >= 1 and _children_running_main(), tmp_path, timeout)
    assert seen, "the run started no subprocess (the standalone binary)"
    time.sleep(0.5)  # the kernel's parent-death signal is immediate; allow the scheduler a moment
    assert not [p for p in seen if _alive(p)], "a process of the killed run is still running"
    assert not list(killed.glob("*.nc")), "something is under a final name before the run finished"

    assert main([*argv, "--out", str(killed)]) == 0
    assert main([*argv, "--out", str(tmp_path / "whole")]) == 0
    whole = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert f"{stem}.nc" in whole
    for name in whole:
        xr.testing.assert_identical(comparable(load(killed / name)), comparable(load(tmp_path / "whole" / name)))
    assert sorted(p.name for p in killed.iterdir()) == whole  # no lock, no .part, no checkpoint left


def _children_running_main() -> bool:
    """A standalone binary (``./main``) of this test session is running."""
    me = os.getpid()
    return any(Path(f"/proc/{p}/cmdline").read_bytes().startswith(b"./main") for p in _children(me) if Path(f"/proc/{p}/cmdline").exists())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_fit_resumes_to_the_uninterrupted_result(tmp_path):
    killed = tmp_path / "killed"
    ckpt = killed / f"{FIT_STEM}.ckpt.pt"
    seen = _kill_when([*FIT, "--out", str(killed)], ckpt.exists, tmp_path)
    time.sleep(0.3)
    assert not [p for p in seen if _alive(p)]
    assert not (killed / f"{FIT_STEM}.pt").exists() and not list(killed.glob("*.nc"))

    assert main([*FIT, "--out", str(killed)]) == 0
    assert main([*FIT, "--out", str(tmp_path / "whole")]) == 0
    for suffix in ("_history.nc", "_eval.nc"):
        xr.testing.assert_identical(comparable(load(killed / f"{FIT_STEM}{suffix}")), comparable(load(tmp_path / "whole" / f"{FIT_STEM}{suffix}")))
    assert not ckpt.exists() and not list(killed.glob(".*"))


def test_two_identical_runs_into_one_folder_one_runs_the_other_says_who_is_running(tmp_path):
    out = tmp_path / "shared"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "neuromem.cli", *WM, "--out", str(out)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(rc for rc, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for rc, err in results:
        assert "Traceback" not in err and "Brian 2 encountered" not in err, err
        if rc == 2:
            assert len(err.strip().splitlines()) == 1 and "is already being written by another neuromem run" in err, err
    assert load(out / f"{WM_STEM}.nc").sizes["trial"] == 2
    assert sorted(p.name for p in out.iterdir()) == [f"{WM_STEM}.nc"]


def test_a_claimed_file_is_refused_to_another_process_with_its_pid(tmp_path):
    target = tmp_path / "r" / "x.nc"
    code = f"from neuromem.outputs import claim; claim({str(target)!r}); print('held', flush=True); import time; time.sleep(30)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ValueError, match=rf"already being written by another neuromem run \(pid {holder.pid}\)"):
            claim(target)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with claims():  # the lock died with its owner
        assert claim(target) == target
    assert not list((tmp_path / "r").iterdir())  # the lock file is removed on release


def test_every_writer_uses_its_own_temporary_name_and_readers_see_only_whole_files(tmp_path):
    path = tmp_path / "x.npy"
    stop = threading.Event()
    bad: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            if path.exists():
                try:
                    arr = np.load(path)
                    if arr.size != 200_000 or len(set(arr[[0, -1]].tolist())) != 1:
                        bad.append(f"mixed content {arr[[0, -1]]}")
                except (OSError, ValueError, EOFError) as err:
                    bad.append(repr(err))

    def write(tmp: Path, k: int) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.save would append .npy to the name
            np.save(fh, np.full(200_000, k))

    def writer(k: int) -> None:
        for _ in range(15):
            atomic_write(path, lambda tmp: write(tmp, k))

    threads = [threading.Thread(target=reader), *(threading.Thread(target=writer, args=(k,)) for k in (1, 2))]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join()
    stop.set()
    threads[0].join()
    assert not bad, bad[:3]
    assert [p.name for p in tmp_path.iterdir()] == ["x.npy"]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_files_get_the_permissions_of_the_umask(umask, mode, tmp_path, valid_dataset):
    old = os.umask(umask)
    try:
        written = save(valid_dataset, tmp_path / "a.nc")
        fig = atomic_write(tmp_path / "b.txt", lambda tmp: tmp.write_text("x"))
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == mode
    assert fig.stat().st_mode & 0o777 == mode


def _dead_pid() -> int:
    """The pid of a process that has finished."""
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)


def test_a_part_file_left_by_a_killed_writer_is_removed_with_a_warning(tmp_path):
    target = tmp_path / "x.nc"
    stale = tmp_path / f".x.nc.{_dead_pid()}.abcd.part"
    live = tmp_path / f".x.nc.{os.getpid()}.efgh.part"  # a writer that is still running keeps its file
    stale.write_text("half")
    live.write_text("half")
    with pytest.warns(UserWarning, match="left by a write that was killed"):
        removed = remove_stale_parts(target)
    assert removed == [stale] and live.exists()


def test_a_damaged_batch_is_simulated_again_with_a_warning(tmp_path):
    from neuromem.spiking.batch_store import BatchStore

    store = BatchStore(tmp_path / "p", "digest")
    store.save(0, {"a": np.arange(3)})
    (tmp_path / "p" / "batch_00001.npz").write_bytes(b"PK\x03\x04 cut short")
    stale = tmp_path / "p" / f".batch_00002.npz.{_dead_pid()}.abcd.part"
    live = tmp_path / "p" / f".batch_00003.npz.{os.getpid()}.efgh.part"  # a writer still running keeps its file
    stale.write_text("killed mid-write")
    live.write_text("being written")
    with pytest.warns(UserWarning, match="a batch whose write was killed"):
        store = BatchStore(tmp_path / "p", "digest")
    assert not stale.exists() and live.exists()
    np.testing.assert_array_equal(store.load(0)["a"], np.arange(3))
    with pytest.warns(UserWarning, match="cannot be read"):
        assert store.load(1) is None
    assert not (tmp_path / "p" / "batch_00001.npz").exists()


def test_a_damaged_fit_checkpoint_is_discarded_and_the_fit_equals_a_fresh_one(tmp_path):
    from neuromem.artificial import fit
    from neuromem.cards import load_model
    from neuromem.tasks import fit_task

    task = fit_task("delayed-estimation")
    ckpt = tmp_path / "c.ckpt.pt"
    ckpt.write_bytes(b"\x80\x04 cut short")
    with pytest.warns(UserWarning, match="cannot be read"):
        resumed = fit(load_model("rate_rnn", device="cpu"), task, seeds=[1], steps=6, checkpoint=ckpt, progress=False)
    fresh = fit(load_model("rate_rnn", device="cpu"), task, seeds=[1], steps=6, progress=False)
    np.testing.assert_array_equal(resumed.history_["loss"].values, fresh.history_["loss"].values)


def test_a_refused_run_leaves_nothing_behind(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "free-recall", "--trials", "0"]) == 2
    assert main(["fit", "--steps", "0"]) == 2
    assert main(["fit", "--hidden", "0", "--steps", "1"]) == 2
    assert not list(tmp_path.iterdir())
    capsys.readouterr()


# --------------------------------------------------------------- compare, per task
def _two_results(task: str, root: Path) -> list[Path]:
    """Results of two models on ``task``: cognitive models on free recall, tiny fitted networks elsewhere."""
    from neuromem.experiments import fit_model
    from neuromem.experiments import task as run_task

    if task == "free-recall":
        return [
            run_task(task=task, model=m, task_param=["list_lengths=[4]", "n_items=12"], trials=3, out=str(root), quiet=True)["trials"][1]
            for m in ("cmr", "dual_store")
        ]
    paths = []
    for model in ("rate_rnn", "lstm"):
        fit_model(model=model, task=task, steps=2, eval_trials=4, device="cpu", out=root, progress=False)
        paths.append(run_task(task=task, fitted=str(root / f"fit_{model}_{task}.pt"), trials=3, out=str(root), quiet=True)["trials"][1])
    return paths


@pytest.mark.parametrize("task", ["delayed-estimation", "multi-item-recall", "retention", "free-recall"])
def test_compare_saves_every_task_s_comparison_with_its_coordinate_attributes(task, tmp_path, capsys):
    from neuromem.analysis.compare import compare

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny fits warn about their loss; not what is tested here
        a, b = _two_results(task, tmp_path)
    out, figure = tmp_path / "cmp.nc", tmp_path / "cmp.png"

    # retention of these tiny fits has 2 lags: too few for any forgetting form, said with a warning
    def unfittable():
        return pytest.warns(ForgettingFitWarning, match="too few") if task == "retention" else contextlib.nullcontext()

    with unfittable():
        assert main(["compare", str(a), str(b), "--out", str(out), "--figure", str(figure)]) == 0
    assert figure.stat().st_size > 0
    saved = load(out)
    with unfittable():
        direct = compare([load(a), load(b)])
    if task == "retention":
        assert set(saved["best_form"].values) == {"none"} and all(s.startswith("unfittable") for s in saved["fit_status"].values.ravel())
    for key in ("experiment", "experiment_parameters"):  # the file says which command wrote it (outputs.check_same_run)
        saved.attrs.pop(key)
    xr.testing.assert_identical(saved.assign_attrs(created=""), direct.assign_attrs(created=""))
    summary = summarize(load(a))
    for name, coord in summary.coords.items():
        if name in saved.coords and name not in ("model",):
            assert saved[name].attrs == coord.attrs, f"coordinate {name!r} lost its attributes"
    capsys.readouterr()


def test_fit_model_from_python_releases_its_files_when_it_returns(tmp_path):
    """A notebook that fitted a model must not keep other processes from refitting into the same folder."""
    from neuromem.experiments import fit_model

    fit_model(model="rate_rnn", steps=2, eval_trials=4, device="cpu", out=tmp_path, progress=False)
    code = f"from neuromem.outputs import claim; claim({str(tmp_path / 'fit_rate_rnn_delayed-estimation.pt')!r}); print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr
    assert not list(tmp_path.glob(".*.lock"))
