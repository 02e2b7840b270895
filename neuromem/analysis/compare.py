"""Side-by-side comparison of models (and human data) on one task.

Result Datasets from any models on the same task are reduced to the task's
summary (error by delay; recall by age; accuracy and Cowan's K by set size),
aligned on the conditions they share and stacked along a ``model`` dim. Where the
package ships a human reference for the task it is added on its own coordinate,
and forgetting curves get per-model (and human) forgetting-function fits.

Retention curves are aligned on the number of patterns (or items) learned since a
pattern was stored, ``lag``; the age used for fitting forgetting functions is
``lag + 1`` (so that power and logarithmic forms are defined at lag 0). Seconds
differ between models (a spiking trial lasts tens of seconds, an artificial one
a second), so they are not the common scale; the human curve keeps its own
minutes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import xarray as xr

from neuromem.analysis.capacity import cowan_k
from neuromem.analysis.forgetting import fit_forgetting
from neuromem.analysis.working_memory import error_by_delay
from neuromem.reference import TASK_REFERENCE, load_reference
from neuromem.results import provenance
from neuromem.tasks.retention import forgetting_curve

TASKS: tuple[str, ...] = ("delayed-estimation", "multi-item-recall", "retention")


def _label(ds: xr.Dataset, taken: set[str]) -> str:
    base = str(ds.attrs.get("model", "model"))
    extra = ds.attrs.get("synapse") or ds.attrs.get("forgetting")
    label = f"{base} ({extra})" if extra else base
    k, out = 2, label
    while out in taken:
        out, k = f"{label} #{k}", k + 1
    taken.add(out)
    return out


def _common(name: str, values: list[np.ndarray], labels: list[str]) -> np.ndarray:
    common = values[0]
    for v in values[1:]:
        common = np.intersect1d(common, v)
    if common.size == 0:
        listing = "; ".join(f"{l}: {np.round(v, 3).tolist()}" for l, v in zip(labels, values))
        raise ValueError(f"the results share no {name} value, so they cannot be aligned ({listing})")
    return common


def _summaries(task: str, datasets: Sequence[xr.Dataset]) -> list[xr.Dataset]:
    if task == "delayed-estimation":
        return [error_by_delay(ds) for ds in datasets]
    if task == "multi-item-recall":
        return [cowan_k(ds) for ds in datasets]
    out = []
    for ds in datasets:
        if "trial" in ds.dims:
            ds = forgetting_curve(ds)
        if "overlap" not in ds or "lag" not in ds.dims:
            raise ValueError(f"result {ds.attrs.get('title', '?')!r} has no forgetting curve (overlap by lag)")
        out.append(ds)
    return out


def compare(datasets: Sequence[xr.Dataset]) -> xr.Dataset:
    """Combine results of several models on one task along a ``model`` dim.

    Raises
    ------
    ValueError
        If fewer than two results are given, they come from different tasks, or
        they share no condition value to align on.
    """
    if len(datasets) < 2:
        raise ValueError(f"compare needs results of at least two models; got {len(datasets)}")
    tasks = [ds.attrs.get("task") for ds in datasets]
    if len(set(tasks)) != 1:
        raise ValueError(f"the results come from different tasks ({', '.join(map(str, tasks))}); compare models on one task")
    task = tasks[0]
    if task not in TASKS:
        raise ValueError(f"task {task!r} cannot be compared; comparable tasks: {list(TASKS)}")
    taken: set[str] = set()
    labels = [_label(ds, taken) for ds in datasets]
    summaries = _summaries(task, datasets)
    if task == "delayed-estimation":
        common = _common("delay", [s["delay"].values for s in summaries], labels)
        keep = ["bias", "variance", "circular_sd", "mean_abs_error", "n_trials", "error_density"] + (["diffusion"] if all("diffusion" in s for s in summaries) else [])
        parts = [s[keep].sel(delay=common) for s in summaries]
    elif task == "multi-item-recall":
        common = _common("set_size", [s["set_size"].values for s in summaries], labels)
        parts = [s[["accuracy", "hit_rate", "false_alarm_rate", "cowan_k", "n_trials"]].sel(set_size=common) for s in summaries]
    else:
        lags = _common("lag", [s["lag"].values for s in summaries], labels)
        delays = [s["test_delay"].values for s in summaries]
        shared = delays[0]
        for d in delays[1:]:
            shared = np.intersect1d(shared, d)
        # a curve per model at one test delay: the shortest one every curve has, else each curve's shortest
        parts = []
        for s in summaries:
            d = shared.min() if shared.size else s["test_delay"].values.min()
            parts.append(s[["overlap", "overlap_sem"]].sel(test_delay=d, lag=lags).drop_vars("test_delay", errors="ignore")
                         .assign(test_delay_used=((), float(d), {"units": "s", "long_name": "test delay of this model's curve"})))
    combined = xr.concat([p.drop_attrs() if hasattr(p, "drop_attrs") else p for p in parts], dim="model",
                         coords="minimal", compat="override", join="exact")
    combined = combined.assign_coords(model=("model", labels), model_family=("model", [str(ds.attrs.get("model_family", "")) for ds in datasets]))
    for name in combined.data_vars:
        combined[name].attrs = dict(parts[0][name].attrs)
    references = [str(ds.attrs.get("references", "")) for ds in datasets]
    if task == "retention":
        _add_retention_fits(combined)
    human = TASK_REFERENCE.get(task)
    if human is not None:
        ref = load_reference(human)
        references.append(ref.attrs["references"])
        if task == "retention":
            t_min = ref["retention_interval"].values / 60.0
            combined = combined.assign_coords(human_retention_interval=("human_retention_interval", t_min,
                                                                        {"units": "min", "long_name": "Ebbinghaus's retention interval"}))
            combined["human_retention"] = ("human_retention_interval", ref["savings"].values / 100.0,
                                           {"units": "1", "long_name": "Ebbinghaus (1885): savings as a fraction"})
            fit = fit_forgetting(t_min, ref["savings"].values / 100.0, t_units="min")
            combined["human_fit_value"] = (("form", "parameter"), fit["value"].values, {"units": "1", "long_name": "forgetting-function parameters of the human curve (t in min)"})
            combined["human_aic"] = ("form", fit["aic"].values, {"units": "1", "long_name": "AIC of each form on the human curve"})
            combined.attrs["human_best_form"] = fit.attrs["best_form"]
        else:
            combined["human_capacity_low"] = ((), float(ref["capacity_low"]), ref["capacity_low"].attrs)
            combined["human_capacity_high"] = ((), float(ref["capacity_high"]), ref["capacity_high"].attrs)
    combined.attrs.update(provenance(
        title=f"Comparison on {task}: " + ", ".join(labels), model="comparison", model_family="none", task=task,
        parameters={"inputs": [{"title": ds.attrs.get("title", ""), "model": ds.attrs.get("model", ""),
                                "created": ds.attrs.get("created", ""), "seed": ds.attrs.get("seed", "")} for ds in datasets],
                    "alignment": _ALIGNMENT[task], "human_reference": human or "none"},
        seed=0, backend="neuromem.analysis.compare", references="; ".join(r for r in dict.fromkeys(references) if r),
    ))
    combined.attrs["alignment"] = _ALIGNMENT[task]
    return combined


_ALIGNMENT = {
    "delayed-estimation": "delays shared by every result (s)",
    "multi-item-recall": "set sizes shared by every result",
    "retention": "lag = patterns or items learned since (shared lags); forgetting functions fitted against age = lag + 1",
}


def _add_retention_fits(combined: xr.Dataset) -> None:
    age = combined["lag"].values + 1.0
    fits = [fit_forgetting(age, combined["overlap"].sel(model=m).values, t_units="1", t_long_name="lag + 1")
            for m in combined["model"].values]
    combined["fit_value"] = (("model", "form", "parameter"), np.stack([f["value"].values for f in fits]),
                             {"units": "1", "long_name": "forgetting-function parameters (age = lag + 1)"})
    combined["fit_se"] = (("model", "form", "parameter"), np.stack([f["se"].values for f in fits]),
                          {"units": "1", "long_name": "standard errors of the parameters"})
    combined["fit_aic"] = (("model", "form"), np.stack([f["aic"].values for f in fits]), {"units": "1", "long_name": "AIC per form"})
    combined["fit_r2"] = (("model", "form"), np.stack([f["r2"].values for f in fits]), {"units": "1", "long_name": "R^2 per form"})
    combined.coords["form"] = fits[0]["form"].values
    combined.coords["parameter"] = fits[0]["parameter"].values
    combined["best_form"] = ("model", np.array([f.attrs["best_form"] for f in fits], dtype=object).astype(str),
                             {"units": "1", "long_name": "form with the lowest AIC"})


def plot_comparison(ds: xr.Dataset, path: str | Path) -> Path:
    """Draw a comparison Dataset (one panel per measure) into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    task = ds.attrs["task"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for k, m in enumerate(ds["model"].values):
        row = ds.sel(model=m)
        if task == "delayed-estimation":
            axes[0].plot(ds["delay"], np.degrees(row["mean_abs_error"]), "o-", label=m)
            axes[1].plot(ds["delay"], row["variance"], "o-", label=m)
        elif task == "multi-item-recall":
            axes[0].plot(ds["set_size"], row["accuracy"], "o-", label=m)
            axes[1].plot(ds["set_size"], row["cowan_k"], "o-", label=m)
        else:
            axes[0].errorbar(ds["lag"], row["overlap"], yerr=row["overlap_sem"], marker="o", capsize=2, label=f"{m} (best: {row['best_form'].item()})")
    if task == "delayed-estimation":
        axes[0].set(xlabel="delay (s)", ylabel="mean |error| (deg)", title="report error")
        axes[1].set(xlabel="delay (s)", ylabel="error variance (rad^2)", title="variance grows with delay in a diffusing memory")
    elif task == "multi-item-recall":
        axes[0].set(xlabel="set size", ylabel="accuracy", title="recall accuracy")
        axes[1].axhspan(float(ds["human_capacity_low"]), float(ds["human_capacity_high"]), color="0.85", label="humans (Luck & Vogel 1997)")
        axes[1].set(xlabel="set size", ylabel="Cowan's K", title="capacity")
    else:
        axes[0].set(xlabel="patterns / items learned since", ylabel="recall overlap", title="models: forgetting by interference")
        axes[1].plot(ds["human_retention_interval"], ds["human_retention"], "ks", label="Ebbinghaus 1885 (savings)")
        axes[1].set(xscale="log", xlabel="retention interval (min)", ylabel="retention", title=f"human (best form: {ds.attrs['human_best_form']})")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle(ds.attrs["title"], fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def inputs_of(ds: xr.Dataset) -> list[dict]:
    """The input results a comparison was made from (title, model, created, seed)."""
    return json.loads(ds.attrs["parameters"])["inputs"]
