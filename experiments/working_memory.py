"""Delayed estimation on the Compte et al. (2000) ring, from Python: run, then analyse the saved Dataset.

    python experiments/working_memory.py   # about 1 minute on 2 cores

The same as ``neuromem run working-memory --delays 0.5 2 --trials 8``, followed by the
analysis a notebook would draw: error variance against delay and the diffusion
coefficient of the remembered angle.
"""

import numpy as np

from neuromem.analysis.working_memory import error_by_delay
from neuromem.experiments import working_memory
from neuromem.results import load

written = working_memory(delays=[0.5, 2.0], trials=8, seed=1, out="results", quiet=True)
ds, path = written["trials"]
summary = error_by_delay(load(path))
for delay in summary["delay"].values:
    row = summary.sel(delay=delay)
    print(f"delay {delay:.1f} s: mean |error| {np.degrees(float(row['mean_abs_error'])):5.1f} deg, variance {float(row['variance']):.4f} rad^2")
print(f"diffusion {float(summary['diffusion']):.4f} rad^2/s ({path})")
