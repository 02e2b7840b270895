"""Free recall: the task's trials and scores, Psifr's measures against hand counts, and the
two-store signatures of CMR and the dual-store model (Glanzer & Cunitz 1966; Bjork & Whitten 1974)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from neuromem.analysis.free_recall import free_recall_summary
from neuromem.cards import load_card, load_model
from neuromem.reference import load_reference
from neuromem.results import validate
from neuromem.runner import combine, run_task
from neuromem.tasks import get_task


def stamped(resp: xr.Dataset) -> xr.Dataset:
    """Responses with the provenance attributes the results schema asks for."""
    resp.attrs.update(
        title="hand-made",
        model="hand",
        model_family="none",
        task="free-recall",
        parameters="{}",
        seed=0,
        backend="none",
        neuromem_version="0",
        created="now",
        references="",
    )
    return resp


def responses(trials: xr.Dataset, recall: list[list[int]]) -> xr.Dataset:
    width = max(len(r) for r in recall)
    arr = np.full((len(recall), width), -1)
    for k, r in enumerate(recall):
        arr[k, : len(r)] = r
    ds = xr.Dataset(
        {"recall": (("trial", "output"), arr, {"units": "1", "long_name": "recalled item"})},
        coords={"trial": trials["trial"].values, "output": np.arange(1, width + 1)},
    )
    return stamped(ds)


# ------------------------------------------------------------------- trials
def test_trials_follow_the_three_schedules():
    task = get_task("free-recall", list_lengths=[3], n_items=10, timing={"item": 1.0, "gap": 0.5, "distractor": 10.0, "recall": 30.0})
    tr = task.trials(3, 0)
    assert list(tr["condition"].values) == ["immediate", "delayed", "continual"]
    onsets = tr["item_onset"].values
    np.testing.assert_allclose(onsets[0], [0.0, 1.5, 3.0])  # item + gap
    np.testing.assert_allclose(onsets[1], [0.0, 1.5, 3.0])
    np.testing.assert_allclose(onsets[2], [0.0, 11.5, 23.0])  # item + gap + distractor
    np.testing.assert_allclose(tr["readout_onset"].values, [4.5, 14.5, 34.5])
    assert np.isnan(tr["distractor_onset"].values[0]).all()
    np.testing.assert_allclose(tr["distractor_onset"].values[1], [np.nan, np.nan, 4.5])
    np.testing.assert_allclose(tr["distractor_onset"].values[2], [1.5, 13.0, 24.5])
    ids = tr["item_id"].values
    assert all(len(set(row)) == 3 for row in ids)  # drawn without replacement
    np.testing.assert_array_equal(tr["studied"].values.sum(1), [3, 3, 3])
    assert task.conditions() == [("immediate", 3), ("delayed", 3), ("continual", 3)]


def test_lists_of_two_lengths_are_padded():
    tr = get_task("free-recall", list_lengths=[2, 4], conditions=["immediate"], n_items=6).trials(4, 1)
    np.testing.assert_array_equal(tr["list_length"].values, [2, 4, 2, 4])
    assert (tr["item_id"].values[0, 2:] == -1).all() and (tr["item_id"].values[1] >= 0).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"list_lengths": [20], "n_items": 10}, "list_lengths=[20] is not allowed; each must be between 1 and n_items=10"),
        ({"conditions": ["later"]}, "conditions=['later'] is not allowed; choose from ['immediate', 'delayed', 'continual']"),
        ({"timing": {"distractor": -1}}, "timing['distractor']=-1"),
        ({"timing": {"rehearsal": 1}}, "unknown period"),
    ],
)
def test_bad_task_parameters_say_what_is_allowed(params, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        get_task("free-recall", **params)


# -------------------------------------------------------------------- scores
def _hand_case() -> tuple:
    task = get_task("free-recall", list_lengths=[4], conditions=["immediate"], n_items=12)
    tr = task.trials(3, 5)
    ids = tr["item_id"].values
    # list 0: 4 3 1, an intrusion, 3 again; list 1: 2 3; list 2: nothing
    recall = [[ids[0, 3], ids[0, 2], ids[0, 0], 99, ids[0, 2]], [ids[1, 1], ids[1, 2]], []]
    return task, tr, responses(tr, recall)


def test_score_counts_recalls_intrusions_and_repeats():
    task, tr, resp = _hand_case()
    s = task.score(tr, resp)
    np.testing.assert_array_equal(s["position_recalled"].values, [[1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(s["serial_position"].values, [[4, 3, 1, 0, 3], [2, 3, -1, -1, -1], [-1] * 5])
    np.testing.assert_array_equal(s["repeat"].values[0], [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(s["n_recalled"].values, [3, 2, 0])
    np.testing.assert_array_equal(s["intrusions"].values, [1, 0, 0])
    np.testing.assert_array_equal(s["repeats"].values, [1, 0, 0])


def test_psifr_measures_equal_hand_counts():
    task, tr, resp = _hand_case()
    s = free_recall_summary(combine(task, tr, resp)).sel(condition="immediate", list_length=4)
    # SPC: position 1 recalled on 1 list of 3, 2 on 1, 3 on 2, 4 on 1
    np.testing.assert_allclose(s["recall_probability"].values, [1 / 3, 1 / 3, 2 / 3, 1 / 3])
    # first recalls: position 4 (list 0), position 2 (list 1); list 2 made none and is not counted
    np.testing.assert_allclose(s["first_recall_probability"].values, [0, 0.5, 0, 0.5])
    # transitions 4->3 (available lags -3 -2 -1), 3->1 (-2 -1), 2->3 (-1 +1 +2); the intrusion ends list 0's chain
    actual = dict(zip(s["lag"].values, s["crp_actual"].values))
    possible = dict(zip(s["lag"].values, s["crp_possible"].values))
    assert {k: actual[k] for k in (-3, -2, -1, 1, 2, 3)} == {-3: 0, -2: 1, -1: 1, 1: 1, 2: 0, 3: 0}
    assert {k: possible[k] for k in (-3, -2, -1, 1, 2, 3)} == {-3: 1, -2: 2, -1: 3, 1: 1, 2: 1, 3: 0}
    crp = dict(zip(s["lag"].values, s["lag_crp"].values))
    np.testing.assert_allclose([crp[-3], crp[-2], crp[-1], crp[1], crp[2]], [0, 0.5, 1 / 3, 1, 0])
    assert np.isnan(crp[3])
    np.testing.assert_allclose(float(s["total_recall"]), (3 / 4 + 2 / 4 + 0) / 3)
    assert int(s["n_lists"]) == 3


def test_positions_past_a_short_list_are_nan_not_failures():
    task = get_task("free-recall", list_lengths=[2, 3], conditions=["immediate"], n_items=6)
    tr = task.trials(2, 0)
    ids = tr["item_id"].values
    s = free_recall_summary(combine(task, tr, responses(tr, [[ids[0, 0], ids[0, 1]], [ids[1, 2]]])))
    np.testing.assert_allclose(s["recall_probability"].sel(condition="immediate", list_length=2).values, [1, 1, np.nan])
    np.testing.assert_allclose(s["recall_probability"].sel(condition="immediate", list_length=3).values, [0, 0, 1])


def test_recall_order_from_population_rates():
    from neuromem.spiking.readout import recall_from_rates

    task = get_task("free-recall", list_lengths=[3], conditions=["immediate"], n_items=4, timing={"item": 0.1, "gap": 0.0, "recall": 0.5})
    tr = task.trials(1, 0)
    t = np.arange(0.005, 1.0, 0.01)
    rate = np.zeros((1, t.size, 5))
    rate[..., 4] = 2.0  # the non-selective population
    r0 = float(tr["readout_onset"])
    rate[0, (t > r0 + 0.2) & (t < r0 + 0.25), 1] = 40.0  # pool 1 reactivates second
    rate[0, (t > r0 + 0.05) & (t < r0 + 0.1), 3] = 40.0  # pool 3 first
    rate[0, (t > 0.01) & (t < 0.05), 2] = 40.0  # pool 2: active during study only, not recalled
    da = xr.DataArray(rate, dims=("trial", "time", "population"), coords={"trial": tr["trial"].values, "time": t})
    got = recall_from_rates(tr, da)
    assert got["recall"].values.tolist() == [[3, 1]]


# ------------------------------------------------------------ the models
def _summary(model: str, n: int, seed: int = 3, **overrides) -> xr.Dataset:
    task = get_task("free-recall", list_lengths=[16])
    return free_recall_summary(run_task(load_model(model, **overrides), task, n, seed=seed, progress=False)).sel(list_length=16)


def _recency(s: xr.Dataset, condition: str) -> tuple[float, float]:
    """P(recall) of the last position minus the mean of positions 6-11, and its standard error."""
    spc = s["recall_probability"].sel(condition=condition)
    n = int(s["n_lists"].sel(condition=condition))
    last, mid = float(spc.sel(position=16)), float(spc.sel(position=slice(6, 11)).mean())
    return last - mid, float(np.sqrt(last * (1 - last) / n + mid * (1 - mid) / (6 * n)))


def _primacy(s: xr.Dataset, condition: str) -> tuple[float, float]:
    spc = s["recall_probability"].sel(condition=condition)
    n = int(s["n_lists"].sel(condition=condition))
    first, mid = float(spc.sel(position=1)), float(spc.sel(position=slice(6, 11)).mean())
    return first - mid, float(np.sqrt(first * (1 - first) / n + mid * (1 - mid) / (6 * n)))


@pytest.fixture(scope="module")
def cmr_summary() -> xr.Dataset:
    return _summary("cmr", 2400)


@pytest.fixture(scope="module")
def dual_summary() -> xr.Dataset:
    return _summary("dual_store", 2400)


def test_cmr_shows_primacy_recency_and_forward_contiguity(cmr_summary):
    s = cmr_summary
    for effect in (_primacy, _recency):
        gain, se = effect(s, "immediate")
        assert gain > 0.15 and gain > 5 * se, (effect.__name__, gain, se)
    crp = s["lag_crp"].sel(condition="immediate")
    assert int(crp.idxmax("lag")) == 1  # the peak of the lag-CRP is at +1 (Kahana 1996)
    assert float(crp.sel(lag=1)) > float(crp.sel(lag=-1)) > float(crp.sel(lag=-2))  # forward asymmetry, contiguity
    assert float(crp.sel(lag=1)) > 2 * float(crp.sel(lag=slice(4, 8)).mean())


def test_a_filled_delay_removes_recency_and_keeps_primacy(cmr_summary, dual_summary):
    for s in (cmr_summary, dual_summary):
        immediate, _ = _recency(s, "immediate")
        delayed, se = _recency(s, "delayed")
        assert delayed < 0.05 + 2 * se and immediate - delayed > 0.2, (immediate, delayed, se)
        primacy, se_p = _primacy(s, "delayed")
        assert primacy > 0.15 and primacy > 5 * se_p


def test_the_continual_distractor_restores_recency_in_cmr_but_not_in_the_buffer_model(cmr_summary, dual_summary):
    # Bjork & Whitten (1974): the discriminating prediction between one drifting context and two stores
    immediate, _ = _recency(cmr_summary, "immediate")
    continual, se = _recency(cmr_summary, "continual")
    delayed, _ = _recency(cmr_summary, "delayed")
    assert continual > 0.15 and continual - delayed > 5 * se and continual > 0.6 * immediate
    buffer_continual, se_b = _recency(dual_summary, "continual")
    assert buffer_continual < 0.05 + 2 * se_b
    assert _recency(dual_summary, "immediate")[0] > 0.3  # the buffer model has recency when nothing displaces it


def test_the_dual_store_model_has_no_primacy_under_a_continual_distractor(dual_summary):
    # every item leaves the buffer after its own presentation: all positions alike
    spc = dual_summary["recall_probability"].sel(condition="continual")
    n = int(dual_summary["n_lists"].sel(condition="continual"))
    se = np.sqrt(0.25 / n)
    assert float(spc.max() - spc.min()) < 8 * se


def test_cmr_fits_the_peers_reference_within_stated_tolerances(cmr_summary):
    # the card's parameters were fitted to these numbers (scripts/fit_cmr_peers.py); this checks the card still holds them
    ref = load_reference("peers_free_recall").sel(condition="immediate", list_length=16)
    s = cmr_summary.sel(condition="immediate")
    rmse = float(np.sqrt(((s["recall_probability"] - ref["recall_probability"]) ** 2).mean()))
    assert rmse < 0.08, rmse
    assert abs(float(s["total_recall"]) - float(ref["recall_probability"].mean())) < 0.05


def test_same_seed_same_dataset_and_seed_matters():
    task = get_task("free-recall", list_lengths=[5, 8], n_items=20)
    for model in ("cmr", "dual_store"):
        a = run_task(load_model(model), task, 30, seed=4, progress=False)
        b = run_task(load_model(model), task, 30, seed=4, progress=False)
        c = run_task(load_model(model), task, 30, seed=5, progress=False)
        validate(a)
        a.attrs.pop("created"), b.attrs.pop("created")
        xr.testing.assert_identical(a, b)
        assert not a["recall"].equals(c["recall"])
        assert json.loads(a.attrs["parameters"])["model_parameters"] == dict(load_card(model).parameters)


def test_cognitive_models_refuse_bad_parameters():
    with pytest.raises(ValueError, match=r"parameter B_enc=1.5 is not allowed; it must be in \[0, 1\]"):
        run_task(load_model("cmr", B_enc=1.5), get_task("free-recall", list_lengths=[4], n_items=8), 3, seed=0)
    with pytest.raises(ValueError, match="parameter buffer_size=2.5 is not allowed; it must be a whole number"):
        run_task(load_model("dual_store", buffer_size=2.5), get_task("free-recall", list_lengths=[4], n_items=8), 3, seed=0)
    with pytest.raises(ValueError, match="distractor_drift_time"):
        run_task(load_model("cmr", distractor_drift_time="8 mV"), get_task("free-recall", list_lengths=[4], n_items=8), 3, seed=0)


# -------------------------------------------------------------- peer: cymr
@pytest.mark.long
def test_cmr_agrees_with_cymr_on_the_same_lists():
    pytest.importorskip("cymr", reason="cymr (pip install 'neuromem[peers]') could not be installed here; the peer check needs it")
    from neuromem.peers.cymr_cmr import run_cymr

    task = get_task("free-recall", list_lengths=[12])
    tr = task.trials(1200, 11)

    def summary(resp: xr.Dataset) -> xr.Dataset:
        return free_recall_summary(combine(task, tr, stamped(resp))).sel(list_length=12)

    def z_scores(a: xr.Dataset, b: xr.Dataset) -> np.ndarray:
        n = a["n_lists"]
        pa, pb = a["recall_probability"], b["recall_probability"]
        z_spc = (pa - pb) / np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / n + 1e-12)
        ca, cb = a["lag_crp"].sel(lag=slice(-4, 4)).drop_sel(lag=0), b["lag_crp"].sel(lag=slice(-4, 4)).drop_sel(lag=0)
        na, nb = a["crp_possible"].sel(lag=ca["lag"]), b["crp_possible"].sel(lag=cb["lag"])
        z_crp = (ca - cb) / np.sqrt(ca * (1 - ca) / na + cb * (1 - cb) / nb + 1e-12)
        return np.abs(np.concatenate([z_spc.values.ravel(), z_crp.values.ravel()]))

    params = load_card("cmr").parameters
    ours = summary(load_model("cmr").run(tr, seed=2))
    theirs = summary(run_cymr(tr, params, seed=2))
    # 3 schedules x (12 positions + 8 lags) = 60 comparisons; |z| < 4.5 each keeps the false-alarm rate < 0.1 %
    assert z_scores(ours, theirs).max() < 4.5
    # and the check can fail: cymr at another temperature is told apart
    other = summary(run_cymr(tr, {**params, "T": 2 * params["T"]}, seed=2))
    assert z_scores(ours, other).max() > 4.5


# ------------------------------------------------------------ experiment
def test_the_free_recall_experiment_writes_a_result_and_its_comparison(tmp_path):
    from neuromem.analysis.compare import compare
    from neuromem.experiments import free_recall

    out = tmp_path / "r"
    written = {}
    for model in ("cmr", "dual_store"):
        written[model] = free_recall(model=model, list_lengths=[8, 16], trials=40, out=str(out), quiet=True)
    ds = xr.open_dataset(out / "free-recall_cmr_seed1.nc")
    assert ds.attrs["experiment"] == "free-recall" and ds.sizes["trial"] == 3 * 2 * 40
    both = compare([xr.open_dataset(out / f"free-recall_{m}_seed1.nc") for m in ("cmr", "dual_store")])
    assert list(both["condition"].values) == ["immediate", "delayed", "continual"]
    assert "human_recall_probability" in both
    human = both["human_recall_probability"].sel(condition="immediate", list_length=16)
    np.testing.assert_allclose(human.values, load_reference("peers_free_recall")["recall_probability"].values.ravel())
    assert np.isnan(both["human_recall_probability"].sel(condition="delayed")).all()  # no human data for that schedule


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--conditions", "later"], "conditions=['later'] is not allowed; choose each from ['immediate', 'delayed', 'continual']"),
        (["--list-lengths", "200"], "list_lengths=[200] is not allowed; each must be between 1 and n_items=100"),
        (["--model", "compte2000"], "model 'compte2000' does not run task 'free-recall'"),
        (["--model", "cmr", "--option", "B_enc=2"], "parameter B_enc=2 is not allowed"),
        (["--distractor", "-3"], "distractor=-3.0 s is not allowed; it must be >= 0 s"),
        (["--model", "dual_store", "--device", "runtime"], "device='runtime' is for spiking cards; model='dual_store' (cognitive) does not use it"),
    ],
)
def test_cli_mistakes_exit_2_in_one_line(tmp_path, args, message, capsys):
    from neuromem.cli import main

    rc = main(["run", "free-recall", "--out", str(tmp_path), "--quiet", *args])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------- artificial models, fitted
@pytest.mark.long
@pytest.mark.parametrize(("model", "steps"), [("lstm", 600), ("rate_rnn", 600), ("transformer", 300)])
def test_fitted_networks_recall_far_above_chance_and_compare_beside_cmr(model, steps, tmp_path):
    pytest.importorskip("torch")
    from neuromem.analysis.compare import compare
    from neuromem.experiments import free_recall
    from neuromem.experiments.fit import fit_model

    task_param = {"list_lengths": [4, 6], "n_items": 12}
    _, paths = fit_model(model=model, task="free-recall", task_param=task_param, steps=steps, eval_trials=300, out=tmp_path, progress=False)
    e = xr.open_dataset(paths["evaluation"])
    hits, intrusions, length = e["n_recalled"].values.sum(), e["intrusions"].values.sum(), e["list_length"].values.sum()
    base_rate = float((e["list_length"] / 12).mean())  # P(a pool item is on the list): what guessing gets right
    assert hits / length > 0.7, hits / length  # recall
    assert hits / (hits + intrusions) > 1.8 * base_rate, (hits / (hits + intrusions), base_rate)  # precision far above guessing
    # the fitted network through the experiment, then its serial-position curve beside CMR's
    free_recall(fitted=str(paths["fitted"]), trials=20, out=str(tmp_path), quiet=True)
    free_recall(model="cmr", list_lengths=[4, 6], n_items=12, trials=20, out=str(tmp_path), quiet=True)
    both = compare([xr.open_dataset(tmp_path / f"free-recall_{model}_fitted_seed1.nc"), xr.open_dataset(tmp_path / "free-recall_cmr_seed1.nc")])
    assert list(both["model"].values) == [model, "cmr"] and list(both["list_length"].values) == [4, 6]
    spc = both["recall_probability"].sel(model=model, list_length=6)
    assert float(spc.mean()) > 0.6 and not np.isnan(spc.values).any()


# -------------------------------------------------------------- spiking
@pytest.mark.long
def test_the_mongillo_network_recalls_a_list_in_the_order_its_pools_reactivate(tmp_path):
    pytest.importorskip("brian2")
    from neuromem.experiments import free_recall

    written = free_recall(
        model="mongillo2008", list_lengths=[3], n_items=5, item=0.35, gap=0.15, distractor=1.0, recall=0.3, trials=1, out=str(tmp_path), quiet=True
    )
    ds = written["trials"][0]
    validate(ds)
    assert ds.attrs["task"] == "free-recall" and ds.sizes["trial"] == 3
    ids = ds["item_id"].values
    # what was read out: only studied pools (no spontaneous intrusion), in order of first reactivation, inside the recall period
    assert (ds["intrusions"].values == 0).all() and ds["n_recalled"].sum() > 0
    for k in range(3):
        seq = [int(i) for i in ds["recall"].values[k] if i >= 0]
        times = ds["reactivation_time"].values[k, seq]
        assert set(seq) <= set(ids[k]) and np.all(np.diff(times) >= 0)
        assert np.all((times >= float(ds["readout_onset"][k])) & (times < float(ds["trial_end"][k])))
    # the mechanism of recency: at recall onset, facilitation u rises with serial position (it relaxes towards U
    # with tau_F = 1.5 s since each pool's cue) and every studied pool is above the unstudied ones
    k = int(np.flatnonzero(ds["condition"].values == "immediate")[0])
    u = ds["facilitation"].isel(trial=k).sel(stp_time=float(ds["readout_onset"][k]) - 0.005, method="nearest").values
    studied = u[ids[k]]
    assert np.all(np.diff(studied) > 0), studied
    assert studied.min() > max(u[p] for p in range(5) if p not in ids[k])
    # analytic: after its cue a pool's excess u - U decays as exp(-t / tau_F), so successive items
    # (cued item + gap = 0.5 s apart) differ by exp(0.5 s / 1.5 s) = 1.40; within 5 % for the last
    # two items, within 12 % for the first one (the first pool's cue starts from a resting network)
    excess = studied - load_card("mongillo2008").parameters["U"]
    ratio, analytic = excess[1:] / excess[:-1], np.exp(0.5 / 1.5)
    assert abs(ratio[-1] / analytic - 1) < 0.05 and np.all(np.abs(ratio / analytic - 1) < 0.12), (ratio, analytic)


@pytest.mark.long
def test_the_assembly_network_runs_a_list_and_older_assemblies_are_weaker(tmp_path):
    pytest.importorskip("brian2")
    from neuromem.experiments import free_recall

    written = free_recall(
        model="assembly_memory",
        list_lengths=[4],
        n_items=5,
        conditions=["continual", "immediate"],
        item=1.0,
        gap=0.5,
        distractor=2.0,
        recall=0.5,
        trials=1,
        out=str(tmp_path),
        quiet=True,
    )
    ds = written["trials"][0]
    validate(ds)
    for k in range(ds.sizes["trial"]):
        r0 = float(ds["readout_onset"][k])
        ids = ds["item_id"].values[k]
        # palimpsest: at recall onset, the weight inside an item's assembly falls with the number of items studied
        # after it (and with the time since), most clearly when a distractor follows every item
        w = ds["weight_in_item"].isel(trial=k).sel(sample_time=r0, method="nearest").values
        if ds["condition"].values[k] == "continual":
            assert np.all(np.diff(w) > 0), w
        assert w.min() > 1.0  # above w_min: every studied item left an assembly
        # uncued recall: the studied assemblies are more active than the blocks of unstudied items
        rate = ds["rate"].isel(trial=k).sel(time=slice(r0, float(ds["trial_end"][k]))).mean("time")
        assert float(rate.sel(population=ids).mean()) > float(rate.isel(population=-1)) + 1.0
    assert set(np.unique(ds["recall"].values)) <= set(np.unique(ds["item_id"].values)) | {-1}


def test_a_sweep_is_summarised_per_grid_point():
    # what open_sweep gives: the runs stacked on the grid's dims, a point that did not finish all NaN
    task = get_task("free-recall", list_lengths=[6], n_items=20)
    runs = [run_task(load_model("cmr", B_enc=b), task, 60, seed=2, progress=False) for b in (0.3, 0.6)]
    failed = runs[0].copy(data={k: v.values * np.nan if v.dtype.kind == "f" else v.values for k, v in runs[0].data_vars.items()})
    failed = failed.assign(item_id=failed["item_id"].astype(float) * np.nan, recall=failed["recall"].astype(float) * np.nan)
    sweep = xr.concat([runs[0].assign(item_id=runs[0]["item_id"].astype(float), recall=runs[0]["recall"].astype(float)), failed], dim="seed")
    sweep = xr.concat([sweep, sweep], dim="B_enc").assign_coords(B_enc=("B_enc", [0.3, 0.6], {"units": "1"}), seed=[2, 3])
    status = np.array([["ok", "missing"], ["ok", "missing"]])
    sweep["point_status"] = (("B_enc", "seed"), status)
    s = free_recall_summary(sweep)
    assert s["recall_probability"].dims[:2] == ("B_enc", "seed")
    alone = free_recall_summary(runs[0])
    xr.testing.assert_allclose(s["recall_probability"].sel(B_enc=0.3, seed=2, drop=True), alone["recall_probability"])
    xr.testing.assert_allclose(s["lag_crp"].sel(B_enc=0.6, seed=2, drop=True), alone["lag_crp"])
    assert np.isnan(s["recall_probability"].sel(seed=3)).all()


def test_fewer_lists_than_lengths_still_have_a_slot_for_the_longest():
    # the trials' width is the task's longest list, whichever lengths the drawn lists have
    tr = get_task("free-recall", list_lengths=[3, 5], conditions=["immediate"], n_items=8).trials(1, 0)
    assert tr.sizes["position"] == 5 and (tr["item_id"].values[0, 3:] == -1).all()


def test_the_task_scores_a_sequence_and_the_network_reads_its_rates():
    """The task only scores: rates alone are refused; the trials ask for a recall sequence, which the spiking
    read-out adds (and adds to no other task's responses)."""
    from neuromem.spiking.readout import with_recall_order

    task = get_task("free-recall", list_lengths=[3], conditions=["immediate"], n_items=4)
    tr = task.trials(2, 0)
    assert tr.attrs["expects"] == "recall"
    t = np.arange(0.005, float(tr["trial_end"].max()), 0.01)
    rate = xr.DataArray(np.zeros((2, t.size, 5)), dims=("trial", "time", "population"), coords={"trial": tr["trial"].values, "time": t})
    with pytest.raises(ValueError, match="responses need 'recall'"):
        task.score(tr, xr.Dataset({"rate": rate}))
    read = with_recall_order(tr, xr.Dataset({"rate": rate}))
    assert (read["recall"].values == -1).all() and {"recall", "reactivation_time", "rate"} <= set(read.data_vars)
    other = get_task("multi-item-recall").trials(2, 0)
    assert "expects" not in other.attrs and with_recall_order(other, xr.Dataset({"rate": rate})).identical(xr.Dataset({"rate": rate}))
