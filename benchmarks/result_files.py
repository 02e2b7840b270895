"""Benchmark: size, write and read time of a result file, deflate-compressed (neuromem.results.save) versus plain.

The same Dataset is written both ways in one run, so the ratios do not depend on the
machine's load. By default the file of the README's main job
(``make run``: ``results/working-memory_compte2000_scaled_seed1.nc``, 80 trials of the
scaled Compte ring with their spikes); any result file can be given instead.

Usage:  python benchmarks/result_files.py [PATH] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr

from neuromem.results import compression, load

MAIN_JOB = Path("results/working-memory_compte2000_scaled_seed1.nc")


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=MAIN_JOB)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.path.is_file():
        print(f"{args.path} does not exist; make it with `make run` (the README's main job) or give a result file")
        return 0
    ds = load(args.path)
    folder = Path(tempfile.mkdtemp(prefix="neuromem-bench-files-"))
    plain, packed = folder / "plain.nc", folder / "compressed.nc"
    write_plain = best_of(args.repeats, lambda: ds.to_netcdf(plain, engine="h5netcdf", encoding={k: {} for k in ds.variables}))
    write_packed = best_of(args.repeats, lambda: ds.to_netcdf(packed, engine="h5netcdf", encoding=compression(ds)))
    read_plain = best_of(args.repeats, lambda: xr.load_dataset(plain, engine="h5netcdf"))
    read_packed = best_of(args.repeats, lambda: xr.load_dataset(packed, engine="h5netcdf"))
    xr.testing.assert_identical(xr.load_dataset(plain, engine="h5netcdf"), xr.load_dataset(packed, engine="h5netcdf"))
    size_plain, size_packed = plain.stat().st_size, packed.stat().st_size
    print(f"{args.path}: {ds.sizes}")
    print(f"  plain       {size_plain / 1e6:8.2f} MB   write {write_plain:6.3f} s   read {read_plain:6.3f} s")
    print(f"  compressed  {size_packed / 1e6:8.2f} MB   write {write_packed:6.3f} s   read {read_packed:6.3f} s")
    print(
        f"  size ratio plain/compressed {size_plain / size_packed:.2f}x; write {write_packed / write_plain:.1f}x, read {read_packed / read_plain:.1f}x the plain time"
    )
    print("  contents identical after reading back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
