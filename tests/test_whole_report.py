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
from hypothesis import example, given, settings
from hypothesis import strategies as st

import neuromem
from neuromem.analysis.set_size import pool_reports, precision_by_set_size
from neuromem.runner import check_capabilities, run_task, run_trials
from neuromem.tasks import get_task
from neuromem.tasks.base import Task
from neuromem.tasks.delayed_estimation import WHOLE_REPORT, wrap_angle
from neuromem.tasks.encoding import window

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
    assert "cued_item" not in trials and trials["target"].dims == ("trial", "turn")
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
    assert trials["trial_end"].attrs == {"units": "s", "long_name": "end of the last report"}  # not response_onset's label


def test_the_cued_task_is_unchanged_by_the_new_setting():
    """Cued trials, their encoding and the cards' reports, against values computed by the code before whole report
    existed (commit 6e5180d, same seeds): the new setting changed nothing of the cued task but its attributes."""
    task = get_task("delayed-estimation", set_sizes=[1, 2, 4], delays=[0.5, 1.0])
    trials = task.trials(12, 3)
    xr.testing.assert_identical(trials, get_task("delayed-estimation", set_sizes=[1, 2, 4], delays=[0.5, 1.0], report="cued").trials(12, 3))
    assert "turn" not in trials.dims and "cued_item" in trials
    assert float(np.nansum(trials["item_angle"].values)) == pytest.approx(-18.38378765459195, abs=1e-12)
    assert trials["cued_item"].values.tolist() == [0, 0, 1, 0, 3, 2, 0, 0, 0, 1, 1, 3]
    assert float(trials["target"].sum()) == pytest.approx(-8.619527980949906, abs=1e-12)
    enc = task.encode(trials, 0.02)
    assert enc.x.shape == (100, 12, 13) and float(enc.mask.sum()) == 156.0
    assert float(enc.x.astype(float).sum()) == pytest.approx(1028.2771802991629, abs=1e-9)
    assert float(enc.y.astype(float).sum()) == pytest.approx(-12.137296117842197, abs=1e-9)
    before = {"zhang_luck2008": (-11.773794069534652, 8.652457509731631), "bays2014": (-11.482489216417092, 6.3837736897832595)}
    before["vandenberg2012"] = (-14.948197778504714, -3.104389663413829)
    for name, (responses, nontarget) in before.items():
        ds = run_task(neuromem.load_model(name), task, 30, seed=2, progress=False)
        assert float(ds["response_angle"].sum()) == pytest.approx(responses, abs=1e-9), name
        assert float(np.nansum(ds["nearest_nontarget_error"].values)) == pytest.approx(nontarget, abs=1e-9), name
        assert ds["guessed"].dtype == np.int8


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
    s = task.score(trials, xr.Dataset({"response_angle": (("trial", "turn"), report)}, coords={"trial": trials["trial"]}))
    assert s["error"].dims == ("trial", "turn") and s["nontarget_error"].dims == ("trial", "turn", "item")
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
        cued.score(cued.trials(4, 0), xr.Dataset({"response_angle": (("trial", "turn"), np.zeros((4, 4)))}, coords={"trial": np.arange(4)}))


@settings(max_examples=60, deadline=None)
@given(
    sizes=sizes_st,
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    dt=st.sampled_from([0.001, 0.005, 0.01, 0.02, 0.05, 0.1]),
    periods=st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(1, 30)),
    delay=st.integers(0, 40),
)
@example(sizes=[4], seed=0, n=1, dt=0.02, periods=(2, 2, 2), delay=21)  # step midpoints on report boundaries (once two windows)
@example(sizes=[4], seed=0, n=1, dt=0.02, periods=(2, 2, 2), delay=7)  # (once a step in none)
@example(sizes=[2], seed=0, n=2, dt=0.1, periods=(2, 2, 1), delay=2)  # a step longer than a report
@example(sizes=[1, 2], seed=0, n=2, dt=0.1, periods=(1, 20, 2), delay=2)  # a step as long as a report (once a report with none)
def test_encoding_cues_each_location_during_its_own_report_and_decodes_exactly(sizes, seed, n, dt, periods, delay):
    """At any time step and timing: one location cued at a time and only while reporting, the reports tile the report
    period (no step in two, none left out), each location's line is on during its own report, and decoding the encoded
    targets gives them back. A step longer than a report is refused."""
    fixation, cue, response = (k * 0.05 for k in periods)  # 0.05-1.5 s, boundaries that fall on steps as often as not
    task = get_task("delayed-estimation", delays=[delay * 0.05], set_sizes=sizes, report="all", timing={"fixation": fixation, "cue": cue, "response": response})
    trials = task.trials(n, seed)
    if dt >= response - 1e-12:  # as long as a report: rounding would leave a report one step or none
        with pytest.raises(ValueError, match="is not allowed for whole-report trials"):
            task.encode(trials, dt)
        return
    enc = task.encode(trials, dt)
    assert enc.x.shape[-1] == task.io_sizes(trials)[0]
    t = (np.arange(enc.x.shape[0]) + 0.5) * dt
    np.testing.assert_array_equal(enc.mask, window(t, trials["response_onset"].values, trials["trial_end"].values))
    slots = trials.sizes["item"]
    cue_lines = enc.x[..., 1 + 2 * slots :]  # (T, B, slot)
    np.testing.assert_array_equal(cue_lines.sum(-1), enc.mask)  # mask <= 1: one location cued at a time, only while reporting
    for i in range(n):
        for r in range(int(trials["set_size"][i])):
            on = trials["report_onset"].values[i, r]
            during = (t >= on) & (t < on + response - 1e-9)
            assert (cue_lines[during, i, trials["report_item"].values[i, r]] == 1).all()
    decoded = task.decode(trials, enc.y, dt)
    assert (decoded["response_angle"].isnull() == trials["target"].isnull()).all()
    present = trials["target"].notnull().values
    np.testing.assert_allclose(wrap_angle(decoded["response_angle"].values - trials["target"].values)[present], 0.0, atol=1e-4)  # float32 targets


def test_one_item_reported_as_a_whole_report_has_the_whole_report_encoding():
    task = get_task("delayed-estimation", report="all")  # one item, reported in turn: item and report-cue lines
    trials = task.trials(3, 0)
    assert task.io_sizes(trials) == (4, 2) and task.encode(trials, 0.01).x.shape[-1] == 4


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


def test_every_model_card_of_the_task_declares_whole_report_or_is_refused_it():
    # every card that runs delayed-estimation, plug-ins included: either it declares the capability, or the runner refuses it
    from neuromem.artificial.base import ArtificialModel
    from neuromem.cards import list_models, load_card, model_class

    cards = [name for name in list_models() if "delayed-estimation" in load_card(name).tasks]
    assert {"zhang_luck2008", "bays2014", "vandenberg2012", "compte2000"} <= set(cards)
    for name in cards:
        cls = model_class(name)
        if WHOLE_REPORT not in getattr(cls, "capabilities", ()):
            with pytest.raises(ValueError, match="does not declare"):
                check_capabilities(cls, whole([2]), name=name)
        else:
            check_capabilities(cls, whole([2]), name=name)
    assert WHOLE_REPORT in ArtificialModel.capabilities


def test_a_subclass_of_the_precision_base_does_not_inherit_whole_report():
    from neuromem.cognitive.precision import ContinuousReportModel

    class SharedState(ContinuousReportModel):
        pass

    assert WHOLE_REPORT not in getattr(SharedState, "capabilities", ())


def test_the_check_reads_what_the_trials_ask_not_the_task_object_passed():
    model = _NoWholeReport()
    with pytest.raises(ValueError, match="does not declare"):
        run_trials(model, get_task("delayed-estimation", set_sizes=[2]), whole([2]).trials(2, 0), seed=0, progress=False)
    assert not model.ran


N = 600


@pytest.mark.parametrize("sizes", [[1, 2, 3, 4, 6, 8]])
def test_slots_leave_exactly_n_minus_k_guesses_in_every_display(sizes):
    model = neuromem.load_model("zhang_luck2008")
    K = int(model.parameters["slots"])
    ds = run_task(model, whole(sizes), N, seed=4, progress=False)
    assert (ds["guessed"].isnull() == ds["target"].isnull()).all()  # no item, no guess flag: NaN, not 0
    guesses = ds["guessed"].sum("turn")
    np.testing.assert_array_equal(guesses.values, np.maximum(0, ds["set_size"].values - K))
    # P(memory) of the pooled reports is min(1, K/N) exactly, not only on average
    held = 1 - ds["guessed"].where(ds["target"].notnull()).mean("turn")
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
    assert by_position["circular_sd"].dims == ("turn", "set_size", "delay")
    n = by_position["n_trials"]
    for k in (1, 2, 4):  # each position up to the set size has every display of that size; none past it
        assert (n.sel(set_size=k, turn=slice(0, k - 1)) == 50).all() and (n.sel(set_size=k, turn=slice(k, None)) == 0).all()
    pooled = pool_reports(ds)
    assert pooled.sizes["trial"] == int(ds["set_size"].sum())
    np.testing.assert_array_equal(pooled["error"].values, ds["error"].values[pooled["display"].values, pooled["turn"].values])
    np.testing.assert_array_equal(pooled["set_size"].values, ds["set_size"].values[pooled["display"].values])
    summary = precision_by_set_size(pooled)
    assert "turn" not in summary.dims
    np.testing.assert_array_equal(summary["n_trials"].sel(delay=0.5).values, [50, 100, 200])
    swept = xr.concat([ds, ds], dim="alpha")  # a sweep's grid dim in front: every report with an item kept once
    assert pool_reports(swept).sizes["trial"] == pooled.sizes["trial"]
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


def test_responses_in_another_report_order_are_refused():
    task = whole([3])
    trials = task.trials(2, 0)
    flipped = xr.Dataset(
        {"response_angle": (("trial", "turn"), trials["target"].values)}, coords={"trial": trials["trial"], "turn": trials["turn"].values[::-1]}
    )
    with pytest.raises(ValueError, match="not aligned on 'turn'"):
        task.score(trials, flipped)


def test_a_benchmark_keeps_a_fitted_network_s_periods_but_asks_its_own_question():
    from neuromem.benchmarks import get_benchmark

    bench = get_benchmark("barbosa2020-spatial-error")
    trained = {"report": "all", "set_sizes": [1, 2, 4], "min_separation": 0.9, "delays": [0.2], "timing": {"fixation": 0.1, "cue": 0.1, "response": 0.1}}
    task = bench.experiment(trained)
    assert task.report == "cued" and task.set_sizes == (1,) and task.min_separation != 0.9
    assert task.timing["cue"] == 0.1 and list(task.delays) == list(bench.task_params["delays"])


def test_a_network_fitted_to_whole_report_runs_what_the_command_asks(tmp_path, capsys):
    from neuromem.cli import main
    from neuromem.results import load

    fit = [
        "fit",
        "--model",
        "rate_rnn",
        "--task-param",
        "set_sizes=[2]",
        'report="all"',
        "--steps",
        "3",
        "--eval-trials",
        "4",
        "--out",
        str(tmp_path),
        "--quiet",
    ]
    assert main(fit) == 0
    fitted = str(tmp_path / "fit_rate_rnn_delayed-estimation.pt")
    common = ["run", "working-memory", "--fitted", fitted, "--set-sizes", "2", "--trials", "2", "--delays", "0.2", "--out", str(tmp_path), "--quiet"]
    assert main(common) == 0  # --report cued, the default: one report per trial, whatever it was trained on
    assert main([*common, "--report", "all"]) == 0
    cued = load(tmp_path / "working-memory_rate_rnn_fitted_set-sizes-2_seed1.nc")
    every = load(tmp_path / "working-memory_rate_rnn_fitted_set-sizes-2_whole-report_seed1.nc")
    assert cued["error"].dims == ("trial",) and every["error"].dims == ("trial", "turn")


def test_a_network_fitted_to_several_items_says_which_setting_differs_when_given_one(tmp_path):
    from neuromem.experiments.fit import fit_model

    net, _ = fit_model(model="rate_rnn", task_param={"set_sizes": [1, 2]}, steps=2, eval_trials=2, out=None, progress=False)
    one = get_task("delayed-estimation", **{**net.task_parameters_, "set_sizes": [1]})
    with pytest.raises(ValueError, match=r"trained with set_sizes=\[1, 2\]; these trials have set_sizes=\[1\]"):
        run_task(net, one, 2, seed=0, progress=False)
