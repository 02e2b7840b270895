"""Forgetting functions fitted to retention curves (model or human), ranked by AICc.

Forms (t > 0 is the age of the memory on a stated scale; y the retention):

* ``power``        y = a t^-b                      (Wixted & Ebbesen 1991)
* ``exponential``  y = a exp(-b t)
* ``logarithmic``  y = a - b ln t                  (Rubin & Wenzel 1996)
* ``wickelgren``   y = m (1 + h t)^-f              (power-exponential, Wickelgren 1974)
* ``two_store``    y = a1 exp(-t/tau1) + a2 exp(-t/tau2), tau1 < tau2 (cf. Murre & Dros 2015)

Each is fitted with ``scipy.optimize.curve_fit`` (least squares; weighted by
``sigma`` when standard errors of the points are given) from several starting
points. Model selection follows Burnham & Anderson (2002, *Model selection and
multimodel inference*, ch. 2):

* without ``sigma`` the residual variance is estimated too, so a form with p
  curve parameters has K = p + 1 and -2 ln L = n ln(RSS/n) (+ a constant shared
  by every form); with ``sigma`` (absolute) K = p and -2 ln L = chi^2;
* AIC = -2 ln L + 2K; AICc = AIC + 2K(K + 1)/(n - K - 1), defined for n > K + 1;
  BIC = -2 ln L + K ln n.

Curves of forgetting have few points (Ebbinghaus: 7), where plain AIC favours
many-parameter forms (the two-store form ranked first on 7-point savings curves);
AICc is the default criterion for that reason.

Every form gets a ``status``; only ``converged`` forms get a rank and can be the
``best_form``:

* ``converged``;
* ``too few points``: AICc needs n >= K + 2 points;
* ``failed: ...``: no starting point gave a finite fit (the reason is kept);
* ``not identifiable: ...``: the points do not fix every parameter — Wickelgren's
  ``h`` at the edge of its range (1 + h t ~ h t at every point, the form is the
  power law; or h t << 1, the exponential), the two-store form with equal time
  constants or an empty store, or a covariance that cannot be estimated.

Input rules: non-finite points are dropped with a :class:`ForgettingFitWarning`
naming them; a constant curve or one with fewer finite points than any form needs
is refused with an :class:`UnfittableCurve` (a ValueError); ``sigma`` must be finite,
> 0 and as long as ``y``. :func:`fit_forgetting_curves` turns an unfittable curve
of a sweep into a row of NaN with that status (and a warning) instead of raising.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr
from scipy.optimize import curve_fit


class ForgettingFitWarning(UserWarning):
    """Points dropped or a curve left unfitted by the forgetting-function fitter."""


class UnfittableCurve(ValueError):
    """A curve no form can be fitted to (constant, or too few finite points)."""


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
CRITERIA: tuple[str, ...] = ("aicc", "aic", "bic")
#: Wickelgren's h is searched within [_H_EDGE^-1 / t_max, _H_EDGE / t_min]; at either edge
#: (1 + h t) is h t (or 1 + h t ~ exp(h t)) at every point to within 1/_H_EDGE
_H_EDGE = 1e3


def _starts(form: str, t: np.ndarray, y: np.ndarray) -> list[tuple[list[float], tuple]]:
    """Starting points and bounds; several starts where the surface has local minima."""
    y0, span = float(np.max(np.abs(y))) or 1.0, float(np.ptp(t)) or 1.0
    tm, t0, t1 = float(np.median(t)), float(np.min(t)), float(np.max(t))
    inf = np.inf
    pos2 = ([0, 0], [inf, inf])
    if form == "power":
        return [([y0 * t0**0.1, 0.1], pos2), ([y0, 0.5], pos2)]
    if form == "exponential":
        return [([y0, 1.0 / tm], pos2), ([y0, 0.1 / tm], pos2)]
    if form == "logarithmic":
        return [([y0, 0.1 * y0], ([-inf, -inf], [inf, inf]))]
    if form == "wickelgren":
        h_lo, h_hi = 1.0 / (_H_EDGE * t1), _H_EDGE / t0
        bounds = ([0, h_lo, 0], [inf, h_hi, inf])
        return [([y0, float(np.clip(h, h_lo * 1.01, h_hi * 0.99)), f], bounds) for h, f in ((1.0 / tm, 0.5), (10.0 / tm, 0.2), (0.1 / tm, 1.0))]
    pos4 = ([0, 0, 0, 0], [inf, inf, inf, inf])
    return [([0.5 * y0, 0.1 * tm, 0.5 * y0, 10 * tm], pos4), ([0.3 * y0, 0.01 * span, 0.7 * y0, span], pos4)]


def _identifiability(form: str, p: np.ndarray, se: np.ndarray, t: np.ndarray) -> str:
    """'' when the points fix every parameter, else why not."""
    if form == "wickelgren":
        h = p[1]
        if h >= 0.99 * _H_EDGE / t.min():
            return "not identifiable: h t >> 1 at every point, so m (1 + h t)^-f is the power law m h^-f t^-f (use power)"
        if h <= 1.01 / (_H_EDGE * t.max()):
            return "not identifiable: h t << 1 at every point, so m (1 + h t)^-f is the exponential m exp(-f h t) (use exponential)"
    if form == "two_store":
        a1, tau1, a2, tau2 = p
        if min(a1, a2) <= 1e-6 * max(a1, a2):
            return "not identifiable: one store is empty (the form is the exponential)"
        if abs(tau2 - tau1) <= 1e-3 * max(tau1, tau2):
            return "not identifiable: the two time constants are equal (the form is the exponential)"
    if not np.all(np.isfinite(se)):
        return "not identifiable: the parameters' covariance cannot be estimated from these points"
    return ""


def _fit_one(form: str, t: np.ndarray, y: np.ndarray, s: np.ndarray | None) -> tuple[str, np.ndarray | None, np.ndarray | None, float]:
    """Best of several starts: (status, parameters, standard errors, weighted RSS)."""
    fn, names = FORMS[form]
    best, why = None, "no starting point converged"
    for p0, bounds in _starts(form, t, y):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                popt, pcov = curve_fit(fn, t, y, p0=p0, bounds=bounds, sigma=s, absolute_sigma=s is not None, maxfev=20000)
        except (RuntimeError, ValueError) as err:
            why = str(err).splitlines()[0]
            continue
        resid = fn(t, *popt) - y
        chi2 = float(np.sum((resid if s is None else resid / s) ** 2))
        if np.isfinite(chi2) and (best is None or chi2 < best[0]):
            best = (chi2, popt, pcov)
    if best is None:
        return f"failed: {why}", None, None, np.nan
    chi2, popt, pcov = best
    se = np.sqrt(np.diag(pcov)) if np.all(np.isfinite(np.diag(pcov))) else np.full(len(names), np.inf)
    if form == "two_store" and popt[1] > popt[3]:  # the fast store first, so (a1, tau1) always means the same
        popt, se = popt[[2, 3, 0, 1]], se[[2, 3, 0, 1]]
    return _identifiability(form, popt, se, t) or "converged", popt, se, chi2


def _checked_input(t, y, sigma, forms: Sequence[str], criterion: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if t.shape != y.shape or t.ndim != 1:
        raise ValueError(f"t and y must be 1-D and of one length; got shapes {t.shape} and {y.shape}")
    if len(forms) == 0:
        raise ValueError(f"forms=() is empty; choose one or more of {list(FORMS)}")
    unknown = [f for f in forms if f not in FORMS]
    if unknown:
        raise ValueError(f"forms={unknown} are unknown; choose from {list(FORMS)}")
    if len(set(forms)) != len(forms):
        raise ValueError(f"forms={list(forms)} repeats a form; name each once")
    if criterion not in CRITERIA:
        raise ValueError(f"criterion={criterion!r} is not allowed; choose one of {list(CRITERIA)}")
    s = None
    if sigma is not None:
        s = np.asarray(sigma, dtype=float)
        if s.shape != y.shape:
            raise ValueError(f"sigma has shape {s.shape} but y has {y.shape}; give one standard error per point")
        if not (np.all(np.isfinite(s)) and np.all(s > 0)):
            raise ValueError(f"sigma={s.tolist()} is not allowed; every standard error must be finite and > 0 (leave sigma out to weight points equally)")
    ok = np.isfinite(t) & np.isfinite(y)
    if np.any(t[ok] <= 0):
        raise ValueError("t must be > 0 for the power and logarithmic forms; shift the age scale (e.g. lag + 1)")
    if not ok.all():
        warnings.warn(f"{int((~ok).sum())} non-finite point(s) dropped from the fit (at t = {t[~ok].tolist()})", ForgettingFitWarning, stacklevel=3)
    t, y = t[ok], y[ok]
    s = None if s is None else s[ok]
    extra = 1 if s is None else 0
    fewest = min(len(FORMS[f][1]) for f in forms) + extra + 2
    if t.size < fewest:
        raise UnfittableCurve(f"{t.size} finite point(s): too few for any of the forms {list(forms)}; AICc needs at least {fewest}")
    if np.ptp(y) == 0:
        raise UnfittableCurve(f"the curve is constant (y = {y[0]!r} at every point): there is no forgetting to fit")
    return t, y, s


def fit_forgetting(
    t: Sequence[float],
    y: Sequence[float],
    sigma: Sequence[float] | None = None,
    forms: Sequence[str] = tuple(FORMS),
    *,
    criterion: str = "aicc",
    t_units: str = "s",
    t_long_name: str = "age of the memory",
) -> xr.Dataset:
    """Fit every form in ``forms`` to (t, y); parameters, standard errors, status, AICc, AIC, BIC, R^2.

    Parameters
    ----------
    t, y : sequence of float
        Ages (> 0) and retention; non-finite points are dropped with a warning.
    sigma : sequence of float, optional
        Standard error of each point (absolute); weights the fit and the criteria.
    forms : sequence of str
        Forms to fit, from :data:`FORMS`.
    criterion : {"aicc", "aic", "bic"}
        What ``rank`` and ``best_form`` use.

    Returns
    -------
    xarray.Dataset
        ``value`` and ``se`` (form, parameter) — NaN where a form has no such
        parameter or its fit failed; ``status`` (form); ``aicc``, ``aic``,
        ``bic``, ``r2``, ``rss``, ``n_parameters`` (K, the variance included when
        estimated) and ``rank`` (form; 1 = best by ``criterion``, NaN unless
        converged); ``prediction`` (form, t). attrs ``best_form`` ("none" when no
        form converged) and ``criterion``.

    Raises
    ------
    UnfittableCurve
        The curve is constant or has too few finite points for any form.
    ValueError
        Bad shapes, forms, criterion or sigma; t <= 0.
    """
    t, y, s = _checked_input(t, y, sigma, forms, criterion)
    n, nf = t.size, len(forms)
    value = np.full((nf, len(PARAMETERS)), np.nan)
    se = np.full_like(value, np.nan)
    rss = np.full(nf, np.nan)
    chi2 = np.full(nf, np.nan)
    k = np.array([len(FORMS[f][1]) + (1 if s is None else 0) for f in forms])
    pred = np.full((nf, n), np.nan)
    status = []
    for i, form in enumerate(forms):
        fn, names = FORMS[form]
        if n < k[i] + 2:
            status.append(f"too few points: AICc needs at least {k[i] + 2}, the curve has {n}")
            continue
        st, popt, perr, c2 = _fit_one(form, t, y, s)
        status.append(st)
        if popt is None:
            continue
        chi2[i], pred[i] = c2, fn(t, *popt)
        rss[i] = float(np.sum((pred[i] - y) ** 2))
        for name, v, e in zip(names, popt, perr):
            value[i, PARAMETERS.index(name)], se[i, PARAMETERS.index(name)] = v, e
    tiny = np.finfo(float).tiny
    m2lnl = n * np.log(np.maximum(chi2, tiny) / n) if s is None else chi2
    aic = m2lnl + 2 * k
    with np.errstate(divide="ignore", invalid="ignore"):
        aicc = np.where(n - k - 1 > 0, aic + 2 * k * (k + 1) / (n - k - 1), np.nan)
    bic = m2lnl + k * np.log(n)
    r2 = 1.0 - rss / np.sum((y - y.mean()) ** 2)
    score = {"aicc": aicc, "aic": aic, "bic": bic}[criterion]
    ranked = np.array([st == "converged" for st in status]) & np.isfinite(score)
    rank = np.full(nf, np.nan)
    order = np.flatnonzero(ranked)[np.argsort(score[ranked])]
    rank[order] = np.arange(1, order.size + 1)
    long = {"aicc": "AICc", "aic": "AIC", "bic": "BIC"}[criterion]
    ds = xr.Dataset(
        {
            "value": (("form", "parameter"), value, {"units": "1", "long_name": "fitted parameter (t in the curve's units)"}),
            "se": (("form", "parameter"), se, {"units": "1", "long_name": "standard error of the parameter"}),
            "status": ("form", np.array(status, dtype=str), {"units": "1", "long_name": "converged, too few points, failed or not identifiable (why)"}),
            "aicc": ("form", aicc, {"units": "1", "long_name": "small-sample AIC, AIC + 2K(K+1)/(n-K-1)"}),
            "aic": ("form", aic, {"units": "1", "long_name": "Akaike information criterion, -2 ln L + 2K"}),
            "bic": ("form", bic, {"units": "1", "long_name": "Bayesian information criterion, -2 ln L + K ln n"}),
            "r2": ("form", r2, {"units": "1", "long_name": "coefficient of determination"}),
            "rss": ("form", rss, {"units": "1", "long_name": "residual sum of squares (unweighted)"}),
            "n_parameters": ("form", k, {"units": "1", "long_name": "K: curve parameters, plus the residual variance when estimated"}),
            "rank": ("form", rank, {"units": "1", "long_name": f"rank by {long} among converged forms (1: best)"}),
            "prediction": (("form", "t"), pred, {"units": "1", "long_name": "fitted curve at the data points"}),
            "data": ("t", y, {"units": "1", "long_name": "retention (the fitted points)"}),
        },
        coords={"form": list(forms), "parameter": list(PARAMETERS), "t": ("t", t, {"units": t_units, "long_name": t_long_name})},
    )
    ds.attrs["best_form"] = str(forms[order[0]]) if order.size else "none"
    ds.attrs["criterion"] = criterion
    return ds


_CURVE_VARS = ("value", "se", "status", "aicc", "aic", "bic", "r2", "rank")


def _unfitted(like: xr.Dataset, why: str) -> xr.Dataset:
    """The fit variables of ``like`` as NaN, every form with status ``why``."""
    out = xr.full_like(like[[v for v in _CURVE_VARS if v != "status"]], np.nan)
    return out.assign(status=("form", np.array([why] * like.sizes["form"], dtype=str), like["status"].attrs))


def fit_forgetting_curves(
    curves: xr.DataArray,
    t: Sequence[float],
    dim: str,
    forms: Sequence[str] = tuple(FORMS),
    *,
    criterion: str = "aicc",
    t_units: str = "s",
    t_long_name: str = "age of the memory",
) -> xr.Dataset:
    """:func:`fit_forgetting` on every curve of ``curves`` along ``dim`` (ages ``t``), other dims kept.

    A least-squares fit of a nonlinear form does not broadcast, so this is one fit
    per curve (per model, per grid point of a sweep); the results come back on
    the curves' own dims. A curve that cannot be fitted (constant, too few finite
    points) gives NaN with that reason as every form's ``status`` and
    ``best_form`` "none", with a :class:`ForgettingFitWarning`.

    Returns
    -------
    xarray.Dataset
        dims (..., form[, parameter]): ``value``, ``se``, ``status``, ``aicc``,
        ``aic``, ``bic``, ``r2``, ``rank``; ``best_form`` (...) as text.
    """
    others = [d for d in curves.dims if d != dim]
    stacked = curves.transpose(*others, dim).stack(curve=others) if others else curves.expand_dims(curve=[0])
    template = None
    fits: list[xr.Dataset | str] = []
    for i in range(stacked.sizes["curve"]):
        try:
            f = fit_forgetting(t, stacked.isel(curve=i).values, forms=forms, criterion=criterion, t_units=t_units, t_long_name=t_long_name)
        except UnfittableCurve as err:
            at = stacked["curve"].values[i] if others else ()
            label = ", ".join(f"{d}={v}" for d, v in zip(others, at if isinstance(at, tuple) else (at,)))
            warnings.warn(f"curve {label or 'alone'}: not fitted ({err})", ForgettingFitWarning, stacklevel=2)
            fits.append(f"unfittable: {err}")
            continue
        template = f if template is None else template
        fits.append(f[list(_CURVE_VARS)].assign(best_form=((), f.attrs["best_form"], {"units": "1", "long_name": f"form ranked first by {criterion}"})))
    if template is None:  # no curve could be fitted: a stand-in of the right shape
        template = fit_forgetting([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [7.0, 6.0, 5.0, 4.0, 3.0, 2.5, 2.0], forms=forms, criterion=criterion)
    rows = [
        _unfitted(template, f).assign(best_form=((), "none", {"units": "1", "long_name": f"form ranked first by {criterion}"})) if isinstance(f, str) else f
        for f in fits
    ]
    out = xr.concat(rows, dim="curve")
    if not others:
        return out.isel(curve=0, drop=True)
    out = out.assign_coords(xr.Coordinates.from_pandas_multiindex(stacked.indexes["curve"], "curve")).unstack("curve")
    return out.transpose(*others, ...)


def add_model_fits(combined: xr.Dataset, age: np.ndarray) -> xr.Dataset:
    """Fit every form to each model's ``overlap`` against ``age`` (at each grid point of a sweep); add parameters, s.e., status, AICc, AIC, R^2 and best form."""
    fits = fit_forgetting_curves(combined["overlap"], age, "lag", t_units="1", t_long_name="lag + 1")
    combined = combined.assign_coords(form=fits["form"].values, parameter=fits["parameter"].values)
    combined["fit_value"] = fits["value"].assign_attrs(units="1", long_name="forgetting-function parameters (age = lag + 1)")
    combined["fit_se"] = fits["se"].assign_attrs(units="1", long_name="standard errors of the parameters")
    combined["fit_status"] = fits["status"].astype(str).assign_attrs(units="1", long_name="fit status per form (only 'converged' forms are ranked)")
    combined["fit_aicc"] = fits["aicc"].assign_attrs(units="1", long_name="AICc per form (the ranking criterion)")
    combined["fit_aic"] = fits["aic"].assign_attrs(units="1", long_name="AIC per form")
    combined["fit_r2"] = fits["r2"].assign_attrs(units="1", long_name="R^2 per form")
    combined["best_form"] = fits["best_form"].astype(str).assign_attrs(units="1", long_name="converged form with the lowest AICc ('none': no form converged)")
    return combined


def forgetting_curve(scores: xr.Dataset) -> xr.Dataset:
    """Mean recall by number of later patterns (``lag``) and ``test_delay``, with s.e.m.

    Returns
    -------
    xarray.Dataset
        ``overlap``, ``overlap_sem``, ``identified``, ``retention_interval`` (mean
        seconds from study to test) and ``n_trials`` on dims (test_delay, lag),
        lag ascending; the attrs of ``scores`` are kept.
    """
    for key in ("overlap", "identified", "lag", "test_delay", "retention_interval"):
        if key not in scores.variables:
            raise ValueError(f"scores need {key!r} (from the retention task's score); it is missing")
    delays = np.unique(scores["test_delay"].values)
    order = np.argsort(scores["lag"].values)
    ov = scores["overlap"].transpose("trial", "item").values[:, order]
    ident = scores["identified"].transpose("trial", "item").values[:, order].astype(float)
    ri = scores["retention_interval"].transpose("trial", "item").values[:, order]
    shape = (delays.size, order.size)
    out = {k: np.full(shape, np.nan) for k in ("overlap", "overlap_sem", "identified", "retention_interval")}
    count = np.zeros(delays.size, dtype=int)
    for a, d in enumerate(delays):
        sel = scores["test_delay"].values == d
        count[a] = sel.sum()
        out["overlap"][a] = ov[sel].mean(0)
        out["identified"][a] = ident[sel].mean(0)
        out["retention_interval"][a] = ri[sel].mean(0)
        if count[a] > 1:
            out["overlap_sem"][a] = ov[sel].std(0, ddof=1) / np.sqrt(count[a])
    dims = ("test_delay", "lag")
    ds = xr.Dataset(
        {
            "overlap": (dims, out["overlap"], {"units": "1", "long_name": "mean recall overlap"}),
            "overlap_sem": (dims, out["overlap_sem"], {"units": "1", "long_name": "s.e.m. of the recall overlap"}),
            "identified": (dims, out["identified"], {"units": "1", "long_name": "fraction of patterns identified"}),
            "retention_interval": (dims, out["retention_interval"], {"units": "s", "long_name": "mean time from study to test"}),
            "n_trials": ("test_delay", count, {"units": "1", "long_name": "trials"}),
        },
        coords={
            "test_delay": ("test_delay", delays, {"units": "s", "long_name": "delay from the last study to the first test"}),
            "lag": ("lag", scores["lag"].values[order], {"units": "1", "long_name": "patterns studied after this one"}),
        },
    )
    ds.attrs.update(scores.attrs)
    return ds
