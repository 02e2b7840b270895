"""Benchmark: Compte et al. (2000) ring attractor, a 20-trial delay sweep.

Prints, from one run on one machine:
  * build (code generation + compile) time of the standalone network;
  * wall time per simulated second (standalone, per ring);
  * the sweep with the network built once (cpp_standalone, trials as
    disconnected copies, batches through device.run(run_args=...)) against the
    same 20 trials each run as a fresh network in Brian2's runtime mode;
  * their ratio, which is the number to compare across machines.

Usage:  python benchmarks/ring_attractor_sweep.py [--size full] [--threads 0] [--trials-per-run 10]
        [--device cuda_standalone] [--baseline-trials 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import neuromem
from neuromem.tasks import DelayedEstimation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="full")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--delays", type=float, nargs="+", default=[0.5, 1.0, 2.0, 3.0])
    parser.add_argument("--threads", type=int, default=0, help="OpenMP threads for cpp_standalone (0: none)")
    parser.add_argument("--device", default="cpp_standalone", help="device of the built-once arm (cpp_standalone or cuda_standalone)")
    parser.add_argument("--trials-per-run", type=int, default=10)
    parser.add_argument("--baseline-trials", type=int, default=None, help="run only this many baseline trials and scale to --trials (for slow machines)")
    args = parser.parse_args()

    task = DelayedEstimation(delays=args.delays)
    trials = task.trials(args.trials, 0)
    # A fresh build directory, so the first build pays the full compile cost.
    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-")

    model = neuromem.load_model("compte2000", size=args.size, device=args.device, trials_per_run=args.trials_per_run, threads=args.threads)
    t0 = time.perf_counter()
    ds = model.run(trials, seed=1, progress=False)
    sweep_built_once = time.perf_counter() - t0
    build = ds.attrs["build_seconds"]
    n_batches = -(-args.trials // args.trials_per_run)
    simulated = n_batches * args.trials_per_run * float(trials["trial_end"].max())  # ring-seconds simulated
    per_sim_second = ds.attrs["simulation_seconds"] / simulated

    # Baseline: every trial is its own fresh runtime network (cython code cached after the first).
    n_base = args.baseline_trials or args.trials
    base = neuromem.load_model("compte2000", size=args.size, device="runtime", trials_per_run=1)
    per_trial = []
    for k in range(n_base):
        one = trials.isel(trial=[k])
        t0 = time.perf_counter()
        out = base.run(one, seed=1 + k, progress=False)
        per_trial.append(time.perf_counter() - t0)
    # The first trial also pays runtime code generation; later ones stand for the rest.
    rest = per_trial[1:] or per_trial
    baseline = per_trial[0] + float(np.mean(rest)) * (args.trials - 1)
    base_per_sim_second = out.attrs["simulation_seconds"] / float(one["trial_end"].max())

    print(f"network: {args.size} ({model.N_E} E + {model.N_I} I), {args.trials} trials, delays {args.delays} s")
    print(f"backend: {ds.attrs['backend']}; {args.trials_per_run} trials per run")
    print(f"build (codegen + compile), once:              {build:8.2f} s")
    print(f"standalone wall time per simulated second:     {per_sim_second:8.3f} s  (per ring)")
    print(f"runtime wall time per simulated second:        {base_per_sim_second:8.3f} s  (last baseline trial)")
    print(f"sweep, built once ({args.device}):".ljust(47) + f"{sweep_built_once:8.2f} s")
    note = f" (first trial + mean of {n_base - 1} more x {args.trials - 1})" if n_base != args.trials else ""
    print(f"first fresh runtime trial (incl. codegen):     {per_trial[0]:8.2f} s")
    print(f"sweep, fresh runtime network per trial:        {baseline:8.2f} s{note}")
    print(f"ratio fresh-runtime / built-once:              {baseline / sweep_built_once:8.2f} x")
    print(f"ratio excluding the one-off build:             {baseline / (sweep_built_once - build):8.2f} x")


if __name__ == "__main__":
    main()
