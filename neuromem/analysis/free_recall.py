"""Free-recall analyses from a scored Dataset, computed with Psifr (Morton 2020).

Psifr is the field's library for these measures; this module only turns a
``free-recall`` result into Psifr's table (one row per study or recall event) and
Psifr's answers back into Datasets, one value per distractor schedule and list
length (each (schedule, length) group is one Psifr "subject").

* serial-position curve: P(recall) by serial position (Murdock 1962);
* probability of first recall: which position is recalled first, among lists
  with at least one recall (Psifr's ``pnr`` at output 1);
* lag-CRP: P(next recall at lag k | lag k available), transitions to and from
  intrusions and repeats excluded (Kahana 1996).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from neuromem.tasks.free_recall import SCHEDULES

GROUP_DIMS: tuple[str, ...] = ("condition", "list_length")


def _check(ds: xr.Dataset) -> None:
    missing = [v for v in ("item_id", "condition", "list_length", "recall", "n_recalled") if v not in ds.variables]
    if missing:
        raise ValueError(f"the Dataset lacks {missing}; pass a scored free-recall result (trials, responses and scores)")


def psifr_table(ds: xr.Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Psifr's long table of ``ds`` (subject = (schedule, length) group, list = trial) and the group labels."""
    _check(ds)
    groups = pd.DataFrame({"condition": ds["condition"].values.astype(str), "list_length": ds["list_length"].values.astype(int)})
    labels = groups.drop_duplicates().sort_values(list(GROUP_DIMS)).reset_index(drop=True)
    code = groups.merge(labels.reset_index(), on=list(GROUP_DIMS), how="left")["index"].to_numpy()
    trial = np.arange(ds.sizes["trial"])

    def events(values: np.ndarray, kind: str) -> pd.DataFrame:
        rows, cols = np.nonzero(values >= 0)
        return pd.DataFrame({"subject": code[rows], "list": trial[rows] + 1, "trial_type": kind, "position": cols + 1, "item": values[rows, cols].astype(int)})

    study = events(ds["item_id"].transpose("trial", "position").values, "study")
    recall = events(ds["recall"].transpose("trial", "output").values, "recall")
    table = pd.concat([study, recall], ignore_index=True).sort_values(["subject", "list", "trial_type", "position"], ascending=[True, True, False, True])
    return table.reset_index(drop=True), labels


def _to_grid(frame: pd.DataFrame, labels: pd.DataFrame, dim: str, value: str, attrs: dict[str, Any]) -> xr.DataArray:
    """Psifr's (subject, ``dim``) column ``value`` as a DataArray on (condition, list_length, ``dim``)."""
    frame = frame.assign(
        condition=labels["condition"].to_numpy()[frame["subject"].to_numpy()], list_length=labels["list_length"].to_numpy()[frame["subject"].to_numpy()]
    )
    da = frame.set_index([*GROUP_DIMS, dim])[value].to_xarray()
    return da.astype(float).assign_attrs(attrs)


def free_recall_summary(ds: xr.Dataset) -> xr.Dataset:
    """Serial-position curve, probability of first recall, lag-CRP and total recall of a scored result.

    Parameters
    ----------
    ds : xarray.Dataset
        A ``free-recall`` result: ``item_id`` (trial, position), ``recall`` (trial,
        output), coords ``condition`` and ``list_length`` on ``trial``.

    Returns
    -------
    xarray.Dataset
        dims (``condition``, ``list_length``, ``position``) / (..., ``lag``):
        ``recall_probability``, ``first_recall_probability``, ``lag_crp`` (with
        ``crp_actual``/``crp_possible`` counts), ``total_recall`` and ``n_lists``.
        NaN where a position or lag does not exist for that list length.
    """
    _check(ds)
    grid = [d for d in ds["item_id"].dims if d not in ("trial", "position")]
    if grid:
        return _per_grid_point(ds, grid)
    from psifr import fr

    table, labels = psifr_table(ds)
    merged = fr.merge_free_recall(table)
    spc = fr.spc(merged).reset_index()
    pfr = fr.pnr(merged).reset_index()
    pfr = pfr[pfr["output"] == 1]
    crp = fr.lag_crp(merged).reset_index()
    crp["lag"] = crp["lag"].astype(int)
    spc = spc.rename(columns={"input": "position"})
    pfr = pfr.rename(columns={"input": "position"})
    spc["position"] = spc["position"].astype(int)
    pfr["position"] = pfr["position"].astype(int)
    out = xr.Dataset(
        {
            "recall_probability": _to_grid(spc, labels, "position", "recall", {"units": "1", "long_name": "probability of recall by serial position"}),
            "first_recall_probability": _to_grid(
                pfr, labels, "position", "prob", {"units": "1", "long_name": "probability of first recall by serial position"}
            ),
            "lag_crp": _to_grid(crp, labels, "lag", "prob", {"units": "1", "long_name": "conditional response probability by lag"}),
            "crp_actual": _to_grid(crp, labels, "lag", "actual", {"units": "1", "long_name": "transitions made at this lag"}),
            "crp_possible": _to_grid(crp, labels, "lag", "possible", {"units": "1", "long_name": "transitions available at this lag"}),
        }
    )
    # positions beyond a list's length are not recall failures: NaN there
    beyond = out["position"] > out["list_length"]
    for var in ("recall_probability", "first_recall_probability"):
        out[var] = out[var].where(~beyond).assign_attrs(out[var].attrs)
    per_list = pd.DataFrame(
        {
            "condition": ds["condition"].values.astype(str),
            "list_length": ds["list_length"].values.astype(int),
            "total": ds["n_recalled"].values / ds["list_length"].values,
        }
    )
    by_group = per_list.groupby(list(GROUP_DIMS))["total"].agg(["mean", "size"]).to_xarray().reindex_like(out[list(GROUP_DIMS)])
    out["total_recall"] = by_group["mean"].assign_attrs(units="1", long_name="mean fraction of the list recalled")
    out["n_lists"] = by_group["size"].fillna(0).astype(int).assign_attrs(units="1", long_name="lists")
    out = out.sel(condition=[c for c in SCHEDULES if c in out["condition"].values])  # the task's order, not alphabetical
    out["position"].attrs.update(units="1", long_name="serial position")
    out["lag"].attrs.update(units="1", long_name="lag (serial-position difference of successive recalls)")
    out["list_length"].attrs.update(units="1", long_name="list length")
    out["condition"].attrs.update(long_name="distractor schedule")
    return out


def _per_grid_point(ds: xr.Dataset, grid: list[str]) -> xr.Dataset:
    """:func:`free_recall_summary` of every point of a sweep, on the sweep's grid dims."""
    stacked = ds.stack(grid_point=grid)
    ok = stacked["point_status"].values == "ok" if "point_status" in stacked else np.ones(stacked.sizes["grid_point"], dtype=bool)
    done = {}
    for i in np.flatnonzero(ok):  # psifr works on one table per point
        one = stacked.isel(grid_point=i, drop=True).drop_vars(["point_status", "point_error", "point_key"], errors="ignore")
        one = one.assign(item_id=one["item_id"].astype(int), recall=one["recall"].astype(int))
        done[i] = free_recall_summary(one.compute())
    if not done:
        raise ValueError("no point of this sweep has finished; nothing to summarise")
    template = next(iter(done.values()))
    missing = template.astype(float) * np.nan
    parts = [done.get(i, missing) for i in range(stacked.sizes["grid_point"])]
    out = xr.concat(parts, dim="grid_point", join="outer", combine_attrs="override")
    out = out.assign_coords(xr.Coordinates.from_pandas_multiindex(stacked.indexes["grid_point"], "grid_point")).unstack("grid_point")
    for name in grid:
        out[name].attrs = dict(ds[name].attrs)
    return out.transpose(*grid, ...)
