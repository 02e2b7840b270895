"""Benchmark: Compte et al. (2000) ring attractor, a delay sweep with unequal trial lengths.

Prints, from one run on one machine (every arm cpp_standalone, built once):
  * per-trial wall time and wall time per simulated ring-second;
  * the waste from unequal trial lengths: the same trials with every batch run to the
    longest trial's end (as before batches ended at their own end) against batches that
    end at their own end, with the simulated ring-seconds of both;
  * threads vs processes: the same sweep with OpenMP threads in one process and with
    worker processes (one build, forked), each against one process on one core;
  * optionally (--runtime-baseline N), N trials each as a fresh Brian2 runtime network.

Ratios are what to compare across machines (all arms measured in the same run).

Usage:  python benchmarks/ring_attractor_sweep.py [--size full] [--trials 20] [--trials-per-run 5]
        [--delays 0.5 1 2 3] [--parallel 2] [--runtime-baseline 0]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import neuromem
from neuromem.tasks import DelayedEstimation


def timed_run(trials, size: str, trials_per_run: int, **options) -> tuple[float, float, object]:
    """(build s, wall s of the batches, Dataset) of one run of the ring on ``trials``."""
    model = neuromem.load_model("compte2000", size=size, device="cpp_standalone", trials_per_run=trials_per_run, **options)
    ds = model.run(trials, seed=1, progress=False)
    return float(ds.attrs["build_seconds"]), float(ds.attrs["simulation_seconds"]), ds


def ring_seconds(trials, trials_per_run: int, own_end: bool) -> float:
    """Ring-seconds simulated: copies x batch length, batches of trials sorted by length."""
    ends = np.sort(trials["trial_end"].values)
    batches = [ends[k : k + trials_per_run] for k in range(0, ends.size, trials_per_run)]
    return float(sum(trials_per_run * (b.max() if own_end else ends.max()) for b in batches))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="full")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--delays", type=float, nargs="+", default=[0.5, 1.0, 2.0, 3.0])
    parser.add_argument("--trials-per-run", type=int, default=5)
    parser.add_argument("--parallel", type=int, default=2, help="threads / processes of the parallel arms")
    parser.add_argument("--runtime-baseline", type=int, default=0, help="also run this many trials each as a fresh runtime network")
    args = parser.parse_args()

    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-")  # every build pays its compile
    trials = DelayedEstimation(delays=args.delays).trials(args.trials, 0)
    n, tpr = trials.sizes["trial"], args.trials_per_run
    longest = float(trials["trial_end"].max())
    to_longest = trials.assign(trial_end=("trial", np.full(n, longest), trials["trial_end"].attrs))

    arms = {
        "every batch to the longest trial, 1 process": (to_longest, {"workers": 1}),
        "batches end at their own end, 1 process": (trials, {"workers": 1}),
        f"own end, OpenMP {args.parallel} threads": (trials, {"workers": 1, "threads": args.parallel}),
        f"own end, {args.parallel} processes": (trials, {"workers": args.parallel}),
    }
    results = {}
    for name, (arm_trials, options) in arms.items():
        t0 = time.perf_counter()
        build, run, ds = timed_run(arm_trials, args.size, tpr, **options)
        results[name] = (build, run, time.perf_counter() - t0)
        print(f"  ran: {name} ({time.perf_counter() - t0:.0f} s)", flush=True)

    model = neuromem.load_model("compte2000", size=args.size)
    print(f"\nnetwork: {args.size} ({model.N_E} E + {model.N_I} I), {n} trials, delays {args.delays} s, {tpr} trials per run")
    print(f"trial lengths {sorted(set(trials['trial_end'].values.tolist()))} s; backend {ds.attrs['backend']}")
    needed, to_end = ring_seconds(trials, tpr, True), ring_seconds(trials, tpr, False)
    print(f"ring-seconds simulated: {to_end:.1f} to the longest end, {needed:.1f} to each batch's end (waste avoided: {1 - needed / to_end:.0%})")
    base = results["batches end at their own end, 1 process"][1]
    print(f"{'arm':<48}{'build s':>9}{'batches s':>11}{'s/trial':>9}{'s per ring-s':>14}{'speed':>8}")
    for name, (build, run, _) in results.items():
        simulated = to_end if name.startswith("every") else needed
        print(f"{name:<48}{build:9.1f}{run:11.1f}{run / n:9.2f}{run / simulated:14.3f}{base / run:7.2f}x")
    waste = results["every batch to the longest trial, 1 process"][1] / base
    print(f"waste from unequal lengths, removed: ending each batch at its own end is {waste:.2f}x the run to the longest end")
    threads = results[f"own end, OpenMP {args.parallel} threads"][1]
    processes = results[f"own end, {args.parallel} processes"][1]
    print(f"threads vs processes ({args.parallel} each): processes {base / processes:.2f}x one process, threads {base / threads:.2f}x")

    if args.runtime_baseline:
        fresh = []
        for k in range(args.runtime_baseline):
            model = neuromem.load_model("compte2000", size=args.size, device="runtime", trials_per_run=1, workers=1)
            t0 = time.perf_counter()
            model.run(trials.isel(trial=[k]), seed=1 + k, progress=False)
            fresh.append(time.perf_counter() - t0)
        rest = np.mean(fresh[1:] or fresh)
        print(f"fresh runtime network per trial: first {fresh[0]:.1f} s (code generation), then {rest:.1f} s per trial")
        print(f"ratio fresh-runtime / built-once per trial: {rest / (base / n):.1f}x")


if __name__ == "__main__":
    main()
