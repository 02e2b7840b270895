"""Working-memory capacity from change detection: hits, false alarms and Cowan's K."""

from __future__ import annotations

import numpy as np
import xarray as xr

from neuromem.analysis.grid import split_by


def cowan_k(scores: xr.Dataset) -> xr.Dataset:
    """Hit rate H, false-alarm rate F and Cowan's K = N (H - F) per set size N (Cowan 2001).

    Parameters
    ----------
    scores : xarray.Dataset
        Per-trial ``said_old`` with coords ``set_size`` and ``probe_is_old``
        (from :meth:`neuromem.tasks.MultiItemRecall.score`); any other dims (the
        axes of a sweep) are kept, each grid point computed at once.

    Returns
    -------
    xarray.Dataset
        dim (..., ``set_size``): ``hit_rate``, ``false_alarm_rate``, ``cowan_k``,
        ``accuracy`` (mean fraction recalled, where present) and trial counts.
        F is NaN where no trial of that size had a new probe.
    """
    for name in ("said_old", "set_size", "probe_is_old"):
        if name not in scores.variables:
            raise ValueError(f"scores lack {name!r}; pass the output of MultiItemRecall.score")
    sizes = np.unique(scores["set_size"].values)
    scores = scores[
        [v for v in ("said_old", "accuracy", "probe_is_old", "set_size") if v in scores.data_vars]
    ].compute()  # per-trial numbers: small even for a lazy sweep
    said = split_by(scores["said_old"].astype(float), scores["set_size"], sizes, "set_size")
    old = xr.DataArray(scores["probe_is_old"].variable).astype(bool)
    hits = said.where(old).mean("trial")
    fas = said.where(~old).mean("trial")
    # with every item shown there is no new probe; no false alarm is possible
    fas = fas.where(fas.notnull() | hits.isnull(), 0.0)
    n = said.notnull().sum("trial")
    out = xr.Dataset(
        {
            "hit_rate": hits.assign_attrs(units="1", long_name="P(answer shown | probe shown)"),
            "false_alarm_rate": fas.assign_attrs(units="1", long_name="P(answer shown | probe new)"),
            "cowan_k": ((hits - fas) * hits["set_size"]).assign_attrs(units="1", long_name="Cowan's K = N (H - F)"),
            "n_trials": n.assign_attrs(units="1", long_name="trials"),
        }
    )
    if "accuracy" in scores:
        accuracy = split_by(scores["accuracy"].astype(float), scores["set_size"], sizes, "set_size").mean("trial")
        out["accuracy"] = accuracy.assign_attrs(units="1", long_name="mean fraction of shown items recalled")
    return out.drop_vars([c for c in out.coords if "trial" in out[c].dims])
