"""Benchmark: time per trial of continuous report with a set size, every model family on one machine.

Prints, from one run (all arms measured here, so the ratios compare across machines):
  * the Compte et al. (2000) ring (cpp_standalone, built once per arm) at set size 1 and at
    set size 6 — the same trial lengths, so the ratio says what the several cues cost;
  * each cognitive card (slots + averaging, population resource, variable precision) on
    set sizes 1-6, as time per trial and as a ratio against the ring's set-size-1 trial;
  * the mixture analysis of the cognitive results (two- and three-component fits per set
    size), the step that dominates a cognitive run.

Usage:  python benchmarks/set_size.py [--size scaled] [--ring-trials 8] [--cognitive-trials 20000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import neuromem
from neuromem.analysis.set_size import precision_by_set_size
from neuromem.runner import run_task
from neuromem.tasks import get_task

COGNITIVE = ("zhang_luck2008", "bays2014", "vandenberg2012")


def ring_per_trial(size: str, set_size: int, n: int) -> float:
    """Wall seconds per trial of the ring's batches (build excluded) at one set size, 1 s delay."""
    model = neuromem.load_model("compte2000", size=size, device="cpp_standalone", trials_per_run=n)
    task = get_task("delayed-estimation", set_sizes=[set_size], delays=[1.0])
    ds = model.run(task.trials(n, 0), seed=1, progress=False)
    return float(ds.attrs["simulation_seconds"]) / n


def cognitive_per_trial(card: str, n: int) -> tuple[float, float]:
    """(seconds per trial of the run, seconds of the mixture analysis) of a cognitive card on set sizes 1-6."""
    task = get_task("delayed-estimation", set_sizes=[1, 2, 3, 4, 5, 6], delays=[1.0])
    model = neuromem.load_model(card)
    t0 = time.perf_counter()
    ds = run_task(model, task, n, seed=0, progress=False)
    t1 = time.perf_counter()
    precision_by_set_size(ds)
    return (t1 - t0) / n, time.perf_counter() - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="scaled", choices=["scaled", "full"])
    parser.add_argument("--ring-trials", type=int, default=8)
    parser.add_argument("--cognitive-trials", type=int, default=20000)
    args = parser.parse_args()
    os.environ.setdefault("NEUROMEM_BUILD_DIR", tempfile.mkdtemp(prefix="neuromem-bench-"))

    base = ring_per_trial(args.size, 1, args.ring_trials)
    six = ring_per_trial(args.size, 6, args.ring_trials)
    print(f"{'model':<28}{'s per trial':>14}{'x ring N=1':>12}")
    print(f"{'compte2000 (' + args.size + ') N=1':<28}{base:>14.4g}{1.0:>12.3g}")
    print(f"{'compte2000 (' + args.size + ') N=6':<28}{six:>14.4g}{six / base:>12.3g}")
    for card in COGNITIVE:
        per_trial, analysis = cognitive_per_trial(card, args.cognitive_trials)
        print(f"{card + ' N=1-6':<28}{per_trial:>14.4g}{per_trial / base:>12.3g}   (mixture fits of {args.cognitive_trials} trials: {analysis:.2f} s)")


if __name__ == "__main__":
    main()
