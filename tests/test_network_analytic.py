"""Whole networks against closed forms and invariances, in the manner of Brian2's own tests.

Each test builds the real network of a model card (through the model's own build
hook) in Brian2's runtime mode, switches off what the closed form leaves out, and
compares the recorded state with the formula at a tolerance derived from the
integration method (forward Euler: per step 1 - a instead of exp(-a), a = dt/tau).
"""

import math

import numpy as np
import pytest
import torch

import neuromem
from neuromem.spiking.footprint import gaussian_footprint, low_rank_matrix, mode_basis, ring_angles
from neuromem.tasks import MultiItemRecall, get_task


@pytest.fixture(autouse=True)
def numpy_target():
    """Brian2's numpy code path: these runs are short, so compiling (Cython) would cost more than it saves.
    The conftest fixture restores the preference afterwards."""
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"


def _ring(**overrides):
    model = neuromem.load_model("compte2000", size="scaled", device="runtime", **overrides)
    q = model._validated()
    trials = get_task("delayed-estimation").trials(2, 0)
    return model, q, trials


def test_ring_membranes_decay_as_exp_minus_t_over_tau():
    """No external drive, no spikes: every E and I cell relaxes to V_L with tau = C / g_L (20 ms and 10 ms)."""
    import brian2 as b2

    model, q, trials = _ring(nu_ext="0 Hz")
    built = model._build(q, trials, 1, 0.06, [1])
    E, I = built["E"], built["I"]
    rng = np.random.default_rng(0)
    v0_E = float(q["V_L"]) + rng.uniform(0.1, 0.9, model.N_E) * float(q["V_thr"] - q["V_L"])
    v0_I = float(q["V_L"]) + rng.uniform(0.1, 0.9, model.N_I) * float(q["V_thr"] - q["V_L"])
    E.v, I.v = v0_E * b2.volt, v0_I * b2.volt
    mon_E = b2.StateMonitor(E, "v", record=np.arange(0, model.N_E, 16), dt=1 * b2.ms)
    mon_I = b2.StateMonitor(I, "v", record=np.arange(0, model.N_I, 4), dt=1 * b2.ms)
    built["net"].add(mon_E, mon_I)
    built["net"].run(60 * b2.ms)
    assert built["spikes"].num_spikes == 0
    dt = float(q["dt"])
    for mon, v0, tau in ((mon_E, v0_E, float(q["C_E"] / q["g_L_E"])), (mon_I, v0_I, float(q["C_I"] / q["g_L_I"]))):
        t = np.asarray(mon.t / b2.second)
        dev0 = (v0[np.asarray(mon.record)] - float(q["V_L"]))[:, None]
        exact = float(q["V_L"]) + dev0 * np.exp(-t / tau)
        # Euler: (1 - dt/tau)^(t/dt) = exp(-t/tau) (1 - t dt / (2 tau^2) + ...): 0.5% of the deviation at 3 tau
        euler = float(q["V_L"]) + dev0 * (1 - dt / tau) ** np.round(t / dt)
        np.testing.assert_allclose(np.asarray(mon.v / b2.volt), euler, rtol=0, atol=1e-9)
        assert np.max(np.abs(np.asarray(mon.v / b2.volt) - exact) / np.abs(dev0)) < 0.005 * (t.max() / tau) / 3


def test_mongillo_membrane_noise_has_the_stationary_mean_and_variance():
    """Without spikes dv = (mu - v) dt/tau + sigma sqrt(2 dt/tau) N(0,1): mean mu and, for Euler-Maruyama,
    variance sigma^2 / (1 - a/2), a = dt/tau (sigma^2 in continuous time)."""
    import brian2 as b2

    model = neuromem.load_model("mongillo2008", size="scaled", device="runtime", mu_E="10 mV", mu_I="8 mV")
    q = model._validated()
    trials = MultiItemRecall(set_sizes=[1], delay=0.5).trials(1, 0)
    built = model._build(q, trials, 1, 1.0, [1])
    E, I = built["E"], built["I"]
    E.v, I.v = q["mu_E"], q["mu_I"]
    b2.seed(11)
    mon_E = b2.StateMonitor(E, "v", record=True, dt=50 * b2.ms)
    mon_I = b2.StateMonitor(I, "v", record=True, dt=50 * b2.ms)
    built["net"].add(mon_E, mon_I)
    built["net"].run(0.7 * b2.second)
    assert built["spikes"].num_spikes == 0  # threshold 20 mV is 10 sigma away
    for mon, mu, sigma, tau in ((mon_E, q["mu_E"], q["sigma_E"], q["tau_E"]), (mon_I, q["mu_I"], q["sigma_I"], q["tau_I"])):
        v = np.asarray(mon.v / b2.volt)[:, 4:]  # from 200 ms (>= 13 tau) on, samples 50 ms (>= 3 tau) apart
        a = float(q["dt"] / tau)
        expected_var = float(sigma) ** 2 / (1 - a / 2)
        n = v.size
        # standard errors: of the mean sigma / sqrt(n); of the variance var sqrt(2 / n) (samples nearly independent)
        assert abs(v.mean() - float(mu)) < 5 * float(sigma) / math.sqrt(n)
        assert v.var() == pytest.approx(expected_var, rel=5 * math.sqrt(2 / n))


def test_ring_mode_sum_equals_the_dense_footprint_product():
    """The NMDA input each E cell receives through the ring's Fourier modes is W_K s exactly, and the
    dense Gaussian footprint W s to the card's footprint tolerance."""
    import brian2 as b2

    model, q, trials = _ring()
    built = model._build(q, trials, 1, 0.4, [1])
    E = built["E"]
    E.v = q["V_L"]
    angle = ring_angles(model.N_E)
    E.cue_amp = float(q["cue_current"]) * np.exp(-(angle**2) / (2 * float(q["cue_width"]) ** 2)) * b2.amp
    b2.seed(3)
    mon = b2.StateMonitor(E, ["s_NMDA", "s_NMDA_in"], record=True, dt=q["dt"], when="end")
    built["net"].add(mon)
    built["net"].run(0.4 * b2.second)
    s = np.asarray(mon.s_NMDA)[:, -2]
    s_in = np.asarray(mon.s_NMDA_in)[:, -1]
    assert s.max() > 0.3 and s.max() > 5 * np.median(s)  # a bump: the comparison is not of flat profiles
    coef, n_freq = model._footprint_modes(q)
    low_rank = low_rank_matrix(coef, mode_basis(angle, n_freq))
    # the summed NMDA input of a step is made from the gating of the step before (the monitor is at the end)
    np.testing.assert_allclose(s_in, low_rank @ s, rtol=1e-9, atol=1e-12)
    row = gaussian_footprint(model.N_E, float(q["J_plus"]), float(q["sigma_EE"]))
    dense = np.stack([np.roll(row, k) for k in range(model.N_E)])
    bound = float(q["footprint_tolerance"]) * np.abs(dense).max() * s.sum()
    assert np.max(np.abs(s_in - dense @ s)) <= bound


def _ring_spikes(model, q, trials, cue_angles):
    """E spike trains of disconnected copies, one per cue angle, from a fixed initial state, no noise."""
    import brian2 as b2

    n = len(cue_angles)
    duration = float(trials["cue_offset"][0]) + 0.1
    built = model._build(q, trials, n, duration, [1])
    E, I = built["E"], built["I"]
    angle = ring_angles(model.N_E)
    E.v = np.tile(float(q["V_L"]) + 0.02 * (1 + np.cos(angle)) * 0.5 * float(q["V_thr"] - q["V_L"]), n) * b2.volt
    I.v = q["V_L"]
    dist = (angle[None, :] - np.asarray(cue_angles)[:, None] + np.pi) % (2 * np.pi) - np.pi
    E.cue_amp = (4 * float(q["cue_current"]) * np.exp(-(dist**2) / (2 * float(q["cue_width"]) ** 2))).ravel() * b2.amp
    built["net"].run(duration * b2.second)
    i, t = np.asarray(built["spikes"].i), np.asarray(built["spikes"].t / b2.second)
    return [(i[i // model.N_E == k] % model.N_E, t[i // model.N_E == k]) for k in range(n)]


def test_disconnected_copies_in_one_network_equal_each_ring_alone():
    """Trials batched as copies share nothing: with the external noise off, each copy's spikes are the
    spikes of the same ring run alone, to the step."""
    model, q, trials = _ring(nu_ext="0 Hz")
    together = _ring_spikes(model, q, trials, [0.0, 2.0])
    alone = [_ring_spikes(model, q, trials, [c])[0] for c in (0.0, 2.0)]
    for (i_b, t_b), (i_a, t_a) in zip(together, alone):
        assert i_a.size > 50  # the cue drives the cells (no external drive)
        np.testing.assert_array_equal(i_b, i_a)
        np.testing.assert_array_equal(t_b, t_a)
    assert not np.array_equal(together[0][0], together[1][0])


def test_runtime_and_cpp_standalone_agree_on_a_deterministic_protocol():
    """The same synaptic-transmission protocol (no randomness) under Brian2's two code paths."""
    intervals = [0.02, 0.1, 0.5]
    out = {dev: neuromem.load_model("synaptic_transmission", device=dev).paired_pulse(intervals) for dev in ("runtime", "cpp_standalone")}
    for var in ("amplitude_1", "amplitude_2", "ppr"):
        np.testing.assert_allclose(out["runtime"][var].values, out["cpp_standalone"][var].values, rtol=1e-9)


def test_lstm_equals_torch_nn_lstm_with_copied_weights():
    model = neuromem.load_model("lstm", hidden_size=12, device="cpu")
    params = model.init_params([5], 3, 2, torch.device("cpu"))
    x = torch.randn(1, 25, 4, 3, generator=torch.Generator().manual_seed(0))
    reference = torch.nn.LSTM(3, 12)
    with torch.no_grad():
        reference.weight_ih_l0.copy_(params["W_ih"][0].t())
        reference.weight_hh_l0.copy_(params["W_hh"][0].t())
        reference.bias_ih_l0.copy_(params["b"][0, 0])
        reference.bias_hh_l0.zero_()
        expected, _ = reference(x[0])
        for kernel in ("fused", "stacked"):
            model.kernel = kernel
            torch.testing.assert_close(model.hidden(params, x)[0], expected, rtol=1e-5, atol=1e-6)


def _rate_rnn_alone(noise: float, b: float, n: int = 3):
    model = neuromem.load_model("rate_rnn", hidden_size=n, recurrent_noise=noise, device="cpu")
    p = model._validated()
    a = float(p["dt"] / p["tau"])
    eye = torch.eye(n)[None]
    params = {"W_in": eye.clone(), "W": torch.zeros(1, n, n), "b": torch.full((1, 1, n), b), "W_out": eye.clone(), "b_out": torch.zeros(1, 1, n)}
    return model, params, a


def test_rate_rnn_decays_with_its_time_constant():
    """One input pulse, no recurrence: x_t = a u (1 - a)^(t-1), the Euler form of exp(-t dt / tau)."""
    model, params, a = _rate_rnn_alone(0.0, 0.0)
    x = torch.zeros(1, 30, 1, 3)
    x[0, 0, 0] = torch.tensor([1.0, 2.0, 0.5])
    with torch.no_grad():
        out = model.forward(params, x, None, None)[0, :, 0]
    steps = torch.arange(30, dtype=torch.float64)[:, None]
    expected = a * x[0, 0, 0].double() * (1 - a) ** steps
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-8)


def test_rate_rnn_noise_has_the_stationary_variance():
    """x <- (1 - a) x + a b + sigma sqrt(2a) N(0,1): mean b, variance sigma^2 / (1 - a/2)."""
    sigma, b = 0.05, 10.0  # b keeps x far above 0, so the ReLU read-out is x itself
    model, params, a = _rate_rnn_alone(sigma, b, n=200)
    with torch.no_grad():
        out = model.forward(params, torch.zeros(1, 240, 50, 200), None, [7])[0]
    x = out[40::20].double()  # from 40 steps ((1 - a)^40 < 1e-3) on, 20 steps apart (correlation 0.8^20 = 0.01)
    n = x.numel()
    assert abs(float(x.mean()) - b) < 5 * sigma / math.sqrt(n)
    assert float(x.var()) == pytest.approx(sigma**2 / (1 - a / 2), rel=5 * math.sqrt(2 / n))
    assert a == pytest.approx(0.2)  # the card's dt / tau: the discrete factor (1.11) is far from 1, so it is tested


@pytest.mark.slow
def test_ring_drift_statistics_do_not_depend_on_the_time_step():
    """The bump's diffusion and bias at dt 0.1 ms equal those at the card's 0.05 ms within their standard errors
    (a time step that mattered would change the drift the model reports, not just its cost)."""
    from neuromem.runner import run_task
    from neuromem.tasks import DelayedEstimation

    short, long = 0.5, 2.0
    task = DelayedEstimation(delays=[short, long])
    drift = {}
    for dt in ("0.05 ms", "0.1 ms"):
        model = neuromem.load_model("compte2000", size="scaled", device="cpp_standalone", trials_per_run=8, dt=dt)
        ds = run_task(model, task, 48, seed=5, progress=False)
        err, delay = ds["error"].values, ds["delay"].values
        var = [err[delay == d].var(ddof=1) for d in (short, long)]
        # s.e. of a sample variance of n normal errors: var sqrt(2 / (n - 1))
        se = [v * math.sqrt(2 / ((delay == d).sum() - 1)) for v, d in zip(var, (short, long))]
        drift[dt] = ((var[1] - var[0]) / (long - short), math.hypot(*se) / (long - short), float(np.mean(err)))
    (d_a, se_a, bias_a), (d_b, se_b, bias_b) = drift.values()
    assert d_a > 0 and d_b > 0  # the bump diffuses at both steps
    assert abs(d_a - d_b) < 3 * math.hypot(se_a, se_b), drift
    assert abs(bias_a - bias_b) < math.radians(3), drift
