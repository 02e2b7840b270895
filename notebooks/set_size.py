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
# # Precision against set size: every model family beside people
#
# Loads the Datasets written by
#
# ```
# neuromem run working-memory --model compte2000 --set-sizes 1 2 4 6 --delays 1 --trials 40 --out results/
# neuromem run working-memory --model zhang_luck2008 --set-sizes 1 2 4 6 --delays 1 --trials 200 --out results/
# neuromem run working-memory --model bays2014 --set-sizes 1 2 4 6 --delays 1 --trials 200 --out results/
# neuromem run working-memory --model vandenberg2012 --set-sizes 1 2 4 6 --delays 1 --trials 200 --out results/
# neuromem fit --model rate_rnn --task-param 'set_sizes=[1,2,4,6]' 'delays=[1.0]' --steps 600 --out results/
# neuromem run working-memory --fitted results/fit_rate_rnn_delayed-estimation.pt --set-sizes 1 2 4 6 --delays 1 --trials 200 --out results/
# ```
#
# and draws, per model, the circular s.d. of the report, the two-component mixture's
# P(memory) and the three-component mixture's swap rate against set size, beside people
# (van den Berg et al. 2012, colour wheel, 13 subjects: mean and s.e.m. over subjects of the same
# measures, computed by `scripts/make_set_size_reference.py`). A model whose file is missing is
# left out and the figure's title says so.
#
# `NEUROMEM_RESULTS` (folder), `NEUROMEM_FIGURES`; `NEUROMEM_QUICK=1` (CI) makes small results first.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from neuromem.analysis.set_size import precision_by_set_size
from neuromem.reference import load_reference
from neuromem.results import load

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
TAG = "set-sizes-1-2-4-6"
files = {
    "ring (Compte 2000, scaled)": results / f"working-memory_compte2000_scaled_{TAG}_seed1.nc",
    "slots + averaging": results / f"working-memory_zhang_luck2008_{TAG}_seed1.nc",
    "population resource": results / f"working-memory_bays2014_{TAG}_seed1.nc",
    "variable precision": results / f"working-memory_vandenberg2012_{TAG}_seed1.nc",
    "rate RNN (fitted)": results / f"working-memory_rate_rnn_fitted_{TAG}_seed1.nc",
}
if os.environ.get("NEUROMEM_QUICK") == "1":
    from neuromem.experiments import fit_model, working_memory

    sizes = [1, 2, 4, 6]
    if not files["ring (Compte 2000, scaled)"].exists():
        working_memory(set_sizes=sizes, delays=[1.0], trials=3, out=str(results), quiet=True)
    for card in ("zhang_luck2008", "bays2014", "vandenberg2012"):
        if not (results / f"working-memory_{card}_{TAG}_seed1.nc").exists():
            working_memory(model=card, set_sizes=sizes, delays=[1.0], trials=100, out=str(results), quiet=True)
    if not files["rate RNN (fitted)"].exists():
        _, paths = fit_model(model="rate_rnn", task_param={"set_sizes": sizes, "delays": [1.0]}, steps=200, eval_trials=20, out=results, progress=False)
        working_memory(fitted=str(paths["fitted"]), set_sizes=sizes, delays=[1.0], trials=20, out=str(results), quiet=True)
missing = [label for label, path in files.items() if not path.exists()]
summaries = {label: precision_by_set_size(load(path)).isel(delay=0) for label, path in files.items() if path.exists()}
for label in summaries:
    print(f"{label}: {load(files[label]).attrs['title']}")
if missing:
    print("not drawn (no result file):", ", ".join(missing))

# %% [markdown]
# ## People: the same measures per subject

# %%
people = load_reference("vandenberg2012_delayed_estimation").sel(experiment="ExpS3", drop=True)
people = people.dropna("subject", how="all", subset=["circular_sd"])
print(people.attrs["references"])


def human(measure: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and s.e.m. over subjects of ``measure`` by set size."""
    da = people[measure].dropna("subject", how="all")
    return da.mean("subject").values, (da.std("subject") / np.sqrt(da.count("subject"))).values


# %% [markdown]
# ## Circular s.d., P(memory) and swap rate against set size

# %%
panels = (
    ("circular_sd", "circular_sd", "circular s.d. (deg)", np.degrees),
    ("p_memory", "p_memory", "P(memory), two-component mixture", lambda v: v),
    ("p_swap", "p_swap", "P(swap), three-component mixture", lambda v: v),
)
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
for ax, (model_var, human_var, label, f) in zip(axes, panels):
    mean, sem = human(human_var)
    ax.errorbar(people["set_size"], f(mean), yerr=f(sem), color="k", marker="o", lw=2, capsize=2, label="people (van den Berg 2012)")
    for name, s in summaries.items():
        if model_var in s:
            ax.plot(s["set_size"], f(s[model_var].values), "o-", label=name)
    ax.set_xlabel("set size")
    ax.set_ylabel(label)
axes[0].legend(fontsize=7)
title = "precision, guessing and swaps against set size"
fig.suptitle(title + (f" (not drawn: {', '.join(missing)})" if missing else ""), fontsize=10)
fig.savefig(figures / "set_size.png", dpi=120, bbox_inches="tight")
