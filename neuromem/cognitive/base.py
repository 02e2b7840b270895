"""What the cognitive models share: card parameters, list groups, seeding, provenance.

Constructors only store (scikit-learn style). :meth:`CognitiveModel.run` validates
the parameters, splits the trials into groups of equal list length and distractor
schedule (each group is one vectorised simulation, in a fixed order), and draws
every random number from one ``numpy`` generator seeded by ``seed``, so the same
seed gives the same Dataset.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, card_parameters
from neuromem.results import provenance
from neuromem.units import quantity


def list_schedule(trials: xr.Dataset, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Item ids (B, L) and seconds of distractor *after* each item (B, L) of the lists ``rows`` (one list length)."""
    L = int(trials["list_length"].values[rows[0]])
    ids = trials["item_id"].values[rows, :L]
    on = trials["distractor_onset"].values[rows, :L]
    off = trials["distractor_offset"].values[rows, :L]
    return ids, np.where(np.isnan(on), 0.0, off - on)


def list_groups(trials: xr.Dataset) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(rows, item ids, distractor seconds) of each group of lists that share schedule and list length,
    in order of their first list (see :func:`list_schedule`)."""
    keys = np.asarray([f"{c}|{L}" for c, L in zip(trials["condition"].values, trials["list_length"].values)])
    for key in dict.fromkeys(keys.tolist()):
        rows = np.flatnonzero(keys == key)
        yield (rows, *list_schedule(trials, rows))


def recall_responses(trials: xr.Dataset, recall: np.ndarray) -> xr.Dataset:
    """Responses Dataset of recall sequences ``recall`` (trial, output): item ids, -1 after the last recall."""
    return xr.Dataset(
        {"recall": (("trial", "output"), recall, {"units": "1", "long_name": "recalled item, in output order (-1: none)"})},
        coords={"trial": trials["trial"].values, "output": np.arange(1, recall.shape[1] + 1)},
    )


def draw_proportional(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of ``weights`` (N, K) >= 0, drawn with P proportional to the weights (one uniform per row)."""
    cdf = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(1), weights.shape[1] - 1)


class CognitiveModel:
    """Base class: card parameters, validation hook, :meth:`run` over groups of lists."""

    family: ClassVar[str] = "cognitive"
    requires: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: card parameters that are durations ("16 s")
    time_parameters: ClassVar[tuple[str, ...]] = ()
    #: card parameters that are angles ("15 deg"), read in rad
    angle_parameters: ClassVar[tuple[str, ...]] = ()
    #: card parameters that must lie in [0, 1]
    unit_interval: ClassVar[tuple[str, ...]] = ()
    #: card parameters that must be > 0
    positive: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parameters: Mapping[str, Any], *, name: str = "", references: str = "") -> None:
        self.parameters = dict(parameters)
        self.name = name
        self.references = references

    @classmethod
    def from_card(cls, card: ModelCard, **overrides: Any) -> CognitiveModel:
        return cls(card_parameters(card, overrides), name=card.name, references=card.references)

    def _validated(self) -> dict[str, Any]:
        """Card values as floats in SI units; a value out of range raises naming it."""
        p: dict[str, Any] = {}
        for key, value in self.parameters.items():
            if key in self.time_parameters or key in self.angle_parameters:
                p[key] = quantity(key, value, "time" if key in self.time_parameters else "angle")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise ValueError(f"parameter {key}={value!r} is not allowed; it must be a finite number")
            p[key] = float(value)
        for key in self.unit_interval:
            if not 0.0 <= p[key] <= 1.0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be in [0, 1]")
        for key in (*self.positive, *self.time_parameters, *self.angle_parameters):
            if not p[key] > 0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be > 0")
        return p

    def simulate(self, p: Mapping[str, Any], ids: np.ndarray, distractor: np.ndarray, rng: np.random.Generator, timing: Mapping[str, float]) -> np.ndarray:
        """Recall sequences (B, L) as serial positions 0..L-1 (-1 past the end) of B lists of one length.

        ``distractor`` (B, L): seconds of distractor after each item; ``timing``: the task's periods (s).
        """
        raise NotImplementedError

    def run(self, trials: xr.Dataset, *, seed: int = 0, progress: bool = False, checkpoint: Any = None) -> xr.Dataset:
        """Recall sequences of every list of ``trials`` (a ``free-recall`` trials Dataset).

        Lists of one (schedule, list length) group are simulated together; groups run
        in order of their first list, all from one generator seeded by ``seed``.
        ``progress`` and ``checkpoint`` are accepted for the common run path (a run
        takes seconds).
        """
        p = self._validated()
        if "distractor_onset" not in trials or "list_length" not in trials.coords:
            raise ValueError(f"{self.name} runs free-recall trials; got a trials Dataset from task {trials.attrs.get('task')!r}")
        rng = np.random.default_rng(seed)
        timing = json.loads(trials.attrs.get("task_parameters", "{}")).get("timing", {})
        recall = np.full((trials.sizes["trial"], trials.sizes["position"]), -1, dtype=np.int64)
        for rows, ids, distractor in list_groups(trials):
            positions = self.simulate(p, ids, distractor, rng, timing)
            items = np.where(positions >= 0, np.take_along_axis(ids, np.maximum(positions, 0), axis=1), -1)
            recall[rows, : items.shape[1]] = items
        return self._stamped(recall_responses(trials, recall), trials, seed)

    def _stamped(self, ds: xr.Dataset, trials: xr.Dataset, seed: int) -> xr.Dataset:
        """``ds`` with the run's provenance (model, card parameters, task, seed, citations)."""
        ds.attrs.update(
            provenance(
                title=f"{self.name} ({self.family}) on {trials.attrs.get('task')}",
                model=self.name,
                model_family=self.family,
                task=str(trials.attrs.get("task")),
                parameters={"model_parameters": self.parameters, "task_parameters": trials.attrs.get("task_parameters", "")},
                seed=int(seed),
                backend=f"numpy {np.__version__}",
                references=self.references + "; " + trials.attrs.get("task_references", ""),
            )
        )
        return ds
