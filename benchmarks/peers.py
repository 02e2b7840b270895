"""Benchmark: neuromem's Compte et al. (2000) ring beside the published model as a peer package runs it.

The peer is the EPFL Neuronal Dynamics exercises package ``neurodynex3``
(``working_memory_network.wm_model.simulate_wm``: Brian2 runtime, an FFT of the NMDA
gating every step in a ``network_operation``). Both arms simulate the same size
(2048 E + 512 I at ``--size full``), time step (0.05 ms) and simulated time (3 s per
trial: 0.5 s fixation, 0.25 s cue, 2 s delay, 0.25 s response), each in its own child
process on one core (``OMP_NUM_THREADS=1``; neuromem's ``cpp_standalone`` without OpenMP),
and print the wall time per trial with compilation excluded (the peer runs a short
warm-up first, whose Cython code Brian2 caches; neuromem reports its build time apart),
their ratio, and the bump statistics of both from their spikes: the rate within 36 deg
of the cue and opposite it in the last second of the delay, and the decoded error.

This script installs nothing. ``neurodynex3`` pins old versions of Brian2, SciPy and
matplotlib; install it beside neuromem without them:
``pip install --no-deps neurodynex3``. Without it the script says so and exits 0.

A last arm runs a batch of trials on every core (``--workers``, one worker process per
core by default: one build, forked) and prints its wall time per trial against the peer's.

Usage:  python benchmarks/peers.py [--size full] [--trials 3] [--peer-trials 1] [--workers 0]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np

DT_MS = 0.05
TIMING = {"fixation": 0.5, "cue": 0.25, "response": 0.25}
DELAY = 2.0
SIM_S = TIMING["fixation"] + TIMING["cue"] + DELAY + TIMING["response"]
SIZES = {"full": (2048, 512), "scaled": (512, 128)}


def bump_statistics(angle_deg: np.ndarray, times: np.ndarray, cue_deg: float, n_neurons: int, t0: float, t1: float, end: float) -> dict[str, float]:
    """Rates near (< 36 deg) and opposite (> 144 deg) the cue in [t0, t1), and the population-vector
    error (deg) of the spikes in the last 250 ms before ``end``; ``n_neurons`` cells per 360 deg."""

    def distance(a: np.ndarray) -> np.ndarray:
        return np.abs((a - cue_deg + 180.0) % 360.0 - 180.0)

    dist, cells = distance(angle_deg), distance(np.arange(n_neurons) * 360.0 / n_neurons)
    window = (times >= t0) & (times < t1)
    near = np.sum(window & (dist < 36)) / np.sum(cells < 36) / (t1 - t0)
    opposite = np.sum(window & (dist > 144)) / np.sum(cells > 144) / (t1 - t0)
    late = (times >= end - 0.25) & (times < end)
    z = np.exp(1j * np.radians(angle_deg[late])).sum()
    error = (np.degrees(np.angle(z)) - cue_deg + 180.0) % 360.0 - 180.0 if late.any() else float("nan")
    return {"rate_near_Hz": float(near), "rate_opposite_Hz": float(opposite), "error_deg": float(error)}


def peer_arm(size: str, trials: int) -> dict:
    import brian2 as b2
    from neurodynex3.working_memory_network import wm_model

    n_e, n_i = SIZES[size]
    common = dict(
        N_excitatory=n_e,
        N_inhibitory=n_i,
        weight_scaling_factor=2048.0 / n_e,  # the package's rule: N_E x factor = 2048
        stimulus_center_deg=180,
        stimulus_width_deg=40,
        stimulus_strength=0.5 * b2.namp,
        t_stimulus_start=TIMING["fixation"] * b2.second,
        t_stimulus_duration=TIMING["cue"] * b2.second,
        monitored_subset_size=n_e,
    )
    b2.defaultclock.dt = DT_MS * b2.ms
    wm_model.simulate_wm(**{**common, "sim_time": 20 * b2.ms})  # warm-up: Brian2 caches the compiled code
    seconds, stats = [], []
    for k in range(trials):
        b2.seed(k + 1)
        np.random.seed(k + 1)
        b2.defaultclock.dt = DT_MS * b2.ms
        t0 = time.perf_counter()
        out = wm_model.simulate_wm(**{**common, "sim_time": SIM_S * b2.second})
        seconds.append(time.perf_counter() - t0)
        spikes = out[1]
        idx = np.asarray(out[3])[np.asarray(spikes.i)]
        end = SIM_S - TIMING["response"]
        stats.append(bump_statistics(idx * 360.0 / n_e, np.asarray(spikes.t / b2.second), 180.0, n_e, end - 1.0, end, end))
    return {"seconds_per_trial": seconds, "stats": stats}


def neuromem_arm(size: str, trials: int, workers: int = 1) -> dict:
    import neuromem
    from neuromem.runner import run_task
    from neuromem.tasks import DelayedEstimation

    model = neuromem.load_model("compte2000", size=size, device="cpp_standalone", threads=0, workers=workers, trials_per_run=1, dt=f"{DT_MS} ms")
    ds = run_task(model, DelayedEstimation(delays=[DELAY], timing=TIMING), trials, seed=1, progress=False)
    stats = []
    for k in range(trials):
        trial = ds.isel(trial=k)
        cue = float(np.degrees(trial["cue_angle"]))
        end = float(trial["response_onset"])
        dist = np.abs((np.degrees(ds["angle"].values) - cue + 180.0) % 360.0 - 180.0)
        late = trial["rate"].sel(time=slice(end - 1.0, end)).mean("time").values
        stats.append(
            {
                "rate_near_Hz": float(late[dist < 36].mean()),
                "rate_opposite_Hz": float(late[dist > 144].mean()),
                "error_deg": float(np.degrees(trial["error"])),  # neuromem's own population-vector read-out
            }
        )
    per_trial = float(ds.attrs["simulation_seconds"]) / trials  # wall time of all batches, over the trials
    return {"seconds_per_trial": [per_trial] * trials, "stats": stats, "build_seconds": float(ds.attrs["build_seconds"])}


def child(arm: str, size: str, trials: int, workers: int = 1) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, __file__, "--arm", arm, "--size", size, "--trials", str(trials), "--workers", str(workers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"the {arm} arm failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summary(name: str, result: dict) -> str:
    s = result["stats"]
    mean = {k: np.mean([x[k] for x in s]) for k in s[0]}
    err = np.mean([abs(x["error_deg"]) for x in s])
    t = np.mean(result["seconds_per_trial"])
    return (
        f"  {name:<32} {t:8.1f} s/trial   bump {mean['rate_near_Hz']:5.1f} Hz, opposite {mean['rate_opposite_Hz']:4.1f} Hz, "
        f"|error| {err:4.1f} deg ({len(s)} trial{'s' if len(s) > 1 else ''})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--trials", type=int, default=3, help="neuromem trials")
    parser.add_argument("--peer-trials", type=int, default=1, help="peer trials (about a minute each at full size)")
    parser.add_argument("--workers", type=int, default=0, help="neuromem's worker processes in the all-cores arm (0: one per core)")
    parser.add_argument("--arm", choices=("peer", "neuromem"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arm == "peer":
        print(json.dumps(peer_arm(args.size, args.trials)))
        return 0
    if args.arm == "neuromem":
        print(json.dumps(neuromem_arm(args.size, args.trials, args.workers)))
        return 0
    if importlib.util.find_spec("neurodynex3") is None:
        print("neurodynex3 is not installed, so there is no peer to compare with.")
        print("Install it beside neuromem without its pinned (old) Brian2/SciPy/matplotlib: pip install --no-deps neurodynex3")
        return 0
    n_e, n_i = SIZES[args.size]
    print(f"Compte et al. (2000) ring, {n_e} E + {n_i} I, dt {DT_MS} ms, {SIM_S:g} s per trial, one core each:")
    from neuromem.spiking.parallel import resolve_workers

    workers = resolve_workers(args.workers)
    peer = child("peer", args.size, args.peer_trials)
    ours = child("neuromem", args.size, args.trials)
    both = child("neuromem", args.size, args.trials * workers, workers) if workers > 1 else None
    peer_s = np.mean(peer["seconds_per_trial"])
    print(summary("neurodynex3 simulate_wm (runtime)", peer))
    print(summary("neuromem compte2000 (cpp_standalone)", ours) + f"; build {ours['build_seconds']:.1f} s once")
    print(f"  ratio, one core each: neuromem is {peer_s / np.mean(ours['seconds_per_trial']):.1f}x faster per trial (aim: >= 10x)")
    if both is not None:
        print(summary(f"neuromem, {workers} worker processes", both) + " (wall time per trial of the batch)")
        print(f"  ratio, neuromem on {workers} cores vs the peer on one: {peer_s / np.mean(both['seconds_per_trial']):.1f}x per trial (aim: >= 20x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
