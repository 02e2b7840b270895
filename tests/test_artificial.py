"""Artificial models (rate RNN, LSTM, key-value memory): learning, constraints, batching, resuming."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import neuromem
from neuromem.analysis.forgetting import forgetting_curve
from neuromem.artificial import fit, load_fitted, save_fitted
from neuromem.artificial.encoding import encode, to_device
from neuromem.artificial.forgetting import in_activity, in_weights
from neuromem.artificial.keyvalue import retrieve
from neuromem.results import schema_problems
from neuromem.runner import combine
from neuromem.tasks import get_task

SHORT = {"fixation": 0.1, "cue": 0.1, "response": 0.1}


@pytest.fixture(scope="module")
def estimation():
    return get_task("delayed-estimation", delays=[0.2, 0.4], timing=SHORT)


@pytest.mark.parametrize("name, steps", [("rate_rnn", 200), ("lstm", 250), ("keyvalue", 100), ("transformer", 150)])
def test_each_model_learns_delayed_estimation_far_above_chance(estimation, name, steps):
    model = fit(neuromem.load_model(name, hidden_size=32, batch_size=32, device="cpu"), estimation, seeds=[2], steps=steps, progress=False)
    trials = estimation.trials(200, 123)
    ds = combine(estimation, trials, model.run(trials))
    # chance: a uniform report gives a mean absolute error of 90 deg
    assert np.degrees(float(ds["abs_error"].mean())) < 30.0
    assert model.history_["loss"].isel(step=slice(-10, None)).mean() < 0.5 * model.history_["loss"].isel(step=slice(0, 10)).mean()
    assert ds.attrs["model_family"] == model.family and ds.attrs["backend"].endswith("cpu")
    assert schema_problems(ds) == [] and schema_problems(model.history_) == []


def test_dale_law_holds_after_training(estimation):
    model = neuromem.load_model("rate_rnn", hidden_size=20, batch_size=16, dale=True, device="cpu")
    before = model.init_params([3], 3, 2, torch.device("cpu"))["W"].detach().clone()
    fit(model, estimation, seeds=[3], steps=30, progress=False)
    W, W_out = model.effective_weights(model.params_)
    n_exc = 16
    assert not torch.equal(model.params_["W"], before), "training changed the weights"
    assert (W[0, :n_exc] >= 0).all() and (W[0, n_exc:] <= 0).all(), "rows are presynaptic units"
    assert (W[0, n_exc:] < 0).any()
    assert (W_out[0, n_exc:] == 0).all(), "only excitatory units are read out"


def test_key_value_memory_exact_with_large_beta_and_interference_with_small_beta():
    rng = np.random.default_rng(0)

    def recall_error(load: int, beta: float) -> float:
        patterns = torch.as_tensor(rng.choice([-1.0, 1.0], size=(200, load, 64)), dtype=torch.float64)
        cues = patterns.clone()
        cues[..., 32:] = 0.0  # half of each pattern as the cue
        out = retrieve(cues, patterns, patterns, beta)
        return float((out - patterns).abs().mean())

    assert recall_error(16, 200.0) < 1e-9, "large beta: every pattern comes back exactly"
    small = [recall_error(load, 2.0) for load in (1, 2, 4, 16)]
    assert small[0] < 1e-12 and np.all(np.diff(small) > 0), small  # blending grows with load


def test_batched_seeds_equal_single_seed_fits(estimation):
    def params(seeds, kernel):
        m = neuromem.load_model("lstm", hidden_size=16, batch_size=8, device="cpu", kernel=kernel)
        return fit(m, estimation, seeds=seeds, steps=15, progress=False)

    batched = params([1, 2, 3], "stacked")
    alone = params([2], "stacked")
    for k, v in alone.params_.items():
        torch.testing.assert_close(batched.params_[k][1:2], v, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(batched.history_["loss"].sel(seed=2), alone.history_["loss"].sel(seed=2), rtol=1e-5)
    rnn = [
        fit(neuromem.load_model("rate_rnn", hidden_size=16, batch_size=8, device="cpu"), estimation, seeds=s, steps=15, progress=False) for s in ([4, 5], [5])
    ]
    for k, v in rnn[1].params_.items():
        torch.testing.assert_close(rnn[0].params_[k][1:2], v, rtol=1e-5, atol=1e-6)


def test_trials_drawn_ahead_in_worker_processes_give_the_same_fit(estimation):
    """Data workers change where a step's trials are drawn, not which: identical weights and losses."""

    def run(workers):
        m = neuromem.load_model("rate_rnn", hidden_size=16, batch_size=8, device="cpu")
        return fit(m, estimation, seeds=[3, 4], steps=12, progress=False, data_workers=workers)

    here, ahead = run(0), run(2)
    for k, v in here.params_.items():
        torch.testing.assert_close(ahead.params_[k], v, rtol=0, atol=0)
    np.testing.assert_array_equal(ahead.history_["loss"].values, here.history_["loss"].values)


@pytest.mark.parametrize("workers", [-1, 1.5, True, "two"])
def test_bad_data_workers_are_refused(estimation, workers):
    m = neuromem.load_model("rate_rnn", hidden_size=8, device="cpu")
    with pytest.raises(ValueError, match="data_workers="):
        fit(m, estimation, steps=1, progress=False, data_workers=workers)


def test_fused_lstm_kernel_matches_stacked_cell(estimation):
    model = neuromem.load_model("lstm", hidden_size=16, device="cpu")
    params = model.init_params([7], 3, 2, torch.device("cpu"))
    enc = to_device(encode(estimation.trials(4, 0), 0.02), "cpu")
    model.kernel = "fused"
    fused = model.forward(params, enc.x[None], enc.write[None], None)
    model.kernel = "stacked"
    stacked = model.forward(params, enc.x[None], enc.write[None], None)
    torch.testing.assert_close(fused, stacked, rtol=1e-5, atol=1e-6)


def test_blockdiag_lstm_kernel_matches_stacked_cell_values_and_gradients(estimation):
    """Seeds as the blocks of one LSTM of S x H units: each seed's hidden states and weight
    gradients are those of the stacked cell (the seeds do not mix)."""
    model = neuromem.load_model("lstm", hidden_size=8, device="cpu")
    enc = to_device(encode(estimation.trials(5, 0), 0.02), "cpu")
    x = torch.stack([enc.x, enc.x.flip(1), 0.5 * enc.x])  # three seeds, different inputs
    results = {}
    for kernel in ("stacked", "blockdiag"):
        params = model.init_params([7, 8, 9], 3, 2, torch.device("cpu"))
        model.kernel = kernel
        h = model.hidden(params, x)
        (h * torch.linspace(-1, 1, h.shape[-1])).sum().backward()
        results[kernel] = (h.detach(), {k: v.grad for k, v in params.items() if v.grad is not None})
    torch.testing.assert_close(results["blockdiag"][0], results["stacked"][0], rtol=1e-5, atol=1e-6)
    assert set(results["blockdiag"][1]) == {"W_ih", "W_hh", "b"}
    for k, g in results["stacked"][1].items():
        torch.testing.assert_close(results["blockdiag"][1][k], g, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_rate_rnn_written_out_gradient_equals_autograd_of_the_euler_loop(activation):
    """The rate RNN's recurrence has its backward written out (fewer GPU launches per step): its
    values and gradients equal autograd's through the plain Euler loop (float64, to 1e-12), and
    torch's finite-difference gradcheck passes."""
    import torch.nn.functional as F

    from neuromem.artificial.rate_rnn import _leaky_recurrence

    f = torch.relu if activation == "relu" else F.softplus
    a = 0.2

    def euler(au, W):
        h = au.new_zeros(au.shape[0], au.shape[2], au.shape[3])
        rates = []
        for t in range(au.shape[1]):
            h = h + a * (-h + torch.bmm(f(h), W)) + au[:, t]
            rates.append(f(h))
        return torch.stack(rates, 1)

    gen = torch.Generator().manual_seed(3)
    au = torch.randn(2, 9, 4, 6, dtype=torch.float64, generator=gen).requires_grad_()
    W = (torch.randn(2, 6, 6, dtype=torch.float64, generator=gen) / 2).requires_grad_()
    weights = torch.randn(2, 9, 4, 6, dtype=torch.float64, generator=gen)
    grads = []
    for fn in (euler, lambda u, w: _leaky_recurrence()(u, w, a, activation)):
        out = fn(au, W)
        grads.append((out.detach(), *torch.autograd.grad((out * weights).sum(), (au, W))))
    for ref, new in zip(grads[0], grads[1]):
        torch.testing.assert_close(new, ref, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(lambda u, w: _leaky_recurrence()(u, w, a, activation), (au, W))


def test_interrupted_fit_resumes_to_the_same_result(estimation, tmp_path):
    def model():
        return neuromem.load_model("rate_rnn", hidden_size=16, batch_size=8, device="cpu")

    whole = fit(model(), estimation, seeds=[1, 2], steps=20, progress=False)
    ckpt = tmp_path / "fit.ckpt.pt"
    part = fit(model(), estimation, seeds=[1, 2], steps=20, checkpoint=ckpt, checkpoint_every=5, stop_after=12, progress=False)
    assert part.steps_ == 12 and ckpt.exists()
    resumed = fit(model(), estimation, seeds=[1, 2], steps=20, checkpoint=ckpt, checkpoint_every=5, progress=False)
    for k, v in whole.params_.items():
        torch.testing.assert_close(resumed.params_[k], v)
    np.testing.assert_allclose(resumed.history_["loss"], whole.history_["loss"])
    # a fitted model written to disk runs again
    path = save_fitted(resumed, tmp_path / "fitted.pt")
    trials = estimation.trials(5, 1)
    np.testing.assert_allclose(
        load_fitted(path, device="cpu").run(trials, fitted_seed=2)["response_angle"], resumed.run(trials, fitted_seed=2)["response_angle"]
    )


def test_forgetting_in_weights_and_in_activity():
    lstm = neuromem.load_model("lstm", hidden_size=32, batch_size=16, device="cpu")
    curve = in_weights(lstm, seeds=[1, 2], n_items=4, steps_per_item=40)
    first, last = float(curve["overlap"].sel(lag=0)), float(curve["overlap"].sel(lag=3))
    assert first > 0.6 and last < first - 0.3, (first, last)
    assert np.isnan(curve["overlap_matrix"].sel(trained_through=0, item=3)).all()
    assert schema_problems(curve) == []
    timing = {"fixation": 0.04, "study": 0.1, "gap": 0.1, "test": 0.1, "test_gap": 0.06}
    train = get_task("retention", n_patterns=2, n_features=20, coding_level=0.25, test_delays=[0.0], timing=timing)
    kv = fit(neuromem.load_model("keyvalue", hidden_size=32, batch_size=16, device="cpu"), train, seeds=[1], steps=60, progress=False)
    longer = get_task("retention", n_patterns=4, n_features=20, coding_level=0.25, test_delays=[0.0, 1.0], timing=timing)
    ds = in_activity(kv, longer, 20, seed=3)
    act = forgetting_curve(ds)
    assert act["overlap"].dims == ("test_delay", "lag") and float(act["overlap"].mean()) > 0.5
    assert schema_problems(ds) == []


def test_bad_input_is_refused_clearly(estimation):
    with pytest.raises(ValueError, match="model='gru' is unknown"):
        neuromem.load_model("gru")
    with pytest.raises(ValueError, match="task='copy' is unknown"):
        get_task("copy")
    with pytest.raises(ValueError, match="hidden_size=0 is not allowed"):
        fit(neuromem.load_model("lstm", hidden_size=0, device="cpu"), estimation, steps=1, progress=False)
    with pytest.raises(ValueError, match="activation='tanh' is not allowed"):
        fit(neuromem.load_model("rate_rnn", activation="tanh", device="cpu"), estimation, steps=1, progress=False)
    model = fit(neuromem.load_model("keyvalue", hidden_size=8, batch_size=4, device="cpu"), estimation, steps=2, progress=False)
    with pytest.raises(ValueError, match=r"was trained on task .delayed-estimation. with \(inputs, outputs\)"):
        model.run(get_task("retention").trials(2, 0))
    with pytest.raises(ValueError, match="not been fitted"):
        neuromem.load_model("lstm").run(estimation.trials(2, 0))
    unknown_task_trials = estimation.trials(2, 0)
    unknown_task_trials.attrs["task"] = "serial-recall"
    with pytest.raises(ValueError, match="task='serial-recall' is unknown"):
        model.run(unknown_task_trials)
    with pytest.raises(ValueError, match="seeds="):
        fit(neuromem.load_model("lstm", device="cpu"), estimation, seeds=[1, 1], steps=1, progress=False)
    with pytest.raises(ValueError, match="device='tpu' is not allowed"):
        fit(neuromem.load_model("lstm", device="tpu"), estimation, steps=1, progress=False)


def test_artificial_package_never_imports_brian2():
    code = (
        "import sys, neuromem.artificial.fitting, neuromem.artificial.forgetting, neuromem.artificial.lstm, "
        "neuromem.artificial.rate_rnn, neuromem.artificial.keyvalue; print('brian2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
