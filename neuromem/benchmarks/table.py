"""``neuromem benchmark``: every registered model on every benchmark its card can run, in one table.

Each (model, task conditions, seed, trials) run is kept as a result file under
``<out>/runs/`` and each artificial model's fit under ``<out>/fitted/``, named by
everything that makes them differ, so a rerun (after an interrupt, or with more
benchmarks) computes only what is missing and the same seeds give the same table.
A cell a model cannot run is ``not applicable: <why>`` (its card does not list the
task, or the model refuses the experiment); an error is ``failed: <why>``. Neither
counts as a zero: a parent's score is the mean of its scored children, with its
coverage beside it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neuromem import interrupts
from neuromem.benchmarks import BENCHMARKS, Benchmark, get_benchmark
from neuromem.outputs import atomic_write
from neuromem.results import load, provenance, save

#: optimiser steps of the artificial models' fits (``--quick`` and default)
FIT_STEPS = {"quick": 300, "default": 2000}
#: a run its model estimates longer than this (one core, seconds) is skipped and said so, not started
MAX_RUN_SECONDS = {"quick": 120.0, "default": 3600.0}
#: the root of the tree of scores
ROOT = "memory"
#: the scalar variables of a scored cell kept in the table
SCORE_VARS = {
    "score": "normalised score, clipped to [0, 1]",
    "score_unclipped": "normalised score (raw - chance) / (ceiling - chance), not clipped",
    "raw": "raw metric (model against the human mean)",
    "ceiling": "metric of people against people (median of seeded split halves of subjects; for group means, what the true means would score)",
    "ci_low": "lower end of the 95% interval (bootstrap over subjects, or group means, and model seeds, centred on the score)",
    "ci_high": "upper end of the 95% interval (bootstrap over subjects, or group means, and model seeds, centred on the score)",
    "closeness_score": "closeness to the human mean in between-subject s.d. (in s.e.m. for group means), normalised by its ceiling",
    "closeness_ci_low": "lower end of the closeness score's 95% interval",
    "closeness_ci_high": "upper end of the closeness score's 95% interval",
    "distance_se": "RMS distance from the human mean in its standard errors",
    "effects_shown": "effects of the benchmark the model shows",
    "effects_total": "effects the benchmark tests",
}


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _identity(name: str) -> tuple[str, str]:
    """What makes a card's runs differ besides their parameters: neuromem's version and the card's content."""
    from neuromem._version import __version__

    return __version__, repr(_card(name))


class NotApplicable(ValueError):
    """The model refuses the benchmark's experiment (too few pools for the set size, a task its card does not run)."""


def _card(name: str) -> Any:
    from neuromem.cards import load_card

    return load_card(name)


def _needs_fit(name: str) -> bool:
    from neuromem.cards import model_class

    return bool(getattr(model_class(name), "needs_fit", False))


def build(name: str, bench: Benchmark, seed: int, steps: int, folder: Path | None, progress: bool) -> tuple[Any, str]:
    """Card model ``name`` ready for ``bench`` and its fit status (``""`` for a model that is not fitted).

    Built from its card, or fitted on the benchmark's task; the fit and its status
    are kept in ``folder`` and read back on a rerun.
    """
    from neuromem.cards import load_model

    if not _needs_fit(name):
        # on a cluster worker a spiking network runs its batches in this process: a worker takes one core already,
        # and may not start processes of its own (the result is the same whatever the number of batch workers)
        on_worker = _ON_CLUSTER.get() and _card(name).family == "spiking" and not bench.protocol  # a protocol's model has no batches
        return load_model(name, **({"workers": 1} if on_worker else {})), ""
    from neuromem.artificial import load_fitted, save_fitted
    from neuromem.experiments.fit import fit_model

    params = dict(bench.fit_params or bench.task_params)
    path = None if folder is None else folder / "fitted" / f"{name}_{bench.task}_{_key(params, _identity(name))}_seed{seed}_steps{steps}.pt"
    if path is not None and path.is_file() and path.with_suffix(".json").is_file():
        return load_fitted(path), json.loads(path.with_suffix(".json").read_text())["fit_status"]
    # on the CPU whatever the machine has: the same seeds give the same table everywhere
    net, _ = fit_model(model=name, task=bench.task, task_param=params, seeds=[seed], steps=steps, device="cpu", eval_trials=1, out=None, progress=progress)
    status = str(net.history_["fit_status"].values[0])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_fitted(net, path)
        atomic_write(path.with_suffix(".json"), lambda tmp: tmp.write_text(json.dumps({"fit_status": status, "steps": steps})))
    return net, status


@contextlib.contextmanager
def one_torch_thread(needed: bool) -> Iterator[None]:
    """Fit and run on one torch thread, as the workers do: a sum over threads is ordered by their number, so a fit on
    two threads and a fit on one differ in the last bits, and same seeds must give the same table whatever ``--workers``."""
    if not needed:
        yield
        return
    import torch

    kept = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(kept)


#: one BLAS/OpenMP thread per worker process, so the workers share the cores instead of fighting over them
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")}
#: set in the jobs a dask worker runs (see :func:`build`)
_ON_CLUSTER: contextvars.ContextVar[bool] = contextvars.ContextVar("neuromem_on_cluster", default=False)
#: the run budget (s) of the table being built, when it is not the mode's default
_BUDGET: contextvars.ContextVar[float | None] = contextvars.ContextVar("neuromem_run_budget", default=None)


class Skipped(Exception):
    """A run not started because its model estimates it beyond the table's budget."""


def too_long(model: Any, bench: Benchmark, trials: int, mode: str) -> None:
    """Raise :class:`Skipped` when ``model``'s own estimate of ``bench``'s run exceeds :data:`MAX_RUN_SECONDS` of ``mode``."""
    if not hasattr(model, "estimate") or bench.protocol:  # a protocol runs as its model's methods do, with no estimate of trials
        return
    task = bench.experiment()
    seconds = float(model.estimate(task.trials(int(trials) * len(task.conditions()), 0))["seconds"])
    budget = _BUDGET.get() or MAX_RUN_SECONDS[mode]
    if seconds > budget:
        raise Skipped(f"estimated {_minutes(seconds, budget)} min on one core > the budget of {_minutes(budget)} min per run (--max-run-minutes)")


def run_key(name: str, bench: Benchmark, quick: bool) -> str:
    """What makes card model ``name``'s run of ``bench`` differ from another's (the seed aside): benchmarks that share
    it share the run."""
    trials = bench.quick_trials if quick else bench.trials
    fit = (FIT_STEPS["quick" if quick else "default"], dict(bench.fit_params)) if _needs_fit(name) else None
    return _key(name, bench.experiment_name, dict(bench.task_params), trials, fit, _identity(name))


def run_cached(name: str, bench: Benchmark, seed: int, quick: bool, folder: Path | None, progress: bool) -> xr.Dataset:
    """The result of ``bench``'s experiment on card model ``name`` with ``seed`` (read from ``folder`` when it was run before)."""
    trials = bench.quick_trials if quick else bench.trials
    steps = FIT_STEPS["quick" if quick else "default"]
    path = None if folder is None else folder / "runs" / f"{name}_{bench.experiment_name}_{run_key(name, bench, quick)}_seed{seed}.nc"
    if path is not None and path.is_file():
        try:
            return load(path)
        except ValueError as err:  # a damaged file (a disk that filled, a copy cut short): made again, and said
            print(f"{path} cannot be read ({str(err).splitlines()[0]}); running it again", file=sys.stderr)
            path.unlink()
    with one_torch_thread(_needs_fit(name)):  # the same numbers in this process and in a worker (one thread each)
        try:
            model, fit_status = build(name, bench, seed, steps, folder, progress)
            too_long(model, bench, trials, "quick" if quick else "default")
            result = bench.run(model, seed, trials, progress=progress)
        except ValueError as err:  # the model (or its card) refuses the experiment: a user-level mismatch, not a crash
            raise NotApplicable(str(err).splitlines()[0]) from err
    result.attrs["fit_status"] = fit_status
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(result, path)
    return result


def cell(name: str, bench: Benchmark, seeds: Sequence[int], quick: bool, folder: Path | None, progress: bool = False) -> tuple[str, xr.Dataset | None]:
    """Status and scored Dataset of one (model, benchmark) cell; a ValueError (the model refuses the experiment) is not applicable."""
    reason = bench.applicable(_card(name))
    if reason is not None:
        return f"not applicable: {reason}", None
    try:
        runs = [run_cached(name, bench, s, quick, folder, progress) for s in seeds]
        curves = [bench.measure(r) for r in runs]
        scored = bench.score(xr.concat(curves, dim="seed").assign_coords(seed=list(seeds)))
    except Skipped as err:
        return f"skipped: {err}", None
    except NotApplicable as err:
        return f"not applicable: {err}", None
    except Exception as err:  # recorded in the table, never a silent zero; the traceback goes to the log
        print(f"{name} on {bench.identifier} failed:\n{traceback.format_exc()}", file=sys.stderr)
        return f"failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", None
    if not np.isfinite(float(scored["score"])):  # the ceiling is at or below chance: people do not agree with each other here
        return f"no ceiling: the metric of people against people is {float(scored['ceiling']):.3g}", None
    unlearned = [f"seed {s}: {r.attrs['fit_status']}" for s, r in zip(seeds, runs) if r.attrs.get("fit_status", "").startswith("did not learn")]
    status = f"scored; fit did not learn ({'; '.join(unlearned)})" if unlearned else "scored"
    return status, scored.assign(curve=xr.concat(curves, dim="seed").assign_coords(seed=list(seeds)))


def nodes_of(parent: str) -> list[str]:
    """Every node from the root down to ``parent`` (``a/b`` -> ``memory``, ``a``, ``a/b``)."""
    parts = parent.split("/")
    return [ROOT] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


def aggregate(scores: xr.DataArray, parents: Sequence[str]) -> xr.Dataset:
    """Score of every node of the tree per model: the mean of its children's scores; n/a and failed children are not zeros.

    ``scores`` (model, benchmark), NaN where a cell is not scored; ``parents`` the
    benchmarks' parent nodes. Returns ``node_score``, ``node_scored`` and
    ``node_children`` on (model, node).
    """
    children: dict[str, list[str]] = {}
    for bench, parent in zip(scores["benchmark"].values, parents):
        chain = nodes_of(parent)
        for up, down in zip(chain, chain[1:] + [f"benchmark:{bench}"]):
            children.setdefault(up, [])
            if down not in children[up]:
                children[up].append(down)
    value: dict[str, xr.DataArray] = {}

    def node(name: str) -> xr.DataArray:
        if name.startswith("benchmark:"):
            return scores.sel(benchmark=name.split(":", 1)[1], drop=True)
        if name not in value:
            value[name] = xr.concat([node(c) for c in children[name]], dim="child").mean("child", skipna=True)
        return value[name]

    names = sorted(children, key=lambda n: (n != ROOT, n))
    score = xr.concat([node(n) for n in names], dim="node").assign_coords(node=names)
    scored = xr.concat([xr.concat([node(c).notnull() for c in children[n]], dim="child").sum("child") for n in names], dim="node").assign_coords(node=names)
    return xr.Dataset(
        {
            "node_score": score.assign_attrs(units="1", long_name="mean of the scored children's scores (n/a and failed are left out)"),
            "node_scored": scored.assign_attrs(units="1", long_name="children with a score"),
            "node_children": ("node", [len(children[n]) for n in names], {"units": "1", "long_name": "children of the node"}),
        }
    )


def _table(
    models: list[str], benches: list[Benchmark], cells: dict[tuple[str, str], tuple[str, xr.Dataset | None]], seeds: Sequence[int], quick: bool
) -> xr.Dataset:
    ids = [b.identifier for b in benches]
    data = {}
    for var, long_name in SCORE_VARS.items():
        grid = np.full((len(models), len(ids)), np.nan)
        for (m, b), (_, ds) in cells.items():
            if ds is not None:
                grid[models.index(m), ids.index(b)] = float(ds[var])
        data[var] = (("model", "benchmark"), grid, {"units": "1", "long_name": long_name})
    status = np.array([[cells[m, b][0] for b in ids] for m in models], dtype=object)
    effects = np.array([[cells[m, b][1]["effects"].item() if cells[m, b][1] is not None else "" for b in ids] for m in models], dtype=object)
    table = xr.Dataset(
        {
            **data,
            "status": (("model", "benchmark"), status.astype(str), {"units": "1", "long_name": "scored / not applicable: why / skipped: why / failed: why"}),
            "effects": (("model", "benchmark"), effects.astype(str), {"units": "1", "long_name": "each effect: model and human value, shown (JSON)"}),
        },
        coords={
            "model": models,
            "benchmark": ids,
            "benchmark_version": ("benchmark", [b.version for b in benches]),
            "parent": ("benchmark", [b.parent for b in benches]),
            "metric": ("benchmark", [b.metric.name for b in benches]),
            "model_family": ("model", [_card(m).family for m in models]),
        },
    )
    ceilings = [b.ceiling() for b in benches]
    table["human_ceiling"] = ("benchmark", [c for c, _ in ceilings], {"units": "1", "long_name": "the primary metric's ceiling (people against people)"})
    table["human_ceiling_spread"] = (
        "benchmark",
        [float(np.nanstd(v)) for _, v in ceilings],
        {"units": "1", "long_name": "s.d. of the ceiling over splits (0 for group means)"},
    )
    table["human_subjects"] = (
        "benchmark",
        [b.n_subjects for b in benches],
        {"units": "1", "long_name": "subjects in the reference data (0: group means with standard errors)"},
    )
    table = table.merge(aggregate(table["score"], [b.parent for b in benches]))
    for b in benches:  # the curves, for the report's figures
        table = table.merge(_curves(b, models, cells))
    table.attrs.update(
        provenance(
            title="neuromem benchmark: " + ", ".join(models),
            model="benchmark",
            model_family="none",
            task="benchmark",
            parameters={
                "seeds": list(seeds),
                "quick": quick,
                "fit_steps": FIT_STEPS["quick" if quick else "default"],
                "max_run_seconds": _BUDGET.get() or MAX_RUN_SECONDS["quick" if quick else "default"],
                "versions": {b.identifier: b.version for b in benches},
            },
            seed=int(seeds[0]),
            backend="neuromem.benchmarks",
            references="; ".join(dict.fromkeys(b.citation for b in benches)),
        )
    )
    return table


def _curves(b: Benchmark, models: list[str], cells: dict) -> xr.Dataset:
    tag = b.identifier.replace("-", "_")
    x = f"x_{tag}"
    human = b.human
    grid = np.full((len(models), human.sizes[b.x]), np.nan)
    for i, m in enumerate(models):
        ds = cells[m, b.identifier][1]
        if ds is not None:
            grid[i] = ds["curve"].mean("seed").values
    attrs = dict(human.attrs)
    return xr.Dataset(
        {
            f"curve_{tag}": (("model", x), grid, {"units": attrs.get("units", "1"), "long_name": f"model mean over seeds: {attrs.get('long_name', '')}"}),
            f"human_mean_{tag}": (x, b.human_mean().values, {"units": attrs.get("units", "1"), "long_name": f"people's mean: {attrs.get('long_name', '')}"}),
            f"human_sem_{tag}": (x, b.human_sem().values, {"units": attrs.get("units", "1"), "long_name": "standard error of people's mean"}),
        },
        coords={x: (x, human[b.x].values.astype(float), {"units": str(human[b.x].attrs.get("units", "1")), "long_name": b.x})},
    )


def _prepare(name: str, bench_id: str, seed: int, quick: bool, folder: str, budget: float | None = None, on_dask: bool = False) -> str:
    """A worker's job: one run into ``folder`` (its error is met again, and recorded, when the cell is scored)."""
    _BUDGET.set(budget)
    _ON_CLUSTER.set(on_dask)
    try:
        run_cached(name, get_benchmark(bench_id), seed, quick, Path(folder), progress=False)
        return ""
    except Exception as err:  # noqa: BLE001 - recorded by the cell
        return f"{type(err).__name__}: {err}"


def runs_needed(models: Sequence[str], benches: Sequence[Benchmark], seeds: Sequence[int], quick: bool) -> list[tuple[str, str, int]]:
    """One (model, benchmark, seed) per distinct run the applicable cells need (:func:`run_key`: benchmarks on the same
    task conditions share it)."""
    seen, jobs = set(), []
    for m in models:
        card = _card(m)
        for b in benches:
            if b.applicable(card) is not None:
                continue
            for s in seeds:
                key = (run_key(m, b, quick), s)
                if key not in seen:
                    seen.add(key)
                    jobs.append((m, b.identifier, s))
    return jobs


def _cell_job(
    name: str, bench_id: str, seeds: Sequence[int], quick: bool, folder: str, budget: float | None = None, on_dask: bool = False
) -> tuple[str, xr.Dataset | None]:
    """A worker's job: one cell scored from the runs already in ``folder``."""
    _BUDGET.set(budget)
    _ON_CLUSTER.set(on_dask)
    return cell(name, get_benchmark(bench_id), seeds, quick, Path(folder))


def _in_parallel(models: Sequence[str], benches: Sequence[Benchmark], seeds: Sequence[int], quick: bool, folder: Path, pool: Any, progress: bool) -> dict:
    """Every distinct run, then every cell's scoring, on ``pool`` (a process pool, or a dask ``Client``); the cells it could
    not do are absent (made in this process)."""
    from tqdm.auto import tqdm

    on_dask = hasattr(pool, "scheduler_info")
    if on_dask:
        from distributed import as_completed
    else:
        from concurrent.futures import as_completed

    def submit(fn: Any, *args: Any) -> Any:
        return pool.submit(fn, *args, on_dask, pure=False) if on_dask else pool.submit(fn, *args, on_dask)

    def ok(future: Any) -> bool:
        return future.status == "finished" if on_dask else future.done() and future.exception() is None

    # the fits first: many similar long jobs that keep every worker busy (measured: 1.8x on 2 workers, against 1.5x
    # with the spiking runs first, which use both cores themselves)
    jobs = sorted(runs_needed(models, benches, seeds, quick), key=lambda job: not _needs_fit(job[0]))
    budget = _BUDGET.get()
    runs = [submit(_prepare, m, b, s, quick, str(folder), budget) for m, b, s in jobs]
    for _ in tqdm(as_completed(runs), total=len(runs), desc="runs", disable=not progress):
        pass
    cells = {submit(_cell_job, m, b.identifier, list(seeds), quick, str(folder), budget): (m, b.identifier) for m in models for b in benches}
    done: dict = {}
    for future in tqdm(as_completed(list(cells)), total=len(cells), desc="scores", disable=not progress):
        if ok(future):
            done[cells[future]] = future.result()
    broken = [f for f in [*runs, *cells] if not ok(f)]
    if broken:  # a job that raised or whose worker died: done again in this process, not lost
        print(f"{len(broken)} jobs did not finish on the workers ({broken[0].exception()!r}); they run here", file=sys.stderr)
    return done


@contextlib.contextmanager
def local_pool(workers: int) -> Iterator[Any]:
    """``workers`` fresh processes (spawn), one BLAS/OpenMP/torch thread each, for :func:`benchmark`'s ``pool``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    kept = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)  # inherited by the workers before they import numpy
    try:
        # spawn: a fresh interpreter per worker (Brian2 and torch do not survive a fork of a process that has used them)
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
    finally:
        for name, value in kept.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def benchmark(
    models: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    seeds: Sequence[int] = (1,),
    quick: bool = False,
    out: str | Path | None = "benchmark_results",
    progress: bool = True,
    save_table: bool = True,
    pool: Any = None,
    max_run_minutes: float | None = None,
) -> xr.Dataset:
    """Score every model on every benchmark it can run; one table (model x benchmark) with the tree of scores.

    Parameters
    ----------
    models, benchmarks : sequence of str, optional
        Registered names (default: all, plug-ins included).
    seeds : sequence of int
        Model seeds; each cell's interval resamples them with the human subjects.
    quick : bool
        Fewer trials and fit steps (each benchmark's ``quick_trials``, :data:`FIT_STEPS`).
    out : path or None
        Folder for the runs, fits and the table (``benchmark_table.nc``); ``None`` keeps nothing.
    pool : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs and scores the cells on its workers (they hand their runs over through ``out``, so it is
        needed); the table is the same whatever the workers. :func:`neuromem.benchmark` and the CLI
        open one (:func:`local_pool` for ``workers``, the sweep engine's client for ``scheduler``).
    max_run_minutes : float, optional
        A run its model estimates longer is skipped (default :data:`MAX_RUN_SECONDS` of the mode).
    """
    from neuromem.cards import list_models

    models = list(models) if models else list_models()
    benches = [get_benchmark(b) for b in (benchmarks or BENCHMARKS.names())]
    folder = None if out is None else Path(out)
    if pool is not None and folder is None:
        raise ValueError("workers need an out folder: they hand their runs over through it")
    token = _BUDGET.set(None if max_run_minutes is None else 60.0 * max_run_minutes)
    try:
        with interrupts.during_run():  # Ctrl-C raises while waiting on workers, whatever handler Brian2's import left
            return _build(models, benches, seeds, quick, folder, progress, save_table, pool)
    finally:
        _BUDGET.reset(token)


def _build(
    models: list[str], benches: list[Benchmark], seeds: Sequence[int], quick: bool, folder: Path | None, progress: bool, save_table: bool, pool: Any
) -> xr.Dataset:
    from tqdm.auto import tqdm

    cells = _in_parallel(models, benches, seeds, quick, folder, pool, progress) if pool is not None else {}
    with tqdm(total=len(models) * len(benches), desc="benchmark", disable=not progress) as pbar:
        for m in models:
            for b in benches:
                pbar.set_postfix_str(f"{m} on {b.identifier}")
                if (m, b.identifier) not in cells:
                    cells[m, b.identifier] = cell(m, b, seeds, quick, folder)
                pbar.update(1)
    table = _table(models, benches, cells, seeds, quick)
    if folder is not None and save_table:
        save(table, folder / "benchmark_table.nc")
    return table


def _minutes(seconds: float, budget: float | None = None) -> str:
    """Minutes as a reader compares them: 2.3 against a budget of 2, not 2 against 2 (more digits where one decimal would
    print an estimate equal to the ``budget`` it exceeds)."""
    minutes = seconds / 60
    text = f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}"
    digits = 2
    while budget is not None and seconds > budget and float(text) <= budget / 60 and digits < 6:
        text, digits = f"{minutes:.{digits}f}", digits + 1
    return text
