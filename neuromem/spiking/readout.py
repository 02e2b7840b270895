"""Recall read out of population rates: one read-out for every spiking network that holds a list.

A task asks for a recall sequence (``trials.attrs["expects"] == "recall"``, free recall); a
network that holds the list as activity of item populations answers with the order in which
they reactivate in the recall period. The task only scores the sequence.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from neuromem.tasks.free_recall import EXPECTS as RECALL
from neuromem.tasks.free_recall import recall_from_scores

#: Hz above the non-selective population's rate at which an item's population counts as recalled
RECALL_RATE_THRESHOLD = 5.0


def recall_from_rates(trials: xr.Dataset, rate: xr.DataArray, threshold: float = RECALL_RATE_THRESHOLD) -> xr.Dataset:
    """Recall order from population rates: the order in which item populations first exceed the
    non-selective population (the last ``population``) by ``threshold`` Hz in the recall period.
    """
    r = rate.transpose("trial", "time", "population")
    t = r["time"].values
    in_recall = (t[None, :] >= trials["readout_onset"].values[:, None]) & (t[None, :] < trials["trial_end"].values[:, None])
    values = r.values
    active = (values[:, :, :-1] - values[:, :, -1:] > threshold) & in_recall[:, :, None]
    first = np.where(active.any(1), t[np.argmax(active, axis=1)], np.inf)  # (trial, item population)
    n_pool = trials.sizes["pool"]
    first = first[:, :n_pool]
    # earlier reactivation = higher score; never active -> below threshold
    score = np.where(np.isfinite(first), 1.0 + (t[-1] - first), 0.0)
    out = recall_from_scores(trials, score, 0.5, "read-out score: earlier reactivation in the recall period is higher (0: never)")
    return out.drop_vars("recall_score").assign(
        reactivation_time=(
            ("trial", "pool"),
            np.where(np.isfinite(first), first, np.nan),
            {"units": "s", "long_name": "first reactivation in the recall period"},
        )
    )


def with_recall_order(trials: xr.Dataset, responses: xr.Dataset) -> xr.Dataset:
    """``responses`` with the recall sequence read from their ``rate`` when the trials ask for one.

    Adds ``recall`` (trial, output) and ``reactivation_time`` (trial, pool) where
    ``trials.attrs["expects"] == "recall"``; other trials (multi-item recall) get ``responses`` back as they are.
    """
    if trials.attrs.get("expects") != RECALL:
        return responses
    read = recall_from_rates(trials, responses["rate"])
    return responses.assign(recall=read["recall"], reactivation_time=read["reactivation_time"])
