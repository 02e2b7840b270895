"""Side-by-side comparison of models (and human data) on one task.

Result Datasets from any models on the same task are reduced to the task's
summary (:meth:`Summary.summarize <neuromem.analysis.summaries.Summary.summarize>`:
error by delay, recall by age, accuracy and Cowan's K by set size, ...), aligned on
the condition values they share (:meth:`~neuromem.analysis.summaries.Summary.align`)
and stacked along a ``model`` dim. The task's summary then adds what it sets beside
the models (:meth:`~neuromem.analysis.summaries.Summary.add_comparison_extras`:
forgetting-function fits, its human reference). This module is a thin user of
:mod:`neuromem.analysis.summaries`: nothing here knows a task by name.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from neuromem.analysis.summaries import Summary, get_summary
from neuromem.outputs import atomic_write
from neuromem.results import provenance


def _label(ds: xr.Dataset, taken: set[str]) -> str:
    base = str(ds["model"].item()) if "model" in ds.coords and ds["model"].ndim == 0 else str(ds.attrs.get("model", "model"))
    extra = ds.attrs.get("synapse") or ds.attrs.get("forgetting")
    label = f"{base} ({extra})" if extra else base
    k, out = 2, label
    while out in taken:
        out, k = f"{label} #{k}", k + 1
    taken.add(out)
    return out


def _per_model(ds: xr.Dataset) -> list[xr.Dataset]:
    """A sweep over models as one Dataset per model (the model as a scalar coordinate)."""
    if "model" not in ds.dims:
        return [ds]
    return [ds.sel(model=m).drop_vars(["point_status", "point_error", "point_key"], errors="ignore") for m in ds["model"].values]


def compare(datasets: Sequence[xr.Dataset], warn: bool = True) -> xr.Dataset:
    """Combine results of several models on one task along a ``model`` dim.

    A result may be a sweep (:func:`neuromem.results.open_sweep`): its grid dims
    are kept and every statistic is computed per grid point; a sweep with a
    ``model`` axis counts as one result per model. Sweeps compared together
    must share their grid. A human curve with no value at the results' conditions
    is dropped and said (``attrs["human_reference_status"]``, and a warning when
    ``warn``).

    Raises
    ------
    ValueError
        If fewer than two results are given, they come from different tasks, the
        task cannot be compared, or the results share no condition value.
    """
    datasets = [part for ds in datasets for part in _per_model(ds)]
    if len(datasets) < 2:
        raise ValueError(f"compare needs results of at least two models; got {len(datasets)}")
    tasks = [ds.attrs.get("task") for ds in datasets]
    if len(set(tasks)) != 1:
        raise ValueError(f"the results come from different tasks ({', '.join(map(str, tasks))}); compare models on one task")
    summary = get_summary(str(tasks[0]))
    taken: set[str] = set()
    labels = [_label(ds, taken) for ds in datasets]
    parts = summary.align(summary.summarize_all(datasets), labels)
    combined = xr.concat([p.drop_attrs() for p in parts], dim="model", coords="minimal", compat="override", join="exact")
    combined = combined.assign_coords(model=("model", labels), model_family=("model", [str(ds.attrs.get("model_family", "")) for ds in datasets]))
    references = [str(ds.attrs.get("references", "")) for ds in datasets]
    combined, extra_refs = summary.add_comparison_extras(combined)
    combined = _drop_unmatched_human(combined, summary, warn)
    # concat keeps coordinate attrs of the first only sometimes, and an extra assigned with the same coordinate
    # (a human curve on `condition`) replaces them: restore every summary variable's attrs last
    for name in combined.variables:
        if name in parts[0].variables:
            combined[name].attrs = dict(parts[0][name].attrs)
    combined.attrs.update(
        provenance(
            title=f"Comparison on {summary.task}: " + ", ".join(labels),
            model="comparison",
            model_family="none",
            task=summary.task,
            parameters={
                "inputs": [
                    {
                        "title": ds.attrs.get("title", ""),
                        "model": ds.attrs.get("model", ""),
                        "created": ds.attrs.get("created", ""),
                        "seed": ds.attrs.get("seed", ""),
                    }
                    for ds in datasets
                ],
                "alignment": summary.alignment,
                "human_reference": summary.reference or "none",
            },
            seed=0,
            backend="neuromem.analysis.compare",
            references="; ".join(r for r in dict.fromkeys(references + extra_refs) if r),
        )
    )
    combined.attrs["alignment"] = summary.alignment
    combined.attrs["grid_dims"] = json.dumps([d for d in combined.dims if any(d in json.loads(ds.attrs.get("sweep_axes", "[]")) for ds in datasets)])
    return combined


def _drop_unmatched_human(combined: xr.Dataset, summary: Summary, warn: bool = True) -> xr.Dataset:
    """Drop human curves that have no value at any of the results' conditions, and say so (attrs and a warning).

    A human curve set beside models is NaN where people were not tested (another
    list length, delay, set size); where it is NaN everywhere nothing of it can be
    drawn, which must not pass as a comparison with people.
    """
    human = [v for v in combined.data_vars if v.startswith("human_") and combined[v].dtype.kind == "f"]
    empty = [v for v in human if not np.isfinite(combined[v].values).any()]
    shared = ", ".join(f"{d}={np.asarray(combined[d].values).tolist()}" for d in combined[empty[0]].dims if d in combined.coords) if empty else ""
    if empty:
        reason = (
            f"people's data ({summary.reference}) cannot be set beside these results: {', '.join(empty)} "
            f"have no value at the results' conditions ({shared}); run the models at the conditions people were tested at"
        )
        if warn:  # the CLI prints ``human_reference_status`` instead
            warnings.warn(reason, stacklevel=3)
        combined = combined.drop_vars(empty)
    kept = [v for v in human if v not in empty]
    combined.attrs["human_reference_status"] = (
        f"not drawn: {reason}"
        if empty and not kept
        else f"drawn: {', '.join(kept)}" + (f"; not drawn: {', '.join(empty)}" if empty else "")
        if kept
        else "none for this task"
    )
    return combined


def plot_comparison(ds: xr.Dataset, path: str | Path) -> Path:
    """Draw a comparison Dataset (the task's two panels) into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = [d for d in json.loads(ds.attrs.get("grid_dims", "[]")) if d in ds.dims and d != "model"]
    title = ds.attrs["title"] + (f" (mean over {', '.join(grid)})" if grid else "")
    if grid:  # a sweep: the figure shows each model's mean over the grid points
        ds = ds.mean(grid, keep_attrs=True).assign({v: ds[v].isel({d: 0 for d in grid if d in ds[v].dims}) for v in ds.data_vars if ds[v].dtype.kind in "OUS"})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    get_summary(ds.attrs["task"]).plot_comparison(ds, axes)
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fmt = Path(path).suffix.lstrip(".").lower() or "png"  # the temporary name has no image suffix
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format=fmt))
    finally:
        plt.close(fig)


def inputs_of(ds: xr.Dataset) -> list[dict]:
    """The input results a comparison was made from (title, model, created, seed)."""
    return json.loads(ds.attrs["parameters"])["inputs"]
