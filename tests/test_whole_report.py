"""Every item reported in turn (whole report) in delayed estimation: trials, scores, encoding, the capability
check that keeps a model from answering another question, and what the cognitive cards show.

Closed forms tested here: a slots model (Zhang & Luck 2008) with K slots leaves exactly max(0, N - K)
guesses in every display of N items (its slots go to min(K, N) items); the population-coding resource
model (Bays 2014) guesses an item with probability exp(-gain / N) (no spike); variable precision
(van den Berg et al. 2012) never guesses.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import neuromem
from neuromem.analysis.set_size import pool_reports, precision_by_set_size
from neuromem.runner import check_capabilities, run_task, run_trials
from neuromem.tasks import get_task
from neuromem.tasks.base import Task
from neuromem.tasks.delayed_estimation import WHOLE_REPORT, wrap_angle

sizes_st = st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True)


def whole(sizes, **kw):
    return get_task("delayed-estimation", delays=[0.5, 1.0], set_sizes=sizes, report="all", **kw)


@settings(max_examples=40, deadline=None)
@given(sizes=sizes_st, seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30))
def test_every_shown_item_is_reported_once_in_turn(sizes, seed, n):
    """The displays are the cued task's (same seed, same items, the cued item reported first); every shown location
    comes once in the report order; reports follow one another, one response period each."""
    trials = whole(sizes).trials(n, seed)
    cued = get_task("delayed-estimation", delays=[0.5, 1.0], set_sizes=sizes + [2] if max(sizes) == 1 else sizes).trials(n, seed)
    response = whole(sizes).timing["response"]
    order, size = trials["report_item"].values, trials["set_size"].values
    assert "cued_item" not in trials and trials["target"].dims == ("trial", "report")
    for i in range(n):
        k = size[i]
        assert sorted(order[i, :k]) == list(range(k)) and (order[i, k:] == -1).all()
        np.testing.assert_array_equal(trials["target"].values[i, :k], trials["item_angle"].values[i, order[i, :k]])
        assert np.isnan(trials["target"].values[i, k:]).all() and np.isnan(trials["report_onset"].values[i, k:]).all()
        np.testing.assert_allclose(np.diff(trials["report_onset"].values[i, :k]), response)
        assert trials["report_onset"].values[i, 0] == trials["response_onset"].values[i]
        assert trials["trial_end"].values[i] == pytest.approx(trials["response_onset"].values[i] + k * response)
    if max(sizes) > 1:  # the same displays as the cued task draws from this seed
        np.testing.assert_array_equal(trials["item_angle"].values, cued["item_angle"].values)
        np.testing.assert_array_equal(order[:, 0], cued["cued_item"].values)
    np.testing.assert_array_equal(trials["cue_angle"].values, trials["target"].values[:, 0])


def test_the_cued_task_is_unchanged_by_the_new_setting():
    a = get_task("delayed-estimation", set_sizes=[1, 2, 4]).trials(12, 3)
    b = get_task("delayed-estimation", set_sizes=[1, 2, 4], report="cued").trials(12, 3)
    xr.testing.assert_identical(a, b)
    assert "report" not in a.dims and "cued_item" in a


@settings(max_examples=30, deadline=None)
@given(sizes=sizes_st, seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20), data=st.data())
def test_scores_follow_each_report(sizes, seed, n, data):
    """error = report - target at each position (NaN past the set size); a report of another item of the display
    is a zero non-target error, and the reported item itself is never a non-target."""
    task = whole(sizes)
    trials = task.trials(n, seed)
    rng = np.random.default_rng(seed)
    report = wrap_angle(trials["target"].values + rng.normal(0, 0.3, trials["target"].shape))
    swap_to = data.draw(st.integers(0, 7))
    size = trials["set_size"].values
    swapped = (size > 1)[:, None] & (np.arange(report.shape[1])[None, :] == 0)
    other = trials["item_angle"].values[
        np.arange(n), np.where(size > 1, (trials["report_item"].values[:, 0] + 1 + swap_to % np.maximum(size - 1, 1)) % size, 0)
    ]
    report = np.where(swapped, other[:, None], report)
    s = task.score(trials, xr.Dataset({"response_angle": (("trial", "report"), report)}, coords={"trial": trials["trial"]}))
    assert s["error"].dims == ("trial", "report") and s["nontarget_error"].dims == ("trial", "report", "item")
    np.testing.assert_allclose(s["error"].values, wrap_angle(report - trials["target"].values))
    assert (s["error"].notnull() == trials["target"].notnull()).all()
    reported = trials["report_item"].values
    at_target = np.arange(trials.sizes["item"])[None, None, :] == reported[:, :, None]
    assert np.isnan(s["nontarget_error"].values[at_target]).all()
    np.testing.assert_allclose(s["nearest_nontarget_error"].values[swapped], 0.0, atol=1e-12)


def test_one_report_per_trial_is_refused_for_whole_report_trials():
    task = whole([2, 4])
    trials = task.trials(4, 0)
    one = xr.Dataset({"response_angle": ("trial", np.zeros(4))}, coords={"trial": trials["trial"]})
    with pytest.raises(ValueError, match="one report per item, in turn"):
        task.score(trials, one)
    cued = get_task("delayed-estimation", set_sizes=[2, 4])
    with pytest.raises(ValueError, match="one report per trial"):
        cued.score(cued.trials(4, 0), xr.Dataset({"response_angle": (("trial", "report"), np.zeros((4, 4)))}, coords={"trial": np.arange(4)}))


@settings(max_examples=25, deadline=None)
@given(sizes=sizes_st, seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_encoding_cues_each_location_during_its_own_report_and_decodes_exactly(sizes, seed, n):
    task = whole(sizes)
    trials = task.trials(n, seed)
    dt = 0.01
    enc = task.encode(trials, dt)
    slots = trials.sizes["item"]
    cue_lines = enc.x[..., 1 + 2 * slots :]  # (T, B, slot)
    np.testing.assert_array_equal(cue_lines.sum(-1), enc.mask)  # one location cued at a time, only while reporting
    t = (np.arange(enc.x.shape[0]) + 0.5) * dt
    for i in range(n):
        for r in range(int(trials["set_size"][i])):
            on = trials["report_onset"].values[i, r]
            during = (t >= on) & (t < on + task.timing["response"])
            assert (cue_lines[during, i, trials["report_item"].values[i, r]] == 1).all()
    decoded = task.decode(trials, enc.y, dt)
    assert (decoded["response_angle"].isnull() == trials["target"].isnull()).all()
    present = trials["target"].notnull().values
    np.testing.assert_allclose(wrap_angle(decoded["response_angle"].values - trials["target"].values)[present], 0.0, atol=1e-5)


class _NoWholeReport:
    """A model of the cued task only: it would give one report per trial."""

    name = "cued-only"

    def __init__(self):
        self.ran = False

    def run(self, trials, **kw):
        self.ran = True
        raise AssertionError("never reached")


def test_a_model_without_the_capability_is_refused_before_it_runs():
    model = _NoWholeReport()
    task = whole([2])
    with pytest.raises(ValueError, match=r"cannot run delayed-estimation with report='all'.*'whole-report'"):
        run_trials(model, task, task.trials(2, 0), seed=0, progress=False)
    assert not model.ran


@given(declared=st.sets(st.sampled_from(["whole-report", "a", "b", "c"])), asked=st.sets(st.sampled_from(["whole-report", "a", "b", "c"])))
def test_a_missing_capability_is_always_refused_and_a_declared_one_never(declared, asked):
    class Asking(Task):
        name = "asking"

        def requires(self):
            return {c: f"setting {c}" for c in sorted(asked)}

    model = type("M", (), {"capabilities": frozenset(declared), "name": "m"})()
    if asked <= declared:
        check_capabilities(model, Asking())
    else:
        with pytest.raises(ValueError, match="does not declare"):
            check_capabilities(model, Asking())


def test_every_registered_delayed_estimation_model_declares_whole_report():
    # each family's model of this task reads every report: the cognitive cards, the ring and the artificial base
    from neuromem.artificial.base import ArtificialModel
    from neuromem.cards import model_class

    for name in ("zhang_luck2008", "bays2014", "vandenberg2012", "compte2000"):
        assert WHOLE_REPORT in model_class(name).capabilities, name
    assert WHOLE_REPORT in ArtificialModel.capabilities


N = 600


@pytest.mark.parametrize("sizes", [[1, 2, 3, 4, 6, 8]])
def test_slots_leave_exactly_n_minus_k_guesses_in_every_display(sizes):
    model = neuromem.load_model("zhang_luck2008")
    K = int(model.parameters["slots"])
    ds = run_task(model, whole(sizes), N, seed=4, progress=False)
    guesses = ds["guessed"].where(ds["target"].notnull()).sum("report")
    np.testing.assert_array_equal(guesses.values, np.maximum(0, ds["set_size"].values - K))
    # P(memory) of the pooled reports is min(1, K/N) exactly, not only on average
    held = 1 - ds["guessed"].where(ds["target"].notnull()).mean("report")
    np.testing.assert_allclose(held.values, np.minimum(1, K / ds["set_size"].values))


def test_resource_and_variable_precision_encode_each_item_independently():
    sizes = [1, 2, 4, 8]
    bays = neuromem.load_model("bays2014")
    gain = float(bays.parameters["gain"])
    ds = run_task(bays, whole(sizes), 2000, seed=2, progress=False)
    g = ds["guessed"].where(ds["target"].notnull())
    for k in sizes:
        rows = g.where(ds["set_size"] == k, drop=True)
        n = int(rows.notnull().sum())
        p = float(np.exp(-gain / k))
        assert abs(float(rows.sum()) / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-9, (k, float(rows.sum()) / n, p)
    vp = run_task(neuromem.load_model("vandenberg2012"), whole(sizes), 200, seed=2, progress=False)
    assert int(vp["guessed"].sum()) == 0
    assert (vp["error"].notnull() == vp["target"].notnull()).all()


def test_summaries_by_position_and_pooled():
    ds = run_task(neuromem.load_model("vandenberg2012"), whole([1, 2, 4]), 300, seed=1, progress=False)
    by_position = precision_by_set_size(ds)
    assert by_position["circular_sd"].dims == ("report", "set_size", "delay")
    n = by_position["n_trials"]
    for k in (1, 2, 4):  # each position up to the set size has every display of that size; none past it
        assert (n.sel(set_size=k, report=slice(0, k - 1)) == 50).all() and (n.sel(set_size=k, report=slice(k, None)) == 0).all()
    pooled = pool_reports(ds)
    assert pooled.sizes["trial"] == int(ds["set_size"].sum())
    np.testing.assert_array_equal(pooled["error"].values, ds["error"].values[pooled["display"].values, pooled["report_position"].values])
    np.testing.assert_array_equal(pooled["set_size"].values, ds["set_size"].values[pooled["display"].values])
    summary = precision_by_set_size(pooled)
    assert "report" not in summary.dims
    np.testing.assert_array_equal(summary["n_trials"].sel(delay=0.5).values, [50, 100, 200])
    cued = run_task(neuromem.load_model("vandenberg2012"), get_task("delayed-estimation", set_sizes=[2]), 4, seed=1, progress=False)
    assert pool_reports(cued) is cued  # a cued result has one report per trial already


def test_the_cli_runs_whole_report_into_its_own_file_and_prints_each_position(tmp_path, capsys):
    from neuromem.cli import main

    common = [
        "run",
        "working-memory",
        "--model",
        "vandenberg2012",
        "--set-sizes",
        "1",
        "3",
        "--trials",
        "20",
        "--delays",
        "1",
        "--out",
        str(tmp_path),
        "--quiet",
    ]
    assert main([*common, "--report", "all"]) == 0
    printed = capsys.readouterr().out
    assert main(common) == 0  # the cued run of the same settings claims its own file
    names = sorted(p.name for p in tmp_path.glob("*.nc"))
    assert names == ["working-memory_vandenberg2012_set-sizes-1-3_seed1.nc", "working-memory_vandenberg2012_set-sizes-1-3_whole-report_seed1.nc"]
    assert "report   trials" in printed
    rows = [line.split() for line in printed.splitlines() if line.strip().startswith("3 ")]
    assert [r[2] for r in rows] == ["all", "1", "2", "3"] and [int(r[3]) for r in rows] == [60, 20, 20, 20]
