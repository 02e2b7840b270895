"""Run cymr's CMR (Morton & Polyn 2016; cymr, Morton) on the lists of a free-recall trials Dataset.

The same lists, the same parameters (neuromem's card names are cymr's), the same
distractor schedule: a distractor of d seconds after item i is cymr's distraction
before item i + 1 (or its retention distraction after the last item), with rate
B = 1 - exp(-d / distractor_drift_time). Returns responses in neuromem's form
(``recall`` (trial, output)) so that the task scores both the same way.

cymr is an optional peer (``pip install 'neuromem[peers]'``); it is imported here only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from neuromem.cognitive.base import list_groups, recall_responses
from neuromem.cognitive.cmr import drift_rate
from neuromem.units import quantity

#: cymr's parameter names for CMR (the card's, minus neuromem's distractor time)
CYMR_PARAMETERS = ("B_enc", "B_start", "B_rec", "Afc", "Dfc", "Acf", "Dcf", "Lfc", "Lcf", "P1", "P2", "T", "X1", "X2")


def _group_table(ids: np.ndarray) -> pd.DataFrame:
    n, L = ids.shape
    return pd.DataFrame(
        {
            "subject": 1,
            "list": np.repeat(np.arange(1, n + 1), L),
            "trial_type": "study",
            "position": np.tile(np.arange(1, L + 1), n),
            "item": ids.ravel().astype(str),
            "item_index": ids.ravel(),
        }
    )


def cymr_setup(n_pool: int, parameters: Mapping[str, Any], distractor: np.ndarray) -> tuple[dict, Any, dict]:
    """cymr's (param, param_def, patterns) for lists of one schedule: ``distractor`` (L,) seconds after each item."""
    from cymr import cmr

    rate = drift_rate(distractor, quantity("distractor_drift_time", parameters["distractor_drift_time"], "time"))
    param = {k: float(parameters[k]) for k in CYMR_PARAMETERS}
    param_def, patterns = cmr.config_loc_cmr(n_pool)
    patterns["items"] = patterns["items"].astype(str)  # cymr fills recalls into a text column
    if rate.any():
        param_def.set_options(distraction=True)
        param.update(B_distract=np.r_[0.0, rate[:-1]], B_retention=float(rate[-1]))
    return param, param_def, patterns


def run_cymr(trials: xr.Dataset, parameters: Mapping[str, Any], seed: int) -> xr.Dataset:
    """cymr's CMR on every list of ``trials`` with the card ``parameters`` (seconds for ``distractor_drift_time``)."""
    from cymr import cmr

    np.random.seed(seed)  # cymr draws from numpy's global generator
    recall = np.full((trials.sizes["trial"], trials.sizes["position"]), -1, dtype=np.int64)
    for rows, ids, distractor in list_groups(trials):
        param, param_def, patterns = cymr_setup(trials.sizes["pool"], parameters, distractor[0])  # one schedule per group
        sim = cmr.CMR().generate(_group_table(ids), param, param_def=param_def, patterns=patterns)
        got = sim[sim["trial_type"] == "recall"]
        for lst, part in got.groupby("list"):
            items = part.sort_values("position")["item"].astype(int).to_numpy()
            recall[rows[int(lst) - 1], : items.size] = items
    return recall_responses(trials, recall)
