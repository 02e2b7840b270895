"""Forgetting functions fitted to retention curves (model or human), ranked by AIC.

Forms (t > 0 is the age of the memory on a stated scale; y the retention):

* ``power``        y = a t^-b                      (Wixted & Ebbesen 1991)
* ``exponential``  y = a exp(-b t)
* ``logarithmic``  y = a - b ln t                  (Rubin & Wenzel 1996)
* ``wickelgren``   y = m (1 + h t)^-f              (power-exponential, Wickelgren 1974)
* ``two_store``    y = a1 exp(-t/tau1) + a2 exp(-t/tau2)   (two stores, cf. Murre & Dros 2015)

Each is fitted with ``scipy.optimize.curve_fit`` (least squares; ``sigma`` when
standard errors of the points are given). AIC = n ln(RSS/n) + 2k and
BIC = n ln(RSS/n) + k ln n, with k the number of fitted parameters; lower is better.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr
from scipy.optimize import curve_fit


def _power(t, a, b):
    return a * np.power(t, -b)


def _exponential(t, a, b):
    return a * np.exp(-b * t)


def _logarithmic(t, a, b):
    return a - b * np.log(t)


def _wickelgren(t, m, h, f):
    return m * np.power(1.0 + h * t, -f)


def _two_store(t, a1, tau1, a2, tau2):
    return a1 * np.exp(-t / tau1) + a2 * np.exp(-t / tau2)


FORMS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "power": (_power, ("a", "b")),
    "exponential": (_exponential, ("a", "b")),
    "logarithmic": (_logarithmic, ("a", "b")),
    "wickelgren": (_wickelgren, ("m", "h", "f")),
    "two_store": (_two_store, ("a1", "tau1", "a2", "tau2")),
}
PARAMETERS: tuple[str, ...] = ("a", "b", "m", "h", "f", "a1", "tau1", "a2", "tau2")


def _starts(form: str, t: np.ndarray, y: np.ndarray) -> list[tuple[list[float], tuple]]:
    """Starting points and bounds; several starts where the surface has local minima."""
    y0, span = float(np.max(y)), float(np.ptp(t)) or 1.0
    tm = float(np.median(t))
    inf = np.inf
    if form == "power":
        return [([y0 * float(np.min(t)) ** 0.1, 0.1], ([0, 0], [inf, inf])), ([y0, 0.5], ([0, 0], [inf, inf]))]
    if form == "exponential":
        return [([y0, 1.0 / tm], ([0, 0], [inf, inf])), ([y0, 0.1 / tm], ([0, 0], [inf, inf]))]
    if form == "logarithmic":
        return [([y0, 0.1 * y0], ([-inf, -inf], [inf, inf]))]
    if form == "wickelgren":
        return [([y0, 1.0 / tm, 0.5], ([0, 0, 0], [inf, inf, inf])), ([y0, 10.0 / tm, 0.2], ([0, 0, 0], [inf, inf, inf]))]
    return [
        ([0.5 * y0, 0.1 * tm, 0.5 * y0, 10 * tm], ([0, 0, 0, 0], [inf, inf, inf, inf])),
        ([0.3 * y0, 0.01 * span, 0.7 * y0, span], ([0, 0, 0, 0], [inf, inf, inf, inf])),
    ]


def fit_forgetting(
    t: Sequence[float],
    y: Sequence[float],
    sigma: Sequence[float] | None = None,
    forms: Sequence[str] = tuple(FORMS),
    *,
    t_units: str = "s",
    t_long_name: str = "age of the memory",
) -> xr.Dataset:
    """Fit every form in ``forms`` to (t, y); returns parameters, standard errors, AIC, BIC, R^2.

    Returns
    -------
    xarray.Dataset
        ``value`` and ``se`` (form, parameter) — NaN where a form has no such
        parameter or the fit failed; ``aic``, ``bic``, ``r2``, ``rss``, ``n_parameters``
        and ``rank`` (form; 1 = lowest AIC); ``prediction`` (form, t). attrs
        ``best_form`` (by AIC).
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if t.shape != y.shape or t.ndim != 1:
        raise ValueError(f"t and y must be 1-D and of one length; got shapes {t.shape} and {y.shape}")
    ok = np.isfinite(t) & np.isfinite(y)
    if np.any(t[ok] <= 0):
        raise ValueError("t must be > 0 for the power and logarithmic forms; shift the age scale (e.g. lag + 1)")
    unknown = [f for f in forms if f not in FORMS]
    if unknown:
        raise ValueError(f"forms={unknown} are unknown; choose from {list(FORMS)}")
    s = None if sigma is None else np.asarray(sigma, dtype=float)[ok]
    t, y = t[ok], y[ok]
    n = t.size
    value = np.full((len(forms), len(PARAMETERS)), np.nan)
    se = np.full_like(value, np.nan)
    rss = np.full(len(forms), np.nan)
    k = np.array([len(FORMS[f][1]) for f in forms])
    pred = np.full((len(forms), n), np.nan)
    for i, form in enumerate(forms):
        fn, names = FORMS[form]
        if n <= len(names):
            continue  # as many parameters as points: nothing to compare
        best = None
        for p0, bounds in _starts(form, t, y):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    popt, pcov = curve_fit(fn, t, y, p0=p0, bounds=bounds, sigma=s, absolute_sigma=s is not None, maxfev=20000)
            except (RuntimeError, ValueError):
                continue
            r = float(np.sum((fn(t, *popt) - y) ** 2))
            if np.isfinite(r) and (best is None or r < best[0]):
                best = (r, popt, pcov)
        if best is None:
            continue
        r, popt, pcov = best
        rss[i] = r
        pred[i] = fn(t, *popt)
        for name, v, e in zip(names, popt, np.sqrt(np.clip(np.diag(pcov), 0, None))):
            value[i, PARAMETERS.index(name)] = v
            se[i, PARAMETERS.index(name)] = e
    tiny = np.finfo(float).tiny
    aic = n * np.log(np.maximum(rss, tiny) / n) + 2 * k
    bic = n * np.log(np.maximum(rss, tiny) / n) + k * np.log(n)
    r2 = 1.0 - rss / np.sum((y - y.mean()) ** 2)
    order = np.argsort(np.where(np.isfinite(aic), aic, np.inf))
    rank = np.empty(len(forms), dtype=int)
    rank[order] = np.arange(1, len(forms) + 1)
    ds = xr.Dataset(
        {
            "value": (("form", "parameter"), value, {"units": "1", "long_name": "fitted parameter (t in the curve's units)"}),
            "se": (("form", "parameter"), se, {"units": "1", "long_name": "standard error of the parameter"}),
            "aic": ("form", aic, {"units": "1", "long_name": "Akaike information criterion, n ln(RSS/n) + 2k"}),
            "bic": ("form", bic, {"units": "1", "long_name": "Bayesian information criterion, n ln(RSS/n) + k ln n"}),
            "r2": ("form", r2, {"units": "1", "long_name": "coefficient of determination"}),
            "rss": ("form", rss, {"units": "1", "long_name": "residual sum of squares"}),
            "n_parameters": ("form", k, {"units": "1", "long_name": "fitted parameters"}),
            "rank": ("form", rank, {"units": "1", "long_name": "rank by AIC (1: best)"}),
            "prediction": (("form", "t"), pred, {"units": "1", "long_name": "fitted curve at the data points"}),
            "data": ("t", y, {"units": "1", "long_name": "retention (the fitted points)"}),
        },
        coords={"form": list(forms), "parameter": list(PARAMETERS), "t": ("t", t, {"units": t_units, "long_name": t_long_name})},
    )
    ds.attrs["best_form"] = str(np.asarray(forms)[order[0]]) if np.isfinite(aic[order[0]]) else ""
    return ds


def fit_forgetting_curves(
    curves: xr.DataArray, t: Sequence[float], dim: str, forms: Sequence[str] = tuple(FORMS), *, t_units: str = "s", t_long_name: str = "age of the memory"
) -> xr.Dataset:
    """:func:`fit_forgetting` on every curve of ``curves`` along ``dim`` (ages ``t``), other dims kept.

    A least-squares fit of a nonlinear form does not broadcast, so this is one fit
    per curve (per model, per grid point of a sweep); the results come back on
    the curves' own dims.

    Returns
    -------
    xarray.Dataset
        dims (..., form[, parameter]): ``value``, ``se``, ``aic``, ``bic``, ``r2``,
        ``rank``; ``best_form`` (...) as text.
    """
    others = [d for d in curves.dims if d != dim]
    stacked = curves.transpose(*others, dim).stack(curve=others) if others else curves.expand_dims(curve=[0])
    fits = []
    for i in range(stacked.sizes["curve"]):
        f = fit_forgetting(t, stacked.isel(curve=i).values, forms=forms, t_units=t_units, t_long_name=t_long_name)
        keep = f[["value", "se", "aic", "bic", "r2", "rank"]]
        fits.append(keep.assign(best_form=((), f.attrs["best_form"], {"units": "1", "long_name": "form with the lowest AIC"})))
    out = xr.concat(fits, dim="curve")
    if not others:
        return out.isel(curve=0, drop=True)
    out = out.assign_coords(xr.Coordinates.from_pandas_multiindex(stacked.indexes["curve"], "curve")).unstack("curve")
    return out.transpose(*others, ...)


def add_model_fits(combined: xr.Dataset, age: np.ndarray) -> xr.Dataset:
    """Fit every form to each model's ``overlap`` against ``age`` (at each grid point of a sweep); add parameters, s.e., AIC, R^2 and best form."""
    fits = fit_forgetting_curves(combined["overlap"], age, "lag", t_units="1", t_long_name="lag + 1")
    combined = combined.assign_coords(form=fits["form"].values, parameter=fits["parameter"].values)
    combined["fit_value"] = fits["value"].assign_attrs(units="1", long_name="forgetting-function parameters (age = lag + 1)")
    combined["fit_se"] = fits["se"].assign_attrs(units="1", long_name="standard errors of the parameters")
    combined["fit_aic"] = fits["aic"].assign_attrs(units="1", long_name="AIC per form")
    combined["fit_r2"] = fits["r2"].assign_attrs(units="1", long_name="R^2 per form")
    combined["best_form"] = fits["best_form"].astype(str).assign_attrs(units="1", long_name="form with the lowest AIC")
    return combined
