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
# # Free recall: the serial-position curve under three distractor schedules
#
# Loads the Datasets written by
#
# ```
# neuromem run free-recall --model cmr --out results/
# neuromem run free-recall --model dual_store --out results/
# neuromem fit --model lstm --task free-recall --steps 1500 --out results/
# neuromem run free-recall --fitted results/fit_lstm_free-recall.pt --out results/
# neuromem run free-recall --model mongillo2008 --list-lengths 4 --n-items 5 --item 0.35 --gap 0.15 --distractor 1.5 --recall 0.3 --trials 12 --out results/
# neuromem run free-recall --model assembly_memory --list-lengths 6 --n-items 10 --item 1 --gap 0.5 --distractor 4 --recall 1 --trials 10 --out results/
# ```
#
# and draws, per model, the serial-position curve and the lag-CRP of its longest list under
# immediate, delayed (a filled delay before recall) and continual-distractor recall, beside
# human immediate free recall (PEERS, 16-item lists) where the list length matches. The
# two-store signature (Glanzer & Cunitz 1966): a filled delay removes recency and keeps primacy.
# The test between theories (Bjork & Whitten 1974): a distractor after every item brings recency
# back in a drifting-context model (CMR) but not in a buffer model. The LSTM and the spiking
# networks (short-term: facilitation; long-term: STDP assemblies) are drawn when their results exist.
#
# `NEUROMEM_RESULTS` (folder), `NEUROMEM_FIGURES`; `NEUROMEM_QUICK=1` (CI) makes small results first.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from neuromem.analysis.free_recall import free_recall_summary
from neuromem.reference import load_reference
from neuromem.results import load

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
files = {
    "CMR": results / "free-recall_cmr_seed1.nc",
    "dual store": results / "free-recall_dual_store_seed1.nc",
    "LSTM (fitted)": results / "free-recall_lstm_fitted_seed1.nc",
    "spiking (Mongillo 2008)": results / "free-recall_mongillo2008_scaled_seed1.nc",
    "spiking (STDP assemblies)": results / "free-recall_assembly_memory_scaled_seed1.nc",
}
if os.environ.get("NEUROMEM_QUICK") == "1":
    from neuromem.experiments import fit_model, free_recall

    for label, model in (("CMR", "cmr"), ("dual store", "dual_store")):
        if not files[label].exists():
            free_recall(model=model, trials=100, out=str(results), quiet=True)
    if not files["LSTM (fitted)"].exists():
        _, paths = fit_model(model="lstm", task="free-recall", steps=300, eval_trials=20, out=results, progress=False)
        free_recall(fitted=str(paths["fitted"]), trials=20, out=str(results), quiet=True)
    if not files["spiking (Mongillo 2008)"].exists():
        free_recall(model="mongillo2008", list_lengths=[3], n_items=5, item=0.35, gap=0.15, distractor=1.0, recall=0.3, trials=1, out=str(results), quiet=True)
    if not files["spiking (STDP assemblies)"].exists():
        free_recall(model="assembly_memory", list_lengths=[4], n_items=5, item=1.0, gap=0.5, distractor=2.0, recall=0.5, trials=1, out=str(results), quiet=True)
shown = {label: load(path) for label, path in files.items() if path.exists() or label in ("CMR", "dual store")}
human = load_reference("peers_free_recall").sel(condition="immediate", list_length=16)
summaries = {label: free_recall_summary(ds) for label, ds in shown.items()}
for label, ds in shown.items():
    print(f"{label}: {ds.attrs['title']} | {ds.attrs['backend']}")
missing = [label for label in files if label not in shown]
if missing:
    print("not drawn (no result file):", ", ".join(missing))

# %%
styles = {"immediate": ("-", "C0"), "delayed": ("--", "C3"), "continual": (":", "C2")}
fig, axes = plt.subplots(len(summaries), 2, figsize=(10, 2.8 * len(summaries)), squeeze=False)
for (label, s), (ax_spc, ax_crp) in zip(summaries.items(), axes):
    L = int(s["list_length"].max())
    for c in s["condition"].values:
        ls, color = styles[str(c)]
        row = s.sel(condition=c, list_length=L)
        ax_spc.plot(s["position"], row["recall_probability"], ls, color=color, marker="o", ms=3, label=str(c))
        ax_crp.plot(s["lag"], row["lag_crp"], ls, color=color, marker="o", ms=3, label=str(c))
    if L == 16:
        ax_spc.plot(human["position"], human["recall_probability"], "k-", lw=2, alpha=0.6, label="humans (PEERS), immediate")
        ax_crp.plot(human["lag"], human["lag_crp"], "k-", lw=2, alpha=0.6, label="humans (PEERS), immediate")
    else:  # people's lists had 16 items: another length has no human curve to set beside it, and says so
        print(f"not drawn: people's curves beside {label} (PEERS lists have 16 items, these {L})")
    n = int(s["n_lists"].sel(list_length=L).min())
    ax_spc.set(ylabel="P(recall)", title=f"{label}: {L}-item lists ({n} per schedule)", ylim=(0, 1.05), xlim=(0.5, L + 0.5))
    ax_crp.set(ylabel="CRP", title="lag-CRP", xlim=(-5.5, 5.5), ylim=(0, 1.0))
axes[0, 0].legend(fontsize=7)
axes[0, 1].legend(fontsize=7)
axes[-1, 0].set_xlabel("serial position")
axes[-1, 1].set_xlabel("lag")
fig.tight_layout()
fig.savefig(figures / "free_recall.png", dpi=120)
print("wrote", figures / "free_recall.png")
