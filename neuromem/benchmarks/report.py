"""The benchmark table as text, as a heat map, and as one self-contained HTML page (table + every benchmark's curves)."""

from __future__ import annotations

import base64
import html
import io
import json
import textwrap
from pathlib import Path

import numpy as np
import xarray as xr

from neuromem.outputs import atomic_write


def cell_text(table: xr.Dataset, model: str, bench: str) -> str:
    """``0.59 [0.55, 0.63]`` for a scored cell, ``n/a`` or ``FAILED`` otherwise."""
    row = table.sel(model=model, benchmark=bench)
    status = str(row["status"].item())
    if status.startswith("not applicable"):
        return "n/a"
    if status.startswith("failed"):
        return "FAILED"
    if status.startswith("skipped"):
        return "skipped"
    if status.startswith("no ceiling"):
        return "no ceiling"
    flag = "!" if "did not learn" in status else ""
    return f"{float(row['score']):.2f}{flag} [{float(row['ci_low']):.2f}, {float(row['ci_high']):.2f}]"


def text_table(table: xr.Dataset) -> list[str]:
    """Lines: models x benchmarks (score and 95% CI), the ceilings, then :func:`tree_lines`."""
    models = [str(m) for m in table["model"].values]
    benches = [str(b) for b in table["benchmark"].values]
    width = max(len(m) for m in models) + 2
    cols = [max(len(b), 20) for b in benches]
    lines = [
        "score (normalised by the human ceiling: split halves of subjects, or the s.e.m. of group means; clipped to [0, 1]) [95% CI]",
        " " * width + "  ".join(b.ljust(c) for b, c in zip(benches, cols)),
    ]
    for m in models:
        lines.append(m.ljust(width) + "  ".join(cell_text(table, m, b).ljust(c) for b, c in zip(benches, cols)))
    lines += [
        "",
        "ceiling".ljust(width)
        + "  ".join(
            f"{float(table['human_ceiling'].sel(benchmark=b)):.3f} ({_people(int(table['human_subjects'].sel(benchmark=b)))})".ljust(c)
            for b, c in zip(benches, cols)
        ),
    ]
    return lines + [""] + tree_lines(table)


def _people(n: int) -> str:
    return f"{n} people" if n else "group means"


def tree_lines(table: xr.Dataset) -> list[str]:
    """Lines: each node's score per model with scored/children, then the failed, skipped and unlearned cells."""
    models = [str(m) for m in table["model"].values]
    benches = [str(b) for b in table["benchmark"].values]
    lines = ["tree of scores (mean of scored children; scored/children)"]
    for node in table["node"].values:
        parts = []
        for m in models:
            row = table.sel(model=m, node=node)
            value = float(row["node_score"])
            parts.append(f"{m} {'-' if np.isnan(value) else f'{value:.2f}'} ({int(row['node_scored'])}/{int(row['node_children'])})")
        lines.append(f"  {str(node):<30} " + "; ".join(parts))
    odd = [(m, b, str(table["status"].sel(model=m, benchmark=b).item())) for m in models for b in benches]
    failed = [f"  {m} on {b}: {s}" for m, b, s in odd if s.startswith(("failed", "skipped", "no ceiling")) or "did not learn" in s]
    if failed:
        lines += ["", "failed and skipped cells (not counted as zeros) and fits that did not learn (marked !):"] + failed
    return lines


def heatmap(table: xr.Dataset, path: str | Path) -> Path:
    """The scores as a heat map (model x benchmark); n/a cells grey, failed cells marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    score = table["score"].values
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * score.shape[1], 1.0 + 0.45 * score.shape[0]))
    ax.set_facecolor("0.85")
    im = ax.imshow(np.ma.masked_invalid(score), vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for i, m in enumerate(table["model"].values):
        for j, b in enumerate(table["benchmark"].values):
            text = cell_text(table, str(m), str(b)).split(" ")[0]
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="w" if np.isfinite(score[i, j]) and score[i, j] < 0.6 else "k")
    ax.set_xticks(range(score.shape[1]), table["benchmark"].values, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(score.shape[0]), table["model"].values, fontsize=8)
    fig.colorbar(im, ax=ax, label="score")
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)


def _curves_png(table: xr.Dataset, bench: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tag = bench.replace("-", "_")
    x = table[f"x_{tag}"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    mean, sem = table[f"human_mean_{tag}"], table[f"human_sem_{tag}"]
    ax.errorbar(x, mean, yerr=1.96 * sem, fmt="ko-", lw=2, label="people (95% CI)")
    for m in table["model"].values:
        y = table[f"curve_{tag}"].sel(model=m)
        if np.isfinite(y).any():
            ax.plot(x, y, "o--", label=str(m))
    ax.set(xlabel=x.attrs.get("long_name", "x"), title=bench)
    ax.set_ylabel(textwrap.fill(mean.attrs.get("long_name", ""), 45), fontsize=7)  # in full: it says when people and models differ in measure
    values = np.asarray(x, float)
    if values.min() > 0 and values.max() / values.min() > 100:  # intervals spanning decades (Ebbinghaus's 20 min to 31 days)
        ax.set_xscale("log")
    ax.legend(fontsize=6)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def html_report(table: xr.Dataset, path: str | Path) -> Path:
    """One self-contained page: the table (id ``scores``), the tree, and each benchmark's curves beside people's."""
    models = [str(m) for m in table["model"].values]
    benches = [str(b) for b in table["benchmark"].values]
    head = "".join(f"<th>{html.escape(b)}<br><small>v{int(table['benchmark_version'].sel(benchmark=b))}</small></th>" for b in benches)
    rows = []
    for m in models:
        cells = "".join(
            f"<td title='{html.escape(str(table['status'].sel(model=m, benchmark=b).item()))}'>{html.escape(cell_text(table, m, b))}</td>" for b in benches
        )
        rows.append(f"<tr><th>{html.escape(m)}</th>{cells}</tr>")
    figures = "".join(f"<figure><img alt='{html.escape(b)}' src='data:image/png;base64,{_curves_png(table, b)}'></figure>" for b in benches)
    params = json.loads(table.attrs.get("parameters", "{}"))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>neuromem benchmark</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:4px 8px;font-size:13px}}
figure{{display:inline-block;margin:4px}}</style></head><body>
<h1>neuromem benchmark</h1>
<p>Scores normalised by the human ceiling (split halves of subjects, or the standard errors of group means), clipped to [0, 1], with 95% bootstrap intervals over subjects (or group means) and model seeds.
n/a: the model cannot run the experiment (hover for why); n/a and failed cells are not counted as zeros. Seeds {html.escape(str(params.get("seeds")))},
quick={html.escape(str(params.get("quick")))}, neuromem {html.escape(str(table.attrs.get("neuromem_version")))}.</p>
<table id="scores"><thead><tr><th>model</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<h2>Tree of scores</h2><pre>{html.escape(chr(10).join(tree_lines(table)[1:]))}</pre>
<h2>Curves</h2>{figures}
<h2>Sources</h2><p>{html.escape(str(table.attrs.get("references", "")))}</p>
</body></html>
"""
    return atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
