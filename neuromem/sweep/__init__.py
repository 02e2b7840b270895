"""Sweeps: one experiment over a grid of parameters and seeds, on dask.distributed, into one store.

::

    from neuromem.sweep import Sweep, run_sweep
    from neuromem.results import open_sweep

    sweep = Sweep("working-memory", grid={"J_plus": [1.5, 1.62, 1.7]}, seeds=range(1, 5), fixed={"trials": 4})
    run_sweep(sweep, "drift.zarr")          # a LocalCluster, one process per core
    ds = open_sweep("drift.zarr")           # dims (J_plus, seed, trial, ...)

Needs ``pip install 'neuromem[sweep]'`` (dask.distributed, zarr).
"""

from neuromem.sweep.define import Point, Sweep, load_sweep_file, parse_seeds, parse_values
from neuromem.sweep.engine import client_for, run_point, run_sweep
from neuromem.sweep.store import SweepStore, open_sweep

__all__ = ["Point", "Sweep", "SweepStore", "client_for", "load_sweep_file", "open_sweep", "parse_seeds", "parse_values", "run_point", "run_sweep"]
