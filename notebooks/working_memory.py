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
# # Working memory in a spiking bump attractor (Compte et al. 2000)
#
# Loads the Dataset written by
# `neuromem run working-memory --model compte2000 --delays 0.5 1 2 3 --trials 20 --seed 1 --out results/`
# and draws (a) one trial's raster and rate heat map, with the bump outlasting the cue, and
# (b) the variance of the remembered angle against delay (a diffusing bump: variance grows
# roughly linearly with delay; White et al. 1994, Wimmer et al. 2014).
#
# `NEUROMEM_RESULTS` (folder, default `results`), `NEUROMEM_FIGURES` (default `figures`);
# `NEUROMEM_QUICK=1` (used by CI) makes a small result first if none exists.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import neuromem
from neuromem.results import load

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
result = results / "working-memory_compte2000_scaled_seed1.nc"
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
if os.environ.get("NEUROMEM_QUICK") == "1" and not result.exists():
    from neuromem.experiments import working_memory

    _, result = working_memory(delays=[0.3, 0.6], trials=2, out=str(results), quiet=True)["trials"]
ds = load(result)
print(ds.attrs["title"], "|", ds.attrs["backend"])

# %% [markdown]
# ## (a) One trial: raster and rate per preferred angle

# %%
trial = int(np.argmax(ds["delay"].values))
tr = ds.sel(trial=trial)
fig, (ax_r, ax_h) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
if "spike_time" in ds:
    mine = ds["spike_trial"].values == trial
    ax_r.plot(ds["spike_time"].values[mine], np.degrees(ds["neuron_angle"].values[ds["spike_neuron"].values[mine]]), ",k", rasterized=True)
ax_r.set_ylabel("preferred angle (deg)")
ax_r.set_title(f"trial {trial}: cue at {np.degrees(float(tr['cue_angle'])):.0f} deg, delay {float(tr['delay']):.1f} s")
mesh = ax_h.pcolormesh(ds["time"], np.degrees(ds["angle"]), tr["rate"].T, shading="nearest", cmap="magma")
fig.colorbar(mesh, ax=[ax_r, ax_h], label="rate (Hz)", shrink=0.5, anchor=(0.0, 0.0))
for ax in (ax_r, ax_h):
    for key, color, ls in (("cue_onset", "c", "--"), ("cue_offset", "c", "-"), ("response_onset", "tab:orange", "-")):
        ax.axvline(float(tr[key]), color=color, ls=ls, lw=1)
ax_h.set_xlabel("time from trial start (s)")
ax_h.set_ylabel("preferred angle (deg)")
fig.savefig(figures / "working_memory_trial.png", dpi=120, bbox_inches="tight")

# %% [markdown]
# ## (b) Error variance against delay

# %%
err = np.degrees(ds["error"])
by_delay = err.groupby("delay")
delays = np.array([d for d, _ in by_delay])
var = np.array([float(g.var()) for _, g in by_delay])
n = np.array([g.size for _, g in by_delay])
se = var * np.sqrt(2.0 / np.maximum(n - 1, 1))  # s.e. of a sample variance (Gaussian errors)
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.errorbar(delays, var, yerr=se, fmt="o-", capsize=3)
ax.set_xlabel("delay (s)")
ax.set_ylabel("error variance (deg$^2$)")
ax.set_title(f"{ds.attrs['model']} ({neuromem.results.parameters(ds)['N_E']} E cells)")
fig.tight_layout()
fig.savefig(figures / "working_memory_error_variance.png", dpi=120)
print(dict(zip(delays.tolist(), np.round(var, 1).tolist())))
