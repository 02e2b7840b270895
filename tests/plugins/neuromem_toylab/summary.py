"""How digit-recall results are compared: accuracy by delay (registered under ``neuromem.summaries``)."""

from __future__ import annotations

import xarray as xr

from neuromem.analysis.summaries import Summary


class DigitRecallSummary(Summary):
    """Accuracy and trials by delay; the default alignment, plot and report."""

    task = "digit-recall"
    summary_dim = "delay"
    summary_vars = ("accuracy", "n_trials")
    alignment = "delays shared by every result (s)"

    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        grouped = ds["correct"].groupby("delay")
        out = xr.Dataset({"accuracy": grouped.mean(), "n_trials": grouped.count()})
        out["accuracy"].attrs = {"units": "1", "long_name": "fraction correct"}
        out["n_trials"].attrs = {"units": "1", "long_name": "trials"}
        out["delay"].attrs = {"units": "s", "long_name": "delay"}
        return out
