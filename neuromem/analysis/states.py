"""Analyses of recorded internal states (``state_*`` variables), the same for every model family.

Any result with a state variable of dims ``(trial, time, ...)`` is accepted: the dims
after ``time`` are flattened into one population of features, so a rate RNN's units,
an LSTM's hidden state, a Transformer's residual stream (depth x unit) or a spiking
network's binned rates are analysed by the same code.

- :func:`cross_temporal_decoding`: a linear decoder of the remembered angle trained at
  each time and tested at every time, out of fold (stable codes give a square of high
  accuracy, dynamic codes a diagonal: Stokes 2015, Trends Cogn Sci 19:394; Murray et al.
  2017, PNAS 114:394).
- :func:`decoded_drift`: the angle read by one decoder over the delay; the variance of
  its change grows as D t for a diffusing memory, set beside the behavioural error.
- :func:`participation_ratio`: (sum lambda)^2 / sum lambda^2 of the covariance across
  trials (Gao et al. 2017, bioRxiv 214262): how many dimensions the activity uses.
- :func:`pca_trajectories`: the population trajectories on their first principal components.

Decoders are ridge regressions onto (cos, sin) of the angle, read out as atan2; accuracy
is the mean cosine of the decoding error (1: exact; 0: chance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr


def population(ds: xr.Dataset, state: str) -> xr.DataArray:
    """The state ``state`` as (trial, time, feature): every dim after ``time`` flattened (features with no finite value dropped)."""
    if state not in ds:
        have = sorted(v for v in ds.data_vars if str(v).startswith("state_"))
        raise ValueError(f"state={state!r} is not in these results; recorded states: {have or 'none (run with --record states)'}")
    da = ds[state]
    if da.dims[:2] != ("trial", "time") or da.ndim < 3:
        raise ValueError(f"state={state!r} has dims {da.dims}; a state for these analyses has dims (trial, time, ...)")
    rest = list(da.dims[2:])
    flat = da.stack(feature=rest) if len(rest) > 1 else da.rename({rest[0]: "feature"})
    flat = flat.drop_vars([c for c in flat.coords if c not in ("trial", "time")])
    flat = flat.assign_coords(feature=np.arange(flat.sizes["feature"]))
    return flat.astype(float)


def _folds(n: int, folds: int, seed: int) -> np.ndarray:
    """Fold of each of ``n`` trials: a seeded permutation cut into ``folds`` near-equal parts."""
    if not 2 <= folds <= n:
        raise ValueError(f"folds={folds!r} is not allowed; it must be between 2 and the number of trials ({n})")
    fold = np.empty(n, dtype=int)
    fold[np.random.default_rng(seed).permutation(n)] = np.arange(n) % folds
    return fold


def _ridge(X: np.ndarray, Y: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge weights for each leading index: X (..., n, F), Y (..., n, K) -> (W (..., F, K), x mean, y mean).

    The penalty is ``ridge`` times the mean variance of the features, so it does not depend on their scale.
    """
    mx, my = X.mean(-2, keepdims=True), Y.mean(-2, keepdims=True)
    Xc, Yc = X - mx, Y - my
    gram = np.swapaxes(Xc, -1, -2) @ Xc
    F = X.shape[-1]
    scale = np.trace(gram, axis1=-2, axis2=-1)[..., None, None] / F
    W = np.linalg.solve(gram + ridge * (scale + 1e-12) * np.eye(F), np.swapaxes(Xc, -1, -2) @ Yc)
    return W, mx, my


def _angle_target(ds: xr.Dataset, target: str) -> np.ndarray:
    if target not in ds:
        raise ValueError(f"target={target!r} is not in these results; give a per-trial angle variable (rad), e.g. 'target'")
    if ds[target].dims != ("trial",) or ds[target].attrs.get("units") != "rad":
        raise ValueError(f"target={target!r} has dims {ds[target].dims} and units {ds[target].attrs.get('units')!r}; it must be one angle per trial in rad")
    return ds[target].values.astype(float)


def cross_temporal_decoding(
    ds: xr.Dataset, state: str, target: str = "target", *, folds: int = 5, ridge: float = 1e-3, seed: int = 0, every: int = 1
) -> xr.Dataset:
    """Decode the angle ``target`` from ``state``, trained at each time and tested at every time, out of fold.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with a recorded state (``run(..., record=("states",))``).
    state : str
        The state variable, dims (trial, time, ...).
    target : str
        One angle per trial (rad) to decode.
    folds : int
        Trials are split into ``folds`` seeded parts; each part is decoded by weights fitted on the others.
    ridge : float
        Penalty, relative to the mean feature variance.
    every : int
        Use every ``every``-th time step (a T x T matrix grows with the square of T).

    Returns
    -------
    xarray.Dataset
        ``accuracy`` (train_time, test_time): mean cos(decoded - target) over trials
        (1: exact, 0: chance); ``diagonal`` (time): accuracy trained and tested at the same time.
    """
    X = population(ds, state).isel(time=slice(None, None, every))
    theta = _angle_target(ds, target)
    Y = np.stack([np.cos(theta), np.sin(theta)], -1)
    x = np.nan_to_num(X.transpose("time", "trial", "feature").values)  # (T, n, F)
    fold = _folds(len(theta), folds, seed)
    cosines = np.zeros((x.shape[0], x.shape[0], len(theta)))
    for k in range(folds):
        train, test = fold != k, fold == k
        W, mx, my = _ridge(x[:, train], np.broadcast_to(Y[train], (x.shape[0], int(train.sum()), 2)), ridge)
        pred = _predict(x[:, test], W, mx, my)
        decoded = np.arctan2(pred[..., 1], pred[..., 0])  # (train T, test T, n_test)
        cosines[:, :, test] = np.cos(decoded - theta[test])
    times = X["time"].values
    acc = cosines.mean(-1)
    attrs = {"units": "1", "long_name": "decoding accuracy: mean cos(decoded - target angle), out of fold (0: chance)"}
    time_attrs = dict(ds["time"].attrs)
    return xr.Dataset(
        {
            "accuracy": (("train_time", "test_time"), acc, attrs),
            "diagonal": ("time", np.diagonal(acc).copy(), {**attrs, "long_name": "decoding accuracy trained and tested at the same time"}),
        },
        coords={
            "train_time": ("train_time", times, {**time_attrs, "long_name": "time the decoder was trained at"}),
            "test_time": ("test_time", times, {**time_attrs, "long_name": "time the decoder was tested at"}),
            "time": ("time", times, time_attrs),
        },
        attrs={"state": state, "target": target, "folds": folds, "ridge": ridge, "model": ds.attrs.get("model", "")},
    )


def _predict(x: np.ndarray, W: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """Predictions (train T, test T, n, K) of the weights fitted at every train time on x (test T, n, F)."""
    # (x_s - mean_r) W_r + my_r for every train time r and test time s
    return np.einsum("snf,rfk->rsnk", x, W) - np.einsum("rqf,rfk->rqk", mx, W)[:, None] + my[:, None]


def decoded_drift(
    ds: xr.Dataset, state: str, target: str = "target", *, start: float, stop: float | None = None, folds: int = 5, ridge: float = 1e-3, seed: int = 0
) -> xr.Dataset:
    """The remembered angle read by one decoder from ``start`` on, and how far it has drifted.

    One decoder is fitted (out of fold) on the states pooled over ``start <= time <= stop``;
    the decoded angle at each time, minus the decoded angle at ``start``, is the drift
    of the memory. For a diffusing memory its variance grows as D (t - start).

    Returns
    -------
    xarray.Dataset
        ``decoded`` (trial, time) (rad); ``drift`` (trial, time) (rad); ``drift_variance``
        (time) (rad^2: the variance of the drift wrapped to (-pi, pi], close to the circular
        variance while the drift stays well below pi); ``diffusion`` (rad^2/s): the slope of a
        line through the drift variance against time (through 0 at ``start``).
    """
    X = population(ds, state)
    times = X["time"].values
    stop = float(times[-1]) if stop is None else float(stop)
    window = (times >= start) & (times <= stop)
    if window.sum() < 2:
        raise ValueError(f"start={start!r} s and stop={stop!r} s hold fewer than 2 time steps of {state!r} (its times: {times[0]:.3g}-{times[-1]:.3g} s)")
    theta = _angle_target(ds, target)
    x = np.nan_to_num(X.transpose("trial", "time", "feature").values[:, window])  # (n, Tw, F)
    n, Tw, F = x.shape
    fold = _folds(n, folds, seed)
    decoded = np.zeros((n, Tw))
    for k in range(folds):
        train, test = fold != k, fold == k
        Y = np.repeat(np.stack([np.cos(theta[train]), np.sin(theta[train])], -1), Tw, axis=0)
        W, mx, my = _ridge(x[train].reshape(-1, F), Y, ridge)
        pred = (x[test] - mx) @ W + my
        decoded[test] = np.arctan2(pred[..., 1], pred[..., 0])
    drift = np.angle(np.exp(1j * (decoded - decoded[:, :1])))  # wrapped to (-pi, pi]
    t = times[window] - times[window][0]
    variance = np.var(drift, axis=0)
    slope = float(np.sum(t * variance) / np.sum(t * t))
    coords = {"trial": ds["trial"].values, "time": ("time", times[window], dict(ds["time"].attrs))}
    return xr.Dataset(
        {
            "decoded": (("trial", "time"), decoded, {"units": "rad", "long_name": "angle decoded from the state"}),
            "drift": (("trial", "time"), drift, {"units": "rad", "long_name": "decoded angle minus the decoded angle at the start"}),
            "drift_variance": ("time", variance, {"units": "rad^2", "long_name": "variance over trials of the wrapped drift"}),
            "diffusion": ((), slope, {"units": "rad^2/s", "long_name": "slope of the drift variance against time since the start"}),
        },
        coords=coords,
        attrs={"state": state, "target": target, "start": float(start), "stop": stop, "model": ds.attrs.get("model", "")},
    )


def participation_ratio(ds: xr.Dataset, state: str, *, per_time: bool = True) -> xr.DataArray:
    """(sum lambda)^2 / sum lambda^2 of the covariance of ``state`` across trials.

    ``per_time``: one value per time (the covariance across trials at that time);
    otherwise one value for all (trial, time) samples pooled. Between 1 (one
    dimension) and the number of features (all equally used).
    """
    X = population(ds, state)
    x = np.nan_to_num(X.transpose("time", "trial", "feature").values)
    if not per_time:
        x = x.reshape(1, -1, x.shape[-1])
    xc = x - x.mean(1, keepdims=True)
    s2 = np.linalg.svd(xc, compute_uv=False) ** 2  # eigenvalues of the covariance, times n - 1
    total = s2.sum(-1)
    pr = np.where(total > 0, total**2 / np.maximum((s2**2).sum(-1), 1e-300), np.nan)
    attrs = {"units": "1", "long_name": f"participation ratio of {state} across trials"}
    if not per_time:
        return xr.DataArray(pr[0], attrs=attrs)
    return xr.DataArray(pr, dims="time", coords={"time": X["time"]}, attrs=attrs)


def pca_trajectories(ds: xr.Dataset, state: str, n_components: int = 3, trials: Sequence[int] | None = None) -> xr.Dataset:
    """Principal components of ``state`` over all (trial, time) samples, and every trial's trajectory on them.

    Returns
    -------
    xarray.Dataset
        ``trajectory`` (trial, time, component); ``explained_variance_ratio`` (component).
    """
    X = population(ds, state)
    if trials is not None:
        X = X.sel(trial=list(trials))
    n, T, F = X.sizes["trial"], X.sizes["time"], X.sizes["feature"]
    k = int(n_components)
    if not 1 <= k <= min(F, n * T):
        raise ValueError(f"n_components={n_components!r} is not allowed; it must be between 1 and {min(F, n * T)}")
    x = np.nan_to_num(X.transpose("trial", "time", "feature").values).reshape(-1, F)
    xc = x - x.mean(0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    ratio = s**2 / max(float((s**2).sum()), 1e-300)
    proj = (xc @ vt[:k].T).reshape(n, T, k)
    return xr.Dataset(
        {
            "trajectory": (("trial", "time", "component"), proj, {"units": "1", "long_name": f"{state} projected on its principal components"}),
            "explained_variance_ratio": ("component", ratio[:k], {"units": "1", "long_name": "share of the variance each component explains"}),
        },
        coords={"trial": X["trial"].values, "time": X["time"], "component": np.arange(1, k + 1)},
        attrs={"state": state, "model": ds.attrs.get("model", "")},
    )


def attention_by_lag(ds: xr.Dataset, state: str = "state_attention") -> xr.Dataset:
    """Attention from each studied item to the items before it, by lag (``item_onset``/``item_offset`` of a list task).

    For the item at serial position i, the attention of its steps (averaged over them) summed
    over the steps of the item at position j; averaged over trials and i by lag j - i
    (<= 0: a causal model attends only backwards; 0 is the item's own earlier steps). The
    contiguity of attention to compare with a lag-CRP's backward half (Ji-An et al. 2024,
    NeurIPS: induction-like heads behave like CMR's contiguity).

    Early items have fewer items before them, so even attention spread evenly over the past
    falls with ``|lag|``; ``uniform`` is what such attention would give, and ``relative`` the
    ratio (1 at every lag: no preference for near or far items).

    Returns
    -------
    xarray.Dataset
        ``attention``, ``uniform`` and ``relative`` (lag, ...), with the dims of the attention
        between ``time`` and ``key_time`` (layer, head) kept.
    """
    if state not in ds or "key_time" not in ds[state].dims:
        raise ValueError(f"state={state!r} is not an attention state with a key_time dim in these results (record it with --record states)")
    for name in ("item_onset", "item_offset"):
        if name not in ds:
            raise ValueError(f"attention by lag needs the studied items' times; these results have no {name!r} (a list task such as free-recall has)")
    a = ds[state].astype(float).fillna(0.0)  # steps after a shorter trial's end: no attention there
    past = (ds["key_time"] <= ds["time"]).astype(float)
    uniform = past / past.sum("key_time")  # even attention over every step so far
    attention, even = _by_lag(ds, a), _by_lag(ds, uniform)
    attrs = {"units": "1"}
    return xr.Dataset(
        {
            "attention": attention.assign_attrs(attrs, long_name=f"attention from a studied item to the item at each lag ({state})"),
            "uniform": even.assign_attrs(attrs, long_name="the same for attention spread evenly over all earlier steps"),
            "relative": (attention / even).assign_attrs(attrs, long_name="attention relative to even attention (1: no preference)"),
        },
        attrs={"state": state, "model": ds.attrs.get("model", "")},
    )


def _by_lag(ds: xr.Dataset, a: xr.DataArray) -> xr.DataArray:
    """Mean over trials and items of the attention (time, ..., key_time) from item i to item i + lag."""
    onset, offset = ds["item_onset"], ds["item_offset"]
    query = ((ds["time"] >= onset) & (ds["time"] < offset)).astype(float)  # (trial, position, time)
    key = ((ds["key_time"] >= onset) & (ds["key_time"] < offset)).astype(float).rename(position="to_position")
    steps = query.sum("time")
    per_query = xr.dot(query, a, dim="time") / steps.where(steps > 0)
    pairs = xr.dot(per_query, key, dim="key_time")  # (trial, position, ..., to_position)
    positions = ds["position"].values
    lags = np.arange(-(len(positions) - 1), 1)
    lag = xr.DataArray(positions[None, :] - positions[:, None], dims=("position", "to_position"))
    by_lag = xr.concat([pairs.where(lag == k).mean(("trial", "position", "to_position")) for k in lags], dim="lag")
    return by_lag.assign_coords(lag=("lag", lags, {"units": "1", "long_name": "serial position attended to minus the attending item's"}))
