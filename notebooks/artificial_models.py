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
# # Artificial models: learning, error against delay, forgetting
#
# Loads what `neuromem fit --model M --task delayed-estimation --out results/`,
# `neuromem run working-memory --fitted results/fit_M_delayed-estimation.pt --delays ... --out results/`
# and `neuromem run retention --model M --out results/` write, for M in rate_rnn, lstm, keyvalue, and draws
# (a) learning curves (loss per step, every seed), (b) report error against delay, including delays
# longer than those trained on, (c) forgetting in activity (recall against patterns studied since,
# per test delay) and (d) forgetting in weights (recall against items learned since).
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

from neuromem.results import load

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
models = ("rate_rnn", "lstm", "keyvalue")
if os.environ.get("NEUROMEM_QUICK") == "1":
    from neuromem.experiments import artificial_forgetting, fit_model, working_memory

    for m in models:
        if not (results / f"fit_{m}_delayed-estimation_history.nc").exists():
            fit_model(model=m, task="delayed-estimation", seeds=[1, 2], steps=60, hidden=32, eval_trials=50, device="cpu", out=results, progress=False)
            working_memory(fitted=str(results / f"fit_{m}_delayed-estimation.pt"), delays=[0.2, 0.6, 1.2], trials=20, out=str(results), quiet=True)
        if not (results / f"forgetting-in-weights_{m}.nc").exists():
            artificial_forgetting(
                model=m, train_steps=30, n_items=5, n_patterns=5, steps_per_item=15, hidden_size=32, trials=20, device="cpu", out=results, progress=False
            )

# %%
fig, axes = plt.subplots(1, 4, figsize=(18, 4))
for k, m in enumerate(models):
    colour = f"C{k}"
    history = results / f"fit_{m}_delayed-estimation_history.nc"
    if history.exists():
        h = load(history)
        for s in h["seed"].values:
            axes[0].plot(h["step"], h["loss"].sel(seed=s), color=colour, alpha=0.7, label=m if s == h["seed"].values[0] else None)
    evaluation = results / f"working-memory_{m}_fitted_seed1.nc"
    if evaluation.exists():
        ev = load(evaluation)
        err = np.degrees(ev["abs_error"]).groupby("delay").mean()
        axes[1].plot(err["delay"], err, "o-", color=colour, label=m)
    for panel, kind in ((2, "in-activity"), (3, "in-weights")):
        path = results / f"forgetting-{kind}_{m}.nc"
        if path.exists():
            curve = load(path)
            for j, d in enumerate(curve["test_delay"].values):
                row = curve.sel(test_delay=d)
                axes[panel].errorbar(
                    row["lag"],
                    row["overlap"],
                    yerr=row["overlap_sem"],
                    color=colour,
                    marker="o",
                    alpha=1.0 - 0.25 * j,
                    capsize=2,
                    label=f"{m}" + (f", delay {d:g} s" if kind == "in-activity" else ""),
                )
axes[0].set(xlabel="training step", ylabel="masked loss", yscale="log", title="(a) learning curves (every seed)")
axes[1].axhline(90, color="0.7", ls=":", label="chance")
axes[1].set(xlabel="delay (s)", ylabel="mean |error| (deg)", title="(b) delayed estimation: error vs delay")
axes[2].set(xlabel="patterns studied since", ylabel="recall overlap", title="(c) forgetting in activity")
axes[3].set(xlabel="items learned since", ylabel="recall overlap", title="(d) forgetting in weights")
for ax in axes:
    ax.legend(fontsize=6)
fig.tight_layout()
fig.savefig(figures / "artificial_models.png", dpi=120)
