"""Running a sweep's points on dask.distributed and writing each one as it finishes.

By default a ``LocalCluster`` of processes, one thread each, with BLAS/OpenMP
threads set to 1 so workers do not oversubscribe the cores; ``scheduler`` points
at any running Dask cluster instead (see ``docs/sweeps.md`` for SLURM/PBS with
dask-jobqueue). Each worker keeps its own Brian2 build folder, so a network is
compiled once per worker and workers never wait on each other's builds.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from neuromem import interrupts
from neuromem.sweep.define import Sweep
from neuromem.sweep.store import SweepStore
from neuromem.validation import usable_cores

#: environment of every local worker: one thread per process for BLAS, OpenMP and torch
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")}


def run_point(experiment: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Run one point on a worker: ``{"parts": {label: Dataset}}``, or the error it raised.

    An exception of the experiment becomes a record (the sweep goes on); a dying
    worker is the scheduler's to retry.
    """
    try:
        written = experiment(**params)
        return {"parts": {label: ds.load() for label, (ds, _) in written.items()}}
    except Exception as err:  # a failed point is data, not the end of the sweep
        return {"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}


def check_cluster(workers: int | None, scheduler: str | None) -> int:
    """The number of local workers (0 with a scheduler); a bad ``workers`` raises one line."""
    if scheduler is not None:
        if workers is not None:
            raise ValueError("workers is for the local cluster; with --scheduler the cluster decides its workers")
        return 0
    n = usable_cores() if workers is None else workers  # one worker per core this process may use
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"workers={n!r} is not allowed; give a positive number of worker processes")
    return n


@contextmanager
def client_for(workers: int | None = None, scheduler: str | None = None, dashboard: str | None = ":0") -> Iterator[Any]:
    """A dask ``Client``: on ``scheduler`` if given, else on a new ``LocalCluster`` of ``workers`` processes."""
    from distributed import Client, LocalCluster

    n = check_cluster(workers, scheduler)
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as err:
            raise ValueError(f"scheduler={scheduler!r} did not answer ({err}); give the address of a running dask scheduler (tcp://host:8786)") from None
        with client:
            client.register_plugin(_setup_plugin())
            yield client
        return
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=dashboard, silence_logs=logging.ERROR, env=dict(ONE_THREAD))
    with cluster, Client(cluster) as client:
        client.register_plugin(_setup_plugin())
        yield client


def run_sweep(
    sweep: Sweep, out: str | os.PathLike, *, workers: int | None = None, scheduler: str | None = None, progress: bool = True, client: Any = None
) -> dict[str, int]:
    """Run every point of ``sweep`` not yet in the store ``out``; returns counts of points by outcome.

    Points finished by an earlier run into ``out`` are not run again (a point
    that failed is tried again). ``client`` reuses an existing dask ``Client``.

    Returns
    -------
    dict
        ``{"points": all, "skipped": already done, "ran": written now, "failed": raised now}``.
    """
    from neuromem.experiments import get_experiment

    _check_installed()
    if client is None:
        check_cluster(workers, scheduler)  # before the store is made
    points = sweep.points()
    experiment = get_experiment(sweep.experiment)
    store = SweepStore(out)
    with store.locked():
        store.start(sweep.definition(), sweep.axes(), sweep.axis_units(), [p.key for p in points])
        done = store.done()
        todo = [p for p in points if p.key not in done]
        counts = {"points": len(points), "skipped": len(points) - len(todo), "ran": 0, "failed": 0}
        if not todo:
            return counts
        try:
            # Ctrl-C raises KeyboardInterrupt here, also where Brian2's import put its own SIGINT handler in place (one that
            # fails with "'Handlers' object is not callable" when SIGINT was ignored as Brian2 was imported)
            with interrupts.during_run():
                if client is not None:
                    client.register_plugin(_setup_plugin())  # a caller's client: every worker, also one restarted later
                    _run(client, experiment, todo, store, counts, progress)
                else:
                    with client_for(workers, scheduler) as own:
                        if progress:
                            print(f"neuromem sweep: {len(todo)} of {len(points)} points to run; dask dashboard {own.dashboard_link}", file=sys.stderr)
                        _run(own, experiment, todo, store, counts, progress)
        except KeyboardInterrupt:
            print(
                f"neuromem sweep: interrupted; {counts['skipped'] + counts['ran']} of {len(points)} points are saved in {store.path}: "
                "run the same command again to compute the rest",
                file=sys.stderr,
            )
            raise
    return counts


def _run(client: Any, experiment: Any, todo: list, store: SweepStore, counts: dict[str, int], progress: bool) -> None:
    from distributed import as_completed
    from tqdm.auto import tqdm

    futures = {client.submit(run_point, experiment, p.params, key=f"neuromem-point-{p.key}", pure=False): p for p in todo}
    with tqdm(total=counts["points"], initial=counts["skipped"], unit="point", disable=not progress, desc="sweep") as bar:
        for future in as_completed(futures):
            point = futures.pop(future)
            try:
                result = future.result()
            except Exception as err:  # the scheduler gave up on it (its workers kept dying): record, go on
                result = {"error": f"{type(err).__name__}: {err}", "traceback": ""}
            if "error" in result:
                store.write_failure(point.key, point.params, result["error"], result["traceback"])
                counts["failed"] += 1
                bar.write(f"point {point.coords} failed: {result['error']}")
            else:
                store.write(point.key, result["parts"])
                counts["ran"] += 1
            bar.update()


def _check_installed() -> None:
    try:
        import distributed  # noqa: F401
        import filelock  # noqa: F401
        import zarr  # noqa: F401
    except ImportError as err:
        raise ValueError(f"sweeps need {err.name}, which is not installed: pip install 'neuromem[sweep]'") from None


def _setup_plugin() -> Any:
    from neuromem.sweep.worker import WorkerSetup  # imports distributed, which a core install lacks

    return WorkerSetup()
