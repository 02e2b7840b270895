"""The built-in benchmarks: people's data that neuromem ships, each set beside the task run as people did it.

Each is named ``<data>-<measure>``. The data come per subject from the CSV files of
:mod:`neuromem.reference`, each made by a script in ``scripts/`` from public raw data.
"""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from neuromem.benchmarks.base import Benchmark, Effect, mean_at
from neuromem.benchmarks.metrics import Closeness, SEMCloseness, ShapeR2
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


# ------------------------------------------------------------- spike-timing-dependent plasticity
# Slice and culture recordings publish a mean and its s.e.m. per protocol, each protocol its own cells: the references
# are group means with standard errors, and a card runs them as lab protocols with the rule its card scores there
# (``[scored_rules]``). Pfister & Gerstner (2006) fitted their triplet sets to exactly these points, so a card
# holding those sets is scored on a fit, not a prediction; a pair rule is a prediction.
_STDP_NOTES = (
    "group means and s.e.m. per protocol (no subjects): the ceiling and interval come from the published standard errors; "
    "the stdp card scores the triplet set Pfister & Gerstner (2006) fitted to these very points, so its score measures "
    "neuromem's reproduction of their fit, not a prediction"
)


def _sjostrom(delta_t_ms: float) -> xr.DataArray:
    ref = load_reference("sjostrom2001_frequency")
    sel = ref.where(ref["delta_t"] == delta_t_ms, drop=True)
    frequency = sel["pairing_frequency"].values
    da = xr.DataArray(
        sel["dw_over_w"].values,
        dims="frequency",
        coords={"frequency": ("frequency", frequency, {"units": "Hz", "long_name": "pairing frequency"}), "sem": ("frequency", sel["sem"].values)},
        attrs={"units": "1", "long_name": f"relative weight change, {delta_t_ms:+g} ms pairs"},
    )
    return da.sortby("frequency")


#: Pfister & Gerstner's (2006) schedule for Sjostrom's points: 60 pairings in one regular train at each frequency
#: (Sjostrom et al. gave 15 trains of 5 pairs every 10 s)
_SJOSTROM_SCHEDULE = {"pairs_per_train": 60, "n_trains": 1}


def _sjostrom_run(model: object, seed: int) -> xr.Dataset:
    """The frequency protocol at Sjostrom's frequencies and +-10 ms, on the card's scored rule (imposed spikes: no seed)."""
    schedule = {k: getattr(model, "parameters", {}).get(k) for k in _SJOSTROM_SCHEDULE}
    if schedule != _SJOSTROM_SCHEDULE:  # the card sets the train schedule: a different one is another experiment
        raise ValueError(f"the card's train schedule {schedule} is not the benchmark's {_SJOSTROM_SCHEDULE}")
    return model.frequency(frequencies=[0.1, 10.0, 20.0, 40.0, 50.0], delta_t=[0.01, -0.01], rules=[model.scored_rule("stdp-frequency")])  # type: ignore[attr-defined]


def _sjostrom_curve(delta_t_ms: float):
    def curve(result: xr.Dataset) -> xr.DataArray:
        return result["dw_over_w"].isel(rule=0, drop=True).sel(delta_t=delta_t_ms, drop=True)

    return curve


def _sjostrom_benchmark(delta_t_ms: float, identifier: str, effects: tuple[Effect, ...], description: str) -> Benchmark:
    return Benchmark(
        identifier=identifier,
        parent=f"plasticity/stdp-frequency/{'pre-post' if delta_t_ms > 0 else 'post-pre'}",
        version=1,
        task="",
        protocol="stdp-frequency",
        protocol_run=_sjostrom_run,
        task_params={"frequencies_Hz": [0.1, 10, 20, 40, 50], "delta_t_ms": [10, -10], **_SJOSTROM_SCHEDULE},
        reference=lambda: _sjostrom(delta_t_ms),
        curve=_sjostrom_curve(delta_t_ms),
        metric=SEMCloseness(),
        effects=effects,
        citation="Sjostrom PJ, Turrigiano GG, Nelson SB (2001) Neuron 32:1149-1164, visual cortex L5 pairs, as fitted by Pfister J-P, Gerstner W (2006) J Neurosci 26:9673-9682",
        description=description,
        notes=_STDP_NOTES + "; 60 pairings in one train at each frequency, as Pfister & Gerstner modelled Sjostrom's 15 trains of 5 pairs",
        trials=1,
        quick_trials=1,
    )


def _above(lo: float, hi: float, level: float = 0.0):
    return lambda x, c: mean_at(x, c, lo, hi) - level


STDP_PRE_POST = _sjostrom_benchmark(
    10.0,
    "sjostrom2001-pre-post-frequency",
    (Effect("potentiation grows with frequency", "dw/w at 40-50 Hz above 0.1 Hz", lambda x, c: mean_at(x, c, 40, 50) - mean_at(x, c, 0.1, 0.1)),),
    "relative weight change after +10 ms pre-post pairs against pairing frequency (0.1-50 Hz)",
)

STDP_POST_PRE = _sjostrom_benchmark(
    -10.0,
    "sjostrom2001-post-pre-frequency",
    (
        Effect("depression at low frequency", "dw/w at 0.1-20 Hz below 0", lambda x, c: -mean_at(x, c, 0.1, 20)),
        Effect("potentiation at high frequency", "dw/w at 40-50 Hz above 0", _above(40, 50)),
    ),
    "relative weight change after -10 ms post-pre pairs against pairing frequency (0.1-50 Hz)",
)

#: Wang et al.'s protocols in the order of the reference: pairs, then pre-post-pre and post-pre-post triplets
_WANG_KINDS = ("pair", "pre-post-pre", "post-pre-post")


def _wang() -> xr.DataArray:
    ref = load_reference("wang2005_pairs_triplets")
    labels = [
        f"{kind} ({dt1:+.0f}{'' if np.isnan(dt2) else f', {dt2:+.0f}'} ms)"
        for kind, dt1, dt2 in zip(ref["protocol"].values, ref["dt1"].values, ref["dt2"].values)
    ]
    n = ref.sizes["point"]
    return xr.DataArray(
        ref["dw_over_w"].values,
        dims="protocol",
        coords={
            "protocol": ("protocol", np.arange(1, n + 1), {"units": "1", "long_name": "protocol (see protocol_label)"}),
            "protocol_label": ("protocol", labels),
            "sem": ("protocol", ref["sem"].values),
        },
        attrs={"units": "1", "long_name": "relative weight change after 60 repetitions at 1 Hz"},
    )


@functools.cache
def _wang_protocols(label: str) -> np.ndarray:
    """Wang et al.'s protocol numbers whose label starts with ``label`` (read once from the reference, not row numbers)."""
    ref = _wang()
    return ref["protocol"].values[[str(lab).startswith(label) for lab in ref["protocol_label"].values]]


def _wang_mean(x: np.ndarray, c: np.ndarray, label: str) -> float:
    """Mean of curve ``c`` over Wang et al.'s protocols whose label starts with ``label``."""
    return float(np.nanmean(c[np.isin(x, _wang_protocols(label))]))


def _wang_run(model: object, seed: int) -> xr.Dataset:
    """Wang et al.'s ten protocols on the card's scored hippocampal rule, in the reference's order (imposed spikes: no seed)."""
    rule = model.scored_rule("stdp-triplet")  # type: ignore[attr-defined]
    pairs = model.window(delta_t=[0.01, -0.01], rules=[rule], n_pairings=60, frequency=1.0)  # type: ignore[attr-defined]
    intervals = [(0.005, -0.005), (0.01, -0.01), (0.015, -0.005), (0.005, -0.015)]  # Wang's four interval pairs (s)
    triplets = model.triplets(intervals=intervals, rules=[rule], n_repetitions=60, frequency=1.0)  # type: ignore[attr-defined]
    ref = load_reference("wang2005_pairs_triplets")
    values = []
    for kind, dt1, dt2 in zip(ref["protocol"].values, ref["dt1"].values, ref["dt2"].values):
        if kind == "pair":
            values.append(float(pairs["dw_over_w"].isel(rule=0).sel(delta_t=dt1, method="nearest", tolerance=1e-6)))
            continue
        # a run's post-pre-post (dt1, dt2) is (dt2, dt1) in Wang's convention (t_post - t_pre to the first and the last spike)
        want = (dt1, dt2) if kind == "pre-post-pre" else (dt2, dt1)
        hit = (triplets["kind"] == kind) & np.isclose(triplets["dt1"], want[0]) & np.isclose(triplets["dt2"], want[1])
        if int(hit.sum()) != 1:
            raise ValueError(f"the triplet protocol has no single {kind} pattern ({dt1:+g}, {dt2:+g} ms)")
        values.append(float(triplets["dw_over_w"].isel(rule=0).where(hit, drop=True).values[0]))
    out = xr.Dataset(
        {"dw_over_w": ("protocol", np.array(values), {"units": "1", "long_name": "relative weight change"})},
        coords={"protocol": np.arange(1, len(values) + 1)},
        attrs=dict(triplets.attrs),
    )
    out.attrs.update(protocol="stdp-triplet", title="STDP pairs and triplets (Wang et al. 2005 protocols)")
    return out


WANG_TRIPLETS = Benchmark(
    identifier="wang2005-pairs-triplets",
    parent="plasticity/stdp-triplets",
    version=1,
    task="",
    protocol="stdp-triplet",
    protocol_run=_wang_run,
    task_params={"pairs_ms": [10, -10], "triplets_ms": [[5, -5], [10, -10], [15, -5], [5, -15]], "repetitions": 60, "frequency_Hz": 1},
    reference=_wang,
    curve=lambda result: result["dw_over_w"],
    metric=SEMCloseness(),
    effects=(
        Effect("pair potentiation", "dw/w after +10 ms pairs above 0", lambda x, c: _wang_mean(x, c, "pair (+10 ms)")),
        Effect("pair depression", "dw/w after -10 ms pairs below 0", lambda x, c: -_wang_mean(x, c, "pair (-10 ms)")),
        Effect(
            "triplet asymmetry",
            "post-pre-post triplets above pre-post-pre triplets (a pair rule gives both the same)",
            lambda x, c: _wang_mean(x, c, "post-pre-post") - _wang_mean(x, c, "pre-post-pre"),
        ),
    ),
    citation="Wang H-X, Gerkin RC, Nauen DW, Bi G-Q (2005) Nat Neurosci 8:187-193, hippocampal cultures, as fitted by Pfister J-P, Gerstner W (2006) J Neurosci 26:9673-9682",
    description="relative weight change after pairs (+-10 ms) and pre-post-pre / post-pre-post triplets, 60 repetitions at 1 Hz",
    notes=_STDP_NOTES,
    trials=1,
    quick_trials=1,
)

BUILTIN = BUILTIN + (STDP_PRE_POST, STDP_POST_PRE, WANG_TRIPLETS)


# ----------------------------------------------------------------- forgetting (Ebbinghaus 1885)
#: the oldest age tested (patterns studied after the pattern); Ebbinghaus's seven intervals are placed at the same log spacing
EBBINGHAUS_MAX_LAG = 16


def ebbinghaus_lags() -> np.ndarray:
    """Ages (patterns studied since) at the relative log spacing of Ebbinghaus's intervals, 20 min -> 1 and 31 days -> the max.

    The map is affine in log time: a curve linear in log time (Ebbinghaus's savings
    nearly are) is linear in log age whatever the largest age, and a power law stays
    a power law with its exponent multiplied by the map's slope (about 2.8 for 16), so
    the shape a power law scores depends on :data:`EBBINGHAUS_MAX_LAG`, stated in the notes.
    """
    t = load_reference("ebbinghaus1885_savings")["retention_interval"].values
    return np.rint(EBBINGHAUS_MAX_LAG ** (np.log(t / t[0]) / np.log(t[-1] / t[0]))).astype(int)


def _ebbinghaus() -> xr.DataArray:
    ref = load_reference("ebbinghaus1885_savings")
    t = ref["retention_interval"]
    return xr.DataArray(
        ref["savings"].values / 100.0,
        dims="retention_interval",
        coords={"retention_interval": ("retention_interval", t.values, t.attrs), "sem": ("retention_interval", ref["savings_sem"].values / 100.0)},
        attrs={"units": "1", "long_name": "retention (people: savings in relearning; models: recall overlap)"},
    )


def _retention_by_age(result: xr.Dataset) -> xr.DataArray:
    from neuromem.analysis.forgetting import forgetting_curve

    curve = forgetting_curve(result)["overlap"].isel(test_delay=0, drop=True).sel(lag=ebbinghaus_lags())
    return xr.DataArray(curve.values, dims="retention_interval", coords={"retention_interval": _ebbinghaus()["retention_interval"].values})


def _jost(x: np.ndarray, c: np.ndarray) -> float:
    """Loss per unit log age over the three youngest intervals minus over the three oldest (> 0: forgetting slows)."""
    logt = np.log(x)
    return (c[0] - c[2]) / (logt[2] - logt[0]) - (c[4] - c[6]) / (logt[6] - logt[4])


_FORGETTING_LISTS = {
    "n_features": 20,
    "coding_level": 0.25,
    "test_delays": [0.0],
    "test_order": "forward",
    "timing": {"fixation": 0.04, "study": 0.1, "gap": 0.1, "test": 0.1, "test_gap": 0.06},
}

FORGETTING = Benchmark(
    identifier="ebbinghaus1885-forgetting",
    parent="long-term-memory/forgetting",
    version=1,
    task="retention",
    task_params={"n_patterns": EBBINGHAUS_MAX_LAG + 1, **_FORGETTING_LISTS},
    # a network is fitted on lists of 4 patterns and tested on lists of 17: what it learned must carry over to older memories
    fit_params={"n_patterns": 4, **_FORGETTING_LISTS},
    reference=_ebbinghaus,
    curve=_retention_by_age,
    metric=ShapeR2(),
    same_measure=False,
    effects=(
        Effect("forgetting", "retention at the youngest age above the oldest", lambda x, c: c[0] - c[-1]),
        Effect("forgetting slows (Jost's law)", "loss per log age over the three youngest intervals above the three oldest", _jost),
    ),
    citation="Ebbinghaus H (1885) Memory: A Contribution to Experimental Psychology (1913 translation, p. 76): savings and probable errors, one subject",
    description="shape of retention against log age: Ebbinghaus's savings at 20 min-31 days beside recall at ages 1-16 patterns",
    notes=(
        "one subject's group means with his probable errors (no subjects to split: the ceiling comes from the standard errors); "
        "people's ages are times, a model's are patterns studied since (interference), placed at the same log spacing "
        "(ages 1, 2, 3, 5, 6, 9, 16; networks are fitted on lists of 4 patterns); savings and a recall overlap are different measures, so only the shape and the effects are "
        "compared and closeness is not computed"
    ),
    trials=40,
    quick_trials=10,
)

BUILTIN = BUILTIN + (FORGETTING,)
