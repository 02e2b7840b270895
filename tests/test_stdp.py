"""STDP rules and lab protocols against closed forms and published data."""

import json
import math

import numpy as np
import pytest

import neuromem
from neuromem.results import schema_problems
from neuromem.spiking.stdp import PairSTDP, TripletSTDP, fit_window, rule_from_card


@pytest.fixture(scope="module")
def runtime():
    return neuromem.load_model("stdp", device="runtime")


@pytest.fixture(scope="module")
def standalone():
    return neuromem.load_model("stdp", device="cpp_standalone")


def test_single_pairings_match_exponential_window(runtime):
    # One isolated pairing: +A+ exp(-dt/tau+) for post after pre, -A- exp(dt/tau-) before.
    delta_t = np.r_[-80:0:2.5, 2.5:82.5:2.5] * 1e-3
    ds = runtime.window(delta_t, rules=["song2000", "song2000_nearest"], n_pairings=1)
    rule = runtime.rule("song2000")
    expected = np.where(delta_t > 0, rule.A_plus * np.exp(-delta_t / rule.tau_plus), -rule.A_minus * np.exp(delta_t / rule.tau_minus))
    for name in ("song2000", "song2000_nearest"):
        np.testing.assert_allclose(ds["dw"].sel(rule=name), expected, rtol=1e-6)
    assert schema_problems(ds) == []


def test_fitting_the_simulated_window_recovers_time_constants(runtime):
    rule = PairSTDP(A_plus=0.01, A_minus=0.006, tau_plus="16.8 ms", tau_minus="33.7 ms", w_max=1.0, name="bi_poo_taus")
    # pairings 0.5 s apart interact through traces of ~e^-15: the window adds up pairing by pairing
    ds = runtime.window(np.r_[-150:0:5, 5:155:5] * 1e-3, rules=[rule], n_pairings=5, frequency=2.0)
    fit = fit_window(ds["delta_t"].values * 1e-3, ds["dw"].sel(rule="bi_poo_taus").values / 5)
    assert fit["tau_plus"] == pytest.approx(0.0168, rel=1e-4)
    assert fit["tau_minus"] == pytest.approx(0.0337, rel=1e-4)
    assert fit["A_plus"] == pytest.approx(0.01, rel=1e-4)


def test_multiplicative_window_scales_with_the_weight():
    rule = PairSTDP(A_plus=0.01, A_minus=0.01, tau_plus="20 ms", tau_minus="20 ms", form="multiplicative", w_max=1.0)
    # soft bounds: potentiation shrinks near w_max, depression near w_min
    assert rule.window(0.01, w=0.9) == pytest.approx(0.01 * 0.1 * math.exp(-0.5))
    assert rule.window(-0.01, w=0.9) == pytest.approx(-0.01 * 0.9 * math.exp(-0.5))


def test_nearest_and_all_to_all_differ_for_bursts(runtime):
    # Two pre spikes 5 ms apart, then one post spike 10 ms after the second: all-to-all pairs the
    # post spike with both pre spikes, nearest-spike only with the second.
    sched = [(np.array([0.100, 0.105]), np.array([0.115]))]
    rules = [runtime.rule("song2000"), runtime.rule("song2000_nearest")]
    w, _ = runtime.pairings(rules, sched)
    a, tau = 0.005, 0.020
    assert w[0, 0] - 0.5 == pytest.approx(a * (math.exp(-0.010 / tau) + math.exp(-0.015 / tau)), rel=1e-9)
    assert w[1, 0] - 0.5 == pytest.approx(a * math.exp(-0.010 / tau), rel=1e-9)


@pytest.mark.long
def test_triplet_rule_reproduces_sjostrom_pattern(standalone):
    ds = standalone.frequency()
    for rule in ("pfister_visual_minimal", "pfister_visual_full"):
        plus = ds["dw_over_w"].sel(rule=rule, delta_t=10.0).values
        minus = ds["dw_over_w"].sel(rule=rule, delta_t=-10.0)
        assert np.all(np.diff(plus) > 0), "potentiation at +10 ms grows with pairing frequency"
        assert float(minus.sel(frequency=0.1)) < -0.1 and float(minus.sel(frequency=10.0)) < -0.1
        assert float(minus.sel(frequency=50.0)) > 0.3, "-10 ms pairings potentiate at 50 Hz"
        # fit error against the 10 published points (Pfister & Gerstner report a good fit)
        assert float(ds["rmse"].sel(rule=rule)) < 0.2
    assert np.isfinite(ds["published"]).sum() == 10
    assert schema_problems(ds) == []


def test_triplet_rate_drift_has_a_bcm_threshold():
    rule = rule_from_card("m", {"rule": "triplet", "A3_plus": 6.5e-3, "A2_minus": 7.1e-3, "tau_plus": "16.8 ms", "tau_minus": "33.7 ms", "tau_y": "114 ms"})
    theta = 7.1e-3 * 0.0337 / (6.5e-3 * 0.0168 * 0.114)
    assert rule.rate_drift(10.0, theta * 0.9) < 0 < rule.rate_drift(10.0, theta * 1.1)


def _song_bimodality(ds):
    hist = ds["weight_histogram"].values
    centres = ds["weight_bin"].values
    middle = hist[(centres > 0.3) & (centres < 0.7)].mean()
    return hist[0], hist[-1], middle


@pytest.mark.long
def test_song2000_weights_move_to_the_bounds(standalone):
    ds = standalone.song2000(300.0, seed=2, record_every=10.0)
    low, high, middle = _song_bimodality(ds)
    assert low > 2 * middle and high > 2 * middle, (low, high, middle)
    assert float(ds["output_rate"][-10:].mean()) < float(ds["output_rate"][0]), "STDP brings the output rate down"
    assert schema_problems(ds) == []


@pytest.mark.slow
def test_song2000_full_run_is_bimodal(standalone):
    ds = standalone.song2000(600.0, seed=1, record_every=10.0)
    assert float(ds["fraction_low"]) > 0.4 and float(ds["fraction_high"]) > 0.1
    w = ds["weight"].isel(sample_time=-1).values
    assert np.mean((w > 0.2) & (w < 0.8)) < 0.15


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tau_plus": "0 ms"}, "tau_plus"),
        ({"tau_minus": "-20 ms"}, "tau_minus"),
        ({"tau_plus": 0.02}, r"tau_plus=0.02 is not allowed; it needs a unit of time, e.g. '0.02 ms'"),
        ({"tau_plus": "20 mV"}, "must be a time"),
        ({"A_minus": -0.005}, "A_minus"),
        ({"pairing": "first"}, "pairing"),
        ({"form": "power"}, "form"),
        ({"form": "multiplicative", "w_max": math.inf}, "w_max"),
    ],
)
def test_bad_pair_parameters_are_refused(kwargs, message):
    base = {"A_plus": 0.005, "A_minus": 0.005, "tau_plus": "20 ms", "tau_minus": "20 ms", "w_max": 1.0}
    with pytest.raises(ValueError, match=message):
        PairSTDP(**{**base, **kwargs})


def test_bad_triplet_and_card_input_is_refused(runtime):
    with pytest.raises(ValueError, match="tau_y"):
        TripletSTDP(tau_plus="16.8 ms", tau_minus="33.7 ms", tau_y="0 ms")
    with pytest.raises(ValueError, match="A3_plus.*magnitudes"):
        TripletSTDP(tau_plus="16.8 ms", tau_minus="33.7 ms", A3_plus=-1e-3)
    with pytest.raises(ValueError, match=r"tau_plus=16.8 is not allowed; it needs a unit of time"):
        TripletSTDP(tau_plus=16.8, tau_minus="33.7 ms")
    with pytest.raises(ValueError, match="A3_minus=0.001 needs tau_x"):
        TripletSTDP(tau_plus="16.8 ms", tau_minus="33.7 ms", A3_minus=1e-3)
    with pytest.raises(ValueError, match="rule='hebb' is unknown"):
        rule_from_card("x", {"rule": "hebb"})
    with pytest.raises(ValueError, match="tau_plus.*unit"):
        rule_from_card("x", {"rule": "pair", "tau_plus": 20})
    with pytest.raises(ValueError, match="rule='nope' is unknown; known rules"):
        runtime.window([0.01], rules=["nope"])
    with pytest.raises(ValueError, match="delta_t"):
        runtime.window([0.0])
    with pytest.raises(ValueError, match="pairing period"):
        runtime.window([0.5], n_pairings=2, frequency=2.0)


def test_time_constants_take_units_and_unused_triplet_traces_are_optional():
    import brian2 as b2

    as_text = TripletSTDP(tau_plus="16.8 ms", tau_minus="33.7 ms", A3_plus=6.5e-3, A2_minus=7.1e-3, tau_y="114 ms")
    as_quantity = TripletSTDP(tau_plus=16.8 * b2.ms, tau_minus=33.7 * b2.ms, A3_plus=6.5e-3, A2_minus=7.1e-3, tau_y=114 * b2.ms)
    assert as_text == as_quantity and as_text.tau_plus == pytest.approx(0.0168) and as_text.tau_x is None
    model, on_pre, on_post = as_text.synapse_code()
    assert "stdp_r2" not in model + on_pre + on_post and "stdp_o2" in model
    # the minimal card set has no tau_x, and it gives the same weights as with a dummy tau_x (A3- = 0)
    card = neuromem.load_model("stdp", device="runtime")
    minimal = card.rule("pfister_visual_minimal")
    assert minimal.tau_x is None
    dummy = TripletSTDP(
        **{**{k: v for k, v in vars(minimal).items() if k != "rule"}, "tau_x": "101 ms", "tau_plus": "16.8 ms", "tau_minus": "33.7 ms", "tau_y": "114 ms"}
    )
    pre = np.arange(10) * 0.1
    w, _ = card.pairings([minimal, dummy], [(pre, pre + 0.01), (pre + 0.01, pre)])
    assert not np.allclose(w[0], 1.0)  # the schedules do change the weight
    np.testing.assert_allclose(w[0], w[1], rtol=1e-12)


def test_the_rule_recursion_is_the_all_to_all_pair_sum():
    """For an all-to-all additive pair rule without reaching its bounds, the final weight is
    w0 + sum over pre-before-post pairs of A+ exp(-d/tau+) - sum over post-before-pre pairs of A- exp(-d/tau-)."""
    from neuromem.spiking.stdp import weight_recursion

    rule = PairSTDP(A_plus=1e-4, A_minus=1.2e-4, tau_plus="17 ms", tau_minus="34 ms", w_max=1.0)
    rng = np.random.default_rng(2)
    pre, post = np.sort(rng.uniform(0, 2, 40)), np.sort(rng.uniform(0, 2, 30))
    d = post[None, :] - pre[:, None]
    expected = 0.5 + 1e-4 * np.exp(-d[d > 0] / 0.017).sum() - 1.2e-4 * np.exp(d[d < 0] / 0.034).sum()
    assert weight_recursion(rule, pre, post, 0.5) == pytest.approx(expected, rel=1e-12)


@pytest.mark.long
@pytest.mark.parametrize("protocol", ["triplets", "quadruplets"])
def test_triplet_and_quadruplet_protocols_equal_the_rules_recursion(protocol):
    """Every synapse of the simulated protocol (Brian2) ends where the rule's own recursion puts it."""
    from neuromem.spiking.stdp import weight_recursion

    card = neuromem.load_model("stdp", device="runtime")
    rules = ["pfister_visual_minimal", "pfister_visual_full", "song2000_nearest"]
    ds = getattr(card, protocol)(rules=rules, n_repetitions=20)
    assert ds["dw_over_w"].dims == ("rule", "pattern") and ds["dw_over_w"].attrs["units"] == "1"
    settings = json.loads(ds.attrs["parameters"])
    dt = card._protocol()["dt"]
    for k in range(ds.sizes["pattern"]):
        if protocol == "triplets":
            a, b = ds["dt1"].values[k] / 1e3, ds["dt2"].values[k] / 1e3
            # pre-post-pre: pre 0, post dt1, pre dt1 - dt2; post-pre-post: post 0, pre -dt2, post dt1 - dt2
            pre, post = (np.array([0.0, a - b]), np.array([a])) if ds["kind"].values[k] == "pre-post-pre" else (np.array([-b]), np.array([0.0, a - b]))
        else:
            t, d = ds["T"].values[k] / 1e3, settings["delta_t_s"]
            c1, c2 = (0.0, t) if t > 0 else (-t, 0.0)
            pre, post = np.array([c1 + d / 2, c2 - d / 2]), np.array([c1 - d / 2, c2 + d / 2])
            shift = min(pre.min(), post.min())
            pre, post = np.sort(pre - shift), np.sort(post - shift)
        onsets = 0.1 + np.arange(20) / 1.0
        pre_t = np.round((onsets[:, None] + pre).ravel() / dt) * dt
        post_t = np.round((onsets[:, None] + post).ravel() / dt) * dt
        for r in rules:
            rule = card.rule(r)
            w0 = 1.0 if math.isinf(rule.w_max) else 0.5
            expected = weight_recursion(rule, pre_t, post_t, w0)
            assert float(ds["dw_over_w"].sel(rule=r).values[k]) == pytest.approx((expected - w0) / w0, rel=1e-6, abs=1e-12), (r, k)


def test_multiplet_protocols_refuse_bad_timing():
    card = neuromem.load_model("stdp", device="runtime")
    with pytest.raises(ValueError, match=r"dt1 > 0 > dt2"):
        card.triplets(intervals=[(0.005, 0.005)])
    with pytest.raises(ValueError, match=r"every \|T\| > delta_t"):
        card.quadruplets(T=[0.003])
    with pytest.raises(ValueError, match="longer than the repetition period"):
        card.quadruplets(T=[0.9], frequency=2.0)


@pytest.mark.long
def test_hippocampal_triplet_sets_reproduce_wang2005_and_the_visual_set_does_not(runtime):
    """Pfister & Gerstner (2006) fitted their hippocampal sets to Wang et al. (2005): post-pre-post potentiates more than
    pre-post-pre at every interval, and 7 of the 8 triplets fall within 3 s.e.m. of the data (measured: only
    post-pre-post (-10, +10) is off, 0.20 against 0.34 +- 0.04). The visual-cortex minimal set depresses every triplet."""
    from neuromem.experiments.builtin import _wang2005_value

    ds = runtime.triplets(rules=["hippocampal_all_to_all_full", "pfister_visual_minimal"])
    kinds = ds["kind"].values
    hippo = ds["dw_over_w"].sel(rule="hippocampal_all_to_all_full").values
    assert (hippo[kinds == "post-pre-post"] > hippo[kinds == "pre-post-pre"]).all()
    assert (ds["dw_over_w"].sel(rule="pfister_visual_minimal").values < 0).all()
    within = 0
    for k in range(ds.sizes["pattern"]):
        text = _wang2005_value(str(kinds[k]), float(ds["dt1"].values[k]), float(ds["dt2"].values[k]))
        mean, sem = (float(v) for v in text.split(": ")[1].split(" +- "))
        within += abs(hippo[k] - mean) <= 3 * sem
    assert within >= 7


def test_the_cards_triplet_sets_are_pfister_and_gerstners_tables():
    """Every published set (Pfister & Gerstner 2006, Tables 3-4, neuromem/reference/pfister_gerstner2006_sets.csv) is a rule of
    the stdp card with the same amplitudes, time constants and pairing."""
    from importlib import resources

    import pandas as pd

    with resources.files("neuromem.reference").joinpath("pfister_gerstner2006_sets.csv").open() as fh:
        sets = pd.read_csv(fh)
    names = {"visual_all_to_all_minimal": "pfister_visual_minimal", "visual_all_to_all_full": "pfister_visual_full"}
    card = neuromem.load_model("stdp", device="runtime")
    for row in sets.itertuples():
        rule = card.rule(names.get(row.set, row.set))
        assert rule.pairing == ("nearest" if row.interaction == "nearest-spike" else "all-to-all")
        for name in ("A2_plus", "A3_plus", "A2_minus", "A3_minus"):
            assert getattr(rule, name) == pytest.approx(getattr(row, name), abs=1e-12), (row.set, name)
        for name in ("tau_plus", "tau_minus", "tau_y") + (() if np.isnan(row.tau_x_ms) else ("tau_x",)):
            assert float(getattr(rule, name)) == pytest.approx(getattr(row, f"{name}_ms") * 1e-3), (row.set, name)
