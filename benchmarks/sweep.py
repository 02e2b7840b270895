"""Benchmark: a 16-point sweep on 1 worker vs 2 workers, and the engine's cost per point.

The sweep is the Compte ring (working-memory experiment) over 16 seeds. Three
timings, in one run on this machine:

* direct: the 16 points called one after another in this process
  (``get_experiment("working-memory")(**point.params)``), nothing stored, with
  the workers' thread settings (one BLAS/OpenMP thread);
* 1 worker and 2 workers: ``run_sweep`` on a ``LocalCluster`` of that many
  processes (one thread each), every point written to a zarr store.

Each cluster is started and every worker has run one point (imports, Brian2's
compiled-code cache) before the clock starts, as this process has for the direct
run; the cluster start is printed apart. Printed: the 2-worker speed-up over 1
worker (aim >= 1.7x on 2 cores) and the engine's overhead per point, 1 worker vs
direct (aim < 5%).

Usage:  python benchmarks/sweep.py [--points 16] [--n-e 256] [--device runtime] [--delays 1 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

# the direct run gets the workers' thread settings (neuromem.sweep.engine.ONE_THREAD), set before numpy loads
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

from neuromem.experiments import get_experiment  # noqa: E402
from neuromem.sweep import Sweep, client_for, run_point, run_sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=16, help="seeds swept (one point each)")
    parser.add_argument("--n-e", type=int, default=256, help="excitatory neurons (inhibitory: a quarter)")
    parser.add_argument("--device", default="runtime", help="Brian2 device of the points")
    parser.add_argument("--delays", type=float, nargs="+", default=[1.0, 2.0])
    args = parser.parse_args()
    fixed = {"trials": 1, "delays": args.delays, "device": args.device, "N_E": args.n_e, "N_I": args.n_e // 4}
    sweep = Sweep("working-memory", seeds=list(range(1, args.points + 1)), fixed=fixed)
    points = sweep.points()
    experiment = get_experiment("working-memory")
    warm = Sweep("working-memory", seeds=[10_000], fixed=fixed).points()[0].params

    experiment(**warm)
    t0 = time.perf_counter()
    for point in points:
        experiment(**point.params)
    direct = time.perf_counter() - t0

    timings = {}
    with tempfile.TemporaryDirectory(prefix="neuromem-bench-sweep-") as tmp:
        for workers in (1, 2):
            t0 = time.perf_counter()
            with client_for(workers=workers) as client:
                client.run(run_point, experiment, warm)  # every worker has run one point before the clock starts
                started = time.perf_counter() - t0
                t0 = time.perf_counter()
                run_sweep(sweep, Path(tmp) / f"w{workers}.zarr", client=client, progress=False)
                timings[workers] = (time.perf_counter() - t0, started)

    n = len(points)
    print(f"{n} points: ring of {args.n_e} + {args.n_e // 4} neurons, {args.device}, delays {args.delays} s, 1 trial each")
    print(f"  direct (this process, nothing stored): {direct:7.1f} s  ({direct / n:.2f} s per point)")
    for workers, (took, started) in timings.items():
        print(f"  sweep on {workers} worker(s):              {took:7.1f} s  (cluster start and warm-up {started:.1f} s, not counted)")
    print(f"  speed-up, 2 workers vs 1: {timings[1][0] / timings[2][0]:.2f}x  (aim >= 1.7x on 2 cores)")
    overhead = (timings[1][0] - direct) / n
    print(f"  engine overhead per point, 1 worker vs direct: {overhead * 1000:+.0f} ms = {100 * overhead / (direct / n):+.1f}% of a point  (aim < 5%)")


if __name__ == "__main__":
    main()
