"""Benchmark: the Compte et al. (2000) ring on an NVIDIA GPU (brian2cuda) beside the CPU, one run.

Every arm simulates the same delayed-estimation trials (0.5 s fixation, 0.25 s cue, 2 s
delay, 0.25 s response: 3 s per trial) with the ring at ``--size`` (full: 2048 E + 512 I)
and the card's time step, each in its own child process:

* ``cpp_standalone`` on one core (one worker, no OpenMP) -- the baseline;
* ``cpp_standalone`` with one worker process per core (one build, forked);
* ``cuda_standalone`` with ``B`` copies of the ring in one network, for each ``--copies B``
  (brian2cuda runs the copies' neurons and synapses in the same kernels, so a wider batch
  fills more of the GPU).

It prints build time, wall time of the batches per trial, the ratio to one core, and the
bump statistics of each arm (rate within 36 deg of the cue and opposite it over the last
second of the delay, mean |error|): the GPU draws its noise from cuRAND, so its trials are
not spike-for-spike those of the CPU, only the same statistics.

Needs brian2cuda and an NVIDIA GPU for the GPU arms (without them it runs the CPU arms,
says so and exits 0).

Usage:  python benchmarks/ring_gpu.py [--size full] [--copies 1 16 64] [--cpu-trials 4] [--workers 0]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

TIMING = {"fixation": 0.5, "cue": 0.25, "response": 0.25}
DELAY = 2.0


def arm(size: str, device: str, trials: int, copies: int, workers: int) -> dict:
    """Run ``trials`` trials; return timings and bump statistics (in this process)."""
    import neuromem
    from neuromem.runner import run_task
    from neuromem.tasks import DelayedEstimation

    model = neuromem.load_model("compte2000", size=size, device=device, threads=0, workers=workers, trials_per_run=copies)
    ds = run_task(model, DelayedEstimation(delays=[DELAY], timing=TIMING), trials, seed=1, progress=False)
    cue = np.degrees(ds["cue_angle"].values)
    end = ds["response_onset"].values
    dist = np.abs((np.degrees(ds["angle"].values)[None, :] - cue[:, None] + 180.0) % 360.0 - 180.0)
    late = np.stack([ds["rate"].isel(trial=k).sel(time=slice(end[k] - 1.0, end[k])).mean("time").values for k in range(trials)])
    return {
        "build_s": float(ds.attrs["build_seconds"]),
        "batches_s": float(ds.attrs["simulation_seconds"]),
        "trials": trials,
        "backend": str(ds.attrs["backend"]),
        "near_Hz": float(np.mean(late[dist < 36])),
        "opposite_Hz": float(np.mean(late[dist > 144])),
        "abs_error_deg": float(np.nanmean(np.abs(np.degrees(ds["error"].values)))),
    }


def child(size: str, device: str, trials: int, copies: int, workers: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--arm", device, "--size", size, "--trials", str(trials), "--copies", str(copies), "--workers", str(workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"the {device} arm ({copies} copies) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="full")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 16, 64], help="rings per GPU network (one arm each)")
    parser.add_argument("--cpu-trials", type=int, default=4, help="trials of the one-core arm")
    parser.add_argument("--workers", type=int, default=0, help="worker processes of the all-cores arm (0: one per core)")
    parser.add_argument("--arm", help=argparse.SUPPRESS)
    parser.add_argument("--trials", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arm:
        print(json.dumps(arm(args.size, args.arm, args.trials, args.copies[0], args.workers)))
        return 0

    from neuromem.spiking.devices import cuda_available
    from neuromem.validation import usable_cores

    cores = usable_cores()
    rows = {"cpp_standalone, 1 core": child(args.size, "cpp_standalone", args.cpu_trials, 1, 1)}
    print("  ran: one core", flush=True)
    rows[f"cpp_standalone, {args.workers or cores} workers"] = child(args.size, "cpp_standalone", 2 * (args.workers or cores), 1, args.workers)
    print("  ran: all cores", flush=True)
    if cuda_available():
        for b in args.copies:
            # two batches: the second shows the batch time without first-launch costs
            rows[f"cuda_standalone, {b} copies"] = child(args.size, "cuda_standalone", 2 * b, b, 1)
            print(f"  ran: GPU, {b} copies", flush=True)
    else:
        print("brian2cuda or an NVIDIA GPU is missing: GPU arms skipped (pip install brian2cuda on a machine with CUDA)")

    base = rows["cpp_standalone, 1 core"]
    base_per_trial = base["batches_s"] / base["trials"]
    print(f"\nring {args.size}, {DELAY} s delay, 3 s per trial, {cores} cores; backend of the last arm: {list(rows.values())[-1]['backend']}")
    print(f"{'arm':<32}{'trials':>7}{'build s':>9}{'s/trial':>9}{'vs 1 core':>11}{'bump Hz':>9}{'opp. Hz':>9}{'|err| deg':>10}")
    for name, r in rows.items():
        per = r["batches_s"] / r["trials"]
        print(
            f"{name:<32}{r['trials']:7d}{r['build_s']:9.1f}{per:9.3f}{base_per_trial / per:10.1f}x{r['near_Hz']:9.1f}{r['opposite_Hz']:9.2f}{r['abs_error_deg']:10.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
