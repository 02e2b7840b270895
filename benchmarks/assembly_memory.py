"""Benchmark: wall time per simulated second of the assembly network on retention trials.

Runs the retention experiment's network (default: the scaled size used for the
forgetting curve) with simple synapses, with Benna-Fusi chain synapses, and with
plasticity switched off (eta = 0: same network, static weights) as the baseline
measured in the same run. Build (code generation + compile) is reported apart
from simulation; the ratios are what to read on a noisy machine.

Usage:  python benchmarks/assembly_memory.py [--size scaled|full] [--trials 3] [--patterns 8]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import neuromem
from neuromem.tasks import get_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="scaled")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--patterns", type=int, default=8)
    parser.add_argument("--device", default="cpp_standalone")
    args = parser.parse_args()
    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-assembly-")
    task = get_task("retention", n_patterns=args.patterns)
    trials = task.trials(args.trials, 1)
    arms = {"static weights (eta = 0)": {"eta": 0.0}, "simple synapses": {}, "benna-fusi synapses": {"synapse": "benna-fusi"}}
    per_second = {}
    for label, options in arms.items():
        net = neuromem.load_model("assembly_memory", size=args.size, device=args.device, **options)
        ds = net.run(trials, seed=1, progress=False)
        simulated = ds.attrs["simulated_seconds_per_trial"] * args.trials
        per_second[label] = ds.attrs["simulation_seconds"] / simulated
        print(f"{label:<26} build {ds.attrs['build_seconds']:6.1f} s   {per_second[label]:6.3f} s per simulated second ({simulated:.1f} s simulated)")
    base = per_second["static weights (eta = 0)"]
    n = neuromem.load_model("assembly_memory", size=args.size)
    print(f"assembly network {n.N_E} E + {n.N_I} I, {args.device}; cost relative to static weights:")
    for label, value in per_second.items():
        print(f"  {label:<26} {value / base:5.2f} x")


if __name__ == "__main__":
    main()
