"""Published data shipped with neuromem, returned as Datasets in the results schema.

The CSV files hold published numbers (facts only; sources in ``README.md`` beside them); each loader says
where the numbers come from in the Dataset's ``references`` attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import numpy as np
import pandas as pd
import xarray as xr

from neuromem.results import provenance


def _csv(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(f"{name}.csv").open("r") as fh:
        return pd.read_csv(fh)


def _attrs(name: str, title: str, task: str, references: str) -> dict:
    return provenance(
        title=title, model=name, model_family="reference", task=task, parameters={"file": f"{name}.csv"}, seed=0, backend="none", references=references
    )


def _weight_changes(df: pd.DataFrame, coords: dict) -> xr.Dataset:
    """Published weight changes (mean and s.e.m.) on a ``point`` dim, with the protocol's ``coords`` on it."""
    return xr.Dataset(
        {
            "dw_over_w": ("point", df["dw_over_w"].to_numpy(float), {"units": "1", "long_name": "relative weight change (mean)"}),
            "sem": ("point", df["sem"].to_numpy(float), {"units": "1", "long_name": "standard error of the mean"}),
        },
        coords={"point": np.arange(len(df)), **coords},
    )


def _per_subject(table: pd.DataFrame, x: str, names: dict[str, tuple[str, str]], x_attrs: dict[str, str]) -> xr.Dataset:
    """One row per subject and ``x`` value as a Dataset (subject, ``x``): ``names`` maps each column to (long_name, units)."""
    table = table.set_index(["subject", x]).sort_index()
    ds = xr.Dataset({k: table[k].to_xarray().astype(float).assign_attrs(units=u, long_name=n) for k, (n, u) in names.items()})
    ds[x].attrs.update(x_attrs)
    ds["subject"].attrs.update(long_name="subject number in the data set")
    return ds


def _sjostrom2001() -> xr.Dataset:
    df = _csv("sjostrom2001_frequency")
    ds = _weight_changes(
        df,
        {
            "pairing_frequency": ("point", df["pairing_frequency_hz"].to_numpy(float), {"units": "Hz", "long_name": "pairing frequency"}),
            "delta_t": ("point", df["delta_t_ms"].to_numpy(float), {"units": "ms", "long_name": "t_post - t_pre"}),
        },
    )
    ds.attrs.update(
        _attrs(
            "sjostrom2001_frequency",
            "Frequency dependence of STDP in visual cortex L5 pairs",
            "stdp-frequency",
            "Sjostrom PJ, Turrigiano GG, Nelson SB (2001) Neuron 32:1149-1164 (as transcribed by independent reproductions, e.g. Pfister & Gerstner 2006)",
        )
    )
    return ds


#: a probable error is the half-width of the central 50% of a normal distribution: 0.6745 standard deviations
PROBABLE_ERROR_PER_SD = 0.6745


def _ebbinghaus1885() -> xr.Dataset:
    df = _csv("ebbinghaus1885_savings")
    ds = xr.Dataset(
        {
            "savings": ("retention_interval", df["savings_percent"].to_numpy(float), {"units": "percent", "long_name": "savings in relearning"}),
            "ebbinghaus_fit": (
                "retention_interval",
                df["ebbinghaus_fit_percent"].to_numpy(float),
                {"units": "percent", "long_name": "Ebbinghaus's own fitted savings, b = 100k/((log10 t)^c + k)"},
            ),
            "savings_sem": (
                "retention_interval",
                df["probable_error_percent"].to_numpy(float) / PROBABLE_ERROR_PER_SD,
                {"units": "percent", "long_name": "s.e.m. of the savings (Ebbinghaus's probable error / 0.6745)"},
            ),
        },
        coords={
            "retention_interval": ("retention_interval", df["minutes"].to_numpy(float) * 60.0, {"units": "s", "long_name": "retention interval"}),
            "interval_label": ("retention_interval", df["interval"].astype(str).to_numpy(), {"long_name": "interval as Ebbinghaus named it"}),
        },
    )
    ds.attrs.update(
        _attrs(
            "ebbinghaus1885_savings",
            "Ebbinghaus's forgetting curve (savings, 13-syllable lists)",
            "retention",
            "Ebbinghaus H (1885) Memory: A Contribution to Experimental Psychology (1913 translation, pp. 76-77); "
            "Murre JMJ, Dros J (2015) PLoS ONE 10:e0120644",
        )
    )
    return ds


def _stp_parameters() -> xr.Dataset:
    df = _csv("stp_parameters")
    ds = xr.Dataset(
        {
            "U": ("stp_set", df["U"].to_numpy(float), {"units": "1", "long_name": "utilisation of synaptic efficacy"}),
            "tau_rec": ("stp_set", df["tau_rec_ms"].to_numpy(float), {"units": "ms", "long_name": "recovery time constant"}),
            "tau_facil": ("stp_set", df["tau_facil_ms"].to_numpy(float), {"units": "ms", "long_name": "facilitation time constant (0: none)"}),
        },
        coords={
            "stp_set": df["name"].astype(str).to_numpy(),
            "source": ("stp_set", df["source"].astype(str).to_numpy(), {"long_name": "publication of each set"}),
            "convention": (
                "stp_set",
                df["convention"].astype(str).to_numpy(),
                {"long_name": "what u relaxes to between spikes: 0 (tsodyks1998) or U (mongillo2008)"},
            ),
        },
    )
    ds.attrs.update(
        _attrs(
            "stp_parameters",
            "Tsodyks-Markram short-term plasticity parameter sets",
            "paired-pulse",
            "Tsodyks MV, Markram H (1997) PNAS 94:719-723; Tsodyks M, Pawelzik K, Markram H (1998) Neural Comput "
            "10:821-835; Maass W, Natschlaeger T, Markram H (2002) Neural Comput 14:2531-2560; "
            "Mongillo G, Barak O, Tsodyks M (2008) Science 319:1543-1546",
        )
    )
    return ds


def _luck_vogel1997() -> xr.Dataset:
    # "about 3-4 items" is the published range, kept as its two ends rather than a made-up mean
    ds = xr.Dataset(
        {
            "capacity_low": ((), 3.0, {"units": "1", "long_name": "visual working-memory capacity, lower end (items)"}),
            "capacity_high": ((), 4.0, {"units": "1", "long_name": "visual working-memory capacity, upper end (items)"}),
        }
    )
    ds.attrs.update(
        _attrs(
            "luck_vogel1997_capacity",
            "Capacity of visual working memory (Cowan's K ~ 3-4 items)",
            "multi-item-recall",
            "Luck SJ, Vogel EK (1997) Nature 390:279-281; Cowan N (2001) Behav Brain Sci 24:87-114",
        )
    )
    ds.attrs["parameters"] = '{"file": "none (values from the cited papers)"}'
    return ds


def _peers_free_recall() -> xr.Dataset:
    df = _csv("peers_free_recall")

    def measure(name: str, dim: str, long_name: str) -> dict:
        part = df[df["measure"] == name]
        x = part["x"].to_numpy(int)
        mean = part["mean"].to_numpy(float)[None, None, :]
        sem = part["sem"].to_numpy(float)[None, None, :]
        dims = ("condition", "list_length", dim)
        return {
            "coords": {dim: x},
            name: (dims, mean, {"units": "1", "long_name": long_name}),
            f"{name}_sem": (dims, sem, {"units": "1", "long_name": f"standard error over subjects: {long_name}"}),
        }

    parts = [
        measure("recall_probability", "position", "probability of recall by serial position"),
        measure("first_recall_probability", "position", "probability of first recall by serial position"),
        measure("lag_crp", "lag", "conditional response probability by lag"),
    ]
    data = {k: v for part in parts for k, v in part.items() if k != "coords"}
    coords = {k: v for part in parts for k, v in part["coords"].items()}
    ds = xr.Dataset(data, coords={"condition": ["immediate"], "list_length": [16], **coords})
    ds["position"].attrs.update(units="1", long_name="serial position")
    ds["lag"].attrs.update(units="1", long_name="lag (serial-position difference of successive recalls)")
    ds["n_subjects"] = ((), int(df["n_subjects"].max()), {"units": "1", "long_name": "subjects"})
    ds.attrs.update(
        _attrs(
            "peers_free_recall",
            "Immediate free recall of 16-word lists (PEERS, no-task lists): serial position, first recall, lag-CRP",
            "free-recall",
            "Penn Electrophysiology of Encoding and Retrieval Study (PEERS), Kahana lab; Healey MK, Kahana MJ (2014) J Exp Psychol Gen "
            "143:575-596; sample distributed with Psifr: Morton NW (2020) J Open Source Softw 5:2669",
        )
    )
    return ds


_PEERS_CITATION = (
    "Penn Electrophysiology of Encoding and Retrieval Study (PEERS), Kahana lab; Healey MK, Kahana MJ (2014) J Exp Psychol Gen "
    "143:575-596; sample distributed with Psifr: Morton NW (2020) J Open Source Softw 5:2669"
)


def _peers_free_recall_subjects() -> xr.Dataset:
    df = _csv("peers_free_recall_subjects")

    def measure(name: str, dim: str, long_name: str) -> xr.DataArray:
        table = df[df["measure"] == name].pivot(index="subject", columns="x", values="value")
        return xr.DataArray(
            table.to_numpy(float), dims=("subject", dim), coords={"subject": table.index.to_numpy(int), dim: table.columns.to_numpy(int)}
        ).assign_attrs(units="1", long_name=long_name)

    ds = xr.Dataset(
        {
            "recall_probability": measure("recall_probability", "position", "probability of recall by serial position"),
            "first_recall_probability": measure("first_recall_probability", "position", "probability of first recall by serial position"),
            "lag_crp": measure("lag_crp", "lag", "conditional response probability by lag (NaN: lag never available)"),
        }
    )
    ds["position"].attrs.update(units="1", long_name="serial position")
    ds["lag"].attrs.update(units="1", long_name="lag (serial-position difference of successive recalls)")
    ds["subject"].attrs.update(long_name="PEERS subject number")
    ds.attrs.update(
        _attrs(
            "peers_free_recall_subjects",
            "Immediate free recall of 16-word lists (PEERS, no-task lists), per subject: serial position, first recall, lag-CRP",
            "free-recall",
            _PEERS_CITATION,
        )
    )
    return ds


def _adam2015() -> xr.Dataset:
    df = _csv("adam2015_change_detection")
    names = {
        "n_trials": ("trials", "1"),
        "hit_rate": ("P(report change | change)", "1"),
        "false_alarm_rate": ("P(report change | no change)", "1"),
        "accuracy": ("proportion correct", "1"),
        "cowan_k": ("Cowan's K = N (H - F)", "1"),
    }
    ds = _per_subject(df, "set_size", names, {"units": "1", "long_name": "set size"})
    ds.attrs.update(
        _attrs(
            "adam2015_change_detection",
            "Single-probe colour change detection by set size (2-6), per subject",
            "multi-item-recall",
            "Adam KCS, Mance I, Fukuda K, Vogel EK (2015) J Cogn Neurosci 27:1601-1616 (Experiment 1A); data as benchmark BM1.1 of "
            "Oberauer K et al. (2018) Psychol Bull 144:885-958, from the R package BenchmarksWM (Dutli, Wills, Oberauer; GPL >= 2)",
        )
    )
    return ds


def _barbosa2020() -> xr.Dataset:
    df = _csv("barbosa2020_delayed_response")
    names = {
        "n_trials": ("trials", "1"),
        "circular_mean": ("circular mean of the error (systematic error)", "rad"),
        "circular_sd": ("circular standard deviation of the error", "rad"),
        "variance": ("variance of the error about its circular mean", "rad2"),
    }
    table = df.rename(columns={"delay_s": "delay", "circular_mean_rad": "circular_mean", "circular_sd_rad": "circular_sd", "variance_rad2": "variance"})
    ds = _per_subject(table, "delay", names, {"units": "s", "long_name": "delay duration"})
    ds.attrs.update(
        _attrs(
            "barbosa2020_delayed_response",
            "Human spatial delayed response (2 s delay, no-TMS trials), per subject",
            "delayed-estimation",
            "Barbosa J, Stein H, et al. (2020) Nat Neurosci 23:1016-1024 (TMS experiments, trials without a pulse; "
            "public repository comptelab/interplayPFC, commit 1c7d4b3)",
        )
    )
    return ds


#: the delayed-estimation experiments of van den Berg et al. (2012), as labelled in BenchmarksWM's codebook (vandenberg12.Rd)
_VANDENBERG2012_EXPERIMENTS = {
    "Exp1": ("colour", "scrolling through the colours", "Experiment 1"),
    "Exp2": ("orientation", "rotating a Gabor patch", "Experiment 2"),
    "ExpS3": ("colour", "colour wheel", "supplementary experiment (Fig. S3)"),
}


def _vandenberg2012() -> xr.Dataset:
    df = _csv("vandenberg2012_delayed_estimation")
    circle = "rad on the circle of the data: 2 x orientation in Exp2"
    names = {
        "n_trials": ("trials", "1"),
        "circular_sd": (f"circular standard deviation of the error ({circle})", "rad"),
        "p_memory": ("probability of a report from memory, two-component mixture (Zhang & Luck 2008)", "1"),
        "sd": (f"circular s.d. of reports from memory, two-component mixture ({circle})", "rad"),
        "p_swap": ("probability of reporting a non-target, three-component mixture (Bays et al. 2009); NaN at set size 1", "1"),
    }
    statuses = {
        "fit_status": "fit status of the two-component mixture (converged, at bound: ...)",
        "fit_status_three": "fit status of the three-component mixture (converged, at bound: ..., no non-target at set size 1)",
    }
    table = df.rename(columns={"circular_sd_rad": "circular_sd", "sd_rad": "sd"})
    experiments = list(dict.fromkeys(table["experiment"]))
    parts = [
        _per_subject(table[table["experiment"] == e].drop(columns=["experiment", *statuses]), "set_size", names, {"units": "1", "long_name": "set size"})
        for e in experiments
    ]
    # subjects are numbered within each experiment (1-13, 1-6): Exp2 has NaN for subjects 7-13
    ds = xr.concat(parts, dim="experiment", join="outer")  # concat keeps no attrs of the coords: set again here
    ds = ds.assign_coords(
        experiment=("experiment", np.array(experiments, dtype=str), {"long_name": "experiment, as labelled in BenchmarksWM (vandenberg12.Rd)"})
    )
    ds["set_size"].attrs.update(units="1", long_name="set size (items in the display)")
    ds["subject"].attrs.update(long_name="subject number within its experiment")
    for name, long_name in statuses.items():
        status = table.set_index(["experiment", "subject", "set_size"])[name].to_xarray().reindex_like(ds["n_trials"])
        ds[name] = (status.dims, status.fillna("no such subject").values.astype(str), {"units": "1", "long_name": long_name})
    ds = ds.assign_coords(
        stimulus=("experiment", [_VANDENBERG2012_EXPERIMENTS[e][0] for e in experiments], {"long_name": "feature remembered"}),
        response_method=("experiment", [_VANDENBERG2012_EXPERIMENTS[e][1] for e in experiments], {"long_name": "how the feature was reported"}),
        paper_label=("experiment", [_VANDENBERG2012_EXPERIMENTS[e][2] for e in experiments], {"long_name": "the experiment in van den Berg et al. (2012)"}),
    )
    ds.attrs.update(
        _attrs(
            "vandenberg2012_delayed_estimation",
            "Delayed estimation of colour and orientation by set size (1-8), per subject",
            "delayed-estimation",
            "van den Berg R, Shin H, Chou W-C, George R, Ma WJ (2012) Variability in encoding precision accounts for visual short-term memory "
            "limitations. PNAS 109:8780-8785 (delayed-estimation Experiments 1 and 2 and the supplementary colour-wheel experiment); data as "
            "benchmark BM4.5 of Oberauer K et al. (2018) Psychol Bull 144:885-958, from the BenchmarksWM repository (Dutli, Wills, Oberauer; "
            "GPL >= 2), github.com/joschadutli/BenchmarksWM commit 556bafd7",
        )
    )
    return ds


def _wang2005() -> xr.Dataset:
    df = _csv("wang2005_pairs_triplets")
    ds = _weight_changes(
        df,
        {
            "protocol": ("point", df["protocol"].astype(str).to_numpy(), {"long_name": "pair, pre-post-pre or post-pre-post"}),
            "dt1": ("point", df["dt1_ms"].to_numpy(float), {"units": "ms", "long_name": "t_post - t_pre, middle spike and the first"}),
            "dt2": ("point", df["dt2_ms"].to_numpy(float), {"units": "ms", "long_name": "t_post - t_pre, middle spike and the last (NaN: pair)"}),
        },
    )
    ds.attrs.update(
        _attrs(
            "wang2005_pairs_triplets",
            "Pairs and triplets in hippocampal cultures (60 repetitions at 1 Hz)",
            "stdp-triplet",
            "Wang H-X, Gerkin RC, Nauen DW, Bi G-Q (2005) Nat Neurosci 8:187-193, as fitted by Pfister J-P, Gerstner W (2006) "
            "J Neurosci 26:9673-9682 (their Fig. 5 data, transcribed identically by two independent reproductions)",
        )
    )
    return ds


REFERENCES: dict[str, Callable[[], xr.Dataset]] = {
    "wang2005_pairs_triplets": _wang2005,
    "barbosa2020_delayed_response": _barbosa2020,
    "vandenberg2012_delayed_estimation": _vandenberg2012,
    "peers_free_recall_subjects": _peers_free_recall_subjects,
    "adam2015_change_detection": _adam2015,
    "ebbinghaus1885_savings": _ebbinghaus1885,
    "sjostrom2001_frequency": _sjostrom2001,
    "stp_parameters": _stp_parameters,
    "luck_vogel1997_capacity": _luck_vogel1997,
    "peers_free_recall": _peers_free_recall,
}


def list_references() -> list[str]:
    """Names of the bundled reference datasets."""
    return sorted(REFERENCES)


def load_reference(name: str) -> xr.Dataset:
    """Load bundled dataset ``name`` (see :func:`list_references`)."""
    try:
        return REFERENCES[name]()
    except KeyError:
        raise ValueError(f"reference={name!r} is unknown; known: {', '.join(list_references())}") from None
