"""Derive neuromem/reference/adam2015_change_detection.csv from the ``adam15`` data set.

Per-subject human reference for visual working-memory change detection by set
size. The raw trial-level data are not shipped with neuromem; this script
records how the bundled per-subject summary was made.

Data
----
Adam, Mance, Fukuda & Vogel (2015), Experiment 1A, change-detection task:
40 adults, arrays of 2-6 coloured squares shown for 150 ms, a 900 ms blank
retention interval, then a single probe square at one of the array locations;
unspeeded button press for "changed" / "same". 300 trials per subject, 60 per
set size, of which 30 are change and 30 no-change trials. The trial-level data
are distributed as ``adam15`` in the R data package BenchmarksWM (Dutli, Wills
& Oberauer; licence GPL (>= 2)), built from ``Adam.ChangeDet.dat`` in
Oberauer's BenchmarksWM archive (benchmark BM1.1, set size and accuracy).

Columns of ``adam15`` (codebook ``pkg/man/adam15.Rd``): ``subject`` (1-40),
``size`` (set size 2-6), ``change`` (1 = a change occurred, 0 = no change),
``acc`` (1 = correct response, 0 = incorrect).

Source used: https://github.com/joschadutli/BenchmarksWM, commit
556bafd7d19ef1df3fdc115f6c38acbc640bd9e6 (package version 1.1.3), file
``pkg/data/adam15.rda``.

Measures
--------
For each subject and set size N (no trials excluded, no correction of rates
of 0 or 1):

* ``n_trials``: number of trials (change + no change);
* ``hit_rate`` H = P(respond "change" | change) = mean ``acc`` on change trials;
* ``false_alarm_rate`` F = P(respond "change" | no change)
  = 1 - mean ``acc`` on no-change trials;
* ``accuracy``: proportion correct over all trials;
* ``cowan_k`` = N (H - F), Cowan's K for single-probe change detection
  (Cowan, 2001; Rouder, Morey, Morey & Cowan, 2011).

Values are written with 6 significant digits, one row per subject x set size.

References
----------
Adam, K. C. S., Mance, I., Fukuda, K., & Vogel, E. K. (2015). The contribution
of attentional lapses to individual differences in visual working memory
capacity. Journal of Cognitive Neuroscience, 27(8), 1601-1616.

Oberauer, K., Lewandowsky, S., Awh, E., Brown, G. D. A., Conway, A., Cowan, N.,
et al. (2018). Benchmarks for models of short-term and working memory.
Psychological Bulletin, 144(9), 885-958.

Dutli, J., Wills, A. J., & Oberauer, K. BenchmarksWM: Working Memory
Benchmarks (R package, version 1.1.3). https://github.com/joschadutli/BenchmarksWM

Usage
-----
Requires the ``rdata`` package (``pip install rdata``), which neuromem itself
does not need. Pass either the ``adam15.rda`` file or a clone / bare mirror of
the BenchmarksWM repository (the file is then read from ``--commit``)::

    python scripts/make_change_detection_reference.py path/to/adam15.rda
    python scripts/make_change_detection_reference.py path/to/BenchmarksWM [--commit SHA]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

COMMIT = "556bafd7d19ef1df3fdc115f6c38acbc640bd9e6"
RDA_PATH = "pkg/data/adam15.rda"
OUT = Path(__file__).resolve().parent.parent / "neuromem" / "reference" / "adam2015_change_detection.csv"
COLUMNS = ["subject", "set_size", "n_trials", "hit_rate", "false_alarm_rate", "accuracy", "cowan_k"]


def load_adam15(source: Path, commit: str = COMMIT) -> pd.DataFrame:
    """Read the ``adam15`` data frame from an ``.rda`` file or a git repository."""
    import rdata  # only needed to build the reference table

    if source.is_dir():
        git_dir = source / ".git" if (source / ".git").exists() else source
        blob = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{RDA_PATH}"], check=True, capture_output=True).stdout
        with tempfile.TemporaryDirectory() as tmp:
            rda = Path(tmp) / "adam15.rda"
            rda.write_bytes(blob)
            frame = rdata.read_rda(str(rda))["adam15"]
    else:
        frame = rdata.read_rda(str(source))["adam15"]
    frame = frame.astype(int).reset_index(drop=True)
    assert list(frame.columns) == ["subject", "size", "change", "acc"], frame.columns
    return frame


def per_subject(frame: pd.DataFrame) -> pd.DataFrame:
    """Hit rate, false-alarm rate, accuracy and Cowan's K per subject and set size."""
    rows = []
    for (subject, size), g in frame.groupby(["subject", "size"]):
        change = g["change"] == 1
        hit = g.loc[change, "acc"].mean()
        false_alarm = 1.0 - g.loc[~change, "acc"].mean()
        rows.append(
            {
                "subject": subject,
                "set_size": size,
                "n_trials": len(g),
                "hit_rate": hit,
                "false_alarm_rate": false_alarm,
                "accuracy": g["acc"].mean(),
                "cowan_k": size * (hit - false_alarm),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="adam15.rda, or a clone / bare mirror of joschadutli/BenchmarksWM")
    parser.add_argument("--commit", default=COMMIT, help="commit to read when SOURCE is a repository")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    frame = load_adam15(args.source, args.commit)
    table = per_subject(frame)
    table.to_csv(args.out, index=False, float_format="%.6g")

    print(f"wrote {args.out}: {len(table)} rows")
    print(f"{frame['subject'].nunique()} subjects, {len(frame)} trials, set sizes {sorted(int(s) for s in frame['size'].unique())}")
    g = table.groupby("set_size")
    print("set_size  accuracy (mean +/- sem)   K (mean +/- sem)   H      F")
    for size, sub in g:
        print(
            f"{size:8d}  {sub['accuracy'].mean():.3f} +/- {sub['accuracy'].sem():.3f}"
            f"          {sub['cowan_k'].mean():.2f} +/- {sub['cowan_k'].sem():.2f}"
            f"     {sub['hit_rate'].mean():.3f}  {sub['false_alarm_rate'].mean():.3f}"
        )
    kmax = table.groupby("subject")["cowan_k"].max()
    print(f"per-subject max K over set sizes: mean {kmax.mean():.2f}, range {kmax.min():.2f}-{kmax.max():.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
