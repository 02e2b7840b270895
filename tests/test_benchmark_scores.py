"""Ceilings and metrics of the benchmarks, checked on synthetic subjects drawn from a known generator.

Each subject's value at x is mu(x) + e, e ~ N(0, s^2) independent over x and
subjects. The reliability of the mean of n subjects across x is then
V / (V + s^2 / n), V the variance of mu over x: the split-half ceiling
(Spearman-Brown corrected) must recover it. The generator's own curve must score
about 1 within its interval, a flat curve 0.
"""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_benchmark import synthetic_benchmark  # tests/ is on the path of the test process

from neuromem.benchmarks import Benchmark, Closeness, ShapeR2, base, spearman_brown
from neuromem.benchmarks.table import aggregate

X = np.linspace(0, 1, 40)
MU = np.sin(2 * np.pi * X)  # V = 0.5 - (mean)^2 over the grid


def subjects(n: int, sd: float, seed: int = 0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    return xr.DataArray(MU + rng.normal(0, sd, size=(n, X.size)), dims=("subject", "x"), coords={"subject": np.arange(n), "x": X})


def curves(curve: np.ndarray, n_seeds: int = 1) -> xr.DataArray:
    return xr.DataArray(np.tile(curve, (n_seeds, 1)), dims=("seed", "x"), coords={"seed": np.arange(n_seeds), "x": X})


def test_spearman_brown_closed_form():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    assert spearman_brown(1.0) == pytest.approx(1.0)
    assert spearman_brown(0.0) == pytest.approx(0.0)


@pytest.mark.parametrize("n, sd", [(40, 1.0), (100, 2.0), (30, 0.5)])
def test_shape_ceiling_matches_the_analytic_reliability(n, sd):
    """Median over 10 splits of Spearman-Brown(r of halves) = V / (V + s^2/n) within 0.05 (sampling of 40 points)."""
    human = subjects(n, sd, seed=n)
    v = np.var(MU)
    analytic = v / (v + sd**2 / n)
    ceiling, splits = synthetic_benchmark(human).ceiling()
    assert len(splits) == 10
    assert ceiling == pytest.approx(analytic, abs=0.05)


def test_generator_scores_about_one_and_a_flat_or_reversed_curve_zero():
    human = subjects(200, 1.0, seed=3)
    b = synthetic_benchmark(human)
    good = b.score(curves(MU, 3))
    assert float(good["score"]) > 0.95 and float(good["closeness_score"]) > 0.95
    for prefix in ("", "closeness_"):  # the point estimate lies inside its own interval
        assert float(good[f"{prefix}ci_low"]) - 1e-9 <= float(good[f"{prefix}score"]) <= float(good[f"{prefix}ci_high"]) + 1e-9
    flat = b.score(curves(np.full(X.size, MU.mean())))
    assert float(flat["raw"]) == 0.0 and float(flat["score"]) == 0.0
    # a flat curve sits sqrt(mean(mu^2)) = 0.71 s.d. from people's mean: exp(-0.5/2) before the ceiling
    assert float(flat["closeness_raw"]) == pytest.approx(np.exp(-np.mean(MU**2) / 2), abs=0.05)
    reversed_ = b.score(curves(-MU))
    assert float(reversed_["score"]) == 0.0 and float(reversed_["score_unclipped"]) < -0.9


def test_closeness_ceiling_and_distance():
    human = subjects(60, 1.0, seed=5)
    b = synthetic_benchmark(human, Closeness())
    ceiling, _ = b.ceiling()
    # halves of 30 differ by d^2 ~ 4/60; corrected to the whole sample (1/60): exp(-(4/60)/8) ~ 0.992
    assert ceiling == pytest.approx(np.exp(-(4 / 60) / 8), abs=0.01)
    # the population's own curve, measured against the sample, is as close as the ceiling says a perfect model is
    assert float(b.score(curves(MU))["score"]) == pytest.approx(1.0, abs=0.02)
    off = b.score(curves(MU + 1.0))  # one between-subject s.d. away everywhere
    assert float(off["raw"]) == pytest.approx(np.exp(-0.5), abs=0.05)
    assert float(off["distance_se"]) == pytest.approx(np.sqrt(60), rel=0.1)


@pytest.fixture(autouse=False)
def few_resamples():
    kept = base.N_BOOTSTRAP
    base.N_BOOTSTRAP = 20  # the property holds for any number of resamples; fewer keep the test short
    yield
    base.N_BOOTSTRAP = kept


@pytest.mark.usefixtures("few_resamples")
@settings(max_examples=25, deadline=None)
@given(n=st.integers(4, 30), sd=st.floats(0.05, 3.0), shift=st.floats(-2, 2), scale=st.floats(-2, 2), seed=st.integers(0, 1000))
def test_every_score_is_clipped_and_keeps_its_unclipped_value(n, sd, shift, scale, seed):
    human = subjects(n, sd, seed)
    for metric in (ShapeR2(), Closeness()):
        out = synthetic_benchmark(human, metric).score(curves(scale * MU + shift, 2))
        score, unclipped = float(out["score"]), float(out["score_unclipped"])
        if np.isfinite(unclipped):
            assert score == pytest.approx(min(max(unclipped, 0.0), 1.0))
            assert unclipped == pytest.approx((float(out["raw"]) - metric.chance) / (float(out["ceiling"]) - metric.chance))
        assert 0.0 <= float(out["ci_low"]) <= float(out["ci_high"]) <= 1.0 or not np.isfinite(float(out["ci_low"]))


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=6, max_size=6))
def test_parents_are_the_mean_of_scored_children_never_counting_missing_as_zero(values):
    scores = xr.DataArray(
        np.array([[np.nan if v is None else v for v in values]]), dims=("model", "benchmark"), coords={"model": ["m"], "benchmark": list("abcdef")}
    )
    parents = ["wm/a", "wm/a", "wm/b", "fr", "fr", "fr"]
    tree = aggregate(scores, parents)
    got = tree["node_score"].sel(model="m")
    arr = scores.values[0]
    expect_wma = np.mean(arr[:2][np.isfinite(arr[:2])]) if np.isfinite(arr[:2]).any() else np.nan
    expect_fr = np.mean(arr[3:][np.isfinite(arr[3:])]) if np.isfinite(arr[3:]).any() else np.nan
    np.testing.assert_allclose(float(got.sel(node="wm/a")), expect_wma)
    np.testing.assert_allclose(float(got.sel(node="fr")), expect_fr)
    assert int(tree["node_scored"].sel(model="m", node="fr")) == int(np.isfinite(arr[3:]).sum())
    assert int(tree["node_children"].sel(node="wm")) == 2 and int(tree["node_children"].sel(node="memory")) == 2


def test_a_miss_where_every_subject_agrees_is_a_miss_not_ignored():
    human = subjects(20, 1.0, seed=2)
    human[:, 0] = 0.5  # everyone gives the same value at the first point
    curve = human.mean("subject").values.copy()
    b = synthetic_benchmark(human, Closeness())
    assert float(b.score(curves(curve))["raw"]) == pytest.approx(1.0, abs=0.05)
    curve[0] = 0.9
    assert float(b.score(curves(curve))["raw"]) == 0.0


@pytest.mark.parametrize("parent", ["", "memory/free-recall", "a//b", "memory"])
def test_a_parent_outside_the_tree_is_refused(parent):
    with pytest.raises(ValueError, match="parent="):
        Benchmark(
            identifier="synthetic-curve",
            parent=parent,
            version=1,
            task="free-recall",
            task_params={},
            reference=lambda: None,
            curve=lambda d: d,
            metric=ShapeR2(),
            citation="",
        )


@settings(max_examples=200, deadline=None)
@given(budget=st.floats(1.0, 36_000.0), over=st.floats(1e-3, 36_000.0))
def test_a_skipped_run_s_estimate_never_prints_as_the_budget_it_exceeds(budget, over):
    from neuromem.benchmarks.table import _minutes

    assert float(_minutes(budget + over, budget)) > budget / 60  # 2.02 against 2.0, never 2.0 against 2.0
