"""Reductions that broadcast over any leading dims (the axes of a sweep), with no loop over points.

A condition (delay, set size) is a coordinate along ``trial``; splitting by it
masks the trials of each level (a loop over the few levels, not over the grid
points) so every statistic is an xarray reduction over ``trial``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr


def split_by(values: xr.DataArray, key: xr.DataArray, levels: Sequence[float], dim: str) -> xr.DataArray:
    """``values`` with a new dim ``dim``: at each level, NaN wherever ``key`` (same or broadcastable dims) is not that level."""
    values = values.drop_vars([c for c in values.coords if c == dim or c == key.name])
    key = xr.DataArray(key.variable)  # its values only: its coordinates would come back onto the result
    parts = [values.where(key == level) for level in levels]
    split = xr.concat(parts, dim=dim, coords="minimal", compat="override", join="override").assign_coords({dim: np.asarray(levels)})
    return split.transpose(..., dim, *key.dims)  # the grid's dims stay in front


def line_fit(y: xr.DataArray, dim: str) -> xr.Dataset:
    """Least-squares line through ``y`` against its coordinate ``dim`` at every other index, NaN points left out.

    Returns ``slope``, ``slope_se``, ``intercept`` (as :func:`scipy.stats.linregress`
    gives them for one line); NaN where fewer than 3 points remain for the error.
    """
    x = y[dim].astype(float).broadcast_like(y).where(y.notnull())
    n = y.notnull().sum(dim)
    xm, ym = x.sum(dim) / n, y.sum(dim) / n
    sxx = ((x - xm) ** 2).sum(dim)
    slope = ((x - xm) * (y - ym)).sum(dim) / sxx
    intercept = ym - slope * xm
    resid = y - (intercept + slope * x)
    slope_se = np.sqrt((resid**2).sum(dim) / (n - 2) / sxx).where(n > 2)
    return xr.Dataset({"slope": slope.where(n > 1), "slope_se": slope_se, "intercept": intercept.where(n > 1)})
