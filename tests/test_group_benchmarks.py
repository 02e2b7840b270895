"""Benchmarks on group means with standard errors (no subjects): closed-form ceilings, and the STDP benchmarks.

A source that publishes a mean m_x and its s.e.m. s_x per condition (each condition
its own cells) is modelled as m_x = mu_x + e_x, e_x ~ N(0, s_x^2) independent. A
curve equal to mu then has, in expectation,

* closeness exp(-NMSE/2) = (1 + 1/p)^(-p/2) over p conditions (chi-square MGF), exactly;
* r^2 with m of about V / (V + mean s^2), V the spread of mu over x, which the
  shape ceiling estimates from the data alone.

The tests draw many such data sets from generated (mu, s) and check both.
"""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_benchmark import synthetic_benchmark  # tests/ is on the path of the test process

from neuromem.benchmarks import Benchmark, SEMCloseness, ShapeR2, base, get_benchmark, score
from neuromem.benchmarks import table as table_mod
from neuromem.cards import load_model


def group(mean: np.ndarray, sem: np.ndarray) -> xr.DataArray:
    x = np.arange(len(mean), dtype=float)
    return xr.DataArray(mean, dims="x", coords={"x": x, "sem": ("x", sem)})


def bench(human: xr.DataArray, metric=None) -> Benchmark:
    return synthetic_benchmark(human, metric, identifier="synthetic2026-group")


def curves(curve: np.ndarray) -> xr.DataArray:
    return xr.DataArray(curve[None], dims=("seed", "x"), coords={"seed": [0], "x": np.arange(len(curve), dtype=float)})


@settings(max_examples=20, deadline=None)
@given(p=st.integers(2, 30), sems=st.lists(st.floats(0.01, 2.0), min_size=30, max_size=30), seed=st.integers(0, 10_000))
def test_the_closeness_ceiling_is_what_the_true_means_score_on_average(p, sems, seed):
    """(1 + 1/p)^(-p/2) against the mean of exp(-NMSE/2) over 4000 drawn data sets: within 0.01 (its s.e. is < 0.004)."""
    rng = np.random.default_rng(seed)
    sem = np.asarray(sems[:p])
    mu = rng.normal(0, 1, p)
    metric = SEMCloseness()
    drawn = [metric.raw_group(mu, mu + rng.standard_normal(p) * sem, sem) for _ in range(4000)]
    assert metric.group_ceiling(mu, sem) == pytest.approx(np.mean(drawn), abs=0.01)


@pytest.mark.parametrize("p, noise", [(10, 0.05), (10, 0.2), (20, 0.3), (30, 0.8), (5, 0.1)])
def test_the_shape_ceiling_estimates_the_true_curve_s_r2(p, noise):
    """Averaged over 300 data sets, the ceiling and the true curve's r^2 with m agree within 0.04 (reliability 0.14-0.98)."""
    rng = np.random.default_rng(p)
    mu = np.sin(np.linspace(0, 3, p))
    sem = noise * rng.uniform(0.5, 1.5, p)
    metric = ShapeR2()
    observed = [mu + rng.standard_normal(p) * sem for _ in range(300)]
    ceilings = [metric.group_ceiling(m, sem, draws=100) for m in observed]
    r2 = [metric.raw_group(mu, m, sem) for m in observed]
    assert np.mean(ceilings) == pytest.approx(np.mean(r2), abs=0.04)


@pytest.fixture
def few_resamples():
    kept = base.N_BOOTSTRAP
    base.N_BOOTSTRAP = 200
    yield
    base.N_BOOTSTRAP = kept


@pytest.mark.usefixtures("few_resamples")
@pytest.mark.parametrize("metric", [ShapeR2(), SEMCloseness()])
def test_the_generator_scores_about_one_and_a_flat_curve_zero(metric):
    rng = np.random.default_rng(4)
    mu = np.sin(np.linspace(0, 3, 12))
    sem = np.full(12, 0.1)
    b = bench(group(mu + rng.standard_normal(12) * sem, sem), metric)
    good = b.score(curves(mu))
    assert float(good["score"]) > 0.8 and float(good["ci_low"]) <= float(good["score"]) <= float(good["ci_high"])
    assert float(good["ci_high"]) == pytest.approx(1.0)  # 1 is inside the generator's interval
    flat = b.score(curves(np.full(12, mu.mean())))
    assert float(flat["score"]) < 0.05
    assert b.n_subjects == 0 and b.grouped
    assert float(good["closeness_ceiling"]) == pytest.approx((1 + 1 / 12) ** -6)  # the closeness beside it is in s.e.m.


@pytest.mark.parametrize(
    "reference, why",
    [(xr.DataArray([0.1, 0.2, 0.3], dims="x"), "with a 'sem' coordinate"), (group(np.array([0.1, 0.2, 0.3]), np.array([0.1, 0.0, 0.1])), "must be > 0")],
)
def test_group_means_without_positive_standard_errors_are_refused(reference, why):
    with pytest.raises(ValueError, match=why):
        bench(reference).ceiling()


def test_a_benchmark_runs_a_task_or_a_protocol_not_both_nor_neither():
    kwargs = dict(identifier="x2026-y", parent="p", version=1, task_params={}, reference=lambda: None, curve=lambda ds: ds, metric=ShapeR2(), citation="c")
    for task, protocol, run in (("free-recall", "stdp-triplet", lambda m, s: None), ("", "", None), ("", "stdp-triplet", None)):
        with pytest.raises(ValueError, match="give a registered task, or a protocol with its protocol_run"):
            Benchmark(task=task, protocol=protocol, protocol_run=run, **kwargs)


# ---------------------------------------------------------------------------- STDP
@pytest.fixture(scope="module")
def stdp():
    return load_model("stdp")


@pytest.mark.long
def test_the_hippocampal_triplet_set_shows_wang_s_effects_and_a_pair_rule_has_no_triplet_asymmetry(stdp):
    """Pfister & Gerstner's hippocampal set (fitted to these points) shows all three effects; an all-to-all pair rule
    sums the same two pairs in pre-post-pre and post-pre-post, so its asymmetry is 0 (to 1e-3 of its pair effect)."""
    import json

    triplet = score(stdp, "wang2005-pairs-triplets")
    effects = json.loads(triplet["effects"].item())
    assert int(triplet["effects_shown"]) == 3, effects
    assert float(triplet["distance_se"]) < 2.5  # measured 1.82 s.e. RMS (seed-free: the spikes are imposed)
    pair = load_model("stdp")
    pair.scored_rules["stdp-triplet"] = "song2000"
    paired = json.loads(score(pair, "wang2005-pairs-triplets")["effects"].item())
    assert abs(paired["triplet asymmetry"]["model"]) < 1e-3 * paired["pair potentiation"]["model"]
    assert not paired["triplet asymmetry"]["shown"] and effects["triplet asymmetry"]["shown"]


def test_the_stdp_benchmarks_are_in_the_table_and_only_cards_declaring_the_protocol_run_them(tmp_path):
    table = table_mod.benchmark(models=["stdp", "cmr"], benchmarks=["sjostrom2001-post-pre-frequency"], quick=True, out=tmp_path, progress=False)
    cell = table.sel(model="stdp", benchmark="sjostrom2001-post-pre-frequency")
    assert cell["status"].item() == "scored"
    assert table["status"].sel(model="cmr").item() == "not applicable: its card does not list protocol 'stdp-frequency'"
    assert int(table["human_subjects"].item()) == 0
    # people's +-: LTD at 0.1-20 Hz turning to LTP at 40-50 Hz, which the visual-cortex triplet set reproduces
    assert int(cell["effects_shown"]) == int(cell["effects_total"]) == 2
    human = table["human_mean_sjostrom2001_post_pre_frequency"].values
    curve = table["curve_sjostrom2001_post_pre_frequency"].sel(model="stdp").values
    sem = table["human_sem_sjostrom2001_post_pre_frequency"].values
    assert np.sqrt(np.mean(((curve - human) / sem) ** 2)) == pytest.approx(float(cell["distance_se"]))
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].startswith("stdp_stdp-frequency_")
    # a rerun reuses the run and gives the same table
    again = table_mod.benchmark(models=["stdp", "cmr"], benchmarks=["sjostrom2001-post-pre-frequency"], quick=True, out=tmp_path, progress=False)
    xr.testing.assert_identical(table.drop_attrs(), again.drop_attrs())


def test_a_card_s_scored_rule_must_be_one_of_its_rules():
    from dataclasses import replace

    from neuromem.cards import load_card
    from neuromem.spiking.plasticity_protocols import STDPProtocols

    card = load_card("stdp")
    bad = replace(card, tables={**card.tables, "scored_rules": {"stdp-triplet": "no_such_rule"}})
    with pytest.raises(ValueError, match="no_such_rule"):
        STDPProtocols.from_card(bad)
    with pytest.raises(ValueError, match="has no scored rule"):
        STDPProtocols.from_card(replace(card, tables={**card.tables, "scored_rules": {}})).scored_rule("stdp-frequency")


# ---------------------------------------------------------------------------- forgetting (Ebbinghaus)
class AgeMemory:
    """Recall whose expected overlap with each pattern is ``strength(age)`` (age: patterns studied since): the
    standardised pattern times r plus independent noise times sqrt(1 - r^2)."""

    name = "age_memory"
    family = "cognitive"

    def __init__(self, strength) -> None:
        self.strength = strength

    def run(self, trials, *, seed, progress=False, checkpoint=None):
        from neuromem.results import provenance

        rng = np.random.default_rng(seed)
        r = xr.DataArray(self.strength(trials["lag"].values.astype(float)), dims="item")
        pattern = trials["pattern"].astype(float)
        z = (pattern - pattern.mean("feature")) / pattern.std("feature")
        noise = xr.DataArray(rng.standard_normal(pattern.shape), dims=pattern.dims)
        recalled = r * z + np.sqrt(1 - r**2) * noise
        attrs = provenance(
            title="age memory", model=self.name, model_family=self.family, task="retention", parameters={}, seed=seed, backend="numpy", references="test"
        )
        return xr.Dataset({"recalled": recalled.assign_attrs(units="1")}, attrs=attrs)


def test_ebbinghaus_ages_keep_the_log_spacing_of_his_intervals():
    from neuromem.benchmarks.builtin import EBBINGHAUS_MAX_LAG, ebbinghaus_lags
    from neuromem.reference import load_reference

    lags = ebbinghaus_lags()
    t = load_reference("ebbinghaus1885_savings")["retention_interval"].values
    assert EBBINGHAUS_MAX_LAG == 16
    # by hand: 20 min, 64 min, 8.8 h, 1, 2, 6 and 31 days are 0, .15, .42, .55, .65, .79 and 1 of the log range;
    # 16 to those powers, rounded
    np.testing.assert_array_equal(lags, [1, 2, 3, 5, 6, 9, 16])
    assert t[0] == 20 * 60 and t[-1] == 31 * 1440 * 60


@pytest.mark.usefixtures("few_resamples")
def test_forgetting_a_power_law_of_age_shows_ebbinghaus_s_effects_and_outscores_a_straight_line():
    """People's savings fall ~linearly in log time (Ebbinghaus's fit), so a power law of age, steep then slow, fits
    their shape; a memory that loses the same amount per pattern shows forgetting but not its slowing (Jost's law)."""
    import json

    power = score(AgeMemory(lambda age: np.maximum(age, 1) ** -0.5), "ebbinghaus1885-forgetting", trials=40)
    linear = score(AgeMemory(lambda age: 0.9 - age / 20), "ebbinghaus1885-forgetting", trials=40)
    shown = json.loads(power["effects"].item())
    assert all(e["shown"] for e in shown.values()), shown
    effects = json.loads(linear["effects"].item())
    assert effects["forgetting"]["shown"] and not effects["forgetting slows (Jost's law)"]["shown"], effects
    assert float(power["score"]) > 0.9 > float(linear["score"])
    # a recall overlap is not a savings score: closeness and distance are not computed
    assert np.isnan(float(power["closeness_score"])) and np.isnan(float(power["distance_se"]))
    assert power.attrs["benchmark"] == "ebbinghaus1885-forgetting"


def test_the_ebbinghaus_reference_carries_his_probable_errors_as_standard_errors():
    from neuromem.reference import load_reference

    ref = load_reference("ebbinghaus1885_savings")
    # p. 76: P.E.m of 1 % at 20 min, 0.8 % at 31 days; s.e.m. = P.E.m / 0.6745
    assert float(ref["savings_sem"][0]) == pytest.approx(1 / 0.6745)
    assert float(ref["savings_sem"][-1]) == pytest.approx(0.8 / 0.6745)
    assert get_benchmark("ebbinghaus1885-forgetting").grouped


def test_a_value_within_rounding_of_zero_is_no_effect():
    from neuromem.benchmarks import Effect

    mu = np.sin(np.linspace(0, 3, 12))
    effects = (Effect("rounding", "1e-15", lambda x, c: 1e-15), Effect("tiny but real", "1e-6", lambda x, c: 1e-6))
    b = Benchmark(
        identifier="synthetic2026-effects",
        parent="synthetic",
        version=1,
        task="free-recall",
        task_params={},
        reference=lambda: group(mu, np.full(12, 0.1)),
        curve=lambda ds: ds,
        metric=ShapeR2(),
        citation="synthetic",
        effects=effects,
    )
    import json

    shown = {k: v["shown"] for k, v in json.loads(b.score(curves(mu))["effects"].item()).items()}
    assert shown == {"rounding": False, "tiny but real": True}


def test_a_metric_that_needs_subjects_or_the_same_measure_is_refused_where_it_cannot_hold():
    from neuromem.benchmarks import Closeness

    with pytest.raises(ValueError, match="needs people's data per subject"):
        bench(group(np.arange(4.0), np.full(4, 0.1)), Closeness()).ceiling()
    kwargs = dict(identifier="x2026-y", parent="p", version=1, task="free-recall", task_params={}, reference=lambda: None, curve=lambda ds: ds, citation="c")
    for metric in (Closeness(), SEMCloseness()):
        with pytest.raises(ValueError, match="not allowed with same_measure=False"):
            Benchmark(metric=metric, same_measure=False, **kwargs)
    with pytest.raises(ValueError, match="closeness_sem is for group means"):
        SEMCloseness().ceiling(np.ones((6, 3)))


def test_a_model_without_a_value_where_people_have_a_group_mean_is_refused_not_scored_higher():
    b = bench(group(np.sin(np.linspace(0, 3, 6)), np.full(6, 0.1)), SEMCloseness())
    curve = np.sin(np.linspace(0, 3, 6))
    curve[5] = np.nan
    with pytest.raises(ValueError, match=r"no value at x=\[5.0\]"):
        b.score(curves(curve))


def test_a_protocol_benchmark_refuses_a_number_of_trials():
    with pytest.raises(ValueError, match="has no trials"):
        get_benchmark("wang2005-pairs-triplets").run(object(), seed=1, trials=10)
