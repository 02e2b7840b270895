"""Working-memory analyses of delayed-estimation results.

In a diffusing bump (Compte et al. 2000) the systematic error (bias) stays near zero
while the variance of the error grows linearly with the delay: var(t) = var_0 + D t,
D the diffusion coefficient of the remembered angle (Wimmer et al. 2014 report this
growth in monkeys and in the network).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from neuromem.analysis.grid import line_fit, split_by
from neuromem.circular import sd_from_resultant


def error_by_delay(ds: xr.Dataset, n_bins: int = 36) -> xr.Dataset:
    """Circular mean (bias), variance and mean ``|error|`` of ``error`` (rad) per ``delay``.

    Any dims besides ``trial`` (the axes of a sweep, ``neuromem.results.open_sweep``)
    are kept: every statistic is computed at each grid point at once.

    Returns
    -------
    xarray.Dataset
        dims (..., delay): ``bias`` (rad, circular mean), ``variance`` (rad^2, of the
        wrapped errors about their circular mean), ``circular_sd`` (rad),
        ``mean_abs_error`` (rad), ``n_trials``; ``error_density`` (..., delay, error_bin):
        the distribution of the error (probability density, 1/rad); and ``diffusion`` (rad^2/s) with
        ``diffusion_se`` and ``variance_at_zero`` (rad^2) from a line through
        variance against delay. The attrs of ``ds`` are kept.
    """
    if "error" not in ds or "delay" not in ds.coords:
        raise ValueError("a delayed-estimation result needs an 'error' variable and a 'delay' coord")
    delays = np.unique(ds["delay"].values[np.isfinite(ds["delay"].values)])
    err = ds["error"].astype(float).compute()  # one number per trial: small even for a lazily opened sweep
    e = split_by(err.where(np.isfinite(err)), ds["delay"], delays, "delay")
    n = e.notnull().sum("trial")
    resultant = np.exp(1j * e).mean("trial")  # circular mean direction and length R
    mean = xr.apply_ufunc(np.angle, resultant)
    centred = (e - mean + np.pi) % (2 * np.pi) - np.pi
    edges = np.linspace(-np.pi, np.pi, int(n_bins) + 1)
    width = edges[1] - edges[0]
    in_bin = split_by(e.notnull(), xr.DataArray(np.clip(np.digitize(e.fillna(0.0), edges) - 1, 0, n_bins - 1), dims=e.dims), range(n_bins), "error_bin")
    density = in_bin.where(e.notnull(), False).sum("trial") / (n * width)
    out = xr.Dataset(
        {
            "bias": (mean.where(n > 0)).assign_attrs(units="rad", long_name="circular mean of the error (systematic error)"),
            "variance": (centred**2).mean("trial").assign_attrs(units="rad2", long_name="variance of the error about its mean"),
            "circular_sd": sd_from_resultant(abs(resultant)).where(n > 0).assign_attrs(units="rad", long_name="circular standard deviation of the error"),
            "mean_abs_error": abs(e).mean("trial").assign_attrs(units="rad", long_name="mean absolute error"),
            "n_trials": n.assign_attrs(units="1", long_name="trials"),
            "error_density": density.transpose(..., "delay", "error_bin").assign_attrs(units="rad-1", long_name="distribution of the error (density)"),
        }
    )
    out = out.drop_vars([c for c in out.coords if "trial" in out[c].dims or c == "delay" or c == "error_bin"])
    out = out.assign_coords(
        delay=("delay", delays, {"units": "s", "long_name": "delay duration"}),
        error_bin=("error_bin", 0.5 * (edges[1:] + edges[:-1]), {"units": "rad", "long_name": "error bin centre"}),
    )
    if delays.size >= 2:
        fit = line_fit(out["variance"], "delay")
        out["diffusion"] = fit["slope"].assign_attrs(units="rad2 s-1", long_name="diffusion coefficient (slope of variance vs delay)")
        out["diffusion_se"] = fit["slope_se"].assign_attrs(units="rad2 s-1", long_name="standard error of the slope")
        out["variance_at_zero"] = fit["intercept"].assign_attrs(units="rad2", long_name="variance extrapolated to zero delay")
    out.attrs.update(ds.attrs)
    return out
