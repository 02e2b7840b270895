"""The van den Berg et al. (2012) set-size reference: loader, counts against the source's documentation, shape of the data.

What is checked against what:

* Counts. ``pkg/man/vandenberg12.Rd`` of BenchmarksWM (commit 556bafd7): 37824 trials, three experiments
  (Exp1 colour/scrolling, Exp2 orientation/rotation, ExpS3 colour/colour wheel), set sizes 1-8. The
  authors' code for the paper (github.com/WeiJiMaLab/variability_encoding_precision, ``getExperimentInfo.m``)
  lists 13 subjects for the colour (scrolling) experiment and 6 for the orientation experiment. The
  trials per subject (864 colour, 2560 orientation, so 108 and 320 per set size) are the counts in the
  BenchmarksWM trial files themselves, which ``scripts/make_set_size_reference.py`` checks as it reads them.
* Published values. No number for circular s.d. or mixture parameters by set size could be found in a
  readable copy of van den Berg et al. (2012) (the paper shows them in figures only), so none is tested
  here. What is tested instead is the finding the codebook states ("error distributions are wider at
  higher set sizes"): the mean circular s.d. over subjects grows with set size, strictly in the paper's
  Experiments 1 and 2; in the supplementary ExpS3 it grows up to set size 7 and dips by 1.0 deg at 8.
* The group means quoted in ``neuromem/reference/README.md`` match the file.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuromem.reference import list_references, load_reference
from neuromem.results import schema_problems

NAME = "vandenberg2012_delayed_estimation"
#: experiment -> (subjects, trials per subject and set size)
COUNTS = {"Exp1": (13, 108), "Exp2": (6, 320), "ExpS3": (13, 108)}


@pytest.fixture(scope="module")
def ref():
    return load_reference(NAME)


def _group_mean_deg(ref, var: str):
    return np.degrees(ref[var].mean("subject", skipna=True))


def test_loader(ref):
    assert NAME in list_references()
    assert schema_problems(ref) == []
    assert ref["circular_sd"].dims == ("experiment", "subject", "set_size")
    assert list(ref["experiment"].values) == ["Exp1", "Exp2", "ExpS3"]
    assert list(ref["stimulus"].values) == ["colour", "orientation", "colour"]
    assert ref.attrs["task"] == "delayed-estimation"
    assert "van den Berg R" in ref.attrs["references"] and "PNAS 109:8780" in ref.attrs["references"]
    assert "BenchmarksWM" in ref.attrs["references"] and "556bafd7" in ref.attrs["references"]
    for var in ("circular_sd", "sd"):
        assert ref[var].attrs["units"] == "rad"


def test_counts_match_the_source(ref):
    assert list(ref["set_size"].values) == list(range(1, 9))
    n = ref["n_trials"]
    assert int(n.sum()) == 37824
    for experiment, (subjects, per_cell) in COUNTS.items():
        cells = n.sel(experiment=experiment).dropna("subject", how="all")
        assert cells.sizes["subject"] == subjects, experiment
        assert list(cells["subject"].values) == list(range(1, subjects + 1))
        assert (cells == per_cell).all(), experiment
    # subjects 7-13 do not exist in Exp2: every variable is NaN there
    missing = ref.sel(experiment="Exp2", subject=slice(7, 13))
    for var in ("n_trials", "circular_sd", "p_memory", "sd", "p_swap"):
        assert missing[var].isnull().all(), var
    assert (missing["fit_status"] == "no such subject").all()


def test_values_are_in_range(ref):
    present = ref["n_trials"].notnull()
    for var in ("circular_sd", "p_memory", "sd"):
        assert ref[var].where(present).notnull().sum() == present.sum(), var
    assert float(ref["p_memory"].min()) >= 0 and float(ref["p_memory"].max()) <= 1
    assert float(ref["p_swap"].min()) >= 0 and float(ref["p_swap"].max()) <= 1
    assert float(ref["circular_sd"].min()) > 0
    # set size 1 has no non-target: no swap probability there, one everywhere else a subject exists
    assert ref["p_swap"].sel(set_size=1).isnull().all()
    assert (ref["p_swap"].sel(set_size=slice(2, 8)).notnull() == present.sel(set_size=slice(2, 8))).all()
    assert set(np.unique(ref["fit_status"].values)) <= {"converged", "at bound: p_memory ~ 1", "at bound: p_memory ~ 0", "no such subject"}


def test_errors_widen_with_set_size(ref):
    sd = _group_mean_deg(ref, "circular_sd")
    for experiment in ("Exp1", "Exp2"):  # the paper's Experiments 1 and 2
        assert (sd.sel(experiment=experiment).diff("set_size") > 0).all(), experiment
    s3 = sd.sel(experiment="ExpS3")
    assert (s3.sel(set_size=slice(1, 7)).diff("set_size") > 0).all()
    assert float(s3.sel(set_size=7) - s3.sel(set_size=8)) == pytest.approx(1.0, abs=0.05)
    # more guessing at large set sizes: the mean p_memory falls from set size 1 to 8 in every experiment
    p = ref["p_memory"].mean("subject", skipna=True)
    assert (p.sel(set_size=8) < p.sel(set_size=1) - 0.4).all()
    # the memory component is narrower than the whole error distribution
    assert (_group_mean_deg(ref, "sd") < sd + 1e-9).all()


def test_readme_numbers_match_the_file(ref):
    sd = _group_mean_deg(ref, "circular_sd")
    # README: "rises from 21.5 to 72.6 deg (Exp1), 17.5 to 80.7 deg (Exp2, doubled orientation) and 17.9 to 73.5 deg (ExpS3)"
    for experiment, (first, last) in {"Exp1": (21.5, 72.6), "Exp2": (17.5, 80.7), "ExpS3": (17.9, 73.5)}.items():
        assert float(sd.sel(experiment=experiment, set_size=1)) == pytest.approx(first, abs=0.05), experiment
        assert float(sd.sel(experiment=experiment, set_size=8)) == pytest.approx(last, abs=0.05), experiment
