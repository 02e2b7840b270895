"""Side-by-side comparison of models (and human data) on one task.

Result Datasets from any models on the same task are reduced to the task's
summary (:meth:`Task.summarize`: error by delay, recall by age, accuracy and
Cowan's K by set size, ...), aligned on the condition values they share
(:meth:`Task.align`) and stacked along a ``model`` dim. The task then adds what it
sets beside the models (:meth:`Task.add_comparison_extras`: forgetting-function
fits, its human reference). Nothing here knows a task by name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from neuromem.results import provenance
from neuromem.tasks import task_class


def _label(ds: xr.Dataset, taken: set[str]) -> str:
    base = str(ds.attrs.get("model", "model"))
    extra = ds.attrs.get("synapse") or ds.attrs.get("forgetting")
    label = f"{base} ({extra})" if extra else base
    k, out = 2, label
    while out in taken:
        out, k = f"{label} #{k}", k + 1
    taken.add(out)
    return out


def compare(datasets: Sequence[xr.Dataset]) -> xr.Dataset:
    """Combine results of several models on one task along a ``model`` dim.

    Raises
    ------
    ValueError
        If fewer than two results are given, they come from different tasks, the
        task cannot be compared, or the results share no condition value.
    """
    if len(datasets) < 2:
        raise ValueError(f"compare needs results of at least two models; got {len(datasets)}")
    tasks = [ds.attrs.get("task") for ds in datasets]
    if len(set(tasks)) != 1:
        raise ValueError(f"the results come from different tasks ({', '.join(map(str, tasks))}); compare models on one task")
    task = task_class(str(tasks[0]))()
    taken: set[str] = set()
    labels = [_label(ds, taken) for ds in datasets]
    parts = task.align([task.summarize(ds) for ds in datasets], labels)
    combined = xr.concat([p.drop_attrs() for p in parts], dim="model", coords="minimal", compat="override", join="exact")
    combined = combined.assign_coords(model=("model", labels), model_family=("model", [str(ds.attrs.get("model_family", "")) for ds in datasets]))
    for name in combined.variables:
        if name in parts[0].variables:
            combined[name].attrs = dict(parts[0][name].attrs)  # concat keeps coordinate attrs of the first only sometimes
    references = [str(ds.attrs.get("references", "")) for ds in datasets]
    combined, extra_refs = task.add_comparison_extras(combined)
    combined.attrs.update(
        provenance(
            title=f"Comparison on {task.name}: " + ", ".join(labels),
            model="comparison",
            model_family="none",
            task=task.name,
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
                "alignment": task.alignment,
                "human_reference": task.reference or "none",
            },
            seed=0,
            backend="neuromem.analysis.compare",
            references="; ".join(r for r in dict.fromkeys(references + extra_refs) if r),
        )
    )
    combined.attrs["alignment"] = task.alignment
    return combined


def plot_comparison(ds: xr.Dataset, path: str | Path) -> Path:
    """Draw a comparison Dataset (the task's two panels) into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    task_class(ds.attrs["task"])().plot_comparison(ds, axes)
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
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
