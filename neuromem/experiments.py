"""Named experiments: what ``neuromem run <experiment>`` and ``experiments/*.py`` call."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Sequence

import xarray as xr

from neuromem.cards import load_model
from neuromem.results import save
from neuromem.runner import combine
from neuromem.tasks import get_task
from neuromem.tasks.base import check_positive_int
from neuromem.tasks.retention import forgetting_curve

EXPERIMENTS: dict[str, str] = {
    "working-memory": "delayed estimation of an angle after a delay (error and its variance vs delay)",
    "synaptic-transmission": "PSC/PSP per receptor, paired-pulse ratio, train responses, NMDA I-V curve",
    "multi-item-recall": "several items held by synaptic facilitation: accuracy and Cowan's K vs set size",
    "stdp": "STDP window, frequency dependence vs Sjostrom et al. (2001), Song et al. (2000) weight distribution",
    "retention": "patterns stored as assemblies by STDP, recalled from a partial cue: forgetting curve vs pattern age",
}

#: tasks ``neuromem fit`` trains on, with the task parameters it uses
FIT_TASKS: tuple[str, ...] = ("delayed-estimation", "multi-item-recall", "retention")
#: short periods so artificial models train on short sequences (seconds)
ARTIFICIAL_TIMING: dict[str, dict[str, float]] = {
    "delayed-estimation": {"fixation": 0.1, "cue": 0.1, "response": 0.1},
    "multi-item-recall": {"fixation": 0.1, "item": 0.1, "gap": 0.06, "readout": 0.1},
    "retention": {"fixation": 0.04, "study": 0.1, "gap": 0.1, "test": 0.1, "test_gap": 0.06},
}

STDP_PROTOCOLS: tuple[str, ...] = ("window", "frequency", "song2000")

PROTOCOLS: tuple[str, ...] = ("psc", "paired-pulse", "trains", "nmda-iv")


def _check_protocols(protocols: Sequence[str], allowed: Sequence[str]) -> None:
    unknown = [p for p in protocols if p not in allowed]
    if unknown or not protocols:
        raise ValueError(f"protocols={list(protocols)} is not allowed; choose from {list(allowed)}")


def _run_protocols(prefix: str, protocols: Sequence[str], runs: dict, out: str | Path | None) -> dict[str, tuple[xr.Dataset, Path | None]]:
    """Run each named protocol and save it as ``<out>/<prefix>_<protocol>.nc``."""
    written = {}
    for name in protocols:
        ds = runs[name]()
        written[name] = (ds, None if out is None else save(ds, Path(out) / f"{prefix}_{name}.nc"))
    return written


def working_memory(
    *,
    model: str = "compte2000",
    delays: Sequence[float] = (0.5, 1.0, 2.0, 3.0),
    trials_per_delay: int = 20,
    seed: int = 1,
    size: str = "scaled",
    device: str = "cpp_standalone",
    trials_per_run: int = 8,
    threads: int = 0,
    record_spikes: bool = True,
    out: str | Path | None = "results",
    progress: bool = True,
) -> tuple[xr.Dataset, Path | None]:
    """Delayed estimation on a working-memory model; save the Dataset under ``out``.

    Returns
    -------
    (Dataset, path)
        The result and the netCDF file written (``None`` when ``out`` is None).
    """
    trials_per_delay = check_positive_int("trials_per_delay", trials_per_delay)
    task = get_task("delayed-estimation", delays=list(delays))
    net = load_model(model, size=size, device=device, trials_per_run=trials_per_run, threads=threads, record_spikes=record_spikes)
    trials = task.trials(trials_per_delay * len(task.delays), seed)
    path = None if out is None else Path(out) / f"working-memory_{model}_{size}_seed{seed}.nc"
    # Finished batches are kept here, so an interrupted run resumes where it stopped.
    checkpoint = None if path is None else path.with_name(f".{path.stem}.partial")
    responses = net.run(trials, seed=seed, progress=progress, checkpoint=checkpoint)
    ds = combine(task, trials, responses)
    ds.attrs["size"] = size
    if path is not None:
        save(ds, path)
        shutil.rmtree(checkpoint, ignore_errors=True)
    return ds, path


def synaptic_transmission(
    *,
    protocols: Sequence[str] = PROTOCOLS,
    intervals: Sequence[float] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
    frequencies: Sequence[float] = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0),
    sets: Sequence[str] = ("depressing", "facilitating", "mongillo2008"),
    n_pulses: int = 10,
    device: str = "runtime",
    out: str | Path | None = "results",
) -> dict[str, tuple[xr.Dataset, Path | None]]:
    """Run the synaptic-transmission lab protocols; one Dataset (and file) per protocol.

    Intervals are in s and frequencies in Hz; ``sets`` name Tsodyks-Markram sets
    of the ``synaptic_transmission`` card.
    """
    _check_protocols(protocols, PROTOCOLS)
    model = load_model("synaptic_transmission", device=device)
    runs = {
        "psc": lambda: model.psc(),
        "paired-pulse": lambda: model.paired_pulse(intervals, sets=sets),
        "trains": lambda: model.trains(frequencies, sets=sets, n_pulses=n_pulses),
        "nmda-iv": lambda: model.nmda_iv(),
    }
    return _run_protocols("synaptic-transmission", protocols, runs, out)


def multi_item_recall(
    *,
    model: str = "mongillo2008",
    set_sizes: Sequence[int] = (1, 2, 3, 4),
    delay: float = 1.0,
    trials_per_size: int = 5,
    seed: int = 1,
    size: str = "scaled",
    device: str = "cpp_standalone",
    out: str | Path | None = "results",
    progress: bool = True,
) -> tuple[xr.Dataset, Path | None]:
    """Multi-item recall / change detection; saves trials, responses and scores in one file.

    Accuracy and Cowan's K per set size: :func:`neuromem.analysis.capacity.cowan_k`.
    """
    trials_per_size = check_positive_int("trials_per_size", trials_per_size)
    task = get_task("multi-item-recall", set_sizes=list(set_sizes), delay=delay)
    net = load_model(model, size=size, device=device)
    trials = task.trials(trials_per_size * len(task.set_sizes), seed)
    ds = combine(task, trials, net.run(trials, seed=seed, progress=progress))
    ds.attrs["size"] = size
    path = None if out is None else save(ds, Path(out) / f"multi-item-recall_{model}_{size}_seed{seed}.nc")
    return ds, path


def stdp(
    *,
    protocols: Sequence[str] = STDP_PROTOCOLS,
    rules: Sequence[str] | None = None,
    song_duration: float = 600.0,
    seed: int = 1,
    device: str = "cpp_standalone",
    out: str | Path | None = "results",
) -> dict[str, tuple[xr.Dataset, Path | None]]:
    """Run the STDP lab protocols; one Dataset (and file) per protocol.

    ``rules`` (names of the ``stdp`` card) apply to the window and frequency
    protocols; by default the window uses the pair rules and the frequency
    protocol the triplet rules. ``song_duration`` is in s.
    """
    _check_protocols(protocols, STDP_PROTOCOLS)
    model = load_model("stdp", device=device)
    runs = {
        "window": lambda: model.window(rules=rules or ("song2000", "song2000_nearest", "pfister_visual_minimal", "pfister_visual_full")),
        "frequency": lambda: model.frequency(rules=rules or ("pfister_visual_minimal", "pfister_visual_full")),
        "song2000": lambda: model.song2000(song_duration, seed=seed, record_every=max(song_duration / 60, 0.1)),
    }
    return _run_protocols("stdp", protocols, runs, out)


def retention(
    *,
    model: str = "assembly_memory",
    synapse: str = "simple",
    n_patterns: int = 8,
    test_delays: Sequence[float] = (0.5,),
    trials_per_delay: int = 4,
    seed: int = 1,
    size: str = "scaled",
    device: str = "cpp_standalone",
    out: str | Path | None = "results",
    progress: bool = True,
) -> tuple[xr.Dataset, Path | None]:
    """Study ``n_patterns`` patterns, recall each from half of it; save trials, responses, scores.

    The forgetting curve (recall vs number of later patterns and vs time) is
    :func:`neuromem.tasks.retention.forgetting_curve` of the result.
    """
    trials_per_delay = check_positive_int("trials_per_delay", trials_per_delay)
    task = get_task("retention", n_patterns=n_patterns, test_delays=list(test_delays))
    net = load_model(model, size=size, device=device, synapse=synapse)
    trials = task.trials(trials_per_delay * len(task.test_delays), seed)
    ds = combine(task, trials, net.run(trials, seed=seed, progress=progress))
    ds.attrs["size"] = size
    ds.attrs["synapse"] = synapse
    if out is None:
        return ds, None
    path = save(ds, Path(out) / f"retention_{model}_{synapse}_{size}_seed{seed}.nc")
    # the forgetting curve itself, in the results schema, beside the trial-level file
    curve = forgetting_curve(ds)
    curve.attrs["title"] = f"Forgetting curve: {ds.attrs['title']}"
    save(curve, path.with_name(path.stem + "_curve.nc"))
    return ds, path


def fit_task(task: str, delays: Sequence[float] | None = None, set_sizes: Sequence[int] | None = None,
             n_patterns: int = 2, n_features: int = 20) -> Any:
    """The task ``neuromem fit`` trains on (short periods; see :data:`ARTIFICIAL_TIMING`)."""
    if task not in FIT_TASKS:
        raise ValueError(f"task={task!r} is not allowed for fitting; choose one of {list(FIT_TASKS)}")
    timing = ARTIFICIAL_TIMING[task]
    if task == "delayed-estimation":
        return get_task(task, delays=list(delays or (0.2, 0.4, 0.6)), timing=timing)
    if task == "multi-item-recall":
        return get_task(task, set_sizes=list(set_sizes or (1, 2, 3)), delay=(delays or [0.3])[0], timing=timing)
    return get_task(task, n_patterns=n_patterns, n_features=n_features, coding_level=0.25,
                    test_delays=list(delays or (0.0, 0.2)), timing=timing)


def fit_model(
    *,
    model: str = "lstm",
    task: str = "delayed-estimation",
    delays: Sequence[float] | None = None,
    seeds: Sequence[int] = (1,),
    steps: int = 500,
    hidden_size: int | None = None,
    criterion: float | None = None,
    device: str = "auto",
    eval_trials: int = 200,
    out: str | Path = "results",
    progress: bool = True,
) -> tuple[Any, dict[str, Path]]:
    """Fit an artificial model; write the fitted weights, the loss history and a scored evaluation.

    An interrupted fit resumes from ``fit_<model>_<task>.ckpt.pt`` in ``out`` when
    the same command is given again.
    """
    from neuromem.artificial import fit, save_fitted

    t = fit_task(task, delays)
    overrides = {} if hidden_size is None else {"hidden_size": hidden_size}
    net = load_model(model, device=device, **overrides)
    if net.family not in ("rate", "lstm", "keyvalue"):
        raise ValueError(f"model={model!r} is a {net.family} model; `neuromem fit` trains rate_rnn, lstm or keyvalue")
    out = Path(out)
    stem = f"fit_{model}_{task}"
    ckpt = out / f"{stem}.ckpt.pt"
    fit(net, t, seeds=seeds, steps=steps, criterion=criterion, checkpoint=ckpt, progress=progress)
    paths = {"fitted": save_fitted(net, out / f"{stem}.pt"), "history": save(net.history_, out / f"{stem}_history.nc")}
    trials = t.trials(check_positive_int("eval_trials", eval_trials), 10**6)
    evaluation = combine(t, trials, net.run(trials))
    paths["evaluation"] = save(evaluation, out / f"{stem}_eval.nc")
    ckpt.unlink(missing_ok=True)
    return net, paths


def run_fitted(fitted: str | Path, task: Any, n_trials: int, *, seed: int = 1, fitted_seed: int | None = None,
               out: str | Path | None = "results", name: str = "") -> tuple[xr.Dataset, Path | None]:
    """Run a fitted artificial model (``neuromem fit``'s ``.pt`` file) on ``n_trials`` of ``task``."""
    from neuromem.artificial import load_fitted

    net = load_fitted(fitted)
    trials = task.trials(check_positive_int("n_trials", n_trials), seed)
    ds = combine(task, trials, net.run(trials, seed=fitted_seed))
    path = None if out is None else save(ds, Path(out) / f"{name or task.name}_{net.name}_fitted_seed{seed}.nc")
    return ds, path


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
    out: str | Path | None = "results",
    progress: bool = True,
) -> dict[str, tuple[xr.Dataset, Path | None]]:
    """Both kinds of forgetting of an artificial model, as forgetting curves.

    In activity: fit on retention with 2 patterns and test delays 0 / 0.2 s, then test
    with ``n_patterns`` and ``test_delays`` (beyond training). In weights: ``n_items``
    items learned one after another, ``steps_per_item`` steps each.
    """
    from neuromem.artificial import fit
    from neuromem.artificial.forgetting import in_activity, in_weights

    overrides = {} if hidden_size is None else {"hidden_size": hidden_size}
    net = load_model(model, device=device, **overrides)
    fit(net, fit_task("retention"), seeds=seeds, steps=train_steps, progress=progress)
    longer = fit_task("retention", delays=test_delays, n_patterns=n_patterns)
    _, activity = in_activity(net, longer, trials, seed=10**6)
    weights = in_weights(load_model(model, device=device, **overrides), seeds=seeds, n_items=n_items,
                         steps_per_item=steps_per_item, progress=progress)
    written = {}
    for kind, ds in (("in-activity", activity), ("in-weights", weights)):
        path = None if out is None else save(ds, Path(out) / f"forgetting-{kind}_{model}.nc")
        written[kind] = (ds, path)
    return written
