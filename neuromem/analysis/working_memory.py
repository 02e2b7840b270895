"""Working-memory analyses of delayed-estimation results.

In a diffusing bump (Compte et al. 2000) the systematic error (bias) stays near zero
while the variance of the error grows linearly with the delay: var(t) = var_0 + D t,
D the diffusion coefficient of the remembered angle (Wimmer et al. 2014 report this
growth in monkeys and in the network).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import stats


def error_by_delay(ds: xr.Dataset, n_bins: int = 36) -> xr.Dataset:
    """Circular mean (bias), variance and mean |error| of ``error`` (rad) per ``delay``.

    Returns
    -------
    xarray.Dataset
        dims (delay): ``bias`` (rad, circular mean), ``variance`` (rad^2, of the
        wrapped errors about their circular mean), ``circular_sd`` (rad),
        ``mean_abs_error`` (rad), ``n_trials``; ``error_density`` (delay, error_bin):
        the distribution of the error (probability density, 1/rad); and ``diffusion`` (rad^2/s) with
        ``diffusion_se`` and ``variance_at_zero`` (rad^2) from a line through
        variance against delay. The attrs of ``ds`` are kept.
    """
    if "error" not in ds or "delay" not in ds.coords:
        raise ValueError("a delayed-estimation result needs an 'error' variable and a 'delay' coord")
    delays = np.unique(ds["delay"].values)
    rows = []
    for d in delays:
        e = ds["error"].values[ds["delay"].values == d]
        e = e[np.isfinite(e)]
        mean = stats.circmean(e, high=np.pi, low=-np.pi) if e.size else np.nan
        centred = (e - mean + np.pi) % (2 * np.pi) - np.pi
        rows.append(
            (
                mean if mean <= np.pi else mean - 2 * np.pi,
                np.mean(centred**2) if e.size else np.nan,
                stats.circstd(e, high=np.pi, low=-np.pi) if e.size else np.nan,
                np.mean(np.abs(e)) if e.size else np.nan,
                e.size,
            )
        )
    bias, var, csd, mae, n = map(np.array, zip(*rows))
    edges = np.linspace(-np.pi, np.pi, int(n_bins) + 1)
    density = np.stack([np.histogram(ds["error"].values[ds["delay"].values == d], bins=edges, density=True)[0] for d in delays])
    out = xr.Dataset(
        {
            "bias": ("delay", bias, {"units": "rad", "long_name": "circular mean of the error (systematic error)"}),
            "variance": ("delay", var, {"units": "rad2", "long_name": "variance of the error about its mean"}),
            "circular_sd": ("delay", csd, {"units": "rad", "long_name": "circular standard deviation of the error"}),
            "mean_abs_error": ("delay", mae, {"units": "rad", "long_name": "mean absolute error"}),
            "n_trials": ("delay", n, {"units": "1", "long_name": "trials"}),
            "error_density": (("delay", "error_bin"), density, {"units": "rad-1", "long_name": "distribution of the error (density)"}),
        },
        coords={
            "delay": ("delay", delays, {"units": "s", "long_name": "delay duration"}),
            "error_bin": ("error_bin", 0.5 * (edges[1:] + edges[:-1]), {"units": "rad", "long_name": "error bin centre"}),
        },
    )
    if delays.size >= 2:
        fit = stats.linregress(delays, var)
        out["diffusion"] = ((), fit.slope, {"units": "rad2 s-1", "long_name": "diffusion coefficient (slope of variance vs delay)"})
        out["diffusion_se"] = ((), fit.stderr, {"units": "rad2 s-1", "long_name": "standard error of the slope"})
        out["variance_at_zero"] = ((), fit.intercept, {"units": "rad2", "long_name": "variance extrapolated to zero delay"})
    out.attrs.update(ds.attrs)
    return out
