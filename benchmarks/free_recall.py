"""Benchmark: simulated free-recall lists per second, neuromem's CMR against cymr's, in one run.

Both models get the same lists (neuromem's trials), the same parameters (the cmr card) and
the same distractor schedules; what is timed is each package's path from lists to recall
sequences. cymr is timed twice: its user path (``CMR.generate``, which also builds a
DataFrame) and its simulation alone (``CMR.generate_subject``, the Cython network). Also
prints the dual-store model's rate. Ratios are what to read (the machine is noisy).

Usage:  python benchmarks/free_recall.py [--lists 3000] [--length 16] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neuromem.cards import load_card, load_model
from neuromem.tasks import get_task


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def cymr_core(trials, parameters) -> None:
    """cymr's simulation alone: ``generate_subject`` per schedule, no DataFrame assembly."""
    from cymr import cmr

    from neuromem.cognitive.base import list_groups
    from neuromem.peers.cymr_cmr import cymr_setup

    for rows, ids, distractor in list_groups(trials):
        param, param_def, patterns = cymr_setup(trials.sizes["pool"], parameters, distractor[0])
        study = {"input": [np.arange(1, ids.shape[1] + 1)] * len(rows), "item_index": list(ids)}
        recall = {"input": [np.array([], int)] * len(rows), "item_index": [np.array([], int)] * len(rows)}
        cmr.CMR().generate_subject(study, recall, param, param_def=param_def, patterns=patterns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=3000)
    parser.add_argument("--length", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    task = get_task("free-recall", list_lengths=[args.length])
    trials = task.trials(args.lists, 1)
    params = load_card("cmr").parameters
    ours = best_of(args.repeats, lambda: load_model("cmr").run(trials, seed=1))
    dual = best_of(args.repeats, lambda: load_model("dual_store").run(trials, seed=1))
    print(f"{args.lists} lists of {args.length} items (3 distractor schedules), best of {args.repeats}")
    print(f"  neuromem CMR          {ours:8.3f} s   {args.lists / ours:10.0f} lists/s")
    print(f"  neuromem dual store   {dual:8.3f} s   {args.lists / dual:10.0f} lists/s")
    try:
        import cymr  # noqa: F401
    except ImportError:
        print("  cymr is not installed (pip install 'neuromem[peers]'): no peer timing")
        return
    from neuromem.peers.cymr_cmr import run_cymr

    core = best_of(args.repeats, lambda: cymr_core(trials, params))
    user = best_of(1, lambda: run_cymr(trials, params, seed=1))
    print(f"  cymr CMR, simulation  {core:8.3f} s   {args.lists / core:10.0f} lists/s   neuromem is {core / ours:6.1f}x faster")
    print(f"  cymr CMR, generate()  {user:8.3f} s   {args.lists / user:10.0f} lists/s   neuromem is {user / ours:6.1f}x faster")


if __name__ == "__main__":
    main()
