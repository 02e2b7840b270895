"""The built-in benchmarks: people's data that neuromem ships, each set beside the task run as people did it.

Each is named ``<data>-<measure>``. The data come per subject from the CSV files of
:mod:`neuromem.reference`, each made by a script in ``scripts/`` from public raw data.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from neuromem.benchmarks.base import Benchmark, Effect, mean_at
from neuromem.benchmarks.metrics import Closeness, ShapeR2
from neuromem.reference import load_reference

# ------------------------------------------------------------------ free recall (PEERS)
_PEERS_TASK = {"list_lengths": [16], "conditions": ["immediate"]}
#: lags of the lag-CRP compared: ``|lag| <= 5``, where every subject has transitions (longer lags are rarely available)
MAX_LAG = 5


def _peers(measure: str) -> xr.DataArray:
    da = load_reference("peers_free_recall_subjects")[measure]
    return da.sel(lag=[lag for lag in da["lag"].values if abs(lag) <= MAX_LAG]) if "lag" in da.dims else da


def _free_recall(measure: str):
    def curve(result: xr.Dataset) -> xr.DataArray:
        from neuromem.analysis.free_recall import free_recall_summary

        return free_recall_summary(result)[measure].sel(condition="immediate", list_length=16, drop=True)

    return curve


def _middle(x: np.ndarray, c: np.ndarray) -> float:
    return mean_at(x, c, 6, 11)


def _peers_benchmark(measure: str, identifier: str, parent: str, effects: tuple[Effect, ...], description: str) -> Benchmark:
    """One PEERS measure as a benchmark: the same 16-item immediate lists, data, metric, citation and trials."""
    return Benchmark(
        identifier=identifier,
        parent=parent,
        version=1,
        task="free-recall",
        task_params=_PEERS_TASK,
        reference=lambda: _peers(measure),
        curve=_free_recall(measure),
        metric=ShapeR2(),
        effects=effects,
        citation="PEERS no-task lists (Kahana lab; Healey & Kahana 2014, J Exp Psychol Gen 143:575), 126 subjects, via Psifr (Morton 2020)",
        description=description,
        trials=100,
        quick_trials=30,
    )


SERIAL_POSITION = _peers_benchmark(
    "recall_probability",
    "peers2014-serial-position",
    "free-recall/serial-position",
    (
        Effect("primacy", "P(recall) of positions 1-3 above positions 6-11", lambda x, c: mean_at(x, c, 1, 3) - _middle(x, c)),
        Effect("recency", "P(recall) of positions 14-16 above positions 6-11", lambda x, c: mean_at(x, c, 14, 16) - _middle(x, c)),
    ),
    "serial-position curve of immediate free recall of 16-item lists",
)

FIRST_RECALL = _peers_benchmark(
    "first_recall_probability",
    "peers2014-first-recall",
    "free-recall/first-recall",
    (
        Effect("starts at the end", "P(first recall) of position 16 above positions 6-11", lambda x, c: mean_at(x, c, 16, 16) - _middle(x, c)),
        Effect("starts at the start", "P(first recall) of position 1 above positions 6-11", lambda x, c: mean_at(x, c, 1, 1) - _middle(x, c)),
    ),
    "probability of first recall by serial position, 16-item lists",
)

LAG_CRP = _peers_benchmark(
    "lag_crp",
    "peers2014-lag-crp",
    "free-recall/contiguity",
    (
        Effect("contiguity", "CRP at lags +-1 above lags 3 to 5 away", lambda x, c: mean_at(np.abs(x), c, 1, 1) - mean_at(np.abs(x), c, 3, 5)),
        Effect("forward asymmetry", "CRP at lag +1 above lag -1", lambda x, c: mean_at(x, c, 1, 1) - mean_at(x, c, -1, -1)),
    ),
    f"lag-CRP at lags -{MAX_LAG}..{MAX_LAG}, 16-item lists",
)

# --------------------------------------------------------- working-memory capacity (Adam et al. 2015)
CHANGE_DETECTION = Benchmark(
    identifier="adam2015-capacity",
    parent="working-memory/capacity",
    version=1,
    task="multi-item-recall",
    # 9 possible items so that a changed probe exists at set size 6 (the palette size is neuromem's choice, not the paper's)
    task_params={"set_sizes": [2, 3, 4, 5, 6], "n_items": 9, "delay": 0.9},
    reference=lambda: load_reference("adam2015_change_detection")["cowan_k"],
    curve=lambda result: _cowan_k(result),
    metric=Closeness(),
    effects=(
        Effect(
            "capacity limit",
            "K gains less from set size 4 to 6 than from 2 to 4",
            lambda x, c: (mean_at(x, c, 4, 4) - mean_at(x, c, 2, 2)) - (mean_at(x, c, 6, 6) - mean_at(x, c, 4, 4)),
        ),
        Effect("holds more than one item", "K at set size 3 above 1", lambda x, c: mean_at(x, c, 3, 3) - 1.0),
    ),
    citation=(
        "Adam KCS, Mance I, Fukuda K, Vogel EK (2015) J Cogn Neurosci 27:1601-1616, Experiment 1A, 40 subjects; benchmark BM1.1 of "
        "Oberauer et al. (2018) Psychol Bull 144:885, data from the R package BenchmarksWM"
    ),
    description="Cowan's K by set size (2-6) in single-probe change detection, 0.9 s delay",
    notes="people saw the items at once for 150 ms; the task shows them one after another",
    trials=60,
    quick_trials=20,
)


def _cowan_k(result: xr.Dataset) -> xr.DataArray:
    from neuromem.analysis.capacity import cowan_k

    return cowan_k(result)["cowan_k"]


# --------------------------------------------------------- delayed estimation (Barbosa et al. 2020)
SPATIAL_ERROR = Benchmark(
    identifier="barbosa2020-spatial-error",
    parent="working-memory/precision",
    version=1,
    task="delayed-estimation",
    task_params={"delays": [2.0]},
    reference=lambda: load_reference("barbosa2020_delayed_response")["circular_sd"],
    curve=lambda result: _circular_sd(result),
    metric=Closeness(),
    effects=(),
    citation="Barbosa J, Stein H, et al. (2020) Nat Neurosci 23:1016-1024, spatial delayed response, no-TMS trials, 20 subjects",
    description="circular s.d. of the reported location after a 2 s delay",
    notes="trials with |error| >= 45 deg are dropped as guesses, people's (the authors' criterion) and the models' alike",
    trials=100,
    quick_trials=30,
)


#: reports this far from the target are guesses, dropped for people (Barbosa et al.'s code) and so for models
GUESS_CUTOFF = np.radians(45.0)


def _circular_sd(result: xr.Dataset) -> xr.DataArray:
    from neuromem.analysis.working_memory import error_by_delay

    kept = result.assign(error=result["error"].where(abs(result["error"]) < GUESS_CUTOFF))
    return error_by_delay(kept)["circular_sd"]


# --------------------------------------------- precision against set size (van den Berg et al. 2012)
#: the colour-wheel experiment (supplementary Experiment 3): set sizes 1-8, 13 subjects x 108 trials per set size
_VDB_EXPERIMENT = "ExpS3"
_VDB_CITATION = (
    "van den Berg R, Shin H, Chou W-C, George R, Ma WJ (2012) PNAS 109:8780-8785, colour-wheel delayed estimation "
    "(supplementary Experiment 3), 13 subjects; benchmark BM4.5 of Oberauer et al. (2018) Psychol Bull 144:885, data from the "
    "R package BenchmarksWM"
)
_VDB_NOTES = (
    "people saw coloured squares at different locations and reported the cued one's colour on a wheel after a 1 s delay; "
    "the task shows the items as angles kept 30 deg apart (people's colours could coincide); the cards zhang_luck2008, bays2014 "
    "and vandenberg2012 were fitted to these trials (scripts/fit_precision_models.py), so their scores here measure a fit, not a prediction"
)


def _vandenberg(measure: str) -> xr.DataArray:
    da = load_reference("vandenberg2012_delayed_estimation")[measure].sel(experiment=_VDB_EXPERIMENT, drop=True)
    return da.dropna("subject", how="all").transpose("subject", "set_size")


def _by_set_size(measure: str):
    def curve(result: xr.Dataset) -> xr.DataArray:
        from neuromem.analysis.set_size import precision_by_set_size

        return precision_by_set_size(result)[measure].isel(delay=0, drop=True)

    return curve


def _few_minus_many(x: np.ndarray, c: np.ndarray) -> float:
    return mean_at(x, c, 1, 2) - mean_at(x, c, 6, 8)


def _vandenberg_benchmark(measure: str, identifier: str, effects: tuple[Effect, ...], description: str) -> Benchmark:
    """One van den Berg et al. (2012) measure against set size: the same task, data, citation and trials."""
    return Benchmark(
        identifier=identifier,
        parent=f"working-memory/set-size/{identifier.split('-', 1)[1]}",
        version=1,
        task="delayed-estimation",
        task_params={"set_sizes": list(range(1, 9)), "delays": [1.0]},
        reference=lambda: _vandenberg(measure),
        curve=_by_set_size(measure),
        metric=ShapeR2(),
        effects=effects,
        citation=_VDB_CITATION,
        description=description,
        notes=_VDB_NOTES,
        trials=100,
        quick_trials=20,
    )


SET_SIZE_PRECISION = _vandenberg_benchmark(
    "circular_sd",
    "vandenberg2012-precision",
    (Effect("precision falls with set size", "circular s.d. at set sizes 6-8 above set sizes 1-2", lambda x, c: -_few_minus_many(x, c)),),
    "circular s.d. of the reported colour by set size (1-8), 1 s delay",
)

SET_SIZE_GUESSING = _vandenberg_benchmark(
    "p_memory",
    "vandenberg2012-p-memory",
    (Effect("more guesses with more items", "P(memory) of the two-component mixture at set sizes 1-2 above set sizes 6-8", _few_minus_many),),
    "P(memory) of the two-component mixture (Zhang & Luck 2008) by set size (1-8), 1 s delay",
)

BUILTIN = (SERIAL_POSITION, FIRST_RECALL, LAG_CRP, CHANGE_DETECTION, SPATIAL_ERROR, SET_SIZE_PRECISION, SET_SIZE_GUESSING)
