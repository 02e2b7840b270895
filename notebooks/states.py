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
# # Inside the models: how each family holds a remembered angle, and where a Transformer attends
#
# needs: free_recall
#
# Loads the Datasets written by
#
# ```
# neuromem fit --model rate_rnn --task delayed-estimation --steps 600 --out results/      # likewise lstm, transformer
# neuromem run working-memory --fitted results/fit_rate_rnn_delayed-estimation.pt --delays 0.6 --trials 300 --record states --out results/
# neuromem run working-memory --model compte2000 --delays 1 --trials 40 --record states --out results/
# neuromem fit --model transformer --task free-recall --steps 300 --out results/
# neuromem run free-recall --fitted results/fit_transformer_free-recall.pt --trials 20 --record states --out results/
# ```
#
# and, from the free-recall notebook's results, CMR's lag-CRP (`free-recall_cmr_seed1.nc`);
# people's is PEERS' (Kahana et al.; `neuromem.reference`). Every analysis is the same
# function for every family (`neuromem.analysis.states`):
#
# 1. cross-temporal decoding of the cued angle (train at one time, test at every time):
#    a square of high accuracy is a stable code, a diagonal a dynamic one;
# 2. the first two principal components of the state over the trial, one line per trial,
#    coloured by the cued angle;
# 3. the drift of the decoded angle over the delay (its variance against time), beside the
#    variance of the reported angle at the end;
# 4. the representational similarity of the remembered angle across models (RDMs over six angle
#    bins during the delay, compared by correlation; each model's noise ceiling from two halves of
#    its trials; needs the optional rsatoolbox);
# 5. the Transformer's attention from each studied item to the items before it, by lag, relative
#    to attention spread evenly over the past, beside the backward half of CMR's and people's lag-CRP.
#
# A model whose file is missing is left out and the figure says so.
#
# `NEUROMEM_RESULTS` (folder), `NEUROMEM_FIGURES`; `NEUROMEM_QUICK=1` (CI) makes small results first.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from neuromem.analysis.free_recall import free_recall_summary
from neuromem.analysis.states import attention_by_lag, cross_temporal_decoding, decoded_drift, pca_trajectories
from neuromem.reference import load_reference
from neuromem.results import load

results = Path(os.environ.get("NEUROMEM_RESULTS", "results"))
figures = Path(os.environ.get("NEUROMEM_FIGURES", "figures"))
figures.mkdir(parents=True, exist_ok=True)
NETWORKS = {"rate RNN": "rate_rnn", "LSTM": "lstm", "Transformer": "transformer"}
files = {label: results / f"working-memory_{card}_fitted_states_seed1.nc" for label, card in NETWORKS.items()}
files["ring (Compte 2000, scaled)"] = results / "working-memory_compte2000_scaled_states_seed1.nc"
STATE = {"rate RNN": "state_rate", "LSTM": "state_hidden", "Transformer": "state_residual", "ring (Compte 2000, scaled)": "state_rate"}
recall_file = results / "free-recall_transformer_fitted_states_seed1.nc"
cmr_file = results / "free-recall_cmr_seed1.nc"

if os.environ.get("NEUROMEM_QUICK") == "1":
    from neuromem.experiments import fit_model, free_recall, working_memory

    for label, card in NETWORKS.items():
        if not files[label].exists():
            _, paths = fit_model(model=card, task="delayed-estimation", steps=150, eval_trials=10, out=results, progress=False)
            working_memory(fitted=str(paths["fitted"]), delays=[0.6], trials=120, record=["states"], out=str(results), quiet=True)
    if not files["ring (Compte 2000, scaled)"].exists():
        working_memory(delays=[1.0], trials=4, record=["states"], out=str(results), quiet=True)
    if not recall_file.exists():
        _, paths = fit_model(model="transformer", task="free-recall", steps=150, eval_trials=10, out=results, progress=False)
        free_recall(fitted=str(paths["fitted"]), trials=4, record=["states"], out=str(results), quiet=True)
    if not cmr_file.exists():
        free_recall(model="cmr", trials=20, out=str(results), quiet=True)

present = {label: load(path) for label, path in files.items() if path.exists()}
missing = [label for label, path in files.items() if not path.exists()]
for label, ds in present.items():
    print(f"{label}: {ds.attrs['title']} ({ds.sizes['trial']} trials)")
if missing:
    print("not drawn (no result file):", ", ".join(missing))

# %% [markdown]
# ## Delayed estimation: decoding, trajectories and drift

# %%
decoding = {label: cross_temporal_decoding(ds, STATE[label], folds=min(5, ds.sizes["trial"])) for label, ds in present.items()}
# the delay runs from the cue's offset to the response's onset (the same in every trial of one delay)
cue_end = {label: float(ds["cue_offset"].values[0]) for label, ds in present.items()}
response = {label: float(ds["response_onset"].values[0]) for label, ds in present.items()}
drift = {label: decoded_drift(ds, STATE[label], start=cue_end[label], stop=response[label], folds=min(5, ds.sizes["trial"])) for label, ds in present.items()}
pca = {label: pca_trajectories(ds, STATE[label], n_components=2) for label, ds in present.items()}

n = max(len(present), 1)
fig, axes = plt.subplots(3, n, figsize=(3.6 * n, 9.6), squeeze=False, layout="constrained")
for k, label in enumerate(present):
    ax = axes[0, k]
    d = decoding[label]
    t = d["train_time"].values
    im = ax.imshow(d["accuracy"].values, origin="lower", extent=(t[0], t[-1], t[0], t[-1]), vmin=-0.2, vmax=1.0, cmap="viridis", aspect="auto")
    ax.axvline(cue_end[label], color="w", lw=0.8, ls="--")
    ax.axhline(cue_end[label], color="w", lw=0.8, ls="--")
    ax.set(title=label, xlabel="tested at (s)", ylabel="trained at (s)")
    ax = axes[1, k]
    traj = pca[label]["trajectory"]
    colours = plt.cm.hsv((present[label]["target"].values % (2 * np.pi)) / (2 * np.pi))
    for trial in range(min(traj.sizes["trial"], 60)):
        ax.plot(traj.isel(trial=trial, component=0), traj.isel(trial=trial, component=1), color=colours[trial], lw=0.6, alpha=0.7)
    ratio = pca[label]["explained_variance_ratio"].values
    ax.set(xlabel=f"PC 1 ({100 * ratio[0]:.0f}%)", ylabel=f"PC 2 ({100 * ratio[1]:.0f}%)", title="PCs (colour: cued angle)")
    ax = axes[2, k]
    dr = drift[label]
    elapsed = dr["time"].values - cue_end[label]
    ax.plot(elapsed, np.degrees(np.sqrt(dr["drift_variance"].values)), label="decoded angle")
    behaviour = present[label]["error"].values
    ax.plot([elapsed[-1]], [np.degrees(np.std(behaviour))], "o", color="k", label="reported angle (error s.d.)")
    ax.set(xlabel="time into the delay (s)", ylabel="s.d. of the decoded drift (deg)", title=f"D = {float(dr['diffusion']):.2g} rad$^2$/s")
    ax.legend(fontsize=7, frameon=False)
if present:  # with no result at all the figure only says what it could not draw
    fig.colorbar(im, ax=axes[0, -1], shrink=0.9, label="decoding accuracy")
if missing:
    fig.suptitle("not drawn (no result file): " + ", ".join(missing), fontsize=8)
fig.savefig(figures / "states_delayed_estimation.png", dpi=120)
for label in present:
    diag = decoding[label]["diagonal"]
    during = diag.sel(time=slice(cue_end[label], response[label]))
    print(
        f"{label}: decoding accuracy over the delay {float(during.min()):.2f}-{float(during.max()):.2f}; drift D = {float(drift[label]['diffusion']):.3g} rad^2/s"
    )

# %% [markdown]
# ## Representational similarity across families

# %%
from neuromem.analysis.similarity import representational_similarity  # noqa: E402

fig, ax = plt.subplots(figsize=(6.6, 4.8), layout="constrained")
# two trial groups per bin of six: fewer than 30 trials (a quick run's ring) leave bins empty
enough = {label: ds for label, ds in present.items() if ds.sizes["trial"] >= 30}
too_few = [label for label in present if label not in enough]
try:
    rsa = representational_similarity({label: (ds, STATE[label], cue_end[label], response[label]) for label, ds in enough.items()}, n_bins=6, groups=2)
except ValueError as err:  # rsatoolbox missing, or too few trials per angle bin (a quick run's ring)
    rsa = None
    ax.text(0.5, 0.5, f"not drawn: {err}", ha="center", va="center", wrap=True, fontsize=8)
    ax.set_axis_off()
    print("representational similarity not drawn:", err)
if rsa is not None:
    labels = [str(m) for m in rsa["model"].values]
    im = ax.imshow(rsa["similarity"].values, vmin=0, vmax=1, cmap="magma")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(
        range(len(labels)),
        [f"{m} (ceiling {lo:.2f}-{hi:.2f})" for m, lo, hi in zip(labels, rsa["ceiling_lower"].values, rsa["ceiling_upper"].values)],
        fontsize=8,
    )
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{float(rsa['similarity'][i, j]):.2f}", ha="center", va="center", color="w" if rsa["similarity"][i, j] < 0.6 else "k", fontsize=8)
    fig.colorbar(im, ax=ax, label="RDM correlation")
    left_out = f"\nleft out (< 30 trials): {', '.join(too_few)}" if too_few else ""
    fig.suptitle(f"how alike the delay codes are (remembered angle, 6 bins){left_out}", fontsize=9)
    print(rsa["similarity"].round(2).to_pandas())
fig.savefig(figures / "states_similarity.png", dpi=120)

# %% [markdown]
# ## Free recall: where the Transformer attends, beside CMR's and people's lag-CRP

# %%
fig, ax = plt.subplots(figsize=(5.6, 3.8))
drawn = []
if recall_file.exists():
    lag = attention_by_lag(load(recall_file))
    for layer in lag["layer"].values:
        per_layer = lag["relative"].sel(layer=layer).mean("head")
        ax.plot(per_layer["lag"], per_layer, "o-", label=f"Transformer, layer {int(layer) + 1}")
    drawn.append("Transformer")
ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
crp_axis = ax.twinx()
if cmr_file.exists():
    cmr = free_recall_summary(load(cmr_file))["lag_crp"].sel(condition="immediate").mean("list_length")
    back = cmr.sel(lag=slice(-5, -1))
    crp_axis.plot(back["lag"], back, "s--", color="tab:green", label="CMR lag-CRP")
    drawn.append("CMR")
human = load_reference("peers_free_recall").sel(condition="immediate", list_length=16)["lag_crp"]
back = human.sel(lag=slice(-5, -1))
crp_axis.plot(back["lag"], back, "k^:", label="people (PEERS) lag-CRP")
ax.set(xlabel="lag (item attended to, or recalled next, minus the current one)", ylabel="attention / even attention")
crp_axis.set_ylabel("conditional response probability")
lines = ax.get_legend_handles_labels()[0] + crp_axis.get_legend_handles_labels()[0]
ax.legend(lines, [h.get_label() for h in lines], fontsize=7, frameon=False, loc="upper left")
not_drawn = [name for name in ("Transformer", "CMR") if name not in drawn]
ax.set_title("backward contiguity" + (f" (not drawn, no result file: {', '.join(not_drawn)})" if not_drawn else ""), fontsize=9)
fig.tight_layout()
fig.savefig(figures / "states_attention_by_lag.png", dpi=120)
if recall_file.exists():
    print("Transformer attention relative to even attention, by lag (mean over heads):", lag["relative"].mean("head").round(2).to_pandas().to_dict())
