"""``neuromem benchmark``: every registered model on every benchmark it can run, declared like an experiment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neuromem.experiments.declare import Experiment, Param, Written
from neuromem.outputs import claim


def _check(resolved: dict[str, Any], given: set[str]) -> None:
    from neuromem.benchmarks import get_benchmark
    from neuromem.cards import load_card

    for name in resolved["models"] or ():
        load_card(name)  # an unknown model names the known ones
    for name in resolved["benchmarks"] or ():
        get_benchmark(name)
    if (resolved["workers"] > 1 or resolved["scheduler"] is not None) and resolved["out"] is None:
        raise ValueError("--workers and --scheduler need --out: the workers hand their runs over through it")
    if resolved["scheduler"] is not None and "workers" in given:
        raise ValueError("--workers is for the local cluster; with --scheduler the cluster decides its workers")


def run_benchmark(*, workers: int = 1, scheduler: str | None = None, **options: Any) -> Any:
    """:func:`neuromem.benchmarks.table.benchmark` on ``workers`` local processes (one thread each), or on the running dask
    cluster at ``scheduler`` (the sweep engine's client); in this process alone with one worker."""
    from neuromem.benchmarks.table import benchmark, local_pool

    if scheduler is not None:
        from neuromem.sweep.engine import _check_installed, client_for

        _check_installed()
        with client_for(None, scheduler, dashboard=None) as client:
            return benchmark(pool=client, **options)
    if workers > 1:
        with local_pool(workers) as pool:
            return benchmark(pool=pool, **options)
    return benchmark(**options)


def _benchmark(
    *,
    models: Sequence[str] | None,
    benchmarks: Sequence[str] | None,
    seeds: Sequence[int],
    quick: bool,
    workers: int,
    scheduler: str | None,
    max_run_minutes: float | None,
    out: str | None,
    quiet: bool,
) -> Written:
    from neuromem.benchmarks.report import heatmap, html_report

    # the table is rebuilt from the runs kept in --out whatever the models asked for: replaced on purpose, and said
    path = None if out is None else claim(Path(out) / "benchmark_table.nc", same_run=False)
    if path is not None and path.is_file():
        print(f"replacing {path} (the table is rebuilt from the runs kept in {out}: only missing cells are computed)")
    table = run_benchmark(
        workers=workers,
        scheduler=scheduler,
        models=models,
        benchmarks=benchmarks,
        seeds=seeds,
        quick=quick,
        out=out,
        progress=not quiet,
        save_table=False,
        max_run_minutes=max_run_minutes,
    )
    if path is not None:
        print(f"wrote {heatmap(table, path.with_name('benchmark_scores.png'))} (heat map)")
        print(f"wrote {html_report(table, path.with_name('benchmark_report.html'))} (report)")
    return {"table": (table, path)}


def _report(written: Written) -> list[str]:
    from neuromem.benchmarks.report import text_table

    return text_table(written["table"][0])


BENCHMARK = Experiment(
    "benchmark",
    "score every model on every benchmark it can run, against people's data with ceilings from how well people agree",
    (
        Param("models", str, None, "model cards (default: every registered one)", many=True, unique=True),
        Param("benchmarks", str, None, "benchmarks (default: every registered one; see `neuromem list`)", many=True, unique=True),
        Param(
            "seeds", int, [1], "model seeds (each cell's interval resamples them with the human subjects)", many=True, minimum=0, maximum=2**63 - 1, unique=True
        ),
        Param("quick", flag=True, default=False, help="fewer trials and fit steps (each benchmark's quick_trials)"),
        Param("workers", int, 1, "local worker processes running the models (the table is the same whatever the number)", minimum=1, maximum=256),
        Param("scheduler", str, None, "a running dask scheduler (tcp://host:8786) instead of a local cluster; needs --out on a shared folder"),
        Param(
            "max_run_minutes",
            float,
            None,
            "skip a run its model estimates longer than this, on one core (default: 2 with --quick, 60 without)",
            minimum=0,
            exclusive_minimum=True,
            maximum=10_000,
        ),
        Param("out", str, "benchmark_results", "folder for runs, fits, the table, the heat map and the HTML report", nullable=True),
        Param("quiet", flag=True, default=False, help="no progress bar"),
    ),
    _benchmark,
    _report,
    _check,
)
