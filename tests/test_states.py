"""The state contract: ``run(..., record=("states",))`` adds ``state_*`` variables, the same for every artificial family.

Each model's recorded states are checked against an independent computation of the
same quantity (torch's own LSTM cell, the rate function, softmax rows, the position
code), not only for their shapes.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch")

import neuromem  # noqa: E402
from neuromem.artificial import fit  # noqa: E402
from neuromem.artificial.base import MAX_STATE_BYTES  # noqa: E402
from neuromem.results import validate  # noqa: E402
from neuromem.runner import run_trials  # noqa: E402
from neuromem.tasks import fit_task  # noqa: E402

SMALL = {"hidden_size": 16, "batch_size": 8, "device": "cpu"}


@pytest.fixture(scope="module")
def estimation():
    return fit_task("delayed-estimation")


@pytest.fixture(scope="module")
def fitted(estimation):
    """Each artificial card, fitted for a few steps (a smoke fit: what is checked is the recording)."""
    return {
        name: fit(neuromem.load_model(name, **SMALL), estimation, seeds=[3], steps=4, progress=False)
        for name in ("rate_rnn", "lstm", "keyvalue", "transformer")
    }


@pytest.mark.parametrize("name", ["rate_rnn", "lstm", "keyvalue", "transformer"])
def test_recorded_states_are_labelled_variables_on_the_step_grid(fitted, estimation, name):
    net = fitted[name]
    trials = estimation.trials(6, 2)
    plain = run_trials(net, estimation, trials, seed=2, progress=False)
    ds = run_trials(net, estimation, trials, seed=2, progress=False, record=("states",))
    validate(ds)
    # recording changes no response (the two runs' creation times may differ by a second)
    same = ds.drop_vars([v for v in ds.variables if v not in plain.variables])
    xr.testing.assert_identical(same.drop_attrs(deep=False), plain.drop_attrs(deep=False))
    assert {k: v for k, v in same.attrs.items() if k != "created"} == {k: v for k, v in plain.attrs.items() if k != "created"}
    states = [v for v in ds.data_vars if v.startswith("state_")]
    assert sorted(states) == sorted(f"state_{k}" for k in net.state_variables)
    dt = net._validated()["dt"]
    np.testing.assert_allclose(ds["time"].values, (np.arange(ds.sizes["time"]) + 0.5) * dt)
    assert ds["time"].attrs["units"] == "s" and ds.sizes["time"] * dt >= float(trials["trial_end"].max()) - 1e-9
    for v in states:
        assert ds[v].dims[:2] == ("trial", "time") and ds[v].attrs["units"] and ds[v].attrs["long_name"], v
        assert np.isfinite(ds[v].values).all(), v


def test_lstm_cell_states_equal_torch_lstm_cell(fitted, estimation):
    from neuromem.artificial.encoding import encode

    net = fitted["lstm"]
    trials = estimation.trials(4, 5)
    ds = net.run(trials, record=("states",))
    p = {k: v[0] for k, v in net.params_.items()}
    cell = torch.nn.LSTMCell(p["W_ih"].shape[0], p["W_hh"].shape[0])
    with torch.no_grad():
        cell.weight_ih.copy_(p["W_ih"].t())
        cell.weight_hh.copy_(p["W_hh"].t())
        cell.bias_ih.copy_(p["b"][0])
        cell.bias_hh.zero_()
        x = torch.as_tensor(encode(trials, net._validated()["dt"]).x, dtype=torch.float32)
        h = c = torch.zeros(x.shape[1], cell.hidden_size)
        hs, cs = [], []
        for x_t in x:
            h, c = cell(x_t, (h, c))
            hs.append(h)
            cs.append(c)
    np.testing.assert_allclose(ds["state_hidden"].values, torch.stack(hs, 1).numpy(), atol=2e-5)
    np.testing.assert_allclose(ds["state_cell"].values, torch.stack(cs, 1).numpy(), atol=2e-5)


def test_rate_rnn_rates_are_the_rate_function_of_its_activations(fitted, estimation):
    ds = fitted["rate_rnn"].run(estimation.trials(4, 5), record=("states",))
    activation = fitted["rate_rnn"]._validated()["activation"]
    x = ds["state_activation"].values
    expected = np.maximum(x, 0) if activation == "relu" else np.log1p(np.exp(x))
    np.testing.assert_allclose(ds["state_rate"].values, expected, rtol=1e-5, atol=1e-6)


def test_key_value_attention_falls_on_stored_past_steps_only(fitted, estimation):
    from neuromem.artificial.encoding import encode

    net = fitted["keyvalue"]
    trials = estimation.trials(4, 5)
    ds = net.run(trials, record=("states",))
    a = ds["state_attention"].values  # (trial, time, key_time)
    write = encode(trials, net._validated()["dt"]).write.T  # (trial, time)
    future = np.triu(np.ones(a.shape[1:], bool), 1)
    assert np.all(a[:, future] == 0) and np.all(a * (write[:, None, :] == 0) == 0)
    assert np.all(a.sum(-1) <= 1 + 1e-5) and a.sum(-1).max() > 0.5  # the rest sits on the empty slot


def test_transformer_attention_is_causal_and_normalised(fitted, estimation):
    ds = fitted["transformer"].run(estimation.trials(3, 5), record=("states",))
    a = ds["state_attention"]
    assert a.dims == ("trial", "time", "layer", "head", "key_time")
    np.testing.assert_allclose(a.sum("key_time"), 1.0, atol=1e-5)
    future = xr.DataArray(np.triu(np.ones((a.sizes["time"], a.sizes["key_time"]), bool), 1), dims=("time", "key_time"))
    assert float(a.where(future).max()) == 0.0
    assert ds["state_residual"].sizes["depth"] == 3  # the embedded input and after each of 2 layers


def test_transformer_position_code_is_in_seconds():
    fine = neuromem.load_model("transformer", dt="4 ms", device="cpu")
    coarse = neuromem.load_model("transformer", dt="20 ms", device="cpu")
    a = fine.position_code(20, torch.device("cpu"), torch.float64)
    b = coarse.position_code(4, torch.device("cpu"), torch.float64)
    # step 7 of 4 ms and step 1 of 20 ms both have their midpoint at 30 ms
    torch.testing.assert_close(a[7], b[1])
    assert not torch.allclose(a[6], b[1])


def test_transformer_seeds_batched_equal_each_seed_alone(estimation):
    def fitted_on(seeds):
        return fit(neuromem.load_model("transformer", **SMALL), estimation, seeds=seeds, steps=8, progress=False)

    batched, alone = fitted_on([1, 2, 3]), fitted_on([2])
    for k, v in alone.params_.items():
        torch.testing.assert_close(batched.params_[k][1:2], v, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(batched.history_["loss"].sel(seed=2), alone.history_["loss"].sel(seed=2), rtol=1e-4)


def test_states_too_large_for_memory_are_refused_before_the_run(fitted, estimation, monkeypatch):
    monkeypatch.setattr("neuromem.artificial.base.MAX_STATE_BYTES", 1000)
    with pytest.raises(ValueError, match=r"record='states' of transformer on 4 trials of \d+ steps would take .* record states on fewer trials"):
        fitted["transformer"].run(estimation.trials(4, 5), record=("states",))
    assert MAX_STATE_BYTES >= 2**30  # the real bound leaves room for a normal run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["working-memory", "--model", "zhang_luck2008", "--record", "states"], "record=['states'] is not available for model 'zhang_luck2008'"),
        (["free-recall", "--model", "cmr", "--record", "states"], "record=['states'] is not available for model 'cmr'"),
        (["working-memory", "--record", "stats"], "record=['stats'] is not allowed; choose each from ['states']"),
        (["task", "--task", "free-recall", "--model", "cmr", "--record", "states"], "record=['states'] is not available for model 'cmr'"),
    ],
)
def test_record_for_a_model_without_states_is_refused_in_one_line(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "neuromem.cli", "run", *args, "--out", "r"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "r").exists()


def test_cli_records_states_into_its_own_file(tmp_path, fitted):
    from neuromem.artificial import save_fitted

    save_fitted(fitted["lstm"], tmp_path / "lstm.pt")
    args = [sys.executable, "-m", "neuromem.cli", "run", "working-memory", "--fitted", "lstm.pt", "--delays", "0.2", "--trials", "3", "--out", "r", "--quiet"]
    plain = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    recorded = subprocess.run([*args, "--record", "states"], capture_output=True, text=True, cwd=tmp_path)
    assert plain.returncode == 0 and recorded.returncode == 0, plain.stderr + recorded.stderr
    with xr.open_dataset(tmp_path / "r" / "working-memory_lstm_fitted_states_seed1.nc") as ds:
        assert {"state_hidden", "state_cell"} <= set(ds.data_vars)
    with xr.open_dataset(tmp_path / "r" / "working-memory_lstm_fitted_seed1.nc") as ds:
        assert not [v for v in ds.data_vars if v.startswith("state_")]


def test_a_sweep_records_states_at_every_grid_point(tmp_path, fitted):
    pytest.importorskip("distributed")
    pytest.importorskip("zarr")
    from neuromem.artificial import save_fitted
    from neuromem.results import open_sweep
    from neuromem.sweep import Sweep, run_sweep

    path = save_fitted(fitted["lstm"], tmp_path / "lstm.pt")
    sweep = Sweep("working-memory", grid={"delays": [[0.2], [0.6]]}, seeds=[1], fixed={"fitted": str(path), "trials": 3, "record": ["states"]})
    run_sweep(sweep, tmp_path / "s.zarr", workers=1, progress=False)
    ds = open_sweep(tmp_path / "s.zarr")
    assert ds["state_hidden"].dims == ("delays", "seed", "trial", "time", "unit") and ds["state_cell"].attrs["units"] == "1"
    assert bool(ds["state_hidden"].notnull().any("time").all())
