"""The forgetting-function fitter as a sceptical reviewer would try it: AICc, status per form, input rules."""

import warnings

import numpy as np
import pytest
import xarray as xr

from neuromem.analysis import forgetting
from neuromem.analysis.forgetting import ForgettingFitWarning, UnfittableCurve, fit_forgetting, fit_forgetting_curves
from neuromem.reference import load_reference


def _ebbinghaus():
    e = load_reference("ebbinghaus1885_savings")
    return e["retention_interval"].values / 60, e["savings"].values / 100


def test_criteria_follow_their_definitions():
    """AIC, AICc and BIC against Burnham & Anderson's formulas, K = p + 1 (the residual variance)."""
    t, y = _ebbinghaus()
    fit = fit_forgetting(t, y, t_units="min")
    n = t.size
    for form, p in (("power", 2), ("exponential", 2), ("two_store", 4)):
        rss = float(fit["rss"].sel(form=form))
        k = p + 1
        aic = n * np.log(rss / n) + 2 * k
        assert float(fit["n_parameters"].sel(form=form)) == k
        assert float(fit["aic"].sel(form=form)) == pytest.approx(aic, rel=1e-12)
        assert float(fit["aicc"].sel(form=form)) == pytest.approx(aic + 2 * k * (k + 1) / (n - k - 1), rel=1e-12)
        assert float(fit["bic"].sel(form=form)) == pytest.approx(n * np.log(rss / n) + k * np.log(n), rel=1e-12)
    # with absolute standard errors the likelihood is chi^2 and K counts the curve's parameters only
    s = np.full(n, 0.02)
    weighted = fit_forgetting(t, y, sigma=s, forms=["power"])
    chi2 = float(np.sum(((weighted["prediction"].sel(form="power").values - y) / s) ** 2))
    assert float(weighted["aic"].sel(form="power")) == pytest.approx(chi2 + 4, rel=1e-9)


def test_aicc_does_not_reward_the_four_parameter_form_on_seven_points():
    """Plain AIC is within 8 of the power law for the two-store form on Ebbinghaus's 7 points; AICc ranks it last."""
    t, y = _ebbinghaus()
    by_aicc = fit_forgetting(t, y, t_units="min")
    by_aic = fit_forgetting(t, y, t_units="min", criterion="aic")
    assert by_aicc.attrs == {"best_form": "power", "criterion": "aicc"}
    converged = by_aicc["status"] == "converged"
    assert float(by_aicc["rank"].sel(form="two_store")) == int(converged.sum())  # last of the ranked
    assert float(by_aic["rank"].sel(form="two_store")) < float(by_aic["rank"].sel(form="exponential"))
    # the penalty is exactly 2K(K+1)/(n-K-1): 60/1 for K = 5 on 7 points
    assert float(by_aicc["aicc"].sel(form="two_store") - by_aicc["aic"].sel(form="two_store")) == pytest.approx(60.0)


def test_wickelgren_collapse_onto_the_power_law_is_not_identifiable():
    t, y = _ebbinghaus()
    fit = fit_forgetting(t, y, t_units="min")
    status = str(fit["status"].sel(form="wickelgren").values)
    assert status.startswith("not identifiable") and "power law" in status
    assert np.isnan(float(fit["rank"].sel(form="wickelgren")))
    # a pure power law: Wickelgren's h runs to the edge, reported, never ranked
    t = np.linspace(1.0, 40.0, 12)
    pure = fit_forgetting(t, 0.9 * t**-0.3)
    assert "power law" in str(pure["status"].sel(form="wickelgren").values)
    assert pure.attrs["best_form"] == "power"
    # a pure exponential: h t << 1 at every point
    slow = fit_forgetting(t, 0.9 * np.exp(-0.05 * t), forms=["exponential", "wickelgren"])
    assert "exponential" in str(slow["status"].sel(form="wickelgren").values)


def test_a_true_wickelgren_curve_is_recovered_with_finite_errors():
    rng = np.random.default_rng(1)
    t = np.linspace(1.0, 50.0, 20)
    fit = fit_forgetting(t, 0.9 * (1 + 0.5 * t) ** -0.7 + rng.normal(0, 0.005, t.size))
    assert str(fit["status"].sel(form="wickelgren").values) == "converged"
    for name, true in (("m", 0.9), ("h", 0.5), ("f", 0.7)):
        est, se = float(fit["value"].sel(form="wickelgren", parameter=name)), float(fit["se"].sel(form="wickelgren", parameter=name))
        assert np.isfinite(se) and se < 0.2 * true and abs(est - true) < 4 * se, (name, est, se)
    assert fit.attrs["best_form"] in ("wickelgren", "two_store")


def test_two_store_reports_the_fast_store_first():
    t = np.geomspace(1.0, 200.0, 15)
    fit = fit_forgetting(t, 0.5 * np.exp(-t / 3.0) + 0.4 * np.exp(-t / 80.0), forms=["two_store"])
    v = fit["value"].sel(form="two_store")
    np.testing.assert_allclose([float(v.sel(parameter=p)) for p in ("a1", "tau1", "a2", "tau2")], [0.5, 3.0, 0.4, 80.0], rtol=1e-4)


def test_a_failed_form_gets_no_rank_and_is_never_best(monkeypatch):
    real = forgetting.curve_fit

    def failing_power(fn, *args, **kwargs):
        if fn is forgetting._power:
            raise RuntimeError("Optimal parameters not found: the test made it fail")
        return real(fn, *args, **kwargs)

    monkeypatch.setattr(forgetting, "curve_fit", failing_power)
    t, y = _ebbinghaus()
    fit = fit_forgetting(t, y, t_units="min")
    assert str(fit["status"].sel(form="power").values) == "failed: Optimal parameters not found: the test made it fail"
    assert np.isnan(float(fit["rank"].sel(form="power"))) and np.isnan(float(fit["aicc"].sel(form="power")))
    assert fit.attrs["best_form"] == "logarithmic"
    ranks = fit["rank"].values[np.isfinite(fit["rank"].values)]
    assert sorted(ranks) == list(range(1, ranks.size + 1))


def test_too_few_points_for_a_form_is_a_status_and_for_every_form_an_error():
    t = np.arange(1.0, 6.0)  # 5 points: AICc fits the 2-parameter forms (K = 3) only
    fit = fit_forgetting(t, 0.9 * t**-0.4)
    assert str(fit["status"].sel(form="wickelgren").values) == "too few points: AICc needs at least 6, the curve has 5"
    assert str(fit["status"].sel(form="two_store").values).startswith("too few points")
    assert fit.attrs["best_form"] == "power"
    for n in (1, 2, 4):
        with pytest.raises(UnfittableCurve, match=f"{n} finite point"):
            fit_forgetting(np.arange(1.0, n + 1), np.linspace(1, 0.5, n))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y": [0.5] * 7}, "constant"),
        ({"sigma": [0.0] * 7}, "sigma=.*finite and > 0"),
        ({"sigma": [np.nan] * 7}, "sigma=.*finite and > 0"),
        ({"sigma": [0.1] * 6}, "one standard error per point"),
        ({"forms": ()}, r"forms=\(\) is empty"),
        ({"forms": ["power", "power"]}, "repeats"),
        ({"forms": ["hyperbolic"]}, "unknown"),
        ({"criterion": "r2"}, "criterion='r2' is not allowed"),
        ({"t": [0.0, 1, 2, 3, 4, 5, 6]}, "t must be > 0"),
        ({"y": [1.0, 0.5]}, "one length"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, match):
    args = {"t": np.arange(1.0, 8.0), "y": np.linspace(1.0, 0.4, 7), **kwargs}
    with pytest.raises(ValueError, match=match):
        fit_forgetting(args.pop("t"), args.pop("y"), **args)


def test_non_finite_points_are_dropped_with_a_warning_naming_them():
    t, y = _ebbinghaus()
    y = y.copy()
    y[2] = np.nan
    with pytest.warns(ForgettingFitWarning, match=r"1 non-finite point\(s\) dropped .*t = \[526.0\]"):
        fit = fit_forgetting(t, y, t_units="min")
    assert fit.sizes["t"] == 6 and fit.attrs["best_form"] == "power"


def test_an_unfittable_curve_in_a_set_is_a_status_not_an_exception():
    lags = np.arange(8)
    curves = xr.DataArray(
        np.stack([0.9 * (lags + 1.0) ** -0.5, np.full(8, 0.25), 0.8 * np.exp(-0.3 * lags)]), dims=("model", "lag"), coords={"model": ["a", "flat", "b"]}
    )
    with pytest.warns(ForgettingFitWarning, match="model=flat.*constant"):
        fits = fit_forgetting_curves(curves, lags + 1.0, "lag", t_units="1")
    assert fits["best_form"].values.tolist()[1] == "none"
    assert all(s.startswith("unfittable: the curve is constant") for s in fits["status"].sel(model="flat").values)
    assert np.isnan(fits["aicc"].sel(model="flat")).all()
    alone = fit_forgetting(lags + 1.0, curves.sel(model="b").values, t_units="1")
    xr.testing.assert_equal(fits["aicc"].sel(model="b", drop=True), alone["aicc"])
    assert str(fits["best_form"].sel(model="b").values) == alone.attrs["best_form"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_forgetting_curves(curves.drop_sel(model="flat"), lags + 1.0, "lag")
