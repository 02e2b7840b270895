"""Cluster-robust standard errors of the mixture fits: reports of one whole-report display are not independent.

The observed information gives the right SE only for independent trials. With ``cluster=`` the SEs are the
sandwich H^-1 B H^-1 over the summed scores of each cluster. What is tested:

* independent trials, one per cluster: the sandwich agrees with the observed information (ratio 0.8-1.25 at
  1500 trials; measured 0.92-1.12 over 60 random parameter sets);
* trials sharing a display's memory state (all remembered or all guessed): over 150 simulated experiments the
  sandwich SE of P(memory) matches the estimates' spread (measured ratio 0.91), the observed information's is far
  too small (0.56); the ratio's Monte Carlo s.e. is about 6 %, so the bands below are beyond 3 s.e.;
* the slots card (exactly N - K guesses in every display) makes the pooled P(memory) less variable than
  independent reports would: the naive SE overstates its spread (1.29x), the cluster-robust SE matches it (1.01x);
* the three-component sandwich agrees with the observed information for independent trials.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neuromem
from neuromem.analysis.mixture import MIN_CLUSTERS, fit_mixture
from neuromem.analysis.set_size import pool_reports, precision_by_set_size
from neuromem.runner import run_task
from neuromem.tasks import get_task


def _two_component(rng: np.random.Generator, memory: np.ndarray, kappa: float) -> np.ndarray:
    n = memory.size
    return np.where(memory, rng.vonmises(0.0, kappa, n), rng.uniform(-np.pi, np.pi, n))


@settings(max_examples=25, deadline=None)
@given(w=st.floats(0.3, 0.95), log_kappa=st.floats(np.log(2.0), np.log(50.0)), seed=st.integers(0, 2**32 - 1))
def test_one_trial_per_cluster_agrees_with_the_observed_information(w, log_kappa, seed):
    rng = np.random.default_rng(seed)
    n = 1500
    e = xr.DataArray(_two_component(rng, rng.random(n) < w, np.exp(log_kappa)), dims="trial", coords={"display": ("trial", np.arange(n))})
    naive, robust = fit_mixture(e), fit_mixture(e, cluster="display")
    assume(str(naive["fit_status"].values) == "converged")
    for name in ("p_memory", "kappa", "sd"):
        assert float(robust[name]) == float(naive[name])  # the estimate is the same; only its SE changes
        ratio = float(robust[f"{name}_se"] / naive[f"{name}_se"])
        assert 0.8 < ratio < 1.25, (name, ratio)
    assert naive.attrs["mixture_se"] == "observed information" and robust.attrs["mixture_se"] == "cluster-robust over 'display'"
    assert "cluster-robust" in robust["p_memory_se"].attrs["long_name"]


def test_the_sandwich_matches_the_spread_of_estimates_when_reports_share_a_display():
    rng = np.random.default_rng(7)
    estimates, naive, robust = [], [], []
    for _ in range(150):
        memory = np.repeat(rng.random(100) < 0.6, 4)  # 100 displays of 4 reports, each remembered whole or not at all
        e = xr.DataArray(_two_component(rng, memory, 8.0), dims="trial", coords={"display": ("trial", np.repeat(np.arange(100), 4))})
        a, b = fit_mixture(e), fit_mixture(e, cluster="display")
        assert str(a["fit_status"].values) == "converged"
        estimates.append(float(a["p_memory"]))
        naive.append(float(a["p_memory_se"]))
        robust.append(float(b["p_memory_se"]))
    spread = np.std(estimates, ddof=1)
    assert 0.8 < np.mean(robust) / spread < 1.2, (np.mean(robust), spread)
    assert np.mean(naive) / spread < 0.7, (np.mean(naive), spread)


def test_the_three_component_sandwich_agrees_for_independent_trials():
    rng = np.random.default_rng(3)
    n = 1500
    kind = rng.choice(3, size=n, p=[0.6, 0.15, 0.25])  # memory, swap, guess
    nt = rng.uniform(-np.pi, np.pi, (n, 2))
    e = np.select([kind == 0, kind == 1], [rng.vonmises(0.0, 8.0, n), nt[:, 0] + rng.vonmises(0.0, 8.0, n)], rng.uniform(-np.pi, np.pi, n))
    err = xr.DataArray(e, dims="trial", coords={"display": ("trial", np.arange(n))})
    nontarget = xr.DataArray(e[:, None] - nt, dims=("trial", "item"))
    naive, robust = fit_mixture(err, nontarget, model="three"), fit_mixture(err, nontarget, model="three", cluster="display")
    assert str(naive["fit_status"].values) == "converged"
    for name in ("p_memory", "p_swap", "p_guess", "kappa"):
        ratio = float(robust[f"{name}_se"] / naive[f"{name}_se"])
        assert 0.8 < ratio < 1.25, (name, ratio)


def test_slots_make_the_pooled_p_memory_less_variable_than_independent_reports():
    """Every display of 4 items holds exactly 3 (K = 3): the count of guesses does not vary, only which reports they
    are. Over 100 runs of 100 displays (seeds 0-99) the naive SE overstates the spread of P(memory) (measured 1.29x);
    the cluster-robust SE matches it (1.01x)."""
    model = neuromem.load_model("zhang_luck2008")
    task = get_task("delayed-estimation", delays=[1.0], set_sizes=[4], report="all")
    estimates, naive, robust = [], [], []
    for seed in range(100):
        pooled = pool_reports(run_task(model, task, 100, seed=seed, progress=False))
        error = pooled["error"].astype(float)
        a, b = fit_mixture(error), fit_mixture(error, cluster="display")
        assert str(a["fit_status"].values) == "converged"
        estimates.append(float(a["p_memory"]))
        naive.append(float(a["p_memory_se"]))
        robust.append(float(b["p_memory_se"]))
    summary = precision_by_set_size(pooled)  # the summary of pooled reports takes its SEs from the displays
    assert summary.attrs["mixture_se"] == "cluster-robust over 'display'"
    assert float(summary["p_memory_se"].squeeze()) == pytest.approx(robust[-1], rel=1e-9)
    spread = np.std(estimates, ddof=1)
    assert 0.8 < np.mean(robust) / spread < 1.2, (np.mean(robust), spread)
    assert np.mean(naive) / spread > 1.1, (np.mean(naive), spread)


def test_a_cued_result_keeps_the_observed_information():
    ds = run_task(neuromem.load_model("vandenberg2012"), get_task("delayed-estimation", set_sizes=[2]), 40, seed=1, progress=False)
    assert precision_by_set_size(ds).attrs["mixture_se"] == "observed information"


@pytest.mark.parametrize(
    ("coords", "message"),
    [
        ({}, "cluster='display' must name a coord of error along 'trial'"),
        ({"display": ("other", np.arange(2))}, "must name a coord of error along 'trial'"),
        ({"display": ("trial", np.r_[np.arange(19), np.nan])}, "has trials without a label"),
    ],
)
def test_a_cluster_coord_that_cannot_group_the_trials_is_refused(coords, message):
    e = xr.DataArray(np.linspace(-1, 1, 40).reshape(2, 20), dims=("other", "trial")).assign_coords(coords)
    with pytest.raises(ValueError, match=message):
        fit_mixture(e, cluster="display")


@pytest.mark.parametrize("displays", [2, MIN_CLUSTERS - 1, MIN_CLUSTERS])
def test_too_few_clusters_give_no_standard_error_and_say_why(displays):
    rng = np.random.default_rng(displays)
    per = max(4, -(-40 // displays))  # enough reports for a fit however few the displays
    memory = rng.random(displays * per) < 0.7
    e = xr.DataArray(_two_component(rng, memory, 8.0), dims="trial", coords={"display": ("trial", np.repeat(np.arange(displays), per))})
    fit = fit_mixture(e, cluster="display")
    assert np.isfinite(float(fit["p_memory"]))  # the estimate stands; only its uncertainty cannot be had
    if displays < MIN_CLUSTERS:
        assert np.isnan(float(fit["p_memory_se"])) and np.isnan(float(fit["sd_se"]))
        assert str(fit["fit_status"].values) == f"converged; SEs NaN: {displays} clusters, cluster-robust SEs need >= {MIN_CLUSTERS}"
    else:
        assert np.isfinite(float(fit["p_memory_se"])) and str(fit["fit_status"].values) == "converged"
