"""Derive neuromem/reference/barbosa2020_delayed_response.csv from Barbosa, Stein et al. (2020).

Per-subject precision of human spatial delayed responses (delayed estimation of a location on a
circle) in the no-stimulation trials of the TMS experiments of

    Barbosa J, Stein H, et al. (2020). Interplay between persistent activity and activity-silent
    dynamics in the prefrontal cortex underlies serial biases in working memory.
    Nature Neuroscience 23:1016-1024. doi:10.1038/s41593-020-0644-4

Source data
-----------
Public repository https://github.com/comptelab/interplayPFC, commit
``1c7d4b3a06b3c383342e2ba374aa024476862799`` (2021-05-13), files

- ``Data/tms_ori_long_dataframe.csv`` (9308 trials, subjects 201-210; sha256 a95e78fe...0932c)
- ``Data/tms_rep_long_dataframe.csv`` (9020 trials, subjects 301-310; sha256 c9ae51cb...2c525)

The two files are the two TMS studies of the paper (n = 20 subjects in all). The repository's
``Fig6/plot_fig.py`` reads the first as "replication" and the second as "original"; this script
only keeps the subject ids, which differ between the files. Columns used: ``subject``,
``delay_dur`` (delay, s; 2 s in every trial), ``tms_intensity`` (0 = no TMS, the "sham"/"no-tms"
condition; 0.7 and 1.3 = weak and strong TMS pulses, as a fraction of the resting motor
threshold), ``target_angle`` and ``report_angle`` (rad; the target sat on a circle of 8 cm
radius, ``target_rad``). ``location`` (0 = vertex, 1 = dlPFC coil position) is not used: trials
without a pulse are pooled over both coil positions. The human EEG experiment of the paper
(delays 0, 1, 3 s) is not included: its behaviour file is only on OSF (osf.io/qa34s), not in the
repository.

Trials and exclusions
---------------------
- Only trials with ``tms_intensity == 0`` (no pulse in that trial). These trials are interleaved
  with TMS trials in the same blocks, so the preceding trial may have had a pulse (the authors
  discuss possible carry-over effects, Extended Data Fig. 10).
- Trials with a missing report (NaN target or report angle) are dropped; there are none in
  this commit's files.
- Trials with ``|error| >= 45 deg`` are dropped as random guesses, the criterion of the
  repository's TMS analysis (``Fig6/plot_fig.py``: ``df[df.err.abs() < radians(45)]``).
  ``--max-abs-error-deg 180`` keeps every trial.

No other exclusion is made (the repository's TMS code applies no reaction-time or radial-error
criterion).

Measures, per subject and delay
-------------------------------
``error = report - target`` wrapped to (-pi, pi] (rad). ``n_trials``; ``circular_mean_rad``,
the angle of the mean resultant vector; ``circular_sd_rad`` = sqrt(-2 ln R), R the mean resultant
length; ``variance_rad2``, the mean over trials (divided by n) of the squared difference between
the error and its circular mean, that difference wrapped to (-pi, pi]. Floats are written with
6 significant digits.

Usage
-----
Fetch the repository (``git clone https://github.com/comptelab/interplayPFC``, or download the
two CSV files), then::

    python scripts/make_delayed_estimation_reference.py PATH

where PATH is a folder holding the two CSV files, a checkout of the repository (its ``Data/``
folder is used), or a bare git directory / ``.git`` folder (the files are read with
``git show COMMIT:Data/...``; ``--commit`` picks the commit, default the one above). The raw
data are not shipped with neuromem. ``--output`` changes the output path (default
``neuromem/reference/barbosa2020_delayed_response.csv`` beside this script's repository).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_files import read_files  # noqa: E402  (the raw-file reader every reference script shares)

COMMIT = "1c7d4b3a06b3c383342e2ba374aa024476862799"
FILES = {
    "tms_ori_long_dataframe.csv": "a95e78fe5b46073fbdb3453473e6777146703980fd1ea4e38468975861d0932c",
    "tms_rep_long_dataframe.csv": "c9ae51cba59f8704e66735a3a4bea9eba6c94093e147df541aa533df36f2c525",
}
COLUMNS = ["subject", "delay_s", "n_trials", "circular_mean_rad", "circular_sd_rad", "variance_rad2"]
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "neuromem" / "reference" / "barbosa2020_delayed_response.csv"


def wrap(x: np.ndarray) -> np.ndarray:
    """Wrap angles (rad) to (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(x, dtype=float), 2 * np.pi)


def read_raw(source: Path, commit: str) -> dict[str, bytes]:
    """Return the raw bytes of the two CSV files from a folder, a checkout or a git directory."""
    return read_files(source, commit, FILES, "Data")


def summarise(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per subject and delay: n, circular mean, circular s.d. and variance about the circular mean of the error."""
    rows = []
    for (subject, delay), g in trials.groupby(["subject", "delay_s"], sort=True):
        err = g["error"].to_numpy()
        resultant = np.mean(np.exp(1j * err))
        mean = float(np.angle(resultant))
        rows.append(
            {
                "subject": int(subject),
                "delay_s": float(delay),
                "n_trials": int(err.size),
                "circular_mean_rad": mean,
                "circular_sd_rad": float(np.sqrt(-2.0 * np.log(np.abs(resultant)))),
                "variance_rad2": float(np.mean(wrap(err - mean) ** 2)),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with the two CSV files, a checkout of comptelab/interplayPFC, or its git directory")
    parser.add_argument("--commit", default=COMMIT, help="commit to read from a git directory (default: %(default)s)")
    parser.add_argument("--max-abs-error-deg", type=float, default=45.0, help="drop trials with |error| >= this (deg); 180 keeps all (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT, help="output CSV (default: neuromem/reference/barbosa2020_delayed_response.csv)")
    args = parser.parse_args(argv)

    frames = [pd.read_csv(io.BytesIO(data), index_col=0) for data in read_raw(args.source, args.commit).values()]
    data = pd.concat(frames, ignore_index=True)
    n_all = len(data)
    data = data[data["tms_intensity"] == 0]
    n_sham = len(data)
    data = data.dropna(subset=["subject", "delay_dur", "target_angle", "report_angle"])
    n_answered = len(data)
    trials = pd.DataFrame(
        {"subject": data["subject"].astype(int), "delay_s": data["delay_dur"].astype(float), "error": wrap(data["report_angle"] - data["target_angle"])}
    )
    if args.max_abs_error_deg < 180:
        trials = trials[np.abs(trials["error"]) < np.radians(args.max_abs_error_deg)]

    table = summarise(trials)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.output, index=False, float_format="%.6g")

    print(f"wrote {args.output}")
    print(
        f"trials: {n_all} in all, {n_sham} without TMS, {n_sham - n_answered} without a response, "
        f"{n_answered - len(trials)} with |error| >= {args.max_abs_error_deg:g} deg, {len(trials)} kept"
    )
    for delay, g in table.groupby("delay_s"):
        sd = np.degrees(g["circular_sd_rad"].to_numpy())
        sem = sd.std(ddof=1) / np.sqrt(sd.size) if sd.size > 1 else float("nan")
        print(
            f"delay {delay:g} s: {len(g)} subjects, {g['n_trials'].sum()} trials ({g['n_trials'].min()}-{g['n_trials'].max()} per subject), "
            f"circular s.d. {sd.mean():.2f} +/- {sem:.2f} deg (mean +/- s.e.m. over subjects; range {sd.min():.2f}-{sd.max():.2f})"
        )


if __name__ == "__main__":
    main()
