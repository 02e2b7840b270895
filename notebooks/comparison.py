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
# # Models side by side, and beside human data
#
# Compares every saved forgetting curve in the results folder — the spiking assembly network
# (`neuromem run retention --synapse simple|benna-fusi`) and the artificial models
# (`neuromem run retention --model rate_rnn|lstm|keyvalue`) — on one axis (patterns or items learned
# since, `lag`), fits forgetting functions to each (power, exponential, logarithmic, Wickelgren,
# two-store; ranked by AICc, only converged forms) and sets Ebbinghaus's savings curve beside them, fitted the same way.
#
# `NEUROMEM_RESULTS` (folder, default `results`), `NEUROMEM_FIGURES` (default `figures`);
# `NEUROMEM_QUICK=1` (CI) makes small results first if they are missing.
#
# needs: artificial_models, plasticity_and_forgetting

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from neuromem.analysis.compare import compare
from neuromem.analysis.forgetting import FORMS
from neuromem.results import load, save

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
if os.environ.get("NEUROMEM_QUICK") == "1":
    from neuromem.experiments import artificial_forgetting, retention

    if not list(results.glob("retention_assembly_memory_*_seed1.nc")):
        retention(synapse="simple", patterns=5, trials=1, out=str(results), quiet=True)
    if not list(results.glob("forgetting-in-weights_*.nc")):
        artificial_forgetting(
            model="lstm", train_steps=30, n_items=5, n_patterns=5, steps_per_item=15, hidden_size=32, trials=20, device="cpu", out=results, progress=False
        )
files = sorted(results.glob("retention_assembly_memory_*_seed1.nc")) + sorted(results.glob("forgetting-in-*.nc"))
comparison = compare([load(f) for f in files])
save(comparison, results / "comparison_retention.nc")

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
age = comparison["lag"].values + 1.0
for k, m in enumerate(comparison["model"].values):
    row = comparison.sel(model=m)
    best = row["best_form"].item()
    axes[0].errorbar(comparison["lag"], row["overlap"], yerr=row["overlap_sem"], color=f"C{k}", marker="o", capsize=2, label=f"{m}: best {best}")
    if best in FORMS:  # "none" when no form converged on this curve
        fine = np.linspace(age.min(), age.max(), 100)
        axes[0].plot(fine - 1, FORMS[best][0](fine, *row["fit_value"].sel(form=best).dropna("parameter").values), color=f"C{k}", lw=0.8, ls="--")
axes[0].set(xlabel="patterns / items learned since", ylabel="recall overlap", title="(a) models, fitted forms dashed")
axes[0].legend(fontsize=6)
# AICc above each model's best form; blank where a form did not converge (fit_status says why)
aicc = comparison["fit_aicc"].where(comparison["fit_status"] == "converged")
im = axes[1].imshow((aicc - aicc.min("form")).values, aspect="auto", cmap="viridis_r", vmax=10)
axes[1].set(
    xticks=range(comparison.sizes["form"]),
    xticklabels=comparison["form"].values,
    yticks=range(comparison.sizes["model"]),
    yticklabels=comparison["model"].values,
    title="(b) AICc above each model's best form",
)
axes[1].tick_params(labelsize=7)
fig.colorbar(im, ax=axes[1])
t_min = comparison["human_retention_interval"].values
axes[2].plot(t_min, comparison["human_retention"], "ks", label="Ebbinghaus 1885")
fine = np.geomspace(t_min.min(), t_min.max(), 200)
for form in ("power", "exponential", "logarithmic"):
    params = comparison["human_fit_value"].sel(form=form).dropna("parameter").values
    axes[2].plot(fine, FORMS[form][0](fine, *params), label=f"{form} (AICc {float(comparison['human_aicc'].sel(form=form)):.1f})")
axes[2].set(xscale="log", xlabel="retention interval (min)", ylabel="savings", title="(c) human forgetting: power beats exponential")
axes[2].legend(fontsize=7)
fig.tight_layout()
fig.savefig(figures / "comparison_retention.png", dpi=120)
