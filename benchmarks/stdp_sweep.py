"""Benchmark: an STDP frequency sweep as one build versus one build per point.

Every (rule, delta_t, frequency) point of the Sjostrom et al. (2001) protocol is its
own synapse between two spike generators inside one cpp_standalone network, so
the sweep costs one code generation, one compile and one run. The baseline
builds a network per point in a fresh folder (a script calling ``set_device``
per point). Both arms run in the same process; the ratio is what to read.

Usage:  python benchmarks/stdp_sweep.py [--frequencies 0.1 10 20 40 50] [--rules pfister_visual_minimal]
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
    parser.add_argument("--frequencies", type=float, nargs="+", default=[0.1, 10.0, 20.0, 40.0, 50.0])
    parser.add_argument("--rules", nargs="+", default=["pfister_visual_minimal", "pfister_visual_full"])
    args = parser.parse_args()
    delta_t = [0.01, -0.01]
    points = [(r, d, f) for r in args.rules for d in delta_t for f in args.frequencies]

    def model():
        return neuromem.load_model("stdp", device="cpp_standalone")

    os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-one-")
    one_build = timed(lambda: model().frequency(args.frequencies, delta_t, rules=args.rules))

    def per_point():
        for r, d, f in points:
            os.environ["NEUROMEM_BUILD_DIR"] = tempfile.mkdtemp(prefix="neuromem-bench-point-")
            model().frequency([f], [d], rules=[r])

    separate = timed(per_point)
    print(f"STDP frequency sweep: {len(points)} points ({len(args.rules)} rules x 2 delta_t x {len(args.frequencies)} frequencies), cpp_standalone")
    print(f"one build for the whole sweep: {one_build:8.2f} s")
    print(f"one build per point:           {separate:8.2f} s   ratio {separate / one_build:6.2f} x")


if __name__ == "__main__":
    main()
