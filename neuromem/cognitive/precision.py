"""Cognitive models of continuous report of several items (delayed estimation with a set size).

Three accounts of why precision falls as more items are held, each a card:

* **Slots plus averaging** (Zhang W, Luck SJ 2008, Nature 453:233-235): ``slots`` discrete
  slots, each holding one noisy sample (von Mises, circular s.d. ``slot_sd``) of one item.
  With N <= K items the slots are shared out as evenly as possible and an item's report is
  the circular mean of its slots' samples; with N > K, K items hold one slot each and the
  others are guessed (uniform). P(memory) = min(1, K/N).
* **Population-coding resource** (Bays PM 2014, J Neurosci 34:3632-3645): each item is
  encoded by a population of ``n_neurons`` Poisson neurons with von Mises tuning
  (concentration ``tuning_kappa``, preferred angles tiling the circle); the population's
  total activity ``gain`` (expected spikes in the decoding window) is divided among the N
  items. The report is the maximum-likelihood estimate from the spike counts, which for
  von Mises tuning that tiles the circle is the population vector's angle; with no spike
  the report is a guess. Precision falls continuously with N, and P(no spike) =
  exp(-gain/N).
* **Variable precision** (van den Berg R, Shin H, Chou W-C, George R, Ma WJ 2012, PNAS
  109:8780-8785): an item's precision J is drawn from a gamma distribution with mean
  Jbar = ``j1bar`` N^-``alpha`` and scale ``tau``; the report is von Mises around the item
  with the kappa whose Fisher information is J.

None of the three reports a non-target (no swaps): their swap rate is zero by construction,
which the three-component mixture fit shows.

With every item reported in turn (whole report) a display's items are drawn together: the
slots go to min(K, N) of its items, so exactly max(0, N - K) reports of a display are
guesses; the resource and variable-precision models encode each item independently given
N. None of them changes with the delay or the position in the report order (they hold
what they encoded unchanged), so they show no output interference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.circular import KAPPA_MAX, kappa_from_precision, kappa_to_sd, sd_to_kappa
from neuromem.cognitive.base import CognitiveModel
from neuromem.tasks.base import WHOLE_REPORT
from neuromem.tasks.delayed_estimation import per_report_flags


def set_sizes_of(trials: xr.Dataset) -> np.ndarray:
    """Items shown on each trial (1 where the trials hold one item)."""
    return trials["set_size"].values if "set_size" in trials.coords else np.ones(trials.sizes["trial"], dtype=int)


class ContinuousReportModel(CognitiveModel):
    """Base of the models that report a cued item's angle: :meth:`report` draws the reports of all trials at once."""

    task: ClassVar[str] = "delayed-estimation"

    def report(self, p: Mapping[str, Any], target: np.ndarray, set_size: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Reported angles (rad) and whether each report held no information about the item (a guess)."""
        raise NotImplementedError

    def report_all(self, p: Mapping[str, Any], targets: np.ndarray, set_size: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Every item of each display reported: angles (trial, report; NaN past the set size) and guesses.

        By default items are encoded independently given the set size, so each is one :meth:`report`;
        a model whose items share a display's state (slots) overrides this. A subclass declares
        ``capabilities = frozenset({WHOLE_REPORT})`` only once this holds for it: the base does not, so a
        subclass with shared state is refused whole report rather than given independent items.
        """
        present = np.isfinite(targets)
        sizes = np.broadcast_to(set_size[:, None], targets.shape)
        angle, guessed = np.full(targets.shape, np.nan), np.zeros(targets.shape, dtype=bool)
        angle[present], guessed[present] = self.report(p, targets[present], sizes[present], rng)
        return angle, guessed

    def run(self, trials: xr.Dataset, *, seed: int = 0, progress: bool = False, checkpoint: Any = None) -> xr.Dataset:
        """Reports of every trial of a ``delayed-estimation`` trials Dataset, from one generator seeded by ``seed``.

        ``progress`` and ``checkpoint`` are accepted for the common run path (a run takes milliseconds).
        The delay does not enter these models: they hold what they encoded unchanged.
        """
        p = self._validated()
        if trials.attrs.get("task") != self.task or "target" not in trials:
            raise ValueError(f"{self.name} runs {self.task} trials; got a trials Dataset from task {trials.attrs.get('task')!r}")
        rng = np.random.default_rng(seed)
        dims = trials["target"].dims  # ("trial", "turn") when every item is reported in turn
        draw = self.report_all if "turn" in dims else self.report
        angle, guessed = draw(p, trials["target"].values, set_sizes_of(trials), rng)
        ds = xr.Dataset(
            {
                "response_angle": (dims, (angle + np.pi) % (2 * np.pi) - np.pi, {"units": "rad", "long_name": "reported angle"}),
                "guessed": (
                    dims,
                    per_report_flags(guessed, trials["target"].values),
                    {"units": "1", "long_name": "report held nothing of the item (uniform guess)"},
                ),
            },
            coords={"trial": trials["trial"].values} | ({"turn": trials["turn"].values} if "turn" in dims else {}),
        )
        ds = self._stamped(ds, trials, seed)
        # an option the model cannot use is said, not silently ignored: --delays 0 1 1000 give one distribution
        ds.attrs["model_note"] = f"{self.name} has no time course: the delay does not enter it, so every delay gives the same distribution of reports"
        return ds


def von_mises_noise(rng: np.random.Generator, kappa: np.ndarray) -> np.ndarray:
    """One von Mises draw around 0 per entry of ``kappa`` (numpy's sampler; kappa 0 is uniform)."""
    return rng.vonmises(0.0, kappa)


class SlotsAveraging(ContinuousReportModel):
    """Zhang & Luck (2008) slots plus averaging; parameters as in ``models/zhang_luck2008.toml``."""

    capabilities: ClassVar[frozenset[str]] = frozenset({WHOLE_REPORT})

    positive: ClassVar[tuple[str, ...]] = ("slots",)
    angle_parameters: ClassVar[tuple[str, ...]] = ("slot_sd",)

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        if p["slots"] != int(p["slots"]):
            raise ValueError(f"parameter slots={self.parameters['slots']!r} is not allowed; it must be a whole number >= 1")
        p["slots"] = int(p["slots"])
        sharpest = float(kappa_to_sd(KAPPA_MAX))  # a narrower s.d. would run as this one (the von Mises table's end)
        if p["slot_sd"] < sharpest:
            raise ValueError(
                f"parameter slot_sd={self.parameters['slot_sd']!r} is not allowed; it must be >= {np.degrees(sharpest):.3g} deg (kappa <= {KAPPA_MAX:g})"
            )
        return p

    def report(self, p: Mapping[str, Any], target: np.ndarray, set_size: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        K = p["slots"]
        n = target.size
        # the cued item is one of N: with N > K it is in a slot with P = K/N; with N <= K it holds
        # floor(K/N) slots, one more for the K mod N items that get the remainder
        held = rng.random(n) < np.minimum(1.0, K / set_size)
        extra = rng.random(n) < (K % set_size) / set_size
        n_slots = np.where(set_size <= K, K // set_size + extra, 1) * held
        samples = von_mises_noise(rng, np.full((n, K), float(sd_to_kappa(p["slot_sd"]))))
        used = np.arange(K)[None, :] < n_slots[:, None]
        mean = np.angle((used * np.exp(1j * samples)).sum(1))  # the circular mean of the item's slots
        guess = rng.uniform(-np.pi, np.pi, n)
        return np.where(held, target + mean, guess), ~held

    def report_all(self, p: Mapping[str, Any], targets: np.ndarray, set_size: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A display's K slots shared out among min(K, N) of its items at random, as evenly as possible."""
        K = p["slots"]
        n, R = targets.shape
        present = np.isfinite(targets)
        rank = np.argsort(np.argsort(np.where(present, rng.random((n, R)), np.inf), axis=1), axis=1)  # a random order of the items
        N = set_size[:, None]
        n_slots = np.where(present, K // N + (rank < K % N), 0)  # N <= K: K // N each, one more for K mod N; N > K: one each for K
        samples = von_mises_noise(rng, np.full((n, R, K), float(sd_to_kappa(p["slot_sd"]))))
        used = np.arange(K)[None, None, :] < n_slots[..., None]
        mean = np.angle((used * np.exp(1j * samples)).sum(-1))
        held = n_slots > 0
        guess = rng.uniform(-np.pi, np.pi, (n, R))
        return np.where(present, np.where(held, targets + mean, guess), np.nan), present & ~held


class PopulationResource(ContinuousReportModel):
    """Bays (2014) population coding with normalised gain; parameters as in ``models/bays2014.toml``."""

    capabilities: ClassVar[frozenset[str]] = frozenset({WHOLE_REPORT})

    positive: ClassVar[tuple[str, ...]] = ("gain", "tuning_kappa", "n_neurons")

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        if p["n_neurons"] != int(p["n_neurons"]):
            raise ValueError(f"parameter n_neurons={self.parameters['n_neurons']!r} is not allowed; it must be a whole number >= 1")
        p["n_neurons"] = int(p["n_neurons"])
        return p

    def report(self, p: Mapping[str, Any], target: np.ndarray, set_size: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        M = p["n_neurons"]
        preferred = 2 * np.pi * np.arange(M) / M
        tuning = np.exp(p["tuning_kappa"] * (np.cos(preferred[None, :] - target[:, None]) - 1.0))
        tuning /= tuning.sum(1, keepdims=True)  # the population's summed activity does not depend on the angle
        counts = rng.poisson((p["gain"] / set_size)[:, None] * tuning)  # the gain shared among the N items
        vector = counts @ np.exp(1j * preferred)  # ML estimate for von Mises tuning that tiles the circle
        silent = counts.sum(1) == 0
        guess = rng.uniform(-np.pi, np.pi, target.size)
        return np.where(silent, guess, np.angle(vector)), silent


class VariablePrecision(ContinuousReportModel):
    """van den Berg et al. (2012) variable precision; parameters as in ``models/vandenberg2012.toml``."""

    capabilities: ClassVar[frozenset[str]] = frozenset({WHOLE_REPORT})

    positive: ClassVar[tuple[str, ...]] = ("j1bar", "tau")

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        if not p["alpha"] >= 0:
            raise ValueError(f"parameter alpha={self.parameters['alpha']!r} is not allowed; it must be >= 0")
        return p

    def report(self, p: Mapping[str, Any], target: np.ndarray, set_size: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        jbar = p["j1bar"] * set_size.astype(float) ** -p["alpha"]
        precision = rng.gamma(jbar / p["tau"], p["tau"])
        kappa = kappa_from_precision(precision)
        return target + von_mises_noise(rng, kappa), np.zeros(target.size, dtype=bool)
