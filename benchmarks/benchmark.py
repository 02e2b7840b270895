"""Benchmark: wall time of `neuromem benchmark` (every built-in model on every benchmark), 1 vs 2 workers.

Each setting runs from an empty folder (nothing cached: every fit and run is
computed): 1 worker in this process, 2 on a local dask cluster (its start
included), and the two tables are checked to be the same (same
seeds, same table whatever the number of workers). Printed: each wall time and
the 2-worker speed-up over 1 worker (aim >= 1.7x on 2 cores; the runs differ
much in length, so the longest run bounds it). ``--default`` adds the default
settings (more trials and fit steps: long).

Usage:  python benchmarks/benchmark.py [--default] [--models cmr lstm ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import xarray as xr

from neuromem.experiments.benchmark import run_benchmark


def timed(quick: bool, workers: int, models: list[str] | None) -> tuple[float, xr.Dataset]:
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        table = run_benchmark(models=models, quick=quick, out=folder, progress=False, workers=workers)
        return time.perf_counter() - t0, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", action="store_true", help="also time the default settings")
    parser.add_argument("--models", nargs="+", default=None)
    args = parser.parse_args()
    for quick in [True] + ([False] if args.default else []):
        label = "quick" if quick else "default"
        one, t1 = timed(quick, 1, args.models)
        two, t2 = timed(quick, 2, args.models)
        keep = ["score", "ci_low", "ci_high", "status"]
        xr.testing.assert_identical(t1[keep].drop_attrs(), t2[keep].drop_attrs())
        scored = int((t1["status"].str.startswith("scored")).sum())
        print(
            f"{label:>8}: {scored} cells scored of {t1['status'].size}; 1 worker {one:7.1f} s, 2 workers {two:7.1f} s, speed-up {one / two:4.2f}x (same table)"
        )


if __name__ == "__main__":
    main()
