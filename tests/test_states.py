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
    within = ds["time"] <= ds["trial_end"]  # each trial's own steps; after a shorter trial's end: NaN
    assert not bool(within.all()), "the trials should differ in length for this check"
    for v in states:
        assert ds[v].dims[:2] == ("trial", "time") and ds[v].attrs["units"] and ds[v].attrs["long_name"], v
        assert bool(np.isfinite(ds[v].where(within)).sum() == np.isfinite(ds[v]).sum()), f"{v}: values after a trial's end"
        assert bool(ds[v].where(within).notnull().any(set(ds[v].dims) - {"trial"}).all()), v


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
    within = (ds["time"] <= trials["trial_end"]).transpose("trial", "time").values[..., None]  # after a trial's end the states are NaN
    np.testing.assert_allclose(np.where(within, ds["state_hidden"].values, 0), np.where(within, torch.stack(hs, 1).numpy(), 0), atol=2e-5)
    np.testing.assert_allclose(np.where(within, ds["state_cell"].values, 0), np.where(within, torch.stack(cs, 1).numpy(), 0), atol=2e-5)


def test_rate_rnn_states_equal_a_plain_numpy_euler_loop(fitted, estimation):
    """x_t = (1 - a) x_(t-1) + a (u_t W_in + b + r_(t-1) W), r_t = f(x_t), x_0 = 0: written out here in numpy."""
    from neuromem.artificial.encoding import encode

    net = fitted["rate_rnn"]
    p = net._validated()
    trials = estimation.trials(4, 5)
    ds = net.run(trials, record=("states",))
    W, W_out = (w[0].numpy().astype(float) for w in net.effective_weights({k: v[:1] for k, v in net.params_.items()}))
    W_in, b = net.params_["W_in"][0].numpy().astype(float), net.params_["b"][0, 0].numpy().astype(float)
    f = (lambda v: np.maximum(v, 0.0)) if p["activation"] == "relu" else (lambda v: np.log1p(np.exp(v)))
    a = p["dt"] / p["tau"]
    u = encode(trials, p["dt"]).x.astype(float)  # (T, B, n_in)
    x = np.zeros((u.shape[1], W.shape[0]))
    xs, rs = [], []
    for u_t in u:
        x = (1 - a) * x + a * (u_t @ W_in + b + f(x) @ W)
        xs.append(x)
        rs.append(f(x))
    within = (ds["time"] <= trials["trial_end"]).transpose("trial", "time").values[..., None]
    for name, expected in (("state_activation", np.stack(xs, 1)), ("state_rate", np.stack(rs, 1))):
        np.testing.assert_allclose(np.where(within, ds[name].values, 0), np.where(within, expected, 0), rtol=1e-4, atol=1e-5, err_msg=name)


def test_key_value_attention_falls_on_stored_past_steps_only(fitted, estimation):
    from neuromem.artificial.encoding import encode

    net = fitted["keyvalue"]
    trials = estimation.trials(4, 5)
    ds = net.run(trials, record=("states",))
    a = np.nan_to_num(ds["state_attention"].values)  # (trial, time, key_time); NaN after a trial's end
    write = encode(trials, net._validated()["dt"]).write.T  # (trial, time)
    future = np.triu(np.ones(a.shape[1:], bool), 1)
    assert np.all(a[:, future] == 0) and np.all(a * (write[:, None, :] == 0) == 0)
    assert np.all(a.sum(-1) <= 1 + 1e-5) and a.sum(-1).max() > 0.5  # the rest sits on the empty slot


def test_transformer_attention_is_causal_and_normalised(fitted, estimation):
    trials = estimation.trials(3, 5)
    ds = fitted["transformer"].run(trials, record=("states",))
    a = ds["state_attention"].where(ds["time"] <= trials["trial_end"])
    assert a.dims == ("trial", "time", "layer", "head", "key_time")
    np.testing.assert_allclose(a.sum("key_time", skipna=False).where(ds["time"] <= trials["trial_end"], 1.0), 1.0, atol=1e-5)
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


def test_a_model_that_declares_no_states_is_refused_before_the_run(estimation):
    """An artificial model written to the old contract (forward only) has a run with record, but no states: refused in one line."""
    from neuromem.artificial.base import ArtificialModel
    from neuromem.runner import can_record, check_can_record

    class ForwardOnly(ArtificialModel):
        family = "rate"

        def forward(self, params, x, write, noise_seeds):
            return x

    assert not can_record(ForwardOnly) and can_record(neuromem.model_class("lstm") if hasattr(neuromem, "model_class") else type(neuromem.load_model("lstm")))
    with pytest.raises(ValueError, match=r"record=\['states'\] is not available for model 'forward_only'"):
        check_can_record(ForwardOnly({}, name="forward_only"), "states")


def test_record_given_as_one_string_is_the_one_item(fitted, estimation):
    ds = run_trials(fitted["lstm"], estimation, estimation.trials(3, 1), seed=1, progress=False, record="states")
    assert "state_hidden" in ds
