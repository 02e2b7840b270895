"""Derive neuromem/reference/peers_free_recall.csv from the PEERS sample distributed with Psifr.

The raw data are not shipped with neuromem; this script records how the bundled
summary numbers were made: Psifr's serial-position curve, probability of first
recall and lag-CRP per subject, then the mean and standard error over subjects
(``peers_free_recall.csv``), and the per-subject values themselves
(``peers_free_recall_subjects.csv``: the benchmarks' split-half ceilings and
bootstrap intervals resample subjects).

    python scripts/make_free_recall_reference.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from psifr import fr


def per_subject_mean(frame: pd.DataFrame, x: str, value: str, measure: str) -> pd.DataFrame:
    g = frame.groupby(x)[value]
    return pd.DataFrame(
        {"measure": measure, "x": g.mean().index.astype(int), "mean": g.mean().to_numpy(), "sem": g.sem().to_numpy(), "n_subjects": g.count().to_numpy()}
    )


def per_subject(frame: pd.DataFrame, x: str, value: str, measure: str) -> pd.DataFrame:
    """One row per subject and ``x`` value (NaN where the subject had no chance, e.g. a lag never available)."""
    return pd.DataFrame({"subject": frame["subject"].astype(int), "measure": measure, "x": frame[x].astype(int), "value": frame[value].astype(float)})


def main() -> None:
    data = fr.merge_free_recall(fr.sample_data("peers_notask"))
    spc = fr.spc(data).reset_index()
    pfr = fr.pnr(data).reset_index().query("output == 1")
    crp = fr.lag_crp(data).reset_index()
    table = pd.concat(
        [
            per_subject_mean(spc, "input", "recall", "recall_probability"),
            per_subject_mean(pfr, "input", "prob", "first_recall_probability"),
            per_subject_mean(crp[crp["lag"] != 0], "lag", "prob", "lag_crp"),
        ]
    )
    out = Path(__file__).resolve().parent.parent / "neuromem" / "reference" / "peers_free_recall.csv"
    table.to_csv(out, index=False, float_format="%.4f")
    subjects = pd.concat(
        [
            per_subject(spc, "input", "recall", "recall_probability"),
            per_subject(pfr, "input", "prob", "first_recall_probability"),
            per_subject(crp[crp["lag"] != 0], "lag", "prob", "lag_crp"),
        ]
    ).sort_values(["measure", "subject", "x"])
    subjects.to_csv(out.with_name("peers_free_recall_subjects.csv"), index=False, float_format="%.4f")
    print(f"wrote {out} ({data['subject'].nunique()} subjects, {data.groupby(['subject', 'list']).ngroups} lists)")
    print("total recall", np.round(spc["recall"].mean(), 3))


if __name__ == "__main__":
    main()
