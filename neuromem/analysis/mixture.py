"""Maximum-likelihood mixture models of continuous-report (delayed-estimation) errors.

The same fits apply to a model's scored result and to people's trials. Errors ``e``
are report - target (rad, wrapped to [-pi, pi)); non-target errors are report - each
non-target item (rad, NaN where a trial has no such item).

Models (``VM(x; 0, kappa)`` is the von Mises density on the circle, 1/rad):

* ``"two"`` (Zhang & Luck 2008, Nature 453:233):
  p(e) = w VM(e; 0, kappa) + (1 - w) / (2 pi); parameters ``p_memory`` = w, ``kappa``.
* ``"three"`` (Bays, Catalao & Husain 2009, J Vis 9(10):7):
  p(e) = w VM(e; 0, kappa) + s/m sum_j VM(nt_j; 0, kappa) + (1 - w - s) / (2 pi), m the
  number of non-targets of the trial; on a trial with none the swap mass goes to guesses
  (p(e) = w VM + (1 - w) / (2 pi)). Parameters ``p_memory``, ``p_swap``, ``kappa``;
  ``p_guess`` = 1 - p_memory - p_swap.
* ``"vp"`` variable precision (van den Berg, Shin, Chou, George & Ma 2012, PNAS 109:8780):
  precision J ~ Gamma(shape = jbar / tau, scale = tau), kappa(J) the inverse of
  J = kappa I1(kappa) / I0(kappa), p(e) = E_J[VM(e; 0, kappa(J))]. The expectation is a
  quadrature over ``N_QUANTILES`` gamma quantiles, trapezoid rule in the logit of
  the quantile's probability (see ``vp_kappas``).

Each group of trials is its own optimisation (:func:`scipy.optimize.minimize`, L-BFGS-B,
from a few fixed starting points) on transformed parameters (logit / softmax for the
weights, log for kappa, jbar and tau) so that every step stays inside the parameter
space. Standard errors come from the inverse of the observed Fisher information: a
central-difference Hessian of the negative log-likelihood at the optimum in the natural
parameters (derived quantities by the delta method). That assumes independent trials;
where they are not (the reports of one whole-report display), ``cluster=`` names the coord
that groups them and the SEs are cluster-robust instead (sandwich: the observed information
on both sides of the summed scores of each cluster). At a boundary of the parameter space
the Hessian does not give a valid covariance, so the SEs are NaN there.

``fit_status`` of each group:

* ``"converged"``;
* ``"converged; SEs NaN: ..."``: with ``cluster=``, fewer than ``MIN_CLUSTERS`` clusters
  (parameters kept, SEs NaN);
* ``"too few trials"``: fewer than ``MIN_TRIALS`` finite errors (parameters NaN);
* ``"at bound: ..."``: the optimum lies at (within ``WEIGHT_EDGE`` of) a weight of 0 or
  1, or at the cap of kappa / jbar / tau (parameters kept, SEs NaN);
* ``"failed: <reason>"``: no starting point gave a finite fit, or the observed
  information is not positive definite (SEs NaN).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import minimize
from scipy.special import expit, gammainccinv, gammaincinv, i0e, logsumexp

from neuromem.circular import kappa_from_precision, kappa_to_sd, sd_from_resultant

#: fewer finite errors than this and a group is not fitted
MIN_TRIALS = 10
#: a weight closer than this to 0 or 1 is reported as at its bound
WEIGHT_EDGE = 1e-3
#: range of kappa, jbar and tau searched (a memory s.d. of 0.18 deg at the top)
SCALE_RANGE = (1e-3, 1e5)
#: fewer clusters than this and cluster-robust SEs are NaN: the sandwich is an average over clusters, and with
#: few it is erratic (displays of 4 reports remembered whole or not: 5 % of the SEs fall below 0.58x the true
#: spread at 10 displays, 0.46x at 5, 0.90x at 50; 300 simulated experiments each)
MIN_CLUSTERS = 10
#: nodes (gamma quantiles) of the variable-precision quadrature
N_QUANTILES = 100
#: logits of weights are kept within +-LOGIT_MAX (weights within 3e-7 of 0 and 1)
LOGIT_MAX = 15.0

_LOG_2PI = np.log(2 * np.pi)
_LOG_SCALE = (np.log(SCALE_RANGE[0]), np.log(SCALE_RANGE[1]))


def _wrap(x: np.ndarray) -> np.ndarray:
    """Angles onto [-pi, pi)."""
    return (x + np.pi) % (2 * np.pi) - np.pi


def _log_vm(cos_x: np.ndarray, kappa: np.ndarray | float) -> np.ndarray:
    """log VM(x; 0, kappa) from cos(x): exponentially scaled I0 keeps it finite at any kappa."""
    return kappa * (cos_x - 1.0) - _LOG_2PI - np.log(i0e(kappa))


def circular_sd(error: xr.DataArray, dim: str = "trial") -> xr.DataArray:
    """Circular standard deviation sqrt(-2 ln R) of ``error`` (rad) along ``dim``, NaN left out.

    R is the length of the mean resultant vector of the finite errors (Fisher 1993,
    eq. 2.12); every other dim is kept. NaN where no finite error remains.
    """
    e = error.where(np.isfinite(error))
    c, s = np.cos(e).mean(dim, skipna=True), np.sin(e).mean(dim, skipna=True)
    with np.errstate(divide="ignore"):
        sd = sd_from_resultant(np.hypot(c, s))
    return sd.assign_attrs(units="rad", long_name="circular standard deviation of the error")


# ---------------------------------------------------------------------------------------------
# the three models: transformed <-> natural parameters, negative log-likelihood, bounds


@dataclass(frozen=True)
class _Model:
    """One model: its natural parameters, the map from the optimiser's space, its likelihood and bounds."""

    names: tuple[str, ...]
    natural: Callable[[np.ndarray], np.ndarray]  # optimiser's unbounded-ish vector -> natural parameters
    transformed: Callable[[np.ndarray], np.ndarray]  # natural -> optimiser's vector (for the starts)
    ll: Callable[[np.ndarray, dict], np.ndarray]  # natural parameters, data -> log-likelihood of each trial
    starts: tuple[tuple[float, ...], ...]  # natural parameters
    bounds: tuple[tuple[float, float], ...]  # in the optimiser's space
    at_bound: Callable[[np.ndarray], str | None]
    steps: Callable[[np.ndarray], np.ndarray]  # finite-difference steps of the Hessian, natural space

    def nll(self, theta: np.ndarray, data: dict) -> float:
        """-log L of all the trials."""
        return -float(self.ll(theta, data).sum())


def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def _scale_edge(name: str, value: float) -> str | None:
    """A bound message when a positive scale parameter sits at an end of SCALE_RANGE."""
    if value >= SCALE_RANGE[1] * 0.99:
        return f"{name} at its cap {SCALE_RANGE[1]:g}"
    if value <= SCALE_RANGE[0] * 1.01:
        return f"{name} ~ 0"
    return None


def _weight_edges(pairs: Sequence[tuple[str, float]]) -> list[str]:
    msgs = []
    for name, w in pairs:
        if w < WEIGHT_EDGE:
            msgs.append(f"{name} ~ 0")
        elif w > 1 - WEIGHT_EDGE:
            msgs.append(f"{name} ~ 1")
    return msgs


def _join(msgs: list[str | None]) -> str | None:
    msgs = [m for m in msgs if m]
    return "at bound: " + ", ".join(msgs) if msgs else None


# two-component: theta = (w, kappa); optimiser u = (logit w, log kappa)


def _two_ll(theta: np.ndarray, data: dict) -> np.ndarray:
    w, kappa = theta
    return np.logaddexp(np.log(w) + _log_vm(data["cos_e"], kappa), np.log1p(-w) - _LOG_2PI)


def _two_steps(theta: np.ndarray) -> np.ndarray:
    w, kappa = theta
    return np.array([min(1e-4, 0.25 * min(w, 1 - w)), 1e-4 * kappa])


TWO = _Model(
    names=("p_memory", "kappa"),
    natural=lambda u: np.array([1 / (1 + np.exp(-u[0])), np.exp(u[1])]),
    transformed=lambda t: np.array([_logit(t[0]), np.log(t[1])]),
    ll=_two_ll,
    starts=tuple((w, k) for w in (0.5, 0.9) for k in (2.0, 20.0, 200.0)),
    bounds=((-LOGIT_MAX, LOGIT_MAX), _LOG_SCALE),
    at_bound=lambda t: _join([*_weight_edges([("p_memory", t[0])]), _scale_edge("kappa", t[1])]),
    steps=_two_steps,
)


# three-component: theta = (w, s, kappa); optimiser u = (a, b, log kappa), (w, s, g) = softmax(a, b, 0)


def _softmax3(a: float, b: float) -> np.ndarray:
    z = np.array([a, b, 0.0])
    z = np.exp(z - z.max())
    return z / z.sum()


def _three_ll(theta: np.ndarray, data: dict) -> np.ndarray:
    w, s, kappa = theta
    g = 1.0 - w - s
    if min(w, s, g) <= 0:  # only reachable by a finite-difference step; keeps the Hessian honest
        return np.full(data["cos_e"].shape, -np.inf)
    target = np.log(w) + _log_vm(data["cos_e"], kappa)
    # mean swap density per trial; a trial without non-targets gives its swap mass to guesses
    lvm_nt = np.where(data["nt_present"], _log_vm(data["cos_nt"], kappa), -np.inf)
    with np.errstate(divide="ignore"):  # a trial without non-targets: log of an empty sum, replaced below
        swap = np.where(data["m"] > 0, logsumexp(lvm_nt, axis=1) - np.log(np.maximum(data["m"], 1)), -_LOG_2PI)
    return logsumexp(np.stack([target, np.log(s) + swap, np.full_like(target, np.log(g) - _LOG_2PI)]), axis=0)


def _three_steps(theta: np.ndarray) -> np.ndarray:
    w, s, kappa = theta
    h = min(1e-4, 0.2 * min(w, s, 1 - w - s))  # +-h on w and s together keeps p_guess > 0
    return np.array([h, h, 1e-4 * kappa])


THREE = _Model(
    names=("p_memory", "p_swap", "kappa"),
    natural=lambda u: np.array([*_softmax3(u[0], u[1])[:2], np.exp(u[2])]),
    transformed=lambda t: np.array([np.log(t[0] / (1 - t[0] - t[1])), np.log(t[1] / (1 - t[0] - t[1])), np.log(t[2])]),
    ll=_three_ll,
    starts=tuple((w, s, k) for w in (0.5, 0.8) for s in (0.05, 0.15) for k in (3.0, 30.0)),
    bounds=((-LOGIT_MAX, LOGIT_MAX), (-LOGIT_MAX, LOGIT_MAX), _LOG_SCALE),
    at_bound=lambda t: _join([*_weight_edges([("p_memory", t[0]), ("p_swap", t[1]), ("p_guess", 1 - t[0] - t[1])]), _scale_edge("kappa", t[2])]),
    steps=_three_steps,
)


# variable precision: theta = (jbar, tau); optimiser u = (log jbar, log tau)

# The expectation over J is an integral over the probability u of J's quantile; in x = logit(u)
# the integrand is smooth and decays like exp(-|x|) at both ends, where the trapezoid rule
# converges fast. The ends matter: the low-J tail carries the density of large errors and
# equal-probability (mid-quantile) nodes miss it by far (-70 % at e = 3 rad for Jbar = 20,
# tau = 5). The weights are normalised so the mixture stays a density.
_LOGIT_U = np.linspace(-LOGIT_MAX, LOGIT_MAX, N_QUANTILES)
_WEIGHTS = expit(_LOGIT_U) * expit(-_LOGIT_U)
_LOG_WEIGHTS = np.log(_WEIGHTS / _WEIGHTS.sum())


def vp_kappas(jbar: float, tau: float) -> np.ndarray:
    """Concentrations at the ``N_QUANTILES`` quadrature quantiles of J ~ Gamma(jbar / tau, tau) (weights ``exp(_LOG_WEIGHTS)``)."""
    shape = jbar / tau
    lower = _LOGIT_U <= 0  # each tail from its own side: 1 - u underflows in the upper one
    precision = tau * np.where(lower, gammaincinv(shape, expit(_LOGIT_U)), gammainccinv(shape, expit(-_LOGIT_U)))
    return kappa_from_precision(precision)


def _vp_ll(theta: np.ndarray, data: dict) -> np.ndarray:
    kappa = vp_kappas(*theta)
    return logsumexp(_log_vm(data["cos_e"][:, None], kappa[None, :]) + _LOG_WEIGHTS, axis=1)


VP = _Model(
    names=("jbar", "tau"),
    natural=lambda u: np.exp(u),
    transformed=lambda t: np.log(np.asarray(t, dtype=float)),
    ll=_vp_ll,
    starts=tuple((j, t) for j in (2.0, 20.0, 200.0) for t in (1.0, 20.0)),
    bounds=(_LOG_SCALE, _LOG_SCALE),
    at_bound=lambda t: _join([_scale_edge("jbar", t[0]), _scale_edge("tau", t[1])]),
    steps=lambda t: 1e-4 * np.asarray(t, dtype=float),
)

MODELS = {"two": TWO, "three": THREE, "vp": VP}


# ---------------------------------------------------------------------------------------------
# one group: optimise, then the observed information


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x`` with steps ``h``."""
    n = x.size
    H = np.empty((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H


def _optimise(spec: _Model, data: dict) -> tuple[np.ndarray | None, float, str]:
    """Best of the local optima from every start: (natural parameters, -log L, reason if none)."""

    def objective(u: np.ndarray) -> float:
        value = spec.nll(spec.natural(u), data)
        return value if np.isfinite(value) else 1e300  # L-BFGS-B needs a number; such a point never wins

    best, best_f, reason = None, np.inf, "no starting point gave a finite likelihood"
    for start in spec.starts:
        res = minimize(
            objective, spec.transformed(np.asarray(start)), method="L-BFGS-B", bounds=spec.bounds, options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000}
        )
        if np.isfinite(res.fun) and res.fun < 1e299 and res.fun < best_f:
            best, best_f = res.x, float(res.fun)
        elif best is None:
            reason = str(res.message)
    return (None if best is None else spec.natural(best)), best_f, reason


def _prepare(model: str, e: np.ndarray, nt: np.ndarray | None) -> dict:
    """Per-trial arrays the likelihoods use (cosines computed once per group)."""
    data = {"cos_e": np.cos(e)}
    if model == "three":
        present = np.isfinite(nt)
        data.update(cos_nt=np.cos(np.where(present, nt, 0.0)), nt_present=present, m=present.sum(axis=1))
    return data


def _derived(model: str, theta: np.ndarray, cov: np.ndarray | None) -> dict[str, tuple[float, float]]:
    """Natural parameters and derived quantities with their SEs (delta method); NaN SEs when ``cov`` is None."""
    spec = MODELS[model]
    se = np.sqrt(np.diag(cov)) if cov is not None else np.full(theta.size, np.nan)
    out = {name: (float(v), float(s)) for name, v, s in zip(spec.names, theta, se)}
    if model in ("two", "three"):
        kappa, k_se = out["kappa"]
        h = 1e-6 * kappa
        slope = (kappa_to_sd(kappa + h) - kappa_to_sd(kappa - h)) / (2 * h)
        out["sd"] = (kappa_to_sd(kappa), abs(slope) * k_se)
    if model == "three":
        var = cov[0, 0] + cov[1, 1] + 2 * cov[0, 1] if cov is not None else np.nan
        out["p_guess"] = (1.0 - theta[0] - theta[1], float(np.sqrt(var)))
    return out


def _scores(spec: _Model, theta: np.ndarray, data: dict) -> np.ndarray:
    """Per-trial gradients (n, k) of the log-likelihood at ``theta``, central differences with the Hessian's steps."""
    h = spec.steps(theta)
    cols = []
    for j in range(theta.size):
        step = np.zeros(theta.size)
        step[j] = h[j]
        cols.append((spec.ll(theta + step, data) - spec.ll(theta - step, data)) / (2 * h[j]))
    return np.stack(cols, axis=1)


def _cluster_covariance(spec: _Model, theta: np.ndarray, data: dict, H: np.ndarray, which: np.ndarray, G: int) -> np.ndarray:
    """Cluster-robust (sandwich) covariance H^-1 B H^-1 with B the outer products of each cluster's summed scores.

    The scores of one cluster (e.g. the reports of one display) are summed before their outer
    product, so any dependence within a cluster counts, positive or negative; G / (G - 1) is
    the usual small-sample factor (Cameron & Miller 2015, J Hum Resour 50:317; their
    (N - 1) / (N - K) factor, ~1 for trials, is left out). ``which``: each trial's cluster
    number (0 .. G - 1); needs at least two clusters.
    """
    summed = np.zeros((G, theta.size))
    np.add.at(summed, which, _scores(spec, theta, data))
    bread = np.linalg.inv(H)
    return bread @ (summed.T @ summed * (G / (G - 1))) @ bread


def _fit_group(model: str, e: np.ndarray, nt: np.ndarray | None, clusters: np.ndarray | None = None) -> dict:
    """Fit one group of trials; returns values, SEs, log_likelihood, aic, n_trials and fit_status.

    With ``clusters`` (one label per trial) the SEs are cluster-robust; without, from the observed information.
    """
    finite = np.isfinite(e)
    n = int(finite.sum())
    result = {"n_trials": n, "fit_status": "too few trials"}
    if n < MIN_TRIALS:
        return result
    e = _wrap(e[finite])
    nt = None if nt is None else _wrap(nt[finite])
    spec = MODELS[model]
    data = _prepare(model, e, nt)
    if model == "three" and not data["m"].any():
        return result | {"fit_status": "failed: no trial has a non-target, so p_swap is not identifiable"}
    theta, nll, reason = _optimise(spec, data)
    if theta is None:
        return result | {"fit_status": f"failed: {reason}"}
    status, cov = spec.at_bound(theta), None
    if status is None:
        H = _hessian(lambda t: spec.nll(t, data), theta, spec.steps(theta))
        which = None if clusters is None else np.unique(clusters[finite], return_inverse=True)[1]  # cluster number per trial
        n_clusters = None if which is None else int(which.max()) + 1
        if not (np.all(np.isfinite(H)) and np.all(np.linalg.eigvalsh(H) > 0)):
            status = "failed: observed information not positive definite"
        elif n_clusters is not None and n_clusters < MIN_CLUSTERS:
            status = f"converged; SEs NaN: {n_clusters} clusters, cluster-robust SEs need >= {MIN_CLUSTERS}"
        else:
            status = "converged"
            cov = np.linalg.inv(H) if clusters is None else _cluster_covariance(spec, theta, data, H, which, n_clusters)
    k = len(spec.names)
    return result | {"fit_status": status, "log_likelihood": -nll, "aic": 2 * k + 2 * nll, "params": _derived(model, theta, cov)}


# ---------------------------------------------------------------------------------------------
# xarray front end

_ATTRS = {
    "p_memory": ("1", "probability of a report from memory of the target"),
    "p_swap": ("1", "probability of a report of a non-target (swap)"),
    "p_guess": ("1", "probability of a guess (uniform report)"),
    "kappa": ("1", "von Mises concentration kappa of reports from memory (dimensionless)"),
    "sd": ("rad", "circular s.d. of reports from memory, kappa_to_sd(kappa)"),
    "jbar": ("1", "mean precision Jbar (Fisher information, rad^-2)"),
    "tau": ("1", "scale of the gamma distribution of precision tau (rad^-2)"),
}
_OUTPUTS = {"two": ("p_memory", "kappa", "sd"), "three": ("p_memory", "p_swap", "p_guess", "kappa", "sd"), "vp": ("jbar", "tau")}


def _levels(coord: xr.DataArray) -> np.ndarray:
    """Sorted unique values of a condition coord, NaN (no condition) dropped."""
    values = coord.values
    return np.asarray(sorted(set(v for v in values.tolist() if not pd.isna(v))))


def _nontarget_array(nontarget: xr.DataArray, error: xr.DataArray, grid: list[str], dim: str) -> np.ndarray:
    """Non-target errors as (*grid, dim, item): the one dim of ``nontarget`` that ``error`` lacks is the item dim."""
    extra = [d for d in nontarget.dims if d not in error.dims]
    if len(extra) > 1:
        raise ValueError(f"nontarget has dims {extra} that error lacks; only one (the non-target item dim) is allowed")
    if dim not in nontarget.dims:
        raise ValueError(f"nontarget must have the trial dim {dim!r}")
    nt = nontarget if extra else nontarget.expand_dims("item", axis=-1)
    item = extra[0] if extra else "item"
    nt = nt.drop_vars([c for c in nt.coords if c not in nt.dims])  # condition coords come from error only
    nt, _ = xr.broadcast(nt, error.drop_vars(list(error.coords)))
    return nt.transpose(*grid, dim, item).values.astype(float)


def fit_mixture(
    error: xr.DataArray, nontarget: xr.DataArray | None = None, model: str = "two", dim: str = "trial", by: Sequence[str] = (), cluster: str | None = None
) -> xr.Dataset:
    """Maximum-likelihood fit of a mixture model of continuous-report errors, per group of trials.

    Parameters
    ----------
    error : xarray.DataArray
        report - target (rad; wrapped here). Every dim except ``dim`` (e.g. the axes of a
        sweep) is kept: each grid point is fitted on its own. Non-finite errors are dropped.
    nontarget : xarray.DataArray, optional
        report - each non-target item (rad; NaN where absent), with dim ``dim`` and one
        item dim that ``error`` lacks (any name); other dims broadcast against ``error``.
        Required by ``model="three"``.
    model : {"two", "three", "vp"}
        Zhang & Luck (2008) two-component, Bays et al. (2009) three-component, or van den
        Berg et al. (2012) variable precision (see the module docstring).
    dim : str
        The trial dim.
    by : sequence of str
        Coords on ``dim`` (e.g. ``"set_size"``, ``"delay"``) to split the trials by; each
        becomes an output dim holding its sorted unique values (NaN values dropped).
    cluster : str, optional
        A coord on ``dim`` whose equal values mark trials that are not independent of each
        other (e.g. ``"display"``: the reports of one whole-report display). The SEs are then
        cluster-robust (sandwich over the summed scores of each cluster) rather than from the
        observed information, which assumes independent trials. NaN (and the status says
        so) where a group spans fewer than ``MIN_CLUSTERS`` clusters.

    Returns
    -------
    xarray.Dataset
        dims: the other dims of ``error``, then ``by``; variables: the parameters and ``<name>_se`` (two:
        ``p_memory``, ``kappa``, ``sd``; three: those and ``p_swap``, ``p_guess``; vp:
        ``jbar``, ``tau``), ``log_likelihood``, ``aic`` (2k - 2 ln L, k = 2, 3, 2),
        ``n_trials`` (finite errors) and ``fit_status`` (see the module docstring).

    Raises
    ------
    ValueError
        An unknown ``model``; ``"three"`` without ``nontarget``; ``dim``, a ``by`` coord or
        the ``cluster`` coord missing or not along ``dim``; a ``cluster`` label that is NaN.

    Notes
    -----
    The likelihood is vectorised over trials; groups are looped over because each is its
    own optimisation (with its own starts, convergence and status). Deterministic: fixed
    starts, no random numbers.
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r} is not one of {sorted(MODELS)}")
    if model == "three" and nontarget is None:
        raise ValueError("the three-component model needs nontarget (report - each non-target item, rad; NaN where absent)")
    if dim not in error.dims:
        raise ValueError(f"error has no dim {dim!r}")
    for b in by:
        if b not in error.coords or error[b].dims != (dim,):
            raise ValueError(f"by={b!r} must name a coord of error along {dim!r}")
    clusters = None
    if cluster is not None:
        if cluster not in error.coords or error[cluster].dims != (dim,):
            raise ValueError(f"cluster={cluster!r} must name a coord of error along {dim!r}")
        clusters = error[cluster].values
        if pd.isna(clusters).any():
            raise ValueError(f"cluster={cluster!r} has trials without a label (NaN); every trial needs its cluster")
    grid = [d for d in error.dims if d != dim]
    values = error.transpose(*grid, dim).values.astype(float)
    nts = None if nontarget is None or model != "three" else _nontarget_array(nontarget, error, grid, dim)
    levels = [_levels(error[b]) for b in by]
    masks = {
        li: np.logical_and.reduce([error[b].values == levels[k][i] for k, (b, i) in enumerate(zip(by, li))] + [np.ones(error.sizes[dim], bool)])
        for li in np.ndindex(*[lv.size for lv in levels])
    }
    shape = values.shape[:-1] + tuple(lv.size for lv in levels)
    names = _OUTPUTS[model]
    arrays = {n: np.full(shape, np.nan) for v in names for n in (v, f"{v}_se")} | {n: np.full(shape, np.nan) for n in ("log_likelihood", "aic", "n_trials")}
    status = np.full(shape, "", dtype=object)
    for gi in np.ndindex(*values.shape[:-1]):
        for li, mask in masks.items():
            res = _fit_group(model, values[gi][mask], None if nts is None else nts[gi][mask], None if clusters is None else clusters[mask])
            at = gi + li
            status[at] = res["fit_status"]
            arrays["n_trials"][at] = res["n_trials"]
            for key in ("log_likelihood", "aic"):
                arrays[key][at] = res.get(key, np.nan)
            for name, (v, s) in res.get("params", {}).items():
                arrays[name][at], arrays[f"{name}_se"][at] = v, s
    return _dataset(error, model, grid, by, levels, arrays, status, cluster)


def _dataset(
    error: xr.DataArray, model: str, grid: list[str], by: Sequence[str], levels: list[np.ndarray], arrays: dict, status: np.ndarray, cluster: str | None
) -> xr.Dataset:
    """The output Dataset, with units and long names on every variable."""
    dims = (*grid, *by)
    how = "observed information" if cluster is None else f"cluster-robust over {cluster!r}"
    out = xr.Dataset()
    for name in _OUTPUTS[model]:
        units, long_name = _ATTRS[name]
        out[name] = (dims, arrays[name], {"units": units, "long_name": long_name})
        out[f"{name}_se"] = (dims, arrays[f"{name}_se"], {"units": units, "long_name": f"standard error of {name} ({how})"})
    out["log_likelihood"] = (dims, arrays["log_likelihood"], {"units": "1", "long_name": "maximised log-likelihood (densities in 1/rad)"})
    out["aic"] = (dims, arrays["aic"], {"units": "1", "long_name": "Akaike information criterion, 2k - 2 ln L"})
    out["n_trials"] = (dims, arrays["n_trials"].astype(int), {"units": "1", "long_name": "trials with a finite error"})
    out["fit_status"] = (dims, status.astype(str), {"units": "1", "long_name": "fit status (converged, too few trials, at bound: ..., failed: ...)"})
    keep = {c: error.coords[c] for c in error.coords if set(error.coords[c].dims) <= set(grid)}
    out = out.assign_coords(keep)
    out = out.assign_coords({b: (b, lv, dict(error[b].attrs)) for b, lv in zip(by, levels)})
    out.attrs.update(
        mixture_se=how,
        mixture_model=model,
        mixture_reference={"two": "Zhang & Luck 2008", "three": "Bays, Catalao & Husain 2009", "vp": "van den Berg et al. 2012"}[model],
    )
    return out
