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
# # Synaptic transmission and short-term plasticity
#
# Loads the Datasets written by `neuromem run synaptic-transmission --out results/` and draws
# (a) the PSC of each receptor, (b) paired-pulse ratio against interval, (c) responses to
# regular trains and their steady state against frequency, (d) the NMDA I-V curve with its
# Mg2+ block. Dashed lines are closed forms: the Tsodyks-Markram recursion for (b)-(c), and
# g B(V) (V - E) (Jahr & Stevens 1990) for (d).
#
# `NEUROMEM_RESULTS` (folder, default `results`), `NEUROMEM_FIGURES` (default `figures`);
# `NEUROMEM_QUICK=1` (CI) makes small results first if they are missing.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import neuromem
from neuromem.results import load
from neuromem.spiking.receptors import mg_block
from neuromem.spiking.short_term_plasticity import release_recursion

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
names = ("psc", "paired-pulse", "trains", "nmda-iv")
if os.environ.get("NEUROMEM_QUICK") == "1" and not all((results / f"synaptic-transmission_{n}.nc").exists() for n in names):
    from neuromem.experiments import synaptic_transmission

    synaptic_transmission(intervals=[0.02, 0.1, 0.5], frequencies=[5.0, 20.0, 50.0], pulses=5, out=str(results))
ds = {n: load(results / f"synaptic-transmission_{n}.nc") for n in names}
stp = neuromem.load_model("synaptic_transmission")

# %%
fig, axes = plt.subplots(2, 2, figsize=(10, 7))
ax = axes[0, 0]
psc = ds["psc"]
for r in psc["receptor"].values:
    ax.plot((psc["time"] - 0.01) * 1e3, psc["psc"].sel(receptor=r), label=f"{r} at {float(psc['holding_potential'].sel(receptor=r)):.0f} mV")
ax.set(xlabel="time from spike (ms)", ylabel="PSC (pA)", title="(a) single-spike PSCs", xlim=(-5, 300))
ax.legend(fontsize=8)

ax = axes[0, 1]
pp = ds["paired-pulse"]
d = pp["interval"].values
for s in pp["stp_set"].values:
    (line,) = ax.semilogx(d * 1e3, pp["ppr"].sel(stp_set=s), "o", label=s)
    dd = np.geomspace(d.min(), d.max(), 100)
    ax.semilogx(dd * 1e3, [np.divide(*release_recursion(stp.stp_set(s), [0, x])[::-1]) for x in dd], "--", color=line.get_color())
ax.axhline(1, color="grey", lw=0.5)
ax.set(xlabel="interval (ms)", ylabel="PPR", title="(b) paired-pulse ratio")
ax.legend(fontsize=8)

ax = axes[1, 0]
tr = ds["trains"]
f = tr["frequency"].values
for s in tr["stp_set"].values:
    (line,) = ax.semilogx(f, tr["steady_state"].sel(stp_set=s), "o", label=s)
    n = tr.sizes["pulse"]
    ax.semilogx(f, [release_recursion(stp.stp_set(s), np.arange(n) / x)[-1] / stp.stp_set(s).U for x in f], "--", color=line.get_color())
ax.set(xlabel="train frequency (Hz)", ylabel=f"response {tr.sizes['pulse']} / response 1", title="(c) train steady state")
ax.legend(fontsize=8)

ax = axes[1, 1]
iv = ds["nmda-iv"]
v = iv["holding_potential"].values
ax.plot(v, iv["peak_current"], "o", label="simulated")
vv = np.linspace(v.min(), v.max(), 200)
ax.plot(vv, mg_block(vv) * vv, "--", label="1 nS x B(V) x (V - 0 mV)")
ax.axhline(0, color="grey", lw=0.5)
ax.set(xlabel="holding potential (mV)", ylabel="peak NMDA current (pA)", title="(d) NMDA I-V, Mg$^{2+}$ block")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(figures / "synaptic_transmission.png", dpi=120)
