"""Batches of trials run at once in forked worker processes.

A built network (standalone binary or runtime objects) lives in the process that
built it. Forking after the build gives each worker that whole state without a
second build: a standalone worker runs the same binary with its own results
folder, a runtime worker restores the stored initial state in its own memory.
Each batch carries its own seed, so which worker runs it, and in what order,
changes nothing in the result.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from neuromem.spiking.devices import _die_with_parent
from neuromem.validation import usable_cores

# The forked workers find the batch function here (a closure cannot be pickled, a fork copies it).
_TASK: Callable[[Any], Any] | None = None


def resolve_workers(workers: Any, kind: str = "cpp_standalone", threads: int = 0) -> int:
    """``workers`` checked; 0 means one per usable core (one on a GPU, which is the parallelism there;
    with OpenMP ``threads``, one per that many cores).

    More than the usable cores is refused. One process per core is the default because it
    measured fastest: on 2 cores two processes ran a full-size ring sweep 1.75x as fast as one
    process, two OpenMP threads 1.18x (``benchmarks/ring_attractor_sweep.py``).
    """
    cores = usable_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= cores:
        raise ValueError(f"workers={workers!r} is not allowed; it must be a whole number from 0 (one per core) to {cores} (the cores this process may use)")
    if workers == 0:
        return 1 if kind == "cuda_standalone" else max(1, cores // max(threads, 1))
    return workers


def _call(item: Any) -> Any:
    assert _TASK is not None, "forked_batches sets the task before it forks"
    return _TASK(item)


def forked_batches(task: Callable[[Any], Any], items: Iterable[Any], workers: int) -> Iterator[Any]:
    """``task(item)`` for every item, ``workers`` at a time in forked processes; results as they finish.

    The workers die with this process (``PR_SET_PDEATHSIG``); an error in one is raised
    here and the batches not yet started are cancelled.
    """
    global _TASK
    _TASK = task
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_die_with_parent)
    try:
        futures = [pool.submit(_call, item) for item in items]
        for future in as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _TASK = None
