"""Published data shipped with neuromem, returned as Datasets in the results schema.

The CSV files are those of ``shared/reference`` (facts only); each loader says
where the numbers come from in the Dataset's ``references`` attribute.
"""

from __future__ import annotations

from importlib import resources
from typing import Callable

import numpy as np
import pandas as pd
import xarray as xr

from neuromem.results import provenance


def _csv(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(f"{name}.csv").open("r") as fh:
        return pd.read_csv(fh)


def _attrs(name: str, title: str, task: str, references: str) -> dict:
    return provenance(title=title, model=name, model_family="reference", task=task,
                      parameters={"file": f"{name}.csv"}, seed=0, backend="none", references=references)


def _sjostrom2001() -> xr.Dataset:
    df = _csv("sjostrom2001_frequency")
    ds = xr.Dataset(
        {
            "dw_over_w": ("point", df["dw_over_w"].to_numpy(float), {"units": "1", "long_name": "relative weight change (mean)"}),
            "sem": ("point", df["sem"].to_numpy(float), {"units": "1", "long_name": "standard error of the mean"}),
        },
        coords={
            "point": np.arange(len(df)),
            "pairing_frequency": ("point", df["pairing_frequency_hz"].to_numpy(float), {"units": "Hz", "long_name": "pairing frequency"}),
            "delta_t": ("point", df["delta_t_ms"].to_numpy(float), {"units": "ms", "long_name": "t_post - t_pre"}),
        },
    )
    ds.attrs.update(_attrs("sjostrom2001_frequency", "Frequency dependence of STDP in visual cortex L5 pairs", "stdp-frequency",
                           "Sjostrom PJ, Turrigiano GG, Nelson SB (2001) Neuron 32:1149-1164 (as transcribed by "
                           "independent reproductions, e.g. Pfister & Gerstner 2006)"))
    return ds


def _ebbinghaus1885() -> xr.Dataset:
    df = _csv("ebbinghaus1885_savings")
    ds = xr.Dataset(
        {
            "savings": ("retention_interval", df["savings_percent"].to_numpy(float), {"units": "percent", "long_name": "savings in relearning"}),
            "ebbinghaus_fit": ("retention_interval", df["ebbinghaus_fit_percent"].to_numpy(float),
                               {"units": "percent", "long_name": "Ebbinghaus's own fitted savings, b = 100k/((log10 t)^c + k)"}),
        },
        coords={
            "retention_interval": ("retention_interval", df["minutes"].to_numpy(float) * 60.0, {"units": "s", "long_name": "retention interval"}),
            "interval_label": ("retention_interval", df["interval"].astype(str).to_numpy(), {"long_name": "interval as Ebbinghaus named it"}),
        },
    )
    ds.attrs.update(_attrs("ebbinghaus1885_savings", "Ebbinghaus's forgetting curve (savings, 13-syllable lists)", "retention",
                           "Ebbinghaus H (1885) Memory: A Contribution to Experimental Psychology (1913 translation, pp. 76-77); "
                           "Murre JMJ, Dros J (2015) PLoS ONE 10:e0120644"))
    return ds


REFERENCES: dict[str, Callable[[], xr.Dataset]] = {
    "sjostrom2001_frequency": _sjostrom2001,
    "ebbinghaus1885_savings": _ebbinghaus1885,
}


def list_references() -> list[str]:
    """Names of the bundled reference datasets."""
    return sorted(REFERENCES)


def load_reference(name: str) -> xr.Dataset:
    """Load bundled dataset ``name`` (see :func:`list_references`)."""
    try:
        return REFERENCES[name]()
    except KeyError:
        raise ValueError(f"reference={name!r} is unknown; known: {', '.join(list_references())}") from None
