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

The artificial side's peer is NeuroGym (Molano-Mazon et al. 2022), whose users draw supervised
batches from a task with ``neurogym.Dataset`` and train a plain PyTorch loop on them. Its
``ReachingDelayResponse`` is neuromem's delayed estimation with the same periods (stimulus/cue
100 ms, a delay of 200, 400 or 600 ms, decision/report 100 ms, no fixation; dt 10 ms). Both arms
run in this process on the same threads and print, per batch of the same shape (T steps x B
trials), the time to draw and encode the trials (neuromem: ``step_arrays``, what ``fit`` does
each step; NeuroGym: ``Dataset()``) and the time of a training step of an LSTM of the same size
(neuromem: ``fit`` on one seed; NeuroGym: ``torch.nn.LSTM`` + ``Linear`` + Adam + gradient
clipping in a bare loop). NeuroGym's batches are trials laid end to end without padding, so the
same shape holds about T / (mean trial length) = 1.33x more trials than neuromem's, which pads each
trial to the longest. Install it beside neuromem without its pinned matplotlib:
``pip install --no-deps neurogym "gymnasium==0.29.*" loguru pydantic-settings natsort tomlkit``.

Usage:  python benchmarks/peers.py [--peer all|neurodynex3|neurogym] [--size full] [--trials 3]
        [--peer-trials 1] [--workers 0] [--batch 64] [--hidden 64] [--fit-steps 100]
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
# delayed estimation as NeuroGym's ReachingDelayResponse times it (ms); dt in ms
NEUROGYM_TIMING_MS = {"stimulus": 100, "delay": (200, 400, 600), "decision": 100}
NEUROGYM_DT_MS = 10
NEUROGYM_INSTALL = 'pip install --no-deps neurogym "gymnasium==0.29.*" loguru pydantic-settings natsort tomlkit'


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


def matched_tasks(timing_ms: dict = NEUROGYM_TIMING_MS, dt_ms: int = NEUROGYM_DT_MS) -> tuple:
    """neuromem's delayed estimation with NeuroGym's ``ReachingDelayResponse`` periods (``timing_ms``):
    returns (task, keyword arguments of ``neurogym.make``, T steps of dt_ms that hold the longest trial)."""
    from neuromem.tasks import DelayedEstimation

    task = DelayedEstimation(
        delays=[d / 1000.0 for d in timing_ms["delay"]],
        timing={"fixation": 0.0, "cue": timing_ms["stimulus"] / 1000.0, "response": timing_ms["decision"] / 1000.0},
    )
    # NeuroGym draws each trial's delay from the three; neuromem's trials cycle through them
    kwargs = {"dt": dt_ms, "timing": {"stimulus": timing_ms["stimulus"], "delay": ("choice", list(timing_ms["delay"])), "decision": timing_ms["decision"]}}
    longest = timing_ms["stimulus"] + max(timing_ms["delay"]) + timing_ms["decision"]
    return task, kwargs, int(round(longest / dt_ms))


def _per_call(fn, n: int) -> float:
    """Mean seconds of ``fn(k)`` over k = 1..n, after one call k = 0 that warms up (a mean, not a
    median: NeuroGym's Dataset fills a cache of several batches at once and serves the rest from it)."""
    fn(0)
    t0 = time.perf_counter()
    for k in range(1, n + 1):
        fn(k)
    return (time.perf_counter() - t0) / n


def neurogym_arm(batch: int, hidden: int, fit_steps: int) -> dict:
    """Seconds per batch (T x ``batch``) to draw trials and per LSTM training step, neuromem and NeuroGym."""
    import warnings

    warnings.filterwarnings("ignore", module="gymnasium")  # NeuroGym's own deprecation chatter
    import neurogym as ngym
    import torch

    import neuromem
    from neuromem.artificial import fit
    from neuromem.artificial.fitting import step_arrays

    task, kwargs, T = matched_tasks()
    dt = NEUROGYM_DT_MS / 1000.0
    data = ngym.Dataset(ngym.make("ReachingDelayResponse", **kwargs), batch_size=batch, seq_len=T)
    shape = step_arrays(task, [1], 0, batch, dt)[0].shape[1:3]
    ours_draw = _per_call(lambda k: step_arrays(task, [1], k, batch, dt), 200)
    theirs_draw = _per_call(lambda k: data(), 200)

    model = neuromem.load_model("lstm", hidden_size=hidden, batch_size=batch, dt=f"{NEUROGYM_DT_MS} ms", device="cpu")
    fit(model, task, seeds=[1], steps=2, progress=False)  # warm-up: allocators, first-call imports
    ours_fit = fit(model, task, seeds=[1], steps=fit_steps, progress=False).fit_seconds_ / fit_steps

    p = model.parameters  # the card's learning rate and gradient clip, for the bare loop too
    torch.manual_seed(1)
    lstm, readout = torch.nn.LSTM(2, hidden), torch.nn.Linear(hidden, 2)
    weights = [*lstm.parameters(), *readout.parameters()]
    opt = torch.optim.Adam(weights, lr=p["learning_rate"])

    def bare_step(k: int) -> None:
        x, y = (torch.from_numpy(np.asarray(a, dtype=np.float32)) for a in data())
        loss = ((readout(lstm(x)[0]) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(weights, p["grad_clip"])
        opt.step()

    theirs_fit = _per_call(bare_step, fit_steps)
    return {
        "shape": [int(shape[0]), int(shape[1])],
        "threads": torch.get_num_threads(),
        "draw": {"neuromem": ours_draw, "neurogym": theirs_draw},
        "fit": {"neuromem": ours_fit, "neurogym": theirs_fit},
    }


def neurogym_report(result: dict, hidden: int) -> list[str]:
    """The lines that set neuromem's two figures beside NeuroGym's, with their ratios."""
    T, B = result["shape"]
    lines = [
        f"Delayed estimation vs NeuroGym ReachingDelayResponse, batches of {T} steps x {B} trials, dt {NEUROGYM_DT_MS} ms, {result['threads']} torch threads:"
    ]
    for key, what in (("draw", "draw + encode a batch"), ("fit", f"LSTM ({hidden} units) training step")):
        ours, theirs = result[key]["neuromem"], result[key]["neurogym"]
        lines.append(f"  {what:<34} neuromem {ours * 1e3:7.2f} ms   NeuroGym {theirs * 1e3:7.2f} ms   neuromem is {theirs / ours:.2f}x as fast")
    return lines


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
    parser.add_argument("--peer", choices=("all", "neurodynex3", "neurogym"), default="all", help="which comparison to run")
    parser.add_argument("--batch", type=int, default=64, help="trials per batch in the NeuroGym comparison")
    parser.add_argument("--hidden", type=int, default=64, help="LSTM units in the NeuroGym comparison")
    parser.add_argument("--fit-steps", type=int, default=100, help="training steps timed in the NeuroGym comparison")
    parser.add_argument("--arm", choices=("peer", "neuromem"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.arm == "peer":
        print(json.dumps(peer_arm(args.size, args.trials)))
        return 0
    if args.arm == "neuromem":
        print(json.dumps(neuromem_arm(args.size, args.trials, args.workers)))
        return 0
    if args.peer in ("all", "neurodynex3"):
        ring_comparison(args)
    if args.peer in ("all", "neurogym"):
        if importlib.util.find_spec("neurogym") is None:
            print("neurogym is not installed, so there is no task peer to compare with.")
            print(f"Install it beside neuromem without its pinned matplotlib: {NEUROGYM_INSTALL}")
        else:
            print("\n".join(neurogym_report(neurogym_arm(args.batch, args.hidden, args.fit_steps), args.hidden)))
    return 0


def ring_comparison(args: argparse.Namespace) -> None:
    """The Compte ring beside neurodynex3's, one core each, then neuromem on every core."""
    if importlib.util.find_spec("neurodynex3") is None:
        print("neurodynex3 is not installed, so there is no peer to compare with.")
        print("Install it beside neuromem without its pinned (old) Brian2/SciPy/matplotlib: pip install --no-deps neurodynex3")
        return
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


if __name__ == "__main__":
    sys.exit(main())
