"""State analyses recover known answers on synthetic population codes, then read a fitted network.

- Decoding accuracy of a 2-d code r = g (cos theta, sin theta) + N(0, sigma^2): the decoded
  angle is that of (cos theta, sin theta) + (sigma / g) N(0, I), whose mean cosine error is the
  projected normal's mean resultant length, (sqrt(pi) / 2) b e^(-b^2/2) [I0(b^2/2) + I1(b^2/2)],
  b = g / (sigma sqrt 2) (checked here by Monte Carlo too).
- A stable code decodes across times; a code that moves to a new subspace at each time does
  not (chance: 0).
- A memory that diffuses with D (rad^2/s) drifts with variance D t.
- The participation ratio of a covariance with eigenvalues lambda is (sum lambda)^2 / sum lambda^2.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import i0e, i1e

from neuromem.analysis.states import attention_by_lag, cross_temporal_decoding, decoded_drift, participation_ratio, pca_trajectories


def mean_cos_error(g_over_sigma: float) -> float:
    """E[cos(decoded - theta)] of an isotropic 2-d Gaussian code with signal-to-noise g / sigma (closed form)."""
    b = g_over_sigma / np.sqrt(2)
    return float(np.sqrt(np.pi) / 2 * b * (i0e(b * b / 2) + i1e(b * b / 2)))


def code(theta: np.ndarray, T: int, F: int, sigma: float, rng: np.random.Generator, moving: bool = False, angle_t: np.ndarray | None = None) -> xr.Dataset:
    """States (trial, time, unit): the angle on two units (the same two, or units 2t, 2t+1 when ``moving``) plus noise on all F."""
    n = len(theta)
    angle = np.repeat(theta[:, None], T, 1) if angle_t is None else angle_t
    x = sigma * rng.standard_normal((n, T, F))
    for t in range(T):
        a, b = (2 * t, 2 * t + 1) if moving else (0, 1)
        x[:, t, a] += np.cos(angle[:, t])
        x[:, t, b] += np.sin(angle[:, t])
    return xr.Dataset(
        {
            "state_rate": (("trial", "time", "unit"), x, {"units": "1", "long_name": "synthetic"}),
            "target": ("trial", theta, {"units": "rad", "long_name": "angle"}),
        },
        coords={"trial": np.arange(n), "time": ("time", 0.1 * (np.arange(T) + 0.5), {"units": "s"})},
    )


def test_the_closed_form_mean_cosine_matches_monte_carlo():
    rng = np.random.default_rng(0)
    theta = rng.uniform(-np.pi, np.pi, 200_000)
    for s in (0.3, 1.0):
        noisy = np.exp(1j * theta) + s * (rng.standard_normal(theta.size) + 1j * rng.standard_normal(theta.size))
        assert abs(np.mean(np.cos(np.angle(noisy) - theta)) - mean_cos_error(1 / s)) < 0.005


@pytest.mark.parametrize("sigma", [0.4, 1.0])
def test_decoding_accuracy_equals_the_closed_form_for_a_gaussian_code(sigma):
    rng = np.random.default_rng(1)
    theta = rng.uniform(-np.pi, np.pi, 4000)
    ds = code(theta, T=3, F=6, sigma=sigma, rng=rng)
    out = cross_temporal_decoding(ds, "state_rate", folds=5)
    expected = mean_cos_error(1 / sigma)
    # 4000 trials: s.e. of a mean cosine < 0.011; the fitted decoder's own error is smaller still
    np.testing.assert_allclose(out["accuracy"].values, expected, atol=0.03)
    assert out["accuracy"].attrs["units"] == "1"


def test_stable_and_dynamic_codes_give_square_and_diagonal_matrices():
    rng = np.random.default_rng(2)
    theta = rng.uniform(-np.pi, np.pi, 600)
    stable = cross_temporal_decoding(code(theta, 5, 10, 0.3, rng), "state_rate")["accuracy"].values
    dynamic = cross_temporal_decoding(code(theta, 5, 10, 0.3, rng, moving=True), "state_rate")["accuracy"].values
    off = ~np.eye(5, dtype=bool)
    assert stable.min() > mean_cos_error(1 / 0.3) - 0.05
    assert np.diagonal(dynamic).min() > mean_cos_error(1 / 0.3) - 0.05
    # trained at one time, a dynamic code is at chance at another: a mean cosine of random angles over
    # 600 trials has s.e. sqrt(0.5 / 600) = 0.029: every one of 20 within 5 s.e., their mean within 2
    assert np.abs(dynamic[off]).max() < 0.15 and abs(dynamic[off].mean()) < 0.06


def test_decoded_drift_recovers_the_diffusion_coefficient():
    rng = np.random.default_rng(3)
    n, T, dt, D = 3000, 21, 0.1, 0.05  # rad^2/s
    theta = rng.uniform(-np.pi, np.pi, n)
    walk = theta[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(np.sqrt(D * dt) * rng.standard_normal((n, T - 1)), 1)], 1)
    ds = code(theta, T, 4, 0.01, rng, angle_t=walk)
    out = decoded_drift(ds, "state_rate", start=0.05)
    # the variance of 3000 drifts has a relative s.e. of sqrt(2/3000) = 2.6%
    assert abs(float(out["diffusion"]) - D) < 0.1 * D, float(out["diffusion"])
    assert out["drift"].isel(time=0).pipe(lambda d: float(abs(d).max())) == 0.0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.05, 10.0), min_size=1, max_size=6))
def test_participation_ratio_of_a_known_covariance(eigenvalues):
    lam = np.array(eigenvalues)
    rng = np.random.default_rng(4)
    F = 8
    basis = np.linalg.qr(rng.standard_normal((F, F)))[0][:, : len(lam)]  # a random orthonormal set: PR does not depend on the basis
    n = 20_000
    x = (rng.standard_normal((n, len(lam))) * np.sqrt(lam)) @ basis.T
    ds = xr.Dataset({"state_rate": (("trial", "time", "unit"), x[:, None, :], {"units": "1"})}, coords={"time": [0.5]})
    expected = lam.sum() ** 2 / (lam**2).sum()
    pr = float(participation_ratio(ds, "state_rate").isel(time=0))
    # sample eigenvalues of 20000 draws are within a few percent of the true ones
    assert abs(pr - expected) < 0.05 * expected, (pr, expected)


def test_pca_finds_the_plane_a_trajectory_lies_in():
    rng = np.random.default_rng(5)
    n, T, F = 40, 30, 12
    plane = np.linalg.qr(rng.standard_normal((F, 2)))[0]
    t = np.linspace(0, 2 * np.pi, T)
    phase = rng.uniform(0, 2 * np.pi, n)
    coords = np.stack([np.cos(t[None] + phase[:, None]), 2 * np.sin(t[None] + phase[:, None])], -1)  # (n, T, 2)
    x = coords @ plane.T + 1e-4 * rng.standard_normal((n, T, F))
    ds = xr.Dataset({"state_rate": (("trial", "time", "unit"), x, {"units": "1"})}, coords={"trial": np.arange(n), "time": t})
    out = pca_trajectories(ds, "state_rate", n_components=3)
    assert float(out["explained_variance_ratio"][:2].sum()) > 0.9999
    centred = x - x.reshape(-1, F).mean(0)
    np.testing.assert_allclose(np.linalg.norm(out["trajectory"][..., :2], axis=-1), np.linalg.norm(centred, axis=-1), atol=1e-3)


def test_a_state_that_is_not_there_is_named_with_those_that_are():
    ds = code(np.zeros(10), 2, 3, 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"state='state_hidden' is not in these results; recorded states: \['state_rate'\]"):
        cross_temporal_decoding(ds, "state_hidden")
    with pytest.raises(ValueError, match="folds=20 is not allowed"):
        cross_temporal_decoding(ds, "state_rate", folds=20)


def test_a_fitted_transformer_holds_the_cued_angle_through_the_delay():
    """Network level: in a Transformer that reports the angle, the residual stream carries it from the cue to the report."""
    pytest.importorskip("torch")
    import neuromem
    from neuromem.artificial import fit
    from neuromem.runner import run_trials
    from neuromem.tasks import get_task

    task = get_task("delayed-estimation", delays=[0.4], timing={"fixation": 0.1, "cue": 0.1, "response": 0.1})
    net = fit(neuromem.load_model("transformer", hidden_size=32, batch_size=32, device="cpu"), task, seeds=[2], steps=150, progress=False)
    ds = run_trials(net, task, task.trials(300, 7), seed=7, progress=False, record=("states",))
    out = cross_temporal_decoding(ds, "state_residual")
    cue_end, report = 0.2, 0.6  # fixation 0.1 s + cue 0.1 s; the delay of 0.4 s ends at 0.6 s
    before = out["diagonal"].sel(time=slice(None, 0.1))
    during = out["diagonal"].sel(time=slice(cue_end, report))
    assert float(abs(before).max()) < 0.2  # nothing to decode before the cue
    assert float(during.min()) > 0.9, during.values


def _list_attention(attend: str, n: int = 3, L: int = 4, per_item: int = 3) -> xr.Dataset:
    """Synthetic study-period attention (trial, time, head, key_time) of L items of ``per_item`` steps each."""
    T = L * per_item
    times = 0.02 * (np.arange(T) + 0.5)
    onset = np.tile(0.02 * per_item * np.arange(L), (n, 1))
    if attend == "previous":  # every step of item i attends wholly to the first step of item i - 1 (item 1 to itself)
        a = np.zeros((n, T, 2, T))
        for i in range(L):
            a[:, i * per_item : (i + 1) * per_item, :, max(i - 1, 0) * per_item] = 1.0
    else:  # evenly over every step so far
        past = np.tril(np.ones((T, T)))
        a = np.broadcast_to((past / past.sum(1, keepdims=True))[None, :, None, :], (n, T, 2, T)).copy()
    return xr.Dataset(
        {
            "state_attention": (("trial", "time", "head", "key_time"), a, {"units": "1"}),
            "item_onset": (("trial", "position"), onset),
            "item_offset": (("trial", "position"), onset + 0.02 * per_item - 1e-9),
        },
        coords={"time": times, "key_time": times, "position": np.arange(1, L + 1)},
    )


def test_attention_by_lag_finds_attention_to_the_previous_item():
    out = attention_by_lag(_list_attention("previous"))
    lag = out["attention"]
    assert lag.dims == ("lag", "head") and list(lag["lag"].values) == [-3, -2, -1, 0]
    # lag -1: items 2-4 put all their attention there; lag 0: only item 1 (of 4) attends to itself
    np.testing.assert_allclose(lag.sel(lag=-1), 1.0)
    np.testing.assert_allclose(lag.sel(lag=0), 0.25)
    np.testing.assert_allclose(lag.sel(lag=[-3, -2]), 0.0)
    assert (out["relative"].sel(lag=-1) > 1.5).all()


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 7), st.integers(1, 4))
def test_even_attention_has_no_preference_at_any_lag(L, per_item):
    """Attention spread evenly falls with |lag| (early items have fewer predecessors); relative to even it is 1."""
    out = attention_by_lag(_list_attention("even", L=L, per_item=per_item))
    np.testing.assert_allclose(out["relative"], 1.0, rtol=1e-9)
    if L > 2:
        assert float(out["attention"].isel(head=0).sel(lag=-1)) > float(out["attention"].isel(head=0).sel(lag=-(L - 1)))


@pytest.mark.long
def test_the_ring_s_decoded_drift_matches_its_behavioural_error(tmp_path):
    """Network level: in the ring, the angle decoded from the binned rates diffuses as much as the reported angle.

    The report is the bump's position at the delay's end, so the decoded drift's s.d. over the delay and
    the error's s.d. measure the same diffusion; with 40 trials each s.d. has a relative s.e. of ~11%,
    so they must agree within 40% (measured: 9.3 deg decoded, 7.9 deg reported, seed 1).
    """
    pytest.importorskip("brian2")
    from neuromem.experiments import working_memory

    ds = working_memory(delays=[1.0], trials=40, record=["states"], out=str(tmp_path), quiet=True)["trials"][0]
    start, stop = float(ds["cue_offset"][0]), float(ds["response_onset"][0])
    drift = decoded_drift(ds, "state_rate", start=start, stop=stop)
    decoded_sd = float(np.sqrt(drift["drift_variance"].isel(time=-1)))
    reported_sd = float(np.std(ds["error"].values))
    assert decoded_sd > 0 and abs(decoded_sd / reported_sd - 1) < 0.4, (np.degrees(decoded_sd), np.degrees(reported_sd))
    assert float(drift["diffusion"]) > 0
    assert float(cross_temporal_decoding(ds, "state_rate")["diagonal"].sel(time=slice(start, stop)).min()) > 0.8
