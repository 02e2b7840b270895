# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # One sweep: drift of the remembered angle against J+ and delay (Compte et al. 2000)
#
# Loads the sweep store written by
# `neuromem sweep working-memory --grid J_plus=1.55,1.62,1.7 --seeds 1:4 --set "delays=[0.5,1,2]" --set trials=5 --out results/sweep_working-memory.zarr`
# (one point per J+ and seed) and draws (a) the variance of the report error against delay, one
# line per J+, and (b) the diffusion coefficient of the bump (slope of that variance against
# delay) against J+. In the ring, noise makes the bump drift along the ring during the delay, so
# the error variance grows with delay (Compte et al. 2000); the sweep measures how that drift
# depends on the strength of the recurrent footprint, J+. A variance near pi^2/3 (3.3 rad^2, an
# error uniform on the circle) means the bump was lost rather than drifted: with the sweep of docs/sweeps.md
# (scaled network, 4 seeds x 15 trials per J+) that happens by 2 s at J+ = 1.55, while at the
# card's 1.62 and at 1.7 the variance grows slowly (about 0.02 and 0.007 rad^2/s).
#
# Every statistic comes from `error_by_delay` on the whole sweep at once (grid dims kept).
# `NEUROMEM_RESULTS` (folder, default `results`), `NEUROMEM_FIGURES` (default `figures`);
# `NEUROMEM_QUICK=1` (used by CI) makes a small sweep first if none exists.

# %%
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from neuromem.analysis.working_memory import error_by_delay
from neuromem.results import open_sweep

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
store = results / "sweep_working-memory.zarr"
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
if os.environ.get("NEUROMEM_QUICK") == "1" and not store.exists():
    # the sweep's workers are processes of their own: started from the CLI, they do not rerun this notebook
    quick = ["--grid", "J_plus=1.5,1.7", "--seeds", "1:2", "--set", "delays=[0.3,0.6]", "--set", "trials=2"]
    quick += ["--set", "device=runtime", "--set", "N_E=128", "--set", "N_I=32", "--workers", "2", "--quiet"]
    subprocess.run([sys.executable, "-m", "neuromem.cli", "sweep", "working-memory", *quick, "--out", str(store)], check=True)
ds = open_sweep(store)
print(ds.attrs["title"], "|", ds.attrs["sweep"])
print("points:", {str(k): int(v) for k, v in zip(*np.unique(ds["point_status"].values, return_counts=True))})

# %%
summary = error_by_delay(ds).compute()  # dims (J_plus, seed, delay)
n_seeds = summary.sizes["seed"]
variance = summary["variance"].mean("seed")
variance_se = summary["variance"].std("seed") / np.sqrt(n_seeds)
diffusion = summary["diffusion"].mean("seed")
diffusion_se = summary["diffusion"].std("seed") / np.sqrt(n_seeds)

# %% [markdown]
# ## (a) Error variance against delay, per J+; (b) diffusion coefficient against J+
# Means over seeds, error bars one s.e. across seeds.

# %%
fig, (ax_v, ax_d) = plt.subplots(1, 2, figsize=(10, 4))
for j in summary["J_plus"].values:
    ax_v.errorbar(summary["delay"], variance.sel(J_plus=j), yerr=variance_se.sel(J_plus=j), marker="o", capsize=2, label=f"J+ = {j:g}")
ax_v.axhline(np.pi**2 / 3, color="grey", ls="--", lw=1, label="uniform error (bump lost)")
ax_v.set(xlabel="delay (s)", ylabel="error variance (rad$^2$)", yscale="log", title="variance of the remembered angle")
ax_v.legend(fontsize=8)
ax_d.errorbar(summary["J_plus"], diffusion, yerr=diffusion_se, marker="o", capsize=2, color="k")
ax_d.set(xlabel="J+ (E->E footprint peak)", ylabel="diffusion (rad$^2$ s$^{-1}$)", title="bump diffusion against J+")
fig.suptitle(f"{ds.attrs['model']}: {n_seeds} seeds per J+, {ds.sizes['trial']} trials per point", fontsize=9)
fig.tight_layout()
fig.savefig(figures / "sweep_drift.png", dpi=120)
print("wrote", figures / "sweep_drift.png")
