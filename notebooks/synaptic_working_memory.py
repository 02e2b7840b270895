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
# # Synaptic working memory (Mongillo, Barak & Tsodyks 2008)
#
# Loads the Dataset written by
# `neuromem run multi-item-recall --model mongillo2008 --set-sizes 1 2 3 4 --trials 5 --out results/`
# and draws (a) one trial: each pool's rate and the facilitation u of its synapses — the item
# is held in u while the rate is back at baseline, and the read-out brings it back; (b) recall
# accuracy and Cowan's K = N (H - F) against set size (humans: K about 3-4; Luck & Vogel 1997).
#
# `NEUROMEM_RESULTS` (folder), `NEUROMEM_FIGURES`; `NEUROMEM_QUICK=1` (CI) makes a small result first.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from neuromem.analysis.capacity import cowan_k
from neuromem.results import load

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
result = results / "multi-item-recall_mongillo2008_scaled_seed1.nc"
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
if os.environ.get("NEUROMEM_QUICK") == "1" and not result.exists():
    from neuromem.experiments import multi_item_recall

    _, result = multi_item_recall(set_sizes=[1, 2], trials=1, delay=0.5, out=str(results), quiet=True)["trials"]
ds = load(result)
print(ds.attrs["title"], "|", ds.attrs["backend"])

# %%
trial = int(np.argmax(ds["set_size"].values))
tr = ds.isel(trial=trial)
shown = [int(i) for i in tr["item_id"].values if i >= 0]
fig, (ax_r, ax_u) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
for p in ds["pool"].values:
    style = "-" if p in shown else ":"
    (line,) = ax_r.plot(ds["time"], tr["rate"].sel(population=p), style, lw=1, label=f"pool {p}{' (shown)' if p in shown else ''}")
    ax_u.plot(ds["stp_time"], tr["facilitation"].sel(pool=p), style, color=line.get_color())
ax_r.plot(ds["time"], tr["rate"].isel(population=-1), color="grey", lw=1, label="non-selective")
for ax in (ax_r, ax_u):
    for on, off in zip(tr["item_onset"].values, tr["item_offset"].values):
        if np.isfinite(on):
            ax.axvspan(on, off, color="c", alpha=0.15)
    ax.axvspan(float(tr["readout_onset"]), float(tr["trial_end"]), color="orange", alpha=0.2)
ax_r.set(ylabel="rate (Hz)", title=f"trial {trial}: items {shown}; recalled {[int(p) for p in np.flatnonzero(tr['recalled'].values)]}")
ax_r.legend(fontsize=7, ncol=2)
ax_u.set(xlabel="time from trial start (s)", ylabel="facilitation u")
fig.tight_layout()
fig.savefig(figures / "synaptic_working_memory_trial.png", dpi=120)

# %%
k = cowan_k(ds)
fig, (ax_a, ax_k) = plt.subplots(1, 2, figsize=(8, 3.5))
ax_a.plot(k["set_size"], k["accuracy"], "o-")
ax_a.set(xlabel="set size", ylabel="fraction of items recalled", ylim=(0, 1.05))
ax_k.plot(k["set_size"], k["cowan_k"], "o-", label="model")
ax_k.plot(k["set_size"], k["set_size"], ":", color="grey", label="perfect memory")
ax_k.axhspan(3, 4, color="green", alpha=0.15, label="human capacity (3-4 items)")
ax_k.set(xlabel="set size N", ylabel="Cowan's K = N (H - F)")
ax_k.legend(fontsize=8)
fig.tight_layout()
fig.savefig(figures / "synaptic_working_memory_capacity.png", dpi=120)
print(k[["accuracy", "cowan_k"]].to_dataframe())
