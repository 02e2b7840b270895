"""Working-memory capacity from change detection: hits, false alarms and Cowan's K."""

from __future__ import annotations

import numpy as np
import xarray as xr


def cowan_k(scores: xr.Dataset) -> xr.Dataset:
    """Hit rate H, false-alarm rate F and Cowan's K = N (H - F) per set size N (Cowan 2001).

    Parameters
    ----------
    scores : xarray.Dataset
        Per-trial ``said_old`` with coords ``set_size`` and ``probe_is_old``
        (from :meth:`neuromem.tasks.MultiItemRecall.score`).

    Returns
    -------
    xarray.Dataset
        dim ``set_size``: ``hit_rate``, ``false_alarm_rate``, ``cowan_k``,
        ``accuracy`` (mean fraction recalled, where present) and trial counts.
        F is NaN where no trial of that size had a new probe.
    """
    for name in ("said_old", "set_size", "probe_is_old"):
        if name not in scores.variables:
            raise ValueError(f"scores lack {name!r}; pass the output of MultiItemRecall.score")
    sizes = np.unique(scores["set_size"].values)
    said = scores["said_old"].values.astype(bool)
    old = scores["probe_is_old"].values.astype(bool)
    size = scores["set_size"].values
    hits = np.array([said[(size == n) & old].mean() if ((size == n) & old).any() else np.nan for n in sizes])
    fas = np.array([said[(size == n) & ~old].mean() if ((size == n) & ~old).any() else np.nan for n in sizes])
    # with every item shown there is no new probe; no false alarm is possible
    fas = np.where(np.isnan(fas) & np.isfinite(hits), 0.0, fas)
    out = xr.Dataset(
        {
            "hit_rate": ("set_size", hits, {"units": "1", "long_name": "P(answer shown | probe shown)"}),
            "false_alarm_rate": ("set_size", fas, {"units": "1", "long_name": "P(answer shown | probe new)"}),
            "cowan_k": ("set_size", sizes * (hits - fas), {"units": "1", "long_name": "Cowan's K = N (H - F)"}),
            "n_trials": ("set_size", np.array([(size == n).sum() for n in sizes]), {"units": "1", "long_name": "trials"}),
        },
        coords={"set_size": sizes},
    )
    if "accuracy" in scores:
        out["accuracy"] = (
            "set_size",
            np.array([scores["accuracy"].values[size == n].mean() for n in sizes]),
            {"units": "1", "long_name": "mean fraction of shown items recalled"},
        )
    return out
