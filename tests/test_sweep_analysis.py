"""Analyses take a sweep's Dataset: each grid point gets what it would get alone, computed at once.

The grids are built as :func:`neuromem.results.open_sweep` lays them out (the grid
axes as leading dims over each point's own dims) from results whose statistics
are known, and compared with the same analysis run point by point.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from test_analysis import _curve, _estimation_result

from neuromem.analysis.capacity import cowan_k
from neuromem.analysis.compare import compare, plot_comparison
from neuromem.analysis.forgetting import fit_forgetting, fit_forgetting_curves
from neuromem.analysis.working_memory import error_by_delay
from neuromem.tasks import MultiItemRecall

SEEDS = [1, 2, 3]
DIFFUSION = [0.01, 0.04]


def _grid(points: dict[tuple, xr.Dataset], axes: dict[str, list]) -> xr.Dataset:
    """Points {(a, b): Dataset} stacked as a sweep's grid, axes first (as open_sweep gives them)."""
    rows = [xr.concat([points[(a, b)] for b in axes[list(axes)[1]]], dim=list(axes)[1], coords="different", compat="equals") for a in axes[list(axes)[0]]]
    grid = xr.concat(rows, dim=list(axes)[0], coords="different", compat="equals", combine_attrs="drop_conflicts")
    return grid.assign_coords({k: (k, v) for k, v in axes.items()})


@pytest.fixture
def estimation_grid():
    points = {(d, s): _estimation_result("ring", D=d, seed=s) for d in DIFFUSION for s in SEEDS}
    return points, _grid(points, {"D": DIFFUSION, "seed": SEEDS})


def test_error_by_delay_of_a_grid_is_each_point_alone(estimation_grid):
    points, grid = estimation_grid
    out = error_by_delay(grid)
    assert out["variance"].dims == ("D", "seed", "delay") and out["error_density"].dims == ("D", "seed", "delay", "error_bin")
    for (d, s), ds in points.items():
        alone = error_by_delay(ds)
        got = out.sel(D=d, seed=s, drop=True)
        xr.testing.assert_allclose(got.drop_attrs(), alone.drop_attrs(), rtol=1e-12, atol=1e-12)
    # the diffusion coefficient of each grid point recovers the D it was drawn with (3 s.e. + 10%)
    diffusion = out["diffusion"].mean("seed")
    np.testing.assert_allclose(diffusion, DIFFUSION, rtol=0.1, atol=3 * float(out["diffusion_se"].max()))


def test_compare_keeps_the_grid_of_two_sweeps(estimation_grid, tmp_path):
    _, ring = estimation_grid
    ring = ring.assign_attrs(sweep_axes='["D", "seed"]')
    other = {(d, s): _estimation_result("lstm", D=2 * d, seed=10 + s) for d in DIFFUSION for s in SEEDS}
    lstm = _grid(other, {"D": DIFFUSION, "seed": SEEDS}).assign_attrs(sweep_axes='["D", "seed"]')
    out = compare([ring, lstm])
    assert out["variance"].dims == ("model", "D", "seed", "delay")
    assert plot_comparison(out, tmp_path / "c.png").stat().st_size > 0  # drawn as the mean over the grid
    for s in SEEDS:
        alone = compare([ring.sel(D=0.04, seed=s, drop=True), lstm.sel(D=0.04, seed=s, drop=True)])
        np.testing.assert_allclose(out["variance"].sel(D=0.04, seed=s).values, alone["variance"].values, rtol=1e-12)
    # a sweep with a model axis is one result per model
    both = xr.concat([ring.assign_attrs(model="ring"), lstm], dim="model", combine_attrs="drop_conflicts").assign_coords(model=["ring", "lstm"])
    by_axis = compare([both])
    assert list(by_axis["model"].values) == ["ring", "lstm"]
    np.testing.assert_allclose(by_axis["variance"].values, out["variance"].values, rtol=1e-12)


def test_cowan_k_of_a_grid_is_each_point_alone():
    task = MultiItemRecall(set_sizes=[1, 2, 3, 4], n_items=6)
    tr = task.trials(2000, 1)
    points = {}
    for keep in (1, 2, 3):
        for seed in (1, 2):
            rng = np.random.default_rng(seed)
            kept = np.zeros_like(tr["studied"].values)
            for t in range(tr.sizes["trial"]):
                kept[t, rng.permutation(np.flatnonzero(tr["studied"].values[t]))[:keep]] = 1
            points[(keep, seed)] = task.score(tr, xr.Dataset({"recalled": (("trial", "pool"), kept)}, coords={"trial": tr["trial"]}))
    grid = _grid(points, {"keep": [1, 2, 3], "seed": [1, 2]})
    out = cowan_k(grid)
    assert out["cowan_k"].dims == ("keep", "seed", "set_size")
    for (keep, seed), ds in points.items():
        xr.testing.assert_allclose(out.sel(keep=keep, seed=seed, drop=True), cowan_k(ds))
    # an observer keeping k items: K = min(N, k) (no guessing, so F = 0); s.e. of K <= 0.1 at 500 trials per size
    np.testing.assert_allclose(out["cowan_k"].mean("seed"), np.minimum(out["set_size"], out["keep"]).transpose("keep", "set_size"), atol=0.3)


def test_forgetting_fits_per_grid_point_equal_one_fit_per_curve():
    lags = np.arange(6)
    curves = xr.DataArray(
        [[0.8 * (1 + lag_scale * lags) ** -0.5 + 0.01 * np.sin(lags + s) for s in range(2)] for lag_scale in (0.5, 2.0)],
        dims=("scale", "seed", "lag"),
        coords={"scale": [0.5, 2.0], "seed": [1, 2]},
    )
    fits = fit_forgetting_curves(curves, lags + 1.0, "lag", t_units="1")
    assert fits["aic"].dims == ("scale", "seed", "form") and fits["best_form"].dims == ("scale", "seed")
    for scale in (0.5, 2.0):
        for seed in (1, 2):
            alone = fit_forgetting(lags + 1.0, curves.sel(scale=scale, seed=seed).values, t_units="1")
            np.testing.assert_allclose(fits["aic"].sel(scale=scale, seed=seed), alone["aic"])
            assert str(fits["best_form"].sel(scale=scale, seed=seed).values) == alone.attrs["best_form"]


def test_compare_retention_curves_with_a_grid_fits_each_point():
    a = xr.concat(
        [_curve("assembly", "spiking", [0.9 * 0.8**k * (1 - 0.05 * s) for k in range(6)], lags=range(6)) for s in range(2)], dim="seed"
    ).assign_coords(seed=[1, 2])
    b = xr.concat([_curve("lstm", "lstm", [0.7 * 0.6**k + 0.01 * s for k in range(6)], lags=range(6)) for s in range(2)], dim="seed").assign_coords(seed=[1, 2])
    out = compare([a, b])
    assert out["fit_aic"].dims == ("model", "seed", "form") and out["best_form"].dims == ("model", "seed")
    alone = compare([a.sel(seed=2, drop=True), b.sel(seed=2, drop=True)])
    np.testing.assert_allclose(out["fit_aic"].sel(seed=2).values, alone["fit_aic"].values)
