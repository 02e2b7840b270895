"""The experiments that ship with neuromem, each declared once (see :mod:`.declare`)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neuromem.cards import card_parameters, check_task, load_card, load_model, model_class, sized_options
from neuromem.experiments.declare import Experiment, Param, Written, parse_value
from neuromem.experiments.on_task import MAX_TRIALS, run_on_task
from neuromem.outputs import claim, claims
from neuromem.runner import check_can_record, check_capabilities
from neuromem.spiking.devices import DEVICES  # no simulator import: safe on a core install
from neuromem.tasks import get_task, task_class
from neuromem.tasks.delayed_estimation import DEFAULT_SEPARATION, MAX_SET_SIZE, REPORTS
from neuromem.validation import as_rng, check_duration, check_positive_int, check_positive_values

#: the largest seed (numpy and netCDF store seeds as 64-bit integers)
MAX_SEED = 2**63 - 1
#: the longest simulated time one input may ask for (a day; a typo of 1e9 s is refused, not simulated)
MAX_SECONDS_SIMULATED = 86_400.0

PROTOCOLS: tuple[str, ...] = ("psc", "paired-pulse", "trains", "nmda-iv")
STDP_PROTOCOLS: tuple[str, ...] = ("window", "frequency", "triplet", "quadruplet", "song2000")

# parameters several experiments share
SEED = Param("seed", int, 1, "seeds the trials, initial conditions and all network noise", minimum=0, maximum=MAX_SEED)
OUT = Param("out", str, "results", "folder for the netCDF results", nullable=True)
QUIET = Param("quiet", flag=True, default=False, help="no progress bar")
SIZE = Param("size", str, "scaled", "network size named in the card (scaled or full; mongillo2008 also small)")
DEVICE = Param("device", str, "cpp_standalone", "Brian2 device", choices=DEVICES)
THREADS = Param("threads", int, 0, "OpenMP threads for cpp_standalone (0: none)", minimum=0, maximum=1024)
WORKERS = Param("workers", int, 0, "processes running batches of trials at once (spiking models; 0: one per core, one on a GPU)", minimum=0, maximum=1024)
FITTED = Param("fitted", str, None, "a fitted artificial model (.pt from `neuromem fit`) to run instead of a card")
OPTION = Param("option", str, None, "model option or card-parameter override as KEY=VALUE (VALUE as JSON), e.g. J_plus=1.7", many=True)


def _task_report(written: Written) -> list[str]:
    ds = next(iter(written.values()))[0]
    note = [f"note: {ds.attrs[key]}" for key in ("network_size_note", "model_note") if key in ds.attrs]
    from neuromem.analysis.summaries import report  # the analysis stack (scipy, psifr) only when a report is printed

    return report(ds) + note


def _refuse_simulator_options(p: dict, spiking_only: Sequence[Param] = ()) -> None:
    """--size, --device, --threads, --workers (and an experiment's own network options) choose a Brian2 network; given for another model they would be ignored."""
    for param in (SIZE, DEVICE, THREADS, WORKERS, *spiking_only):
        if p[param.name] != param.default:
            model = f"fitted={p['fitted']!r}" if p["fitted"] else f"model={p['model']!r} ({load_card(p['model']).family})"
            raise ValueError(f"{param.name}={p[param.name]!r} is for spiking cards; {model} does not use it (leave {param.option} out)")


def _check_on_task(
    task_of: Callable[[dict], str],
    task_params: Callable[[dict], dict],
    model_options: Callable[[dict], dict] = lambda p: {},
    spiking_only: Sequence[Param] = (),
    simulator: bool = True,
) -> Callable[[dict, set], None]:
    """The check, before any work, of an experiment that runs a card model (or a fitted one) on a task:
    the model's card, the task's parameters, the options against the card and the other options."""

    def check(p: dict, given: set) -> None:
        options = _key_values("option", p["option"])
        if p["fitted"] is not None:
            for name in ("model", "option"):
                if name in given:
                    raise ValueError(f"{name}={p[name]!r} is not used with fitted={p['fitted']!r}: the fitted file is the model (leave --{name} out)")
            _refuse_simulator_options(p, spiking_only)
            if not Path(p["fitted"]).is_file():
                raise ValueError(f"fitted={str(p['fitted'])!r} is not a file; give a .pt written by `neuromem fit`")
            return
        card = load_card(p["model"])
        task = get_task(task_of(p), **task_params(p))  # the task checks its own parameters
        check_task(card, task)
        check_capabilities(model_class(p["model"]), task, name=p["model"])
        check_can_record(model_class(p["model"]), p.get("record") or (), name=p["model"])
        if card.family != "spiking":
            _refuse_simulator_options(p, spiking_only)
            if getattr(model_class(p["model"]), "needs_fit", False):
                raise ValueError(
                    f"model={p['model']!r} is a {card.family} model that must be trained first: run `neuromem fit --model "
                    f"{p['model']} --task {task_of(p)}` and pass the .pt file with --fitted"
                )
            card_parameters(card, {k: v for k, v in options.items() if k in card.parameters})
            return
        set_by = {q.name: q.option for q in (SIZE, DEVICE, THREADS, WORKERS, *spiking_only)} if simulator else {}
        set_by |= dict.fromkeys(model_options(p), "its own option")
        for key, value in options.items():
            if key in set_by:  # two values for one setting: refused, not one silently ignored
                raise ValueError(f"option {key}={value!r} is not allowed; {key} is set by {set_by[key]} (give it there, once)")
        sized_options(card, p["size"] if simulator else options.get("size", SIZE.default), options)  # the task experiment sets size as an option
        card_parameters(card, {k: v for k, v in options.items() if k in card.parameters})

    return check


def _on_task(
    name: str,
    task: str,
    task_params: Callable[[dict], dict],
    model_options: Callable[[dict], dict] = lambda p: {},
    tag: Callable[[dict], str] = lambda p: p["size"],
    spiking_only: Sequence[Param] = (),
    condition_tag: Callable[[dict], str] = lambda p: "",
) -> Callable[..., Written]:
    """The function of an experiment that runs a card model (or a fitted one) on ``task``'s trials.

    ``spiking_only``: the experiment's own parameters that only a spiking network reads
    (refused for other models rather than ignored). ``tag`` (spiking networks: the size) and
    ``condition_tag`` (every model: conditions that make a different kind of result, such
    as several set sizes) name the file, so such runs never claim one another's file.
    """

    def function(**p: Any) -> Written:
        spiking = p["fitted"] is None and load_card(p["model"]).family == "spiking"
        if not spiking:
            _refuse_simulator_options(p, spiking_only)
        simulator = {"size": p["size"], "device": p["device"], "threads": p["threads"], "workers": p["workers"], **model_options(p)} if spiking else {}
        options = {**simulator, **_key_values("option", p["option"])}
        ds, path = run_on_task(
            name,
            task,
            task_params(p),
            model=p["model"],
            fitted=p["fitted"],
            trials=p["trials"],
            seed=p["seed"],
            out=p["out"],
            progress=not p["quiet"],
            options=options,
            tag="_".join(t for t in (tag(p) if spiking else "", condition_tag(p), _record_tag(p)) if t),
            yes=p["yes"],
            record=p["record"] or (),
        )
        if spiking:
            ds.attrs["size"] = p["size"]
        return {"trials": (ds, path)}

    return function


def _record_tag(p: dict) -> str:
    """A run that records states names its file for it (it never claims the plain run's file)."""
    return "states" if p.get("record") else ""


YES = Param("yes", flag=True, default=False, help="start a run even if its estimated time (> 1 day on one core) or disk use (> 20 GB) is large")

#: what every card-model-on-a-task experiment takes besides its model, task parameters and trials
RECORD = Param(
    "record",
    str,
    None,
    "also save the model's internal states as state_* variables (opt-in: files grow; artificial models, and spiking networks' binned rates)",
    many=True,
    choices=("states",),
    unique=True,
)
ON_TASK = (SEED, SIZE, DEVICE, THREADS, WORKERS, OPTION, FITTED, OUT, QUIET, YES, RECORD)

TRIALS_PER_RUN = Param("trials_per_run", int, 8, "trials simulated side by side in one network (spiking models)", minimum=1, maximum=10_000)
NO_SPIKES = Param("no_spikes", flag=True, default=False, help="do not store individual spikes (spiking models)")


def _delays(p: dict) -> dict:
    chosen = {"delays": list(p["delays"])}
    largest = max(p["set_sizes"])
    if largest * p["min_separation"] >= 360:  # said in the degrees it was given in, before the task says it in rad
        raise ValueError(
            f"min_separation={p['min_separation']:g} deg is not allowed with set size {largest}; it must be below 360 / {largest} = {360 / largest:.4g} deg"
        )
    if p["set_sizes"] != [1] or p["min_separation"] != MIN_SEPARATION.default:  # one item: the task exactly as before
        chosen["min_separation"] = math.radians(p["min_separation"])
    # always given, so that a fitted network runs what is asked (and the file is named for it), not what it was trained on
    chosen |= {"set_sizes": list(p["set_sizes"]), "report": p["report"]}
    return chosen


def _set_size_tag(p: dict) -> str:
    """``set-sizes-1-2-4-6`` (and ``whole-report``) in the file name of a run with several items or every item
    reported (one cued item: today's name)."""
    sizes = "" if list(p["set_sizes"]) == [1] else "set-sizes-" + "-".join(str(k) for k in p["set_sizes"])
    return "_".join(t for t in (sizes, "whole-report" if p["report"] == "all" else "") if t)


def _network_options(p: dict) -> dict:
    return {"trials_per_run": p["trials_per_run"], "record_spikes": not p["no_spikes"]}


REPORT = Param("report", str, "cued", "report one cued item, or all: every item in turn (whole report)", choices=REPORTS)

MIN_SEPARATION = Param(
    "min_separation", float, math.degrees(DEFAULT_SEPARATION), "smallest distance between two items' angles", units="deg", minimum=0, maximum=180
)

WORKING_MEMORY = Experiment(
    "working-memory",
    "delayed estimation of an angle after a delay (error and its variance vs delay)",
    (
        Param("model", str, "compte2000", "model card (see `neuromem list`)"),
        Param("delays", float, [0.5, 1.0, 2.0, 3.0], "delays", units="s", many=True, minimum=0, maximum=MAX_SECONDS_SIMULATED),
        Param("set_sizes", int, [1], "items shown together, one cued for report (continuous report)", many=True, unique=True, minimum=1, maximum=MAX_SET_SIZE),
        MIN_SEPARATION,
        REPORT,
        Param("trials", int, 20, "trials per delay (and set size)", minimum=1, maximum=MAX_TRIALS),
        TRIALS_PER_RUN,
        NO_SPIKES,
        *ON_TASK,
    ),
    _on_task("working-memory", "delayed-estimation", _delays, _network_options, spiking_only=(TRIALS_PER_RUN, NO_SPIKES), condition_tag=_set_size_tag),
    _task_report,
    _check_on_task(lambda p: "delayed-estimation", _delays, _network_options, spiking_only=(TRIALS_PER_RUN, NO_SPIKES)),
)


def _multi_item_params(p: dict) -> dict:
    return {"set_sizes": list(p["set_sizes"]), "delay": p["delay"]}


MULTI_ITEM_RECALL = Experiment(
    "multi-item-recall",
    "several items held by synaptic facilitation: accuracy and Cowan's K vs set size",
    (
        Param("model", str, "mongillo2008", "model card (see `neuromem list`)"),
        Param("set_sizes", int, [1, 2, 3, 4], "set sizes", many=True, minimum=1, maximum=1000),
        Param("delay", float, 1.0, "delay from the last item to the read-out", units="s", minimum=0, maximum=MAX_SECONDS_SIMULATED),
        Param("trials", int, 5, "trials per set size", minimum=1, maximum=MAX_TRIALS),
        *ON_TASK,
    ),
    _on_task("multi-item-recall", "multi-item-recall", _multi_item_params),
    _task_report,
    _check_on_task(lambda p: "multi-item-recall", _multi_item_params),
)


def _free_recall_params(p: dict) -> dict:
    timing = {k: p[k] for k in ("item", "gap", "distractor", "recall") if p[k] is not None}
    chosen = {"list_lengths": p["list_lengths"] and list(p["list_lengths"]), "conditions": list(p["conditions"]), "n_items": p["n_items"], "timing": timing}
    return {k: v for k, v in chosen.items() if v not in (None, {})}


FREE_RECALL = Experiment(
    "free-recall",
    "study a list, recall it in any order: serial-position curve, first recall and lag-CRP under immediate, delayed and continual-distractor recall",
    (
        Param("model", str, "cmr", "model card (see `neuromem list`): cmr, dual_store, mongillo2008, or a fitted rate_rnn/lstm/keyvalue via --fitted"),
        Param("list_lengths", int, None, "list lengths (default: the task's, 8 16; a fitted network: as trained)", many=True, minimum=1, maximum=10_000),
        Param("conditions", str, ["immediate", "delayed", "continual"], "distractor schedules", many=True, choices=("immediate", "delayed", "continual")),
        Param(
            "n_items",
            int,
            None,
            "size of the item pool lists are drawn from (default: the task's, 100; a fitted network: as trained)",
            minimum=1,
            maximum=1_000_000,
        ),
        Param(
            "item",
            float,
            None,
            "presentation time of each item (default: the task's, 1 s)",
            units="s",
            minimum=0,
            maximum=MAX_SECONDS_SIMULATED,
            exclusive_minimum=True,
        ),
        Param("gap", float, None, "blank after each item (default: the task's, 0.5 s)", units="s", minimum=0, maximum=MAX_SECONDS_SIMULATED),
        Param("distractor", float, None, "each distractor period (default: the task's, 16 s)", units="s", minimum=0, maximum=MAX_SECONDS_SIMULATED),
        Param("recall", float, None, "recall period (default: the task's, 60 s)", units="s", minimum=0, maximum=MAX_SECONDS_SIMULATED, exclusive_minimum=True),
        Param("trials", int, 100, "lists per schedule and list length", minimum=1, maximum=MAX_TRIALS),
        *ON_TASK,
    ),
    _on_task("free-recall", "free-recall", _free_recall_params),
    _task_report,
    _check_on_task(lambda p: "free-recall", _free_recall_params),
)

SYNAPSE = Param("synapse", str, "simple", "synapse variant of the assembly network", choices=("simple", "benna-fusi"))


def _retention_params(p: dict) -> dict:
    return {"n_patterns": p["patterns"], "test_delays": list(p["delays"] or [0.5])}


def _synapse(p: dict) -> dict:
    return {"synapse": p["synapse"]}


_assemblies = _on_task("retention", "retention", _retention_params, _synapse, lambda p: f"{p['synapse']}_{p['size']}")
_check_assemblies = _check_on_task(lambda p: "retention", _retention_params, _synapse)


def _check_retention(p: dict, given: set) -> None:
    if p["fitted"] is None and load_card(p["model"]).family != "spiking":  # trained and tested here, in activity and in weights
        check_task(load_card(p["model"]), task_class("retention")())
        if p["option"]:
            raise ValueError(f"option={p['option']!r} is for spiking cards; model={p['model']!r} is trained here with its card's parameters")
        _refuse_simulator_options(p, (SYNAPSE,))
        return
    _check_assemblies(p, given)


def _retention(**p: Any) -> Written:
    if p["fitted"] is None and load_card(p["model"]).family != "spiking":
        check_task(load_card(p["model"]), task_class("retention")())
        if p["option"]:
            raise ValueError(f"option={p['option']!r} is for spiking cards; model={p['model']!r} is trained here with its card's parameters")
        paths = _forgetting_paths(p["out"], p["model"])
        curves = artificial_forgetting(
            model=p["model"],
            seeds=[p["seed"]],
            n_patterns=p["patterns"],
            test_delays=p["delays"] if p["delays"] is not None else (0.0, 0.5, 2.0),
            progress=not p["quiet"],
        )
        return {kind: (ds, paths[kind]) for kind, ds in curves.items()}
    from neuromem.analysis.forgetting import forgetting_curve

    written = _assemblies(**p)
    ds, path = written["trials"]
    curve = forgetting_curve(ds)
    curve.attrs["title"] = f"Forgetting curve: {ds.attrs['title']}"
    return {**written, "curve": (curve, None if path is None else path.with_name(path.stem + "_curve.nc"))}


def _retention_report(written: Written) -> list[str]:
    if "trials" in written:
        return _task_report(written)
    lines = []
    for kind, (ds, _) in written.items():
        lines.append(f"{kind}: overlap by items/patterns learned since (lag 0 first)")
        lines += [f"  test delay {d:5.2f} s: " + " ".join(f"{v:5.2f}" for v in ds["overlap"].sel(test_delay=d).values) for d in ds["test_delay"].values]
    return lines


RETENTION = Experiment(
    "retention",
    "patterns stored as assemblies by STDP, recalled from a partial cue: forgetting curve vs pattern age",
    (
        Param(
            "model",
            str,
            "assembly_memory",
            "model card; an artificial one (rate_rnn, lstm, keyvalue) is trained and tested for forgetting in activity and in weights",
        ),
        SYNAPSE,
        Param("patterns", int, 8, "patterns studied per trial", minimum=1, maximum=10_000),
        Param(
            "delays",
            float,
            None,
            "test delays (default 0.5 for spiking models; 0 0.5 2 for artificial ones)",
            units="s",
            many=True,
            minimum=0,
            maximum=MAX_SECONDS_SIMULATED,
        ),
        Param("trials", int, 4, "trials per test delay", minimum=1, maximum=MAX_TRIALS),
        *ON_TASK,
    ),
    _retention,
    _retention_report,
    _check_retention,
)


def _forgetting_paths(out: str | Path | None, model: str) -> dict[str, Path | None]:
    """The claimed files of both forgetting curves of an artificial ``model`` (None without ``out``)."""
    return {kind: None if out is None else claim(Path(out) / f"forgetting-{kind}_{model}.nc") for kind in ("in-activity", "in-weights")}


@claims()  # its files are released when it returns, also when called from Python outside an experiment
def artificial_forgetting(
    *,
    model: str = "lstm",
    seeds: Sequence[int] = (1,),
    n_patterns: int = 4,
    test_delays: Sequence[float] = (0.0, 0.5, 2.0),
    train_steps: int = 1000,
    n_items: int = 8,
    steps_per_item: int = 100,
    hidden_size: int | None = None,
    trials: int = 100,
    device: str = "auto",
    out: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Both kinds of forgetting of an artificial model, as forgetting curves ({kind: Dataset}).

    With ``out`` each curve is also saved as ``<out>/forgetting-<kind>_<model>.nc``.

    In activity: fit on retention as trained (2 patterns, test delays 0 / 0.2 s), then
    test with ``n_patterns`` and ``test_delays`` (beyond training). In weights:
    ``n_items`` items learned one after another, ``steps_per_item`` steps each.
    """
    from neuromem.analysis.forgetting import forgetting_curve
    from neuromem.artificial import fit
    from neuromem.artificial.forgetting import in_activity, in_weights
    from neuromem.tasks import fit_task

    paths = _forgetting_paths(out, model)
    overrides = {} if hidden_size is None else {"hidden_size": hidden_size}
    net = load_model(model, device=device, **overrides)
    fit(net, fit_task("retention"), seeds=seeds, steps=train_steps, progress=progress)
    longer = fit_task("retention", test_delays=list(test_delays), n_patterns=n_patterns)
    activity = forgetting_curve(scored := in_activity(net, longer, trials, seed=10**6))
    activity.attrs.update(title=f"In-activity forgetting curve: {scored.attrs['title']}", forgetting="in-activity")
    weights = in_weights(load_model(model, device=device, **overrides), seeds=seeds, n_items=n_items, steps_per_item=steps_per_item, progress=progress)
    curves = {"in-activity": activity, "in-weights": weights}
    if out is not None:
        from neuromem.results import save

        for kind, ds in curves.items():
            save(ds, paths[kind])
    return curves


# ------------------------------------------------------- lab protocols (no task)
def _protocols(prefix: str, chosen: Sequence[str], runs: dict, out: str | None) -> Written:
    paths = {name: None if out is None else claim(Path(out) / f"{prefix}_{name}.nc") for name in chosen}  # before any protocol runs
    return {name: (runs[name](), paths[name]) for name in chosen}


def _synaptic_transmission(
    *, protocols: Sequence[str], intervals: Sequence[float], frequencies: Sequence[float], sets: Sequence[str], pulses: int, device: str, out: str | None
) -> Written:
    model = load_model("synaptic_transmission", device=device)
    # every input checked before the first protocol runs (a mistake in the last one must not cost the others)
    check_positive_values("intervals", intervals, "s")
    check_positive_values("frequencies", frequencies, "Hz")
    for name in sets:
        model.stp_set(name)
    check_positive_int("pulses", pulses, minimum=2)
    runs = {
        "psc": lambda: model.psc(),
        "paired-pulse": lambda: model.paired_pulse(intervals, sets=sets),
        "trains": lambda: model.trains(frequencies, sets=sets, n_pulses=pulses),
        "nmda-iv": lambda: model.nmda_iv(),
    }
    return _protocols("synaptic-transmission", protocols, runs, out)


def _synaptic_report(written: Written) -> list[str]:
    if "paired-pulse" not in written:
        return []
    ds = written["paired-pulse"][0]
    lines = ["paired-pulse ratio (rows: sets; columns: intervals in s " + " ".join(f"{d:g}" for d in ds["interval"].values) + ")"]
    return lines + [f"  {s:<14} " + " ".join(f"{v:5.2f}" for v in ds["ppr"].sel(stp_set=s).values) for s in ds["stp_set"].values]


SYNAPTIC_TRANSMISSION = Experiment(
    "synaptic-transmission",
    "PSC/PSP per receptor, paired-pulse ratio, train responses, NMDA I-V curve",
    (
        Param("protocols", str, list(PROTOCOLS), "protocols to run", many=True, choices=PROTOCOLS),
        Param(
            "intervals",
            float,
            [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],
            "paired-pulse intervals",
            units="s",
            many=True,
            minimum=0,
            maximum=1000,
            exclusive_minimum=True,
        ),
        Param(
            "frequencies",
            float,
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0],
            "train frequencies",
            units="Hz",
            many=True,
            minimum=0,
            maximum=10_000,
            exclusive_minimum=True,
        ),
        Param("sets", str, ["depressing", "facilitating", "mongillo2008"], "Tsodyks-Markram sets of the card", many=True),
        Param("pulses", int, 10, "spikes per train", minimum=2, maximum=10_000),
        Param("device", str, "runtime", "Brian2 device", choices=DEVICES),
        OUT,
    ),
    _synaptic_transmission,
    _synaptic_report,
)


def _stdp(
    *, protocols: Sequence[str], rules: Sequence[str] | None, repetitions: int | None, song_duration: float, seed: int, device: str, out: str | None
) -> Written:
    model = load_model("stdp", device=device)
    # every input checked before the first protocol runs (a mistake in the last one must not cost the others)
    as_rng(seed)
    check_duration("song_duration", song_duration, allow_zero=False)
    if repetitions is not None:
        check_positive_int("repetitions", repetitions)
    pairings = {} if repetitions is None else {"n_pairings": repetitions}
    multiplets = {} if repetitions is None else {"n_repetitions": repetitions}
    for rule in rules or ():
        model.rule(rule)
    runs = {
        "window": lambda: model.window(rules=rules or ("song2000", "song2000_nearest", "pfister_visual_minimal", "pfister_visual_full"), **pairings),
        "frequency": lambda: model.frequency(rules=rules or ("pfister_visual_minimal", "pfister_visual_full")),
        "triplet": lambda: model.triplets(rules=rules or ("pfister_visual_minimal", "pfister_visual_full"), **multiplets),
        "quadruplet": lambda: model.quadruplets(rules=rules or ("pfister_visual_minimal", "pfister_visual_full"), **multiplets),
        "song2000": lambda: model.song2000(song_duration, seed=seed, record_every=max(song_duration / 60, 0.1)),
    }
    return _protocols("stdp", protocols, runs, out)


def _stdp_report(written: Written) -> list[str]:
    lines = []
    if "frequency" in written:
        ds = written["frequency"][0]
        lines.append("dw/w vs pairing frequency (Hz " + " ".join(f"{f:g}" for f in ds["frequency"].values) + ")")
        for d in ds["delta_t"].values:
            lines.append(f"  {'Sjostrom 2001':<24} {d:+5.0f} ms " + " ".join(f"{v:5.2f}" for v in ds["published"].sel(delta_t=d).values))
            lines += [f"  {r:<24} {d:+5.0f} ms " + " ".join(f"{v:5.2f}" for v in ds["dw_over_w"].sel(rule=r, delta_t=d).values) for r in ds["rule"].values]
        lines += [f"  {r}: rmse {float(ds['rmse'].sel(rule=r)):.3f}, chi2 {float(ds['chi2'].sel(rule=r)):.1f} (10 points)" for r in ds["rule"].values]
    if "triplet" in written:
        ds = written["triplet"][0]
        settings = json.loads(ds.attrs["parameters"])
        lines.append(
            f"dw/w after {settings['n_repetitions']} triplets at {settings['frequency_Hz']:g} Hz ((dt1, dt2) in ms as run; "
            "Wang et al. 2005 in hippocampal cultures, mean +- s.e.m., in their convention)"
        )
        for k in ds["pattern"].values:
            cell = ds.sel(pattern=k)
            published = _wang2005_value(str(cell["kind"].values), float(cell["dt1"]), float(cell["dt2"]))
            lines.append(
                f"  {str(cell['kind'].values):<14} ({float(cell['dt1']):+.0f}, {float(cell['dt2']):+.0f}) {published:<24} "
                + " ".join(f"{r}: {float(cell['dw_over_w'].sel(rule=r)):+.3f}" for r in ds["rule"].values)
            )
    if "song2000" in written:
        ds = written["song2000"][0]
        lines.append(
            f"  Song et al. (2000): {float(ds['fraction_low']):.2f} of weights < 0.1 g_max, "
            f"{float(ds['fraction_high']):.2f} > 0.9 g_max after {ds['sample_time'].values[-1]:g} s"
        )
    return lines


def _wang2005_value(kind: str, dt1: float, dt2: float) -> str:
    """The published triplet of Wang et al. (2005) a run's triplet stands for, as text ("" where they did not test it).

    A run's post-pre-post (dt1, dt2) has its pre |dt2| after the first post and the second post dt1
    after the pre: in Wang's convention (t_post - t_pre to the first and the last spike) it is (dt2, dt1).
    """
    from neuromem.reference import load_reference

    ref = load_reference("wang2005_pairs_triplets")
    want = (dt1, dt2) if kind == "pre-post-pre" else (dt2, dt1)
    hit = (ref["protocol"] == kind) & (ref["dt1"] == round(want[0])) & (ref["dt2"] == round(want[1]))
    if not bool(hit.any()):
        return ""
    row = ref.isel(point=int(hit.values.argmax()))
    return f"Wang ({want[0]:+.0f}, {want[1]:+.0f}): {float(row['dw_over_w']):+.2f} +- {float(row['sem']):.2f}"


STDP = Experiment(
    "stdp",
    "STDP window, frequency dependence vs Sjostrom et al. (2001), triplets and quadruplets, Song et al. (2000) weight distribution",
    (
        Param("protocols", str, list(STDP_PROTOCOLS), "protocols to run", many=True, choices=STDP_PROTOCOLS),
        Param(
            "rules",
            str,
            None,
            "STDP rules of the stdp card for the window/frequency/triplet/quadruplet protocols (default: pair and triplet rules for the window, triplet rules for the others)",
            many=True,
        ),
        Param(
            "repetitions",
            int,
            None,
            "pairings per delta_t of the window, repetitions of each triplet and quadruplet pattern (default: each protocol's own, the published 60)",
            minimum=1,
            maximum=100_000,
        ),
        Param(
            "song_duration",
            float,
            600.0,
            "simulated time of the Song et al. (2000) run",
            units="s",
            minimum=0,
            maximum=MAX_SECONDS_SIMULATED,
            exclusive_minimum=True,
        ),
        SEED,
        Param("device", str, "cpp_standalone", "Brian2 device", choices=DEVICES),
        OUT,
    ),
    _stdp,
    _stdp_report,
)


# --------------------------------------------------- any model on any task
def _key_values(name: str, items: Sequence[str] | None) -> dict[str, Any]:
    out = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{name}={item!r} is not allowed; write KEY=VALUE (VALUE as JSON, or plain text)")
        if key in out:  # the last would win silently
            raise ValueError(f"{name} {key}=... is given twice ({key}={out[key]!r}, then {item!r}); give each key once")
        out[key] = parse_value(text)
    return out


def _task(
    *,
    task: str | None,
    model: str | None,
    task_param: Sequence[str] | None,
    option: Sequence[str] | None,
    trials: int,
    seed: int,
    fitted: str | None,
    out: str | None,
    quiet: bool,
    yes: bool,
    record: Sequence[str] | None = None,
) -> Written:
    if task is None or (model is None and fitted is None):
        raise ValueError("the task experiment needs --task and --model (or --fitted); see `neuromem list`")
    ds, path = run_on_task(
        task,
        task,
        _key_values("task_param", task_param),
        model=model or "",
        fitted=fitted,
        trials=trials,
        seed=seed,
        out=out,
        progress=not quiet,
        options=_key_values("option", option),
        yes=yes,
        tag=_record_tag({"record": record}),
        record=record or (),
    )
    return {"trials": (ds, path)}


TASK = Experiment(
    "task",
    "any registered model on any registered task it lists (plug-ins included)",
    (
        Param("task", str, None, "task name (see `neuromem list`)"),
        Param("model", str, None, "model card name"),
        Param("task_param", str, None, "task parameter as KEY=VALUE (VALUE as JSON)", many=True),
        OPTION,
        Param("trials", int, 10, "trials per condition of the task", minimum=1, maximum=MAX_TRIALS),
        SEED,
        FITTED,
        OUT,
        QUIET,
        YES,
        RECORD,
    ),
    _task,
    _task_report,
    lambda p, given: _check_task(p, given),
)


def _check_task(p: dict, given: set) -> None:
    if p["task"] is None or (p["model"] is None and p["fitted"] is None):
        raise ValueError("the task experiment needs --task and --model (or --fitted); see `neuromem list`")
    params = (lambda q: _key_values("task_param", q["task_param"])) if p["fitted"] is None else (lambda q: {})
    # no simulator options of its own: a card's size, device ... go through --option
    _check_on_task(lambda q: q["task"], params, simulator=False)({**p, **{q.name: q.default for q in (SIZE, DEVICE, THREADS, WORKERS)}}, given)


BUILTIN: tuple[Experiment, ...] = (WORKING_MEMORY, SYNAPTIC_TRANSMISSION, MULTI_ITEM_RECALL, FREE_RECALL, STDP, RETENTION, TASK)
