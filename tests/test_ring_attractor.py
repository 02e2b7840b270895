"""Compte et al. (2000) ring attractor, scaled network (512 E + 128 I), cpp_standalone.

Tolerances: in the persistent state the bump fires at ~30-40 Hz while the
spontaneous rate is ~1 Hz (Compte et al. 2000, Fig. 2), so "localised" is
asserted as near-cue rate > 10 Hz and > 5x the rate opposite the cue. The
remembered angle diffuses: in this network its s.d. after a 2 s delay is
~7 deg (measured over 16 trials), so |error| < 30 deg is a > 4 s.d. bound that
still fails for a lost memory (uniform error: |error| < 30 deg with p = 1/6).
"""

import numpy as np
import pytest
import xarray as xr

import neuromem
from neuromem.runner import run_task
from neuromem.tasks import DelayedEstimation
from neuromem.tasks.delayed_estimation import wrap_angle

DELAY = 2.0
TASK = DelayedEstimation(delays=[DELAY])
N_TRIALS = 4


def _run(seed, **overrides):
    model = neuromem.load_model("compte2000", size="scaled", device="cpp_standalone", trials_per_run=N_TRIALS, **overrides)
    return run_task(model, TASK, N_TRIALS, seed=seed, progress=False)


def _rates_near_and_opposite(ds, t0, t1):
    rate = ds["rate"].sel(time=slice(t0, t1)).mean("time")
    dist = np.abs(wrap_angle(ds["angle"] - ds["cue_angle"]))
    near = rate.where(dist < np.radians(36)).mean("angle_bin")
    opposite = rate.where(dist > np.pi - np.radians(36)).mean("angle_bin")
    return near.values, opposite.values


@pytest.fixture(scope="module")
def control():
    return _run(seed=3)


def test_bump_persists_through_the_delay(control):
    onset = float(control["cue_offset"][0])
    for t0 in (onset + 0.25, onset + DELAY - 0.5):  # early and late in the delay, cue removed
        near, opposite = _rates_near_and_opposite(control, t0, t0 + 0.5)
        assert (near > 10.0).all(), near
        assert (near > 5.0 * opposite).all(), (near, opposite)
    err = np.degrees(np.abs(control["error"].values))
    assert (err < 30.0).all(), err


def test_spontaneous_activity_is_low_before_the_cue(control):
    pre = control["rate"].sel(time=slice(0.0, float(control["cue_onset"][0]))).mean()
    assert 0.1 < float(pre) < 5.0  # Compte et al. (2000): E cells ~1 Hz in the resting state


def test_bump_is_lost_with_weak_recurrence():
    weak = _run(seed=3, J_plus=1.2)
    onset = float(weak["cue_offset"][0])
    near_cue, _ = _rates_near_and_opposite(weak, onset - 0.2, onset)
    assert (near_cue > 10.0).all()  # the cue did drive the cells ...
    near, opposite = _rates_near_and_opposite(weak, onset + DELAY - 0.5, onset + DELAY)
    assert (near < 5.0).all() and (near < 3.0 * opposite + 1.0).all(), (near, opposite)  # ... but nothing is held


def _without_timing(ds):
    ds = ds.copy()
    for key in ("created", "build_seconds", "simulation_seconds"):
        ds.attrs.pop(key)
    return ds


@pytest.mark.long
def test_same_seed_same_dataset_different_seed_different_noise(control):
    again = _run(seed=3)
    xr.testing.assert_identical(_without_timing(again), _without_timing(control))
    other = _run(seed=4)
    assert not np.array_equal(other["rate"].values, control["rate"].values, equal_nan=True)


def test_result_follows_schema_and_says_how_it_was_made(control, tmp_path):
    path = neuromem.results.save(control, tmp_path / "wm.nc")
    back = neuromem.results.load(path)
    xr.testing.assert_identical(back, control)
    params = neuromem.results.parameters(back)
    assert params["N_E"] == 512 and params["device"] == "cpp_standalone"
    assert params["model_parameters"]["g_EE_NMDA"] == "0.381 nS"
    assert back.attrs["backend"].startswith("brian2 ")
    assert back["rate"].attrs["units"] == "Hz"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": "huge"}, r"size='huge' is not allowed; the compte2000 card defines \['full', 'scaled'\]"),
        ({"J_pls": 1.0}, r"unknown parameter\(s\) \['J_pls'\]"),
        ({"device": "gpu"}, r"device='gpu' is not allowed"),
        ({"tau_NMDA_decay": "-100 ms"}, r"tau_NMDA_decay='-100 ms' is not allowed; it must be finite and from 0 to 100 s"),
        ({"g_EE_NMDA": 0.381}, r"g_EE_NMDA=0.381 is not allowed; it needs a unit of conductance \(S\)"),
        ({"trials_per_run": 0}, r"trials_per_run=0 is not allowed"),
    ],
)
def test_bad_model_input_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        model = neuromem.load_model("compte2000", **kwargs)
        model.run(TASK.trials(1, 0), seed=0, progress=False)


def test_unknown_model_is_named():
    with pytest.raises(ValueError, match=r"model=.wang2002. is unknown; known models: .*compte2000"):
        neuromem.load_model("wang2002")


def test_refuses_trials_from_another_task():
    trials = TASK.trials(2, 0)
    trials.attrs["task"] = "serial-recall"
    model = neuromem.load_model("compte2000")
    with pytest.raises(ValueError, match="compte2000 runs delayed-estimation trials"):
        model.run(trials, seed=0, progress=False)


def test_runtime_device_gives_a_valid_result():
    import brian2

    brian2.prefs.codegen.target = "numpy"  # no compiler start-up for a tiny smoke run
    try:
        model = neuromem.load_model("compte2000", device="runtime", N_E=64, N_I=16, trials_per_run=2)
        ds = run_task(model, DelayedEstimation(delays=[0.05], timing={"fixation": 0.05, "cue": 0.05, "response": 0.05}), 3, seed=1, progress=False)
    finally:
        brian2.prefs.codegen.target = "auto"
    neuromem.results.validate(ds)
    assert ds.sizes["trial"] == 3 and ds.attrs["backend"].startswith("brian2") and "runtime" in ds.attrs["backend"]
    assert np.isfinite(ds["rate"].sel(time=0.025)).all()


@pytest.mark.slow
def test_full_size_network_holds_one_trial():
    model = neuromem.load_model("compte2000", size="full", device="cpp_standalone", trials_per_run=1)
    ds = run_task(model, DelayedEstimation(delays=[1.0]), 1, seed=2, progress=False)
    onset = float(ds["cue_offset"][0])
    near, opposite = _rates_near_and_opposite(ds, onset + 0.5, onset + 1.0)
    assert near[0] > 10.0 and near[0] > 5.0 * opposite[0]
    assert abs(np.degrees(ds["error"].values[0])) < 30.0
    assert ds.attrs["parameters"].count('"N_E": 2048') == 2  # model size and published size


def test_batch_seeds_fit_brians_int32_for_many_batches():
    from neuromem.spiking.card_values import batch_seed_of

    seeds = [batch_seed_of(c) for s in range(50) for c in np.random.SeedSequence(s).spawn(20)]
    assert max(seeds) < 2**31 and min(seeds) >= 0
    assert len(set(seeds)) == len(seeds)


def test_many_batches_run_in_one_build():
    # 5 trials, 2 per run: 3 batches through one build (the last padded), each with its own seed.
    model = neuromem.load_model("compte2000", N_E=64, N_I=16, device="cpp_standalone", trials_per_run=2)
    task = DelayedEstimation(delays=[0.05], timing={"fixation": 0.05, "cue": 0.05, "response": 0.05})
    ds = run_task(model, task, 5, seed=1, progress=False)
    assert ds.sizes["trial"] == 5 and neuromem.results.parameters(ds)["trials_per_run"] == 2
    assert np.isfinite(ds["rate"].isel(time=0)).all()


@pytest.mark.long
def test_interrupted_run_resumes_from_checkpoint_and_ends_where_an_uninterrupted_one_would(tmp_path):
    task = DelayedEstimation(delays=[0.05], timing={"fixation": 0.05, "cue": 0.05, "response": 0.05})
    trials = task.trials(5, 0)
    model = neuromem.load_model("compte2000", N_E=64, N_I=16, device="cpp_standalone", trials_per_run=2)
    whole = model.run(trials, seed=7, progress=False)
    ckpt = tmp_path / "ckpt"
    model.run(trials, seed=7, progress=False, checkpoint=ckpt)
    batches = sorted(ckpt.glob("batch_*.npz"))
    assert len(batches) == 3
    batches[-1].unlink()  # as if the run had been stopped after two of its three batches
    kept = batches[0].stat().st_mtime_ns
    resumed = model.run(trials, seed=7, progress=False, checkpoint=ckpt)
    assert batches[0].stat().st_mtime_ns == kept  # finished batches are not simulated again
    xr.testing.assert_identical(_without_timing(resumed), _without_timing(whole))
    with pytest.raises(ValueError, match="holds batches of a different run"):
        model.run(trials, seed=8, progress=False, checkpoint=ckpt)


#: (size, trials per delay as stated in the note, key of SCALED_DIFFUSION)
STATED = [("scaled", 40, "scaled_deg"), ("full", 24, "full_deg")]


@pytest.mark.slow
def test_the_default_ring_drifts_as_its_results_say_against_the_full_network():
    """Holds the default (scaled) ring against the published size through the numbers each reduced result states
    (``network_size_note``, from ``SCALED_DIFFUSION``): a new run of each size (seed 11, not the note's) has an error
    variance at every delay within a two-sided 99.9% F interval of the stated one, and the scaled ring's variance
    exceeds the full ring's at 2 and 3 s (one-sided F test at 1%). If the default ring changes, this test or the
    note has to change with it. About 6 min on 2 cores."""
    from scipy.stats import f as f_dist

    from neuromem.spiking.ring_attractor import SCALED_DIFFUSION as D

    task = DelayedEstimation(delays=list(D["delays_s"]))
    var = {}
    for size, n, key in STATED:
        model = neuromem.load_model("compte2000", size=size, device="cpp_standalone", trials_per_run=8, workers=0)
        ds = run_task(model, task, n * len(D["delays_s"]), seed=11, progress=False)
        var[size] = np.degrees(ds["error"]).groupby("delay").var(ddof=1)
        for delay, stated in zip(D["delays_s"], D[key]):
            ratio = float(var[size].sel(delay=delay)) / stated**2
            low, high = f_dist.ppf([0.0005, 0.9995], n - 1, n - 1)
            assert low < ratio < high, (size, delay, float(np.sqrt(var[size].sel(delay=delay))), stated)
    for delay in (2.0, 3.0):
        ratio = float(var["scaled"].sel(delay=delay) / var["full"].sel(delay=delay))
        assert ratio > f_dist.ppf(0.99, STATED[0][1] - 1, STATED[1][1] - 1), (delay, ratio)
