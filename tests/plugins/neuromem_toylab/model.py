"""A decaying memory trace: recall succeeds with probability exp(-delay / tau), else a guess."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, card_parameters
from neuromem.results import provenance
from neuromem.units import quantity

CARD = ModelCard(
    name="decaying_trace",
    family="cognitive",
    implementation="neuromem_toylab.model:DecayingTrace",
    title="Exponentially decaying trace with guessing",
    references="a toy model of the test suite",
    tasks=("digit-recall",),
    parameters={"tau": "1 s"},
)


class DecayingTrace:
    family = "cognitive"

    def __init__(self, parameters: Mapping[str, Any], name: str = "decaying_trace", references: str = "") -> None:
        self.parameters = dict(parameters)
        self.name = name
        self.references = references

    @classmethod
    def from_card(cls, card: ModelCard, **overrides: Any) -> DecayingTrace:
        return cls(card_parameters(card, overrides), card.name, card.references)

    def run(self, trials: xr.Dataset, *, seed: int, progress: bool = False, checkpoint: Path | None = None) -> xr.Dataset:
        tau = quantity("tau", self.parameters["tau"], "time")
        rng = np.random.default_rng(seed)
        kept = rng.uniform(size=trials.sizes["trial"]) < np.exp(-trials["delay"].values / tau)
        guess = rng.integers(trials.sizes["candidate"], size=trials.sizes["trial"])
        ds = xr.Dataset(
            {"reported": ("trial", np.where(kept, trials["digit"].values, guess), {"units": "1", "long_name": "digit reported"})},
            coords={"trial": trials["trial"].values},
        )
        ds.attrs.update(
            provenance(
                title=f"{self.name} on {trials.attrs['task']}",
                model=self.name,
                model_family=self.family,
                task=trials.attrs["task"],
                parameters={"model_parameters": self.parameters},
                seed=seed,
                backend="numpy",
                references=self.references,
            )
        )
        return ds
