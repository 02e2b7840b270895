"""Derive neuromem/reference/vandenberg2012_delayed_estimation.csv from van den Berg et al. (2012).

Per-subject precision of human working memory against set size (1-8) in delayed estimation
(continuous report) of a colour or an orientation, from the three delayed-estimation experiments of

    van den Berg R, Shin H, Chou W-C, George R, Ma WJ (2012). Variability in encoding precision
    accounts for visual short-term memory limitations. PNAS 109:8780-8785.
    doi:10.1073/pnas.1117465109

as distributed for benchmark BM4.5 (error distributions in delayed estimation) of Oberauer et al.
(2018, Psychol Bull 144:885-958).

Source data
-----------
Public repository https://github.com/joschadutli/BenchmarksWM (BenchmarksWM R package, Dutli, Wills
& Oberauer; GPL >= 2), commit ``556bafd7d19ef1df3fdc115f6c38acbc640bd9e6`` (2026-01-08, package
version 1.1.3; the two files are unchanged since commit 1af741c7, 2022-01-05), folder
``BenchmarksWM.Data/BM4.5.ErrorDistributionDE/``:

- ``vandenberg_et_al_2012_color_long.dat`` (22464 trials; sha256 14f319f9...c8923e4e)
- ``vandenberg_et_al_2012_orient_long.dat`` (15360 trials; sha256 b27bc0e2...0ce7d97ba)

Full digests are in ``FILES`` below. Whitespace-separated, no header; 21 columns, named in the
folder's ``ErrorDistributionDelayedEstimation.R`` (and ``build/make_rda4.x.R``): ``id``, ``trial``,
``exp``, ``setsize``, ``stim1``-``stim8``, ``loc1``-``loc8``, ``response``. ``stim1`` is the target
and ``loc1`` its location; ``stim2``..``stim<setsize>`` are the other items of the display. Feature
values are angles in degrees on a 360-degree circle; slots beyond the set size hold 360 (stimuli)
and 0 (locations). ``exp`` codes the experiment, as the R scripts and the package's codebook
``pkg/man/vandenberg12.Rd`` name them:

====  =========  =============================  ====================================
exp   label      stimulus, response             in the paper
====  =========  =============================  ====================================
4     ``Exp1``   colour, scrolling              Experiment 1
5     ``Exp2``   orientation (Gabor), rotation  Experiment 2
3     ``ExpS3``  colour, colour wheel           supplementary experiment (Fig. S3)
====  =========  =============================  ====================================

Cross-checks made by this script (it stops if one fails): Exp1 and ExpS3 have 13 subjects with
864 trials each (108 per set size), Exp2 6 subjects with 2560 trials each (320 per set size),
37824 trials in all, set sizes 1-8 in equal numbers; every slot beyond the set size is empty
(stimulus 360, location 0) and every slot within it has a location. ``vandenberg12.Rd`` documents
37824 observations, the three experiments and set sizes 1-8. Checked once when the CSV was made (not
by this script): the package's ``vandenberg12.rda``
(sha256 68030e55...0c4c9280) holds the same trials: matched trial by trial on subject, trial, set
size, target and response (read with the ``rdata`` package, which neuromem does not need) it maps
exp 4 to Exp1, 5 to Exp2 and 3 to ExpS3, and its ``devrad`` equals the error below. The authors'
own code (github.com/WeiJiMaLab/variability_encoding_precision, ``getExperimentInfo.m``) lists 13
subjects for the colour (scrolling) and 6 for the orientation experiment.

The circle
----------
Colours: the experiments used 180 colours on a circle in colour space, stored here as even angles
2-360 (the index doubled, as the R scripts say); the error is taken on that full circle. Orientations
have a period of 180 deg; the file stores them already doubled onto a 360-deg circle (values
1-360; at set size 1 the errors show no second peak at +-180 deg, as undoubled orientations would),
the same mapping as the authors' code (``readdata.m``: value / 180 * 2 pi on [1, 180]). So every
angle here, orientation included, lives on the full circle: for Exp2 an error of x rad is an
orientation error of x / 2; circular s.d. and mixture s.d. of Exp2 are in doubled-orientation
radians (halve them for orientation radians).

Measures, per experiment, subject and set size
----------------------------------------------
No trial is excluded. ``error = response - target`` and, for each non-target item j of the
display, ``nontarget_j = response - item_j``, in rad, wrapped to (-pi, pi].

- ``n_trials``;
- ``circular_sd_rad`` = sqrt(-2 ln R), R the mean resultant length of the errors;
- ``p_memory``, ``sd_rad``, ``fit_status``: the two-component mixture (Zhang & Luck 2008) fitted by
  maximum likelihood with :func:`neuromem.analysis.mixture.fit_mixture` (``model="two"``):
  probability of a report from memory and circular s.d. of the von Mises component
  (``kappa_to_sd(kappa)``);
- ``p_swap``, ``fit_status_three``: the three-component mixture (Bays, Catalao & Husain 2009,
  ``model="three"``, non-targets as above): probability of reporting a non-target. NaN at set size
  1, which has no non-target.

A fit "at bound" (e.g. ``p_memory ~ 1`` at set size 1, ``p_swap ~ 0``) keeps its estimate (see the
module docstring of ``neuromem.analysis.mixture``). Floats are written with 6 significant digits.

Summary (printed by the script; mean over subjects; circular s.d. and mixture s.d. in deg on the
circle of the data, i.e. doubled orientation for Exp2)::

    experiment  set_size  n_subj  circ_sd_deg    sem  p_memory  sd_deg  p_swap
    Exp1               1      13        21.47   0.71     0.994   20.94     nan
    Exp1               2      13        24.19   0.88     0.995   23.88   0.001
    Exp1               3      13        27.98   1.89     0.965   24.43   0.014
    Exp1               4      13        35.85   2.69     0.924   28.93   0.053
    Exp1               5      13        46.04   4.26     0.800   28.14   0.109
    Exp1               6      13        52.32   4.36     0.741   29.64   0.124
    Exp1               7      13        60.31   4.06     0.664   32.28   0.243
    Exp1               8      13        72.56   5.20     0.537   32.68   0.276
    Exp2               1       6        17.55   1.99     0.995   16.90     nan
    Exp2               2       6        26.21   3.00     0.972   23.22   0.000
    Exp2               3       6        37.40   5.02     0.886   26.15   0.010
    Exp2               4       6        49.52   6.75     0.765   27.47   0.012
    Exp2               5       6        56.30   8.04     0.712   32.06   0.014
    Exp2               6       6        66.21   7.69     0.608   32.74   0.022
    Exp2               7       6        75.08   7.46     0.486   29.72   0.187
    Exp2               8       6        80.66   7.03     0.446   31.63   0.073
    ExpS3              1      13        17.90   0.64     0.971   16.03     nan
    ExpS3              2      13        27.11   0.99     0.942   21.10   0.015
    ExpS3              3      13        35.83   2.54     0.866   22.59   0.065
    ExpS3              4      13        47.08   2.95     0.772   24.61   0.113
    ExpS3              5      13        52.84   3.57     0.701   24.74   0.198
    ExpS3              6      13        69.21   4.21     0.565   28.87   0.240
    ExpS3              7      13        74.48   4.84     0.475   40.15   0.310
    ExpS3              8      13        73.47   3.63     0.508   28.32   0.328

``sem``: standard error of the circular s.d. over subjects. Fit status, two-component: 220
converged, 35 with ``p_memory ~ 1`` (26 of them at set sizes 1-2), 1 with ``p_memory ~ 0`` (ExpS3,
subject 10, set size 7: its errors are close to uniform, the von Mises component is then not
identified and its s.d., 217 deg, lifts that cell's mean ``sd_deg`` from about 25 to 40 deg).
Three-component: 113 converged, 111 at a bound (``p_guess ~ 0`` or ``p_swap ~ 0`` mostly; Exp2
subject 3 at set size 7 puts all reports on non-targets), 32 not fitted (set size 1). The group
circular s.d. rises with set size in every experiment except ExpS3 from 7 to 8 (74.5 to 73.5 deg).

Usage
-----
::

    python scripts/make_set_size_reference.py SOURCE [--commit SHA] [--output CSV]

SOURCE is a folder holding the two ``.dat`` files, a checkout of BenchmarksWM (the files are read
from ``BenchmarksWM.Data/BM4.5.ErrorDistributionDE/``), or a bare git directory / ``.git`` folder
(read with ``git show COMMIT:...``; ``--commit`` picks the commit, default the one above). The raw
data are not shipped with neuromem. The mixture fits take a few minutes.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_files import read_files  # noqa: E402  (the raw-file reader every reference script shares)

COMMIT = "556bafd7d19ef1df3fdc115f6c38acbc640bd9e6"
DATA_DIR = "BenchmarksWM.Data/BM4.5.ErrorDistributionDE"
FILES = {
    "vandenberg_et_al_2012_color_long.dat": "14f319f96b87b69d0fb8e5d94b1a4a81857f200bb4c5151291bbab6cc8923e4e",
    "vandenberg_et_al_2012_orient_long.dat": "b27bc0e242bdbbe57efb3f9f432d7b240cc4aa5399bae548720708a0ce7d97ba",
}
MAX_ITEMS = 8
RAW_COLUMNS = ["id", "trial", "exp", "setsize", *(f"stim{i}" for i in range(1, MAX_ITEMS + 1)), *(f"loc{i}" for i in range(1, MAX_ITEMS + 1)), "response"]
#: ``exp`` code -> experiment label of the package's codebook (vandenberg12.Rd)
EXPERIMENTS = {4: "Exp1", 5: "Exp2", 3: "ExpS3"}
#: what the source documents: subjects, trials per subject (ErrorDistributionDelayedEstimation.R, vandenberg12.Rd)
EXPECTED = {"Exp1": (13, 864), "Exp2": (6, 2560), "ExpS3": (13, 864)}
EXPECTED_TRIALS = 37824
SET_SIZES = tuple(range(1, MAX_ITEMS + 1))
COLUMNS = ["experiment", "subject", "set_size", "n_trials", "circular_sd_rad", "p_memory", "sd_rad", "fit_status", "p_swap", "fit_status_three"]
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "neuromem" / "reference" / "vandenberg2012_delayed_estimation.csv"


def wrap(x: np.ndarray) -> np.ndarray:
    """Wrap angles (rad) to (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(x, dtype=float), 2 * np.pi)


def read_raw(source: Path, commit: str) -> dict[str, bytes]:
    """Raw bytes of the two .dat files from a folder, a checkout or a git directory (sha256 checked)."""
    return read_files(source, commit, FILES, DATA_DIR)


def load_trials(raw: dict[str, bytes]) -> pd.DataFrame:
    """All trials of both files with an ``experiment`` label; checks the layout the source documents."""
    data = pd.concat([pd.read_csv(io.BytesIO(b), sep=r"\s+", header=None, names=RAW_COLUMNS) for b in raw.values()], ignore_index=True)
    unknown = set(data["exp"].unique()) - set(EXPERIMENTS)
    if unknown:
        raise ValueError(f"unknown exp codes {sorted(unknown)}")
    data["experiment"] = data["exp"].map(EXPERIMENTS)
    problems = []
    if len(data) != EXPECTED_TRIALS:
        problems.append(f"{len(data)} trials, the codebook says {EXPECTED_TRIALS}")
    for label, (n_subjects, per_subject) in EXPECTED.items():
        part = data[data["experiment"] == label]
        counts = part.groupby("id").size()
        if counts.size != n_subjects or (counts != per_subject).any():
            problems.append(f"{label}: {counts.size} subjects, trials per subject {sorted(set(counts))}; expected {n_subjects} x {per_subject}")
        per_size = part.groupby(["id", "setsize"]).size()
        if sorted(part["setsize"].unique()) != list(SET_SIZES) or per_size.nunique() != 1:
            problems.append(f"{label}: set sizes {sorted(part['setsize'].unique())} not 1-8 in equal numbers per subject")
    slot = np.arange(1, MAX_ITEMS + 1)[None, :]
    inside = slot <= data["setsize"].to_numpy()[:, None]
    stims = data[[f"stim{i}" for i in slot[0]]].to_numpy()
    locs = data[[f"loc{i}" for i in slot[0]]].to_numpy()
    if (stims[~inside] != 360).any() or (locs[~inside] != 0).any() or (locs[inside] == 0).any():
        problems.append("item slots do not match the set size (empty: stimulus 360, location 0)")
    if problems:
        raise ValueError("the data do not match their documentation:\n  " + "\n  ".join(problems))
    return data


def errors(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Target errors (trial,) and non-target errors (trial, 7; NaN beyond the set size), rad in (-pi, pi]."""
    response = np.radians(data["response"].to_numpy(float))
    error = wrap(response - np.radians(data["stim1"].to_numpy(float)))
    others = np.radians(data[[f"stim{i}" for i in range(2, MAX_ITEMS + 1)]].to_numpy(float))
    present = np.arange(2, MAX_ITEMS + 1)[None, :] <= data["setsize"].to_numpy()[:, None]
    nontarget = np.where(present, wrap(response[:, None] - others), np.nan)
    return error, nontarget


def summarise(data: pd.DataFrame) -> pd.DataFrame:
    """One row per experiment, subject and set size: n, circular s.d., two- and three-component mixture fits."""
    from neuromem.analysis.mixture import fit_mixture

    rows = []
    for label in EXPERIMENTS.values():
        part = data[data["experiment"] == label].reset_index(drop=True)
        error, nontarget = errors(part)
        coords = {"subject": ("trial", part["id"].to_numpy(int)), "set_size": ("trial", part["setsize"].to_numpy(int))}
        err = xr.DataArray(error, dims="trial", coords=coords)
        nt = xr.DataArray(nontarget, dims=("trial", "item"))
        print(f"{label}: fitting {part['id'].nunique()} subjects x {part['setsize'].nunique()} set sizes", file=sys.stderr)
        two = fit_mixture(err, model="two", by=["subject", "set_size"]).to_dataframe()
        three = fit_mixture(err, nt, model="three", by=["subject", "set_size"]).to_dataframe()
        for (subject, set_size), g in part.assign(error=error).groupby(["id", "setsize"], sort=True):
            e = g["error"].to_numpy()
            key = (subject, set_size)
            rows.append(
                {
                    "experiment": label,
                    "subject": int(subject),
                    "set_size": int(set_size),
                    "n_trials": int(e.size),
                    "circular_sd_rad": float(np.sqrt(-2.0 * np.log(np.abs(np.mean(np.exp(1j * e)))))),
                    "p_memory": float(two.loc[key, "p_memory"]),
                    "sd_rad": float(two.loc[key, "sd"]),
                    "fit_status": str(two.loc[key, "fit_status"]),
                    "p_swap": float(three.loc[key, "p_swap"]) if set_size > 1 else float("nan"),
                    "fit_status_three": str(three.loc[key, "fit_status"]) if set_size > 1 else "no non-target at set size 1",
                }
            )
            if int(two.loc[key, "n_trials"]) != e.size:
                raise RuntimeError(f"{label} subject {subject} set size {set_size}: trial counts differ")
    return pd.DataFrame(rows, columns=COLUMNS)


def group_means(table: pd.DataFrame) -> pd.DataFrame:
    """Mean over subjects per experiment and set size (s.d. in deg, on the circle of the data)."""
    t = table.assign(circ_sd_deg=np.degrees(table["circular_sd_rad"]), sd_deg=np.degrees(table["sd_rad"]))
    g = t.groupby(["experiment", "set_size"])
    out = g.agg(
        n_subj=("subject", "size"), circ_sd_deg=("circ_sd_deg", "mean"), p_memory=("p_memory", "mean"), sd_deg=("sd_deg", "mean"), p_swap=("p_swap", "mean")
    )
    out.insert(2, "sem", g["circ_sd_deg"].std(ddof=1) / np.sqrt(g.size()))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with the two .dat files, a checkout of BenchmarksWM or its git directory")
    parser.add_argument("--commit", default=COMMIT, help="commit to read from a git directory (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT, help="output CSV (default: neuromem/reference/vandenberg2012_delayed_estimation.csv)")
    args = parser.parse_args(argv)

    data = load_trials(read_raw(args.source, args.commit))
    table = summarise(data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.output, index=False, float_format="%.6g")

    print(f"wrote {args.output} ({len(table)} rows from {len(data)} trials)")
    print("fit status (two-component):", table["fit_status"].value_counts().to_dict())
    print("fit status (three-component):", table["fit_status_three"].value_counts().to_dict())
    with pd.option_context("display.width", 120, "display.float_format", "{:.3f}".format):
        print(group_means(table).to_string())


if __name__ == "__main__":
    main()
