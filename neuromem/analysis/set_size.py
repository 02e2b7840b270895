"""Precision, P(memory) and swaps against set size: continuous report of several items.

Applied alike to a model's scored result and to people's trials: the circular s.d. of
the error per (set size, delay), and maximum-likelihood fits of the two-component
mixture (Zhang & Luck 2008: target + guesses) and of the three-component mixture
(Bays, Catalao & Husain 2009: target + swaps to non-targets + guesses), each with
standard errors and a fit status (:mod:`neuromem.analysis.mixture`).

A whole-report result (every item reported in turn: a ``turn`` dim) is summarised per
position in the report order by :func:`precision_by_set_size`, or with the positions
pooled after :func:`pool_reports` (each report a trial of its own, as a cued report is).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from neuromem.analysis.mixture import fit_mixture
from neuromem.analysis.working_memory import error_by_delay

#: the variables of a two- and a three-component fit, as named in the summary (the three-component ones end in 3)
TWO = {"p_memory": "p_memory", "sd": "sd", "p_memory_se": "p_memory_se", "sd_se": "sd_se", "fit_status": "fit_status_two"}
THREE = {"p_memory": "p_memory3", "p_swap": "p_swap", "sd": "sd3", "p_swap_se": "p_swap_se", "fit_status": "fit_status_three"}


def precision_by_set_size(ds: xr.Dataset) -> xr.Dataset:
    """Circular s.d., mean ``|error|`` and the mixture fits of a scored continuous-report result by condition.

    ``ds`` needs ``error`` (trial; rad) and, for the three-component fit, ``nontarget_error``
    (trial, item); a result without a ``set_size`` coord holds one item per trial. Other dims
    (the axes of a sweep) are kept.

    Returns
    -------
    xarray.Dataset
        dims (..., set_size, delay): ``circular_sd`` (rad), ``mean_abs_error`` (rad), ``n_trials``;
        two-component ``p_memory``, ``sd`` (rad) with ``_se`` and ``fit_status_two``;
        three-component ``p_memory3``, ``p_swap``, ``sd3`` with ``p_swap_se`` and ``fit_status_three``
        (NaN and "no non-targets" at set size 1). Reports pooled by :func:`pool_reports` (a
        ``display`` coord) get SEs cluster-robust over displays (``attrs["mixture_se"]``).
    """
    if "error" not in ds or "delay" not in ds.coords:
        raise ValueError("a continuous-report result needs an 'error' variable (report - target, rad) and a 'delay' coord")
    if "set_size" not in ds.coords:
        ds = ds.assign_coords(set_size=("trial", np.ones(ds.sizes["trial"], dtype=int)))
    by = ["set_size", "delay"]
    # pooled whole-report reports of one display are not independent: their SEs are cluster-robust over displays
    cluster = "display" if "display" in ds.coords and ds["display"].dims == ("trial",) else None
    sizes = np.unique(ds["set_size"].values)
    spread = [error_by_delay(ds.isel(trial=np.flatnonzero(ds["set_size"].values == k)))[["circular_sd", "mean_abs_error", "n_trials"]] for k in sizes]
    out = xr.concat(spread, dim=pd.Index(sizes, name="set_size"), join="outer").transpose(..., "set_size", "delay")
    out["set_size"].attrs.update(units="1", long_name="items shown together")
    two = fit_mixture(ds["error"].astype(float), model="two", by=by, cluster=cluster)
    for old, new in TWO.items():
        out[new] = two[old]
    several = ds["set_size"] > 1
    if "nontarget_error" in ds and bool(several.any()):
        keep = ds.isel(trial=np.flatnonzero(several.values))
        three = fit_mixture(keep["error"].astype(float), keep["nontarget_error"].astype(float), model="three", by=by, cluster=cluster)
        three = three.reindex(set_size=out["set_size"])
        for old, new in THREE.items():
            out[new] = three[old]
        out["fit_status_three"] = out["fit_status_three"].fillna("no non-targets")
    out.attrs.update(ds.attrs, mixture_se=two.attrs["mixture_se"])
    return out


def pool_reports(ds: xr.Dataset) -> xr.Dataset:
    """Every report of a whole-report result as a trial of its own; a result without a ``turn`` dim as it is.

    The variables on ``turn`` (errors, targets, responses) become one ``trial`` per report that
    had an item (none past a display's set size); ``display`` (the trial it came from) and
    ``turn`` (its place in the report order) say where each came from, and the
    display's ``delay`` and ``set_size`` go with it.
    """
    if "turn" not in ds.dims:
        return ds
    kept = [v for v in ds.data_vars if "turn" in ds[v].dims]
    flat = ds[kept].stack(pooled=("trial", "turn")).reset_index("pooled")
    flat = flat.rename_vars(trial="display").swap_dims(pooled="trial")
    shown = flat["target" if "target" in flat else "error"].notnull()
    shown = shown.any([d for d in shown.dims if d != "trial"])  # a sweep's other dims: a report that had an item at any point
    flat = flat.isel(trial=np.flatnonzero(shown.values))
    flat = flat.assign_coords(trial=("trial", np.arange(flat.sizes["trial"]))).transpose("trial", ...)
    flat["display"].attrs.update(units="1", long_name="whole-report trial the report belongs to")
    flat["turn"].attrs.update(units="1", long_name="position in the report order")
    flat.attrs.update(ds.attrs, reports="pooled over the positions of the report order")
    return flat
