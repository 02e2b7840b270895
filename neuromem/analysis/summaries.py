"""How the results of each task are summarised, aligned, set beside people and reported.

Tasks generate trials, score them and encode them; they never aggregate. What a
task's results are reduced to when models are compared (error by delay, recall by
serial position, Cowan's K by set size, the forgetting curve), how the summaries of
several models are aligned, what human data is set beside them, how the comparison
is drawn and the one-table text report the CLI prints after a run live here, one
small :class:`Summary` class per task, registered under the task's name in
:data:`SUMMARIES`. :func:`neuromem.analysis.compare.compare` and
:func:`~neuromem.analysis.compare.plot_comparison`, the CLI's report, the notebooks
and the benchmarks' curves all use the same analysis functions through it.

A lab's plug-in task registers how its results are compared from its own package::

    [project.entry-points."neuromem.summaries"]
    odd-one-out = "mylab.summaries:OddOneOutSummary"   # a Summary subclass, task = "odd-one-out"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.analysis.capacity import cowan_k
from neuromem.analysis.forgetting import add_model_fits, fit_forgetting, forgetting_curve
from neuromem.analysis.free_recall import free_recall_summary
from neuromem.analysis.set_size import pool_reports, precision_by_set_size
from neuromem.analysis.working_memory import error_by_delay
from neuromem.reference import load_reference
from neuromem.registry import Registry

__all__ = [
    "SUMMARIES",
    "DelayedEstimationSummary",
    "FreeRecallSummary",
    "MultiItemRecallSummary",
    "RetentionSummary",
    "Summary",
    "get_summary",
    "list_summaries",
    "report",
    "summarize",
]


def _shared_values(summaries: Sequence[xr.Dataset], labels: Sequence[str], dim: str) -> list[xr.Dataset]:
    """The summaries at the values of ``dim`` every one has; a one-line error naming each one's values if none."""
    common = summaries[0][dim].values
    for s in summaries[1:]:
        common = np.intersect1d(common, s[dim].values)
    if common.size == 0:
        listing = "; ".join(f"{lab}: {np.round(s[dim].values, 3).tolist()}" for lab, s in zip(labels, summaries))
        raise ValueError(f"the results share no {dim} value, so they cannot be aligned ({listing})")
    return [s.sel({dim: common}) for s in summaries]


class Summary:
    """How results of one task are compared: subclasses set the class attributes and :meth:`summarize`.

    The defaults align summaries on the :attr:`summary_dim` values every summary
    has, set nothing beside the models, draw each of the first two summary
    variables against :attr:`summary_dim` and report the first one.
    """

    #: registry name of the task whose results this summarises
    task: ClassVar[str] = ""
    #: dim of :meth:`summarize` along which models are aligned, and the variables kept
    summary_dim: ClassVar[str] = ""
    summary_vars: ClassVar[tuple[str, ...]] = ()
    #: how results are aligned, in words (``attrs["alignment"]`` of a comparison)
    alignment: ClassVar[str] = ""
    #: name of the bundled human/animal reference set shown beside models (``neuromem.reference``)
    reference: ClassVar[str | None] = None

    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        """One model's result reduced to the task's summary along :attr:`summary_dim`."""
        raise ValueError(f"task {self.task!r} cannot be compared (its summary defines no summarize)")

    def summarize_all(self, datasets: Sequence[xr.Dataset]) -> list[xr.Dataset]:
        """The summaries of results to be compared (each on its own by default; a task may summarise them alike)."""
        return [self.summarize(ds) for ds in datasets]

    def align(self, summaries: Sequence[xr.Dataset], labels: Sequence[str]) -> list[xr.Dataset]:
        """Each summary's :attr:`summary_vars` at the :attr:`summary_dim` values every summary has."""
        keep = [v for v in self.summary_vars if all(v in s for s in summaries)]
        return [s[keep] for s in _shared_values(summaries, labels, self.summary_dim)]

    def add_comparison_extras(self, combined: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
        """Add what is set beside the models (fits, human data); returns it and extra references."""
        return combined, []

    def plot_comparison(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        """Draw a comparison Dataset on two matplotlib axes: each summary variable against the condition."""
        for m in ds["model"].values:
            for ax, var in zip(axes, self.summary_vars):
                ax.plot(ds[self.summary_dim], ds[var].sel(model=m), "o-", label=m)
        for ax, var in zip(axes, self.summary_vars):
            ax.set(xlabel=self.summary_dim, ylabel=ds[var].attrs.get("long_name", var))

    def report(self, ds: xr.Dataset) -> list[str]:
        """Lines of a table of a scored result by condition (what the CLI prints)."""
        summary = self.summarize(ds)
        var = self.summary_vars[0]
        lines = [f"{self.summary_dim:>12}   {var}"]
        lines += [f"{v!s:>12}   {float(summary[var].sel({self.summary_dim: v})):.3f}" for v in summary[self.summary_dim].values]
        return lines


# ------------------------------------------------------------ delayed estimation
class DelayedEstimationSummary(Summary):
    """Error by delay (one item) or precision and mixture fits by set size (several)."""

    task = "delayed-estimation"
    summary_dim = "delay"
    summary_vars = (
        "mean_abs_error",
        "variance",
        "bias",
        "circular_sd",
        "n_trials",
        "error_density",
        "diffusion",
        "p_memory",
        "sd",
        "p_memory3",
        "p_swap",
        "sd3",
    )
    alignment = "delays (s) and set sizes shared by every result"

    def summarize_all(self, datasets: Sequence[xr.Dataset]) -> list[xr.Dataset]:
        """With several items in any result, every result by set size: a one-item result is set size 1 (its
        error by delay would have other measures, and would be copied along the others' set sizes)."""
        if any("set_size" in ds.coords for ds in datasets):
            return [self._by_set_size(ds) for ds in datasets]
        return [self.summarize(ds) for ds in datasets]

    @staticmethod
    def _by_set_size(ds: xr.Dataset) -> xr.Dataset:
        """Precision and mixture fits by set size (every item reported in turn: the reports pooled)."""
        return precision_by_set_size(pool_reports(ds))

    def align(self, summaries: Sequence[xr.Dataset], labels: Sequence[str]) -> list[xr.Dataset]:
        """The shared delays and, by set size, the shared set sizes."""
        aligned = super().align(summaries, labels)
        return _shared_values(aligned, labels, "set_size") if all("set_size" in s.dims for s in aligned) else aligned

    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        """Bias, variance, mean ``|error|`` and the error distribution by delay (and the diffusion coefficient);
        with several items, circular s.d. and the mixture fits by set size and delay (every item reported in
        turn: the reports pooled over their positions, the measure a cued report gives)."""
        if "set_size" in ds.coords:
            return self._by_set_size(ds)
        return error_by_delay(ds)

    def plot_comparison(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        if "set_size" in ds.dims:
            self._plot_set_sizes(ds, axes)
            return
        for m in ds["model"].values:
            row = ds.sel(model=m)
            axes[0].plot(ds["delay"], np.degrees(row["mean_abs_error"]), "o-", label=m)
            axes[1].plot(ds["delay"], row["variance"], "o-", label=m)
        axes[0].set(xlabel="delay (s)", ylabel="mean |error| (deg)", title="report error")
        axes[1].set(xlabel="delay (s)", ylabel="error variance (rad^2)", title="variance grows with delay in a diffusing memory")

    def _plot_set_sizes(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        for m in ds["model"].values:
            for delay in ds["delay"].values:
                row = ds.sel(model=m, delay=delay)
                label = f"{m}, {delay:g} s" if ds.sizes["delay"] > 1 else str(m)
                axes[0].plot(ds["set_size"], np.degrees(row["circular_sd"]), "o-", label=label)
                axes[1].plot(ds["set_size"], row["p_memory"], "o-", label=label)
        axes[0].set(xlabel="set size", ylabel="circular s.d. of the error (deg)", title="precision falls with set size")
        axes[1].set(xlabel="set size", ylabel="P(memory), two-component mixture", title="reports from memory")

    def report(self, ds: xr.Dataset) -> list[str]:
        """Mean signed error and its s.d. (deg) per delay; with several items, precision and mixture fits per set size."""
        if "set_size" in ds.coords:
            return self._set_size_report(ds)
        lines = ["delay (s)   trials   mean error (deg)   error s.d. (deg)"]
        for delay, group in ds["error"].groupby("delay"):
            e = np.degrees(group.values)
            lines.append(f"{delay:9.2f}   {e.size:6d}   {np.nanmean(e):16.2f}   {np.nanstd(e):16.2f}")
        return lines

    def _set_size_report(self, ds: xr.Dataset) -> list[str]:
        """One line per set size and delay; every item reported in turn: the pooled reports ("all"), then each position."""
        s = self.summarize(ds)
        whole = "turn" in ds.dims
        by_position = precision_by_set_size(ds) if whole else None
        lines = [
            "set size   delay (s)"
            + ("   report" if whole else "")
            + "   trials   circular s.d. (deg)   P(memory)   memory s.d. (deg)   P(swap)   fit (two / three)"
        ]
        for k in s["set_size"].values:
            for d in s["delay"].values:
                rows = [("all", s.sel(set_size=k, delay=d))] if whole else [("", s.sel(set_size=k, delay=d))]
                if by_position is not None:
                    rows += [(str(r + 1), by_position.sel(turn=r, set_size=k, delay=d)) for r in range(int(k))]
                lines += [f"{int(k):8d}   {d:9.2f}" + (f"   {label:>6}" if whole else "") + self._fit_columns(row) for label, row in rows]
        return lines

    @staticmethod
    def _fit_columns(row: xr.Dataset) -> str:
        swap = float(row["p_swap"]) if "p_swap" in row else np.nan
        status = f"{row['fit_status_two'].item()} / {row['fit_status_three'].item() if 'fit_status_three' in row else '-'}"
        return (
            f"   {int(row['n_trials']):6d}   {np.degrees(float(row['circular_sd'])):19.1f}"
            f"   {float(row['p_memory']):9.2f}   {np.degrees(float(row['sd'])):17.1f}   {swap:7.2f}   {status}"
        )


# ------------------------------------------------------------------ free recall
class FreeRecallSummary(Summary):
    """Serial-position curve, probability of first recall, lag-CRP and total recall, beside PEERS."""

    task = "free-recall"
    reference = "peers_free_recall"
    summary_dim = "position"
    summary_vars = ("recall_probability", "first_recall_probability", "lag_crp", "total_recall", "n_lists")
    alignment = "distractor schedules and list lengths shared by every result"

    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        """Serial-position curve, probability of first recall, lag-CRP and total recall per schedule and list length (psifr)."""
        return free_recall_summary(ds)

    def align(self, summaries: Sequence[xr.Dataset], labels: Sequence[str]) -> list[xr.Dataset]:
        """The schedules and list lengths every summary has; positions and lags on their union (NaN where a list is shorter)."""
        keep: dict[str, np.ndarray] = {}
        for dim in ("condition", "list_length"):
            common = np.asarray([v for v in summaries[0][dim].values if all(v in s[dim].values for s in summaries[1:])])  # first one's order
            if common.size == 0:
                listing = "; ".join(f"{lab}: {s[dim].values.tolist()}" for lab, s in zip(labels, summaries))
                raise ValueError(f"the results share no {dim} value, so they cannot be aligned ({listing})")
            keep[dim] = common
        parts = [s[[v for v in self.summary_vars if all(v in x for x in summaries)]].sel(keep) for s in summaries]
        return list(xr.align(*parts, join="outer", exclude=("condition", "list_length")))

    def add_comparison_extras(self, combined: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
        """The human curves (PEERS immediate free recall) beside the models, where the list length matches."""
        ref = load_reference(self.reference)
        for var in ("recall_probability", "first_recall_probability", "lag_crp"):
            if var in combined:
                human = ref[var].reindex_like(combined[var].isel(model=0, drop=True), fill_value=np.nan)
                combined[f"human_{var}"] = human.assign_attrs({**ref[var].attrs, "long_name": f"humans: {ref[var].attrs['long_name']}"})
        return combined, [ref.attrs["references"]]

    def plot_comparison(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        """Serial-position curves (left) and lag-CRPs (right) of the longest shared list, one line per model and schedule."""
        L = int(ds["list_length"].max())
        styles = {"immediate": "-", "delayed": "--", "continual": ":"}
        for m in ds["model"].values:
            for c in ds["condition"].values:
                row = ds.sel(model=m, condition=c, list_length=L)
                axes[0].plot(ds["position"], row["recall_probability"], styles.get(str(c), "-"), marker="o", ms=3, label=f"{m} {c}")
                axes[1].plot(ds["lag"], row["lag_crp"], styles.get(str(c), "-"), marker="o", ms=3, label=f"{m} {c}")
        if "human_recall_probability" in ds and "immediate" in ds["condition"].values:
            h = ds.sel(condition="immediate", list_length=L)
            axes[0].plot(ds["position"], h["human_recall_probability"], "k-", lw=2, label="humans (PEERS), immediate")
            axes[1].plot(ds["lag"], h["human_lag_crp"], "k-", lw=2, label="humans (PEERS), immediate")
        axes[0].set(xlabel="serial position", ylabel="recall probability", title=f"serial-position curve ({L} items)")
        axes[1].set(xlabel="lag", ylabel="conditional response probability", title="lag-CRP", xlim=(-5.5, 5.5))

    def report(self, ds: xr.Dataset) -> list[str]:
        """Total recall, primacy (position 1), recency (last position) and CRP at lag +1 / -1 per schedule and list length."""
        s = self.summarize(ds)
        lines = ["schedule     length   lists   recall   first pos.   last pos.   CRP(+1)   CRP(-1)"]
        for c in s["condition"].values:
            for L in s["list_length"].values:
                row = s.sel(condition=c, list_length=L)
                spc = row["recall_probability"]
                lines.append(
                    f"{c:<12} {int(L):6d}   {int(row['n_lists']):5d}   {float(row['total_recall']):6.2f}   {float(spc.sel(position=1)):10.2f}"
                    f"   {float(spc.sel(position=L)):9.2f}   {float(row['lag_crp'].sel(lag=1)):7.2f}   {float(row['lag_crp'].sel(lag=-1)):7.2f}"
                )
        return lines


# ------------------------------------------------------------ multi-item recall
class MultiItemRecallSummary(Summary):
    """Accuracy, hit and false-alarm rates and Cowan's K by set size, beside the human capacity range."""

    task = "multi-item-recall"
    reference = "luck_vogel1997_capacity"
    summary_dim = "set_size"
    summary_vars = ("accuracy", "cowan_k", "hit_rate", "false_alarm_rate", "n_trials")
    alignment = "set sizes shared by every result"

    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        """Accuracy, hit and false-alarm rates and Cowan's K by set size."""
        return cowan_k(ds)

    def add_comparison_extras(self, combined: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
        """The human capacity range (Luck & Vogel 1997) beside the models."""
        ref = load_reference(self.reference)
        combined["human_capacity_low"] = ((), float(ref["capacity_low"]), ref["capacity_low"].attrs)
        combined["human_capacity_high"] = ((), float(ref["capacity_high"]), ref["capacity_high"].attrs)
        return combined, [ref.attrs["references"]]

    def plot_comparison(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        for m in ds["model"].values:
            axes[0].plot(ds["set_size"], ds["accuracy"].sel(model=m), "o-", label=m)
            axes[1].plot(ds["set_size"], ds["cowan_k"].sel(model=m), "o-", label=m)
        axes[0].set(xlabel="set size", ylabel="accuracy", title="recall accuracy")
        axes[1].axhspan(float(ds["human_capacity_low"]), float(ds["human_capacity_high"]), color="0.85", label="humans (Luck & Vogel 1997)")
        axes[1].set(xlabel="set size", ylabel="Cowan's K", title="capacity")

    def report(self, ds: xr.Dataset) -> list[str]:
        """Accuracy, hit and false-alarm rates and Cowan's K per set size."""
        k = self.summarize(ds)
        lines = ["set size   trials   accuracy   hit rate   false alarms   Cowan's K"]
        for n in k["set_size"].values:
            row = k.sel(set_size=n)
            lines.append(
                f"{n:8d}   {int(row['n_trials']):6d}   {float(row['accuracy']):8.2f}   {float(row['hit_rate']):8.2f}"
                f"   {float(row['false_alarm_rate']):12.2f}   {float(row['cowan_k']):9.2f}"
            )
        return lines


# -------------------------------------------------------------------- retention
class RetentionSummary(Summary):
    """The forgetting curve, forgetting-function fits per model and Ebbinghaus's savings curve."""

    task = "retention"
    reference = "ebbinghaus1885_savings"
    summary_dim = "lag"
    summary_vars = ("overlap", "overlap_sem")
    alignment = "lag = patterns or items learned since (shared lags); forgetting functions fitted against age = lag + 1"

    def summarize(self, ds: xr.Dataset) -> xr.Dataset:
        """The forgetting curve (overlap by lag and test delay) of a trial-level result, or the curve itself."""
        if "trial" in ds.dims:
            ds = forgetting_curve(ds)
        if "overlap" not in ds or "lag" not in ds.dims:
            raise ValueError(f"result {ds.attrs.get('title', '?')!r} has no forgetting curve (overlap by lag)")
        return ds

    def align(self, summaries: Sequence[xr.Dataset], labels: Sequence[str]) -> list[xr.Dataset]:
        """Shared lags, each curve at the shortest test delay every curve has (else its own shortest)."""
        lags = Summary.align(self, summaries, labels)[0]["lag"].values
        shared = summaries[0]["test_delay"].values
        for s in summaries[1:]:
            shared = np.intersect1d(shared, s["test_delay"].values)
        parts = []
        for s in summaries:
            d = shared.min() if shared.size else s["test_delay"].values.min()
            parts.append(
                s[list(self.summary_vars)]
                .sel(test_delay=d, lag=lags)
                .drop_vars("test_delay", errors="ignore")
                .assign(test_delay_used=((), float(d), {"units": "s", "long_name": "test delay of this model's curve"}))
            )
        return parts

    def add_comparison_extras(self, combined: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
        """Forgetting-function fits per model (age = lag + 1), and Ebbinghaus's savings curve with its fits."""
        combined = add_model_fits(combined, age=combined["lag"].values + 1.0)
        ref = load_reference(self.reference)
        t_min = ref["retention_interval"].values / 60.0
        combined = combined.assign_coords(
            human_retention_interval=("human_retention_interval", t_min, {"units": "min", "long_name": "Ebbinghaus's retention interval"})
        )
        combined["human_retention"] = (
            "human_retention_interval",
            ref["savings"].values / 100.0,
            {"units": "1", "long_name": "Ebbinghaus (1885): savings as a fraction"},
        )
        fit = fit_forgetting(t_min, ref["savings"].values / 100.0, t_units="min")
        combined["human_fit_value"] = (
            ("form", "parameter"),
            fit["value"].values,
            {"units": "1", "long_name": "forgetting-function parameters of the human curve (t in min)"},
        )
        combined["human_aicc"] = ("form", fit["aicc"].values, {"units": "1", "long_name": "AICc of each form on the human curve", "source": "Ebbinghaus 1885"})
        combined["human_aic"] = ("form", fit["aic"].values, {"units": "1", "long_name": "AIC of each form on the human curve", "source": "Ebbinghaus 1885"})
        combined["human_fit_status"] = ("form", fit["status"].values, {"units": "1", "long_name": "fit status per form on the human curve"})
        combined.attrs["human_best_form"] = fit.attrs["best_form"]
        return combined, [ref.attrs["references"]]

    def plot_comparison(self, ds: xr.Dataset, axes: Sequence[Any]) -> None:
        for m in ds["model"].values:
            row = ds.sel(model=m)
            axes[0].errorbar(ds["lag"], row["overlap"], yerr=row["overlap_sem"], marker="o", capsize=2, label=f"{m} (best: {row['best_form'].item()})")
        axes[0].set(xlabel="patterns / items learned since", ylabel="recall overlap", title="models: forgetting by interference")
        axes[1].plot(ds["human_retention_interval"], ds["human_retention"], "ks", label="Ebbinghaus 1885 (savings)")
        axes[1].set(xscale="log", xlabel="retention interval (min)", ylabel="retention", title=f"human (best form: {ds.attrs['human_best_form']})")

    def report(self, ds: xr.Dataset) -> list[str]:
        """Overlap and identification by test delay and number of later patterns."""
        curve = self.summarize(ds)
        lines = ["test delay (s)   later patterns   time since study (s)   overlap   identified"]
        for d in curve["test_delay"].values:
            for lag in curve["lag"].values:
                row = curve.sel(test_delay=d, lag=lag)
                lines.append(
                    f"{d:14.2f}   {lag:14d}   {float(row['retention_interval']):20.1f}   {float(row['overlap']):7.2f}   {float(row['identified']):10.2f}"
                )
        return lines


# --------------------------------------------------------------------- registry
def _check_summary_class(name: str, obj: Any) -> type[Summary]:
    if not (isinstance(obj, type) and issubclass(obj, Summary)):
        raise ValueError(f"it is {obj!r}, not a subclass of neuromem.analysis.summaries.Summary")
    if obj.task != name:
        raise ValueError(f"its class says task={obj.task!r}, the entry point {name!r}")
    return obj


#: one :class:`Summary` subclass per task name, built-in and from the ``neuromem.summaries`` entry-point group
SUMMARIES: Registry[type[Summary]] = Registry("summary", "neuromem.summaries", _check_summary_class)
for _cls in (DelayedEstimationSummary, FreeRecallSummary, MultiItemRecallSummary, RetentionSummary):
    SUMMARIES.register(_cls.task, _cls)


def list_summaries() -> list[str]:
    """Names of the tasks whose results can be compared (built-in and plug-ins)."""
    return SUMMARIES.names()


def get_summary(task: str) -> Summary:
    """The summary of task ``task``; a task with none raises ``ValueError`` saying so."""
    if task not in SUMMARIES:
        raise ValueError(
            f"task {task!r} cannot be compared: no summary is registered for it "
            f"(register a neuromem.analysis.summaries.Summary subclass under the entry-point group 'neuromem.summaries'); "
            f"tasks with one: {', '.join(SUMMARIES.names()) or 'none'}"
        )
    return SUMMARIES.get(task)()


def summarize(ds: xr.Dataset) -> xr.Dataset:
    """A result (or sweep) reduced to its task's summary (the task named in ``attrs["task"]``)."""
    return get_summary(str(ds.attrs.get("task"))).summarize(ds)


def report(ds: xr.Dataset) -> list[str]:
    """Lines of the one-table text report of a scored result (what the CLI prints after a run)."""
    return get_summary(str(ds.attrs.get("task"))).report(ds)
