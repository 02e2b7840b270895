"""Benchmark: a paired-pulse sweep as one build versus one build per point.

Every (STP set, interval) point is its own synapse and recorded cell inside one
cpp_standalone network, so the whole sweep costs one code generation, one
compile and one run. The baselines build a network per point: (a) each in a
fresh folder, so each point pays a full compile, as a script that calls
``set_device`` per point would; (b) all in one reused folder, where make
recompiles nothing and each point still pays code generation and a process
start. Ratios are measured in the same run.

Usage:  python benchmarks/stp_sweep.py [--intervals 0.01 0.02 0.05 0.1] [--sets depressing facilitating]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import neuromem


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intervals", type=float, nargs="+", default=[0.01, 0.02, 0.05, 0.1])
    parser.add_argument("--sets", nargs="+", default=["depressing", "facilitating"])
    args = parser.parse_args()
    points = [(s, d) for s in args.sets for d in args.intervals]

    def model():
        return neuromem.load_model("synaptic_transmission", device="cpp_standalone")

    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-one-")
    one_build = timed(lambda: model().paired_pulse(args.intervals, sets=args.sets))

    def per_point_fresh():
        for s, d in points:
            os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-fresh-")
            model().paired_pulse([d], sets=[s])

    fresh = timed(per_point_fresh)
    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-reused-")
    model().paired_pulse([args.intervals[0]], sets=[args.sets[0]])  # compile once, then reuse
    reused = timed(lambda: [model().paired_pulse([d], sets=[s]) for s, d in points])

    print(f"paired-pulse sweep: {len(points)} points ({len(args.sets)} sets x {len(args.intervals)} intervals), cpp_standalone")
    print(f"one build for the whole sweep:                   {one_build:8.2f} s")
    print(f"one build per point, fresh folder (compile each): {fresh:8.2f} s   ratio {fresh / one_build:6.2f} x")
    print(f"one build per point, reused folder (codegen each): {reused:7.2f} s   ratio {reused / one_build:6.2f} x")


if __name__ == "__main__":
    main()
