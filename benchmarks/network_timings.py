"""Benchmark: wall time per simulated second of each spiking network at each of its sizes, with its hotspots.

For every spiking card that runs trials (the Compte ring, the Mongillo network, the
assembly network) and every size its card names, builds the network once
(cpp_standalone, one core, Brian2's profiler on), runs one trial of the card's
first task, and prints the wall time per simulated second of that run and the code
objects that took most of it. The ring's fused mode coupling is also timed against
its synaptic form in the same run (the ratio is the figure to compare).

Usage:  python benchmarks/network_timings.py [--cards compte2000 mongillo2008 assembly_memory] [--top 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import neuromem
from neuromem.cards import load_card
from neuromem.spiking.card_values import batch_seed_of
from neuromem.spiking.devices import TrialRunner, brian_device, build_directory
from neuromem.tasks import get_task


def profile_one_trial(card: str, size: str, **options) -> tuple[object, float, float, dict[str, float]]:
    """(model, simulated s, wall s of the run, {code object: s}) of one trial on a fresh one-core build."""
    model = neuromem.load_model(card, size=size, device="cpp_standalone", threads=0, workers=1, **options)
    q = model._validated()
    trials = get_task(load_card(card).tasks[0]).trials(1, 0)
    model._check_trials(q, trials)
    plan = model._plan(q, trials, 1)
    directory = build_directory(plan.kind, plan.key + "profile")
    with brian_device(plan.kind, directory) as dev:
        built = model._build(q, trials, plan.n_copies, plan.duration_s, plan.setup)
        runner = TrialRunner(dev, plan.kind, built["net"], [plan.duration_s], built["seed_holder"], directory)
        runner.build(batch_seed_of(plan.children[0]), profile=True)
        values = model._batch_values(q, built, trials, np.resize(plan.rows[0], plan.n_copies), np.random.default_rng(plan.children[0]))
        t0 = time.perf_counter()
        runner.run(values, batch_seed_of(plan.children[0]))
        wall = time.perf_counter() - t0
        return model, plan.duration_s, wall, runner.profiling()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", nargs="+", default=["compte2000", "mongillo2008", "assembly_memory"])
    parser.add_argument("--top", type=int, default=4)
    args = parser.parse_args()
    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-")
    runs = [(card, size, {}) for card in args.cards for size in load_card(card).sizes]
    if "compte2000" in args.cards:
        runs += [("compte2000", size, {"coupling": "synapses"}) for size in load_card("compte2000").sizes]
    print(f"{'network':<44}{'simulated s':>12}{'wall s':>9}{'wall s per simulated s':>24}   hotspots (share of profiled time)")
    per_sim = {}
    for card, size, options in runs:
        model, simulated, wall, prof = profile_one_trial(card, size, **options)
        total = sum(prof.values())
        top = sorted(prof.items(), key=lambda kv: -kv[1])[: args.top]
        label = f"{card} {size}" + "".join(f" {k}={v}" for k, v in options.items())
        label += f" ({model.N_E} E + {model.N_I} I)"
        per_sim[(card, size, tuple(options.items()))] = wall / simulated
        hot = ", ".join(f"{name.replace('_codeobject', '')} {sec / total:.0%}" for name, sec in top)
        print(f"{label:<44}{simulated:12.2f}{wall:9.2f}{wall / simulated:24.3f}   {hot}", flush=True)
    for size in load_card("compte2000").sizes if "compte2000" in args.cards else ():
        fused, synaptic = per_sim[("compte2000", size, ())], per_sim[("compte2000", size, (("coupling", "synapses"),))]
        print(f"compte2000 {size}: fused mode coupling {synaptic / fused:.2f}x the synaptic coupling")


if __name__ == "__main__":
    main()
