"""A result written by a run with other parameters is never replaced silently; a fit that did not learn says so."""

import json

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neuromem.artificial.fitting import JUDGE_AFTER_STEPS, fit_status
from neuromem.outputs import NOT_COMPARED, RUN_ATTR, claims, run_parameters
from neuromem.outputs import claim as claim_file
from neuromem.results import provenance, save

values = st.one_of(st.integers(-5, 5), st.floats(0, 10, allow_nan=False), st.text("abc", max_size=3), st.lists(st.integers(0, 3), max_size=3), st.none())
params = st.dictionaries(st.sampled_from(["delays", "seed", "trials", "model", "task_param", "out", "quiet", "device"]), values, min_size=1)


def result() -> xr.Dataset:
    ds = xr.Dataset({"x": ("trial", np.arange(3.0), {"units": "1", "long_name": "x"})})
    ds.attrs.update(provenance(title="t", model="m", model_family="cognitive", task="t", parameters={}, seed=0, backend="none", references=""))
    return ds


@settings(max_examples=60, deadline=None)
@given(first=params, second=params)
def test_a_file_of_another_run_is_refused_and_the_same_run_may_replace_it(tmp_path_factory, first, second):
    folder = tmp_path_factory.mktemp("runs")
    path = folder / "r.nc"
    with claims(), run_parameters(first):
        save(result(), claim_file(path))
    assert json.loads(xr.open_dataset(path).attrs[RUN_ATTR]) == json.loads(json.dumps(first))
    plain = json.loads(json.dumps(second))
    # compared: the parameters both runs know (one another version added or removed cannot tell them apart)
    differ = {k for k in set(first) & set(second) if k not in NOT_COMPARED and json.loads(json.dumps(first))[k] != plain[k]}
    with claims(), run_parameters(second):
        if differ:
            with pytest.raises(ValueError, match=r"holds the result of a run with other parameters \(" + sorted(differ)[0]):
                claim_file(path)
        else:
            save(result(), claim_file(path))  # the same run again (or only where its output goes differs)


def history(loss: np.ndarray, stopped: int = -1) -> xr.Dataset:
    return xr.Dataset({"loss": (("seed", "step"), loss[None]), "stopped_at": ("seed", [stopped])}, coords={"seed": [1], "step": np.arange(loss.size)})


@settings(max_examples=60, deadline=None)
@given(start=st.floats(0.05, 5.0), end_fraction=st.floats(0.0, 1.5), steps=st.integers(1, 400))
def test_fit_status_follows_the_loss(start, end_fraction, steps):
    loss = np.linspace(start, start * end_fraction, steps)
    status = str(fit_status(history(loss)).values[0])
    if steps < JUDGE_AFTER_STEPS:
        assert status.startswith("not judged")
        return
    first, last = loss[:10].mean(), loss[-max(steps // 10, 1) :].mean()
    assert status == ("learned" if last <= 0.9 * first else f"did not learn: loss {first:.4g} -> {last:.4g}")


def test_a_fit_that_stays_at_chance_warns_and_records_it(tmp_path):
    """The issue's case: an LSTM on 2-3 s delays stays at chance; `fit` must say so (it reported success)."""
    from neuromem.experiments.fit import fit_model

    with pytest.warns(UserWarning, match=r"lstm on delayed-estimation did not learn \(seed 1: did not learn: loss"):
        net, paths = fit_model(model="lstm", task="delayed-estimation", task_param={"delays": [3.0]}, steps=120, eval_trials=4, out=tmp_path, progress=False)
    assert str(net.history_["fit_status"].values[0]).startswith("did not learn")
    assert str(xr.open_dataset(paths["history"])["fit_status"].values[0]).startswith("did not learn")


@settings(max_examples=30, deadline=None)
@given(
    first=st.sampled_from(["task", "free-recall", "working-memory", "compare"]), second=st.sampled_from(["task", "free-recall", "working-memory", "compare"])
)
def test_a_file_another_experiment_wrote_is_refused_even_with_the_same_parameters(tmp_path_factory, first, second):
    """`run task --task free-recall` and `run free-recall` may share every parameter they both have: the experiment
    that wrote a file is compared too."""
    path = tmp_path_factory.mktemp("runs") / "r.nc"
    with claims(), run_parameters({"seed": 1}, experiment=first):
        save(result().assign_attrs(experiment=first), claim_file(path))
    with claims(), run_parameters({"seed": 1}, experiment=second):
        if first != second:
            with pytest.raises(ValueError, match=f"holds the result of experiment '{first}', not '{second}'"):
                claim_file(path)
        else:
            claim_file(path)


def _cli(args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "neuromem.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_compare_never_replaces_an_input_its_figure_or_another_comparison(tmp_path):
    for model, seed in (("cmr", "1"), ("dual_store", "1"), ("dual_store", "2")):
        assert (
            _cli(["run", "free-recall", "--model", model, "--trials", "4", "--list-lengths", "8", "--seed", seed, "--out", ".", "--quiet"], tmp_path).returncode
            == 0
        )
    a, b, b2 = "free-recall_cmr_seed1.nc", "free-recall_dual_store_seed1.nc", "free-recall_dual_store_seed2.nc"
    before = (tmp_path / a).read_bytes()
    for extra, message in (
        (["--out", a], "--out='free-recall_cmr_seed1.nc' is one of the results compared"),
        (["--out", "x", "--figure", "x"], "--out and --figure are the same path 'x'"),
        (["--out", "c.nc", "--figure", b], "--figure='free-recall_dual_store_seed1.nc' is one of the results compared"),
    ):
        proc = _cli(["compare", a, b, *extra], tmp_path)
        assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert (tmp_path / a).read_bytes() == before and not (tmp_path / "x").exists()
    assert _cli(["compare", a, b, "--out", "c.nc", "--figure", "c.png"], tmp_path).returncode == 0
    assert _cli(["compare", a, b, "--out", "c.nc", "--figure", "c.png"], tmp_path).returncode == 0  # the same comparison again
    proc = _cli(["compare", a, b2, "--out", "c.nc", "--figure", "c2.png"], tmp_path)
    assert proc.returncode == 2 and "holds the result of a run with other parameters" in proc.stderr, proc.stderr


def test_a_network_that_did_not_learn_says_so_in_every_run_of_it(tmp_path):
    """One LSTM unit cannot learn four set sizes (loss 0.513 -> 0.501): the saved fit keeps that, a run of it warns
    in one line and its result records it."""
    args = ["fit", "--model", "lstm", "--task", "delayed-estimation", "--task-param", "set_sizes=[1,2,4,6]", "--hidden", "1", "--steps", "100"]
    assert _cli([*args, "--out", ".", "--quiet"], tmp_path).returncode == 0
    run = ["run", "working-memory", "--fitted", "fit_lstm_delayed-estimation.pt", "--set-sizes", "1", "2", "4", "6", "--delays", "0.4"]
    proc = _cli([*run, "--trials", "8", "--out", "r", "--quiet"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if "did not learn when it was fitted" in line]
    assert len(warned) == 1 and warned[0].startswith("neuromem: warning: fit_lstm_delayed-estimation.pt"), proc.stderr
    (result,) = (tmp_path / "r").glob("*.nc")
    assert json.loads(xr.open_dataset(result).attrs["parameters"])["fit_status"].startswith("did not learn")
