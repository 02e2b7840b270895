"""One spike binning for every spiking network, and its rates through the state contract.

The reference functions below are the hand-written binnings each network had before
:func:`neuromem.spiking.binning.population_rates` (copied unchanged apart from their
arguments): the helper, and each network's read-out through it, must give the same numbers
bit for bit, including spikes exactly on a bin edge, at the duration and a step past it.
"""

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import neuromem
from neuromem.spiking.binning import population_rates

SETTINGS = settings(deadline=None, max_examples=50)


# ------------------------------------------------------------ the old binnings
def ring_old(trial_idx, neuron, spike_t, *, n_trials, N_E, n_bins, bin_w, duration_s, trial_end):
    """ring_attractor.RingAttractor._responses: E rates per angle bin, NaN once the trial is over."""
    n_t = int(math.ceil(round(duration_s / bin_w, 6)))
    t_edges = np.arange(n_t + 1) * bin_w
    a_bin = np.minimum((neuron * n_bins) // N_E, n_bins - 1)
    t_bin = np.minimum((spike_t / bin_w).astype(int), n_t - 1)
    counts = np.zeros((n_trials, n_t, n_bins))
    np.add.at(counts, (trial_idx, t_bin, a_bin), 1.0)
    per_bin = np.bincount(np.minimum((np.arange(N_E) * n_bins) // N_E, n_bins - 1), minlength=n_bins)
    rate = counts / (per_bin[None, None, :] * bin_w)
    over = t_edges[1:][None, :] > trial_end[:, None] + 1e-9
    rate[over] = np.nan
    return rate, t_edges[:-1] + bin_w / 2


def swm_old(rows, pool, *, n_trials, n_pools, duration_s):
    """synaptic_working_memory.SynapticWorkingMemory._responses: rates per pool (last: non-selective)."""
    bin_w = 0.01
    n_t = int(math.ceil(round(duration_s / bin_w, 6)))
    sizes = np.bincount(pool, minlength=n_pools + 1)
    rate = np.zeros((n_trials, n_t, n_pools + 1))
    for k, (i, t) in enumerate(rows):
        np.add.at(rate[k], (np.minimum((t / bin_w).astype(int), n_t - 1), pool[i]), 1.0)
    rate /= sizes[None, None, :] * bin_w
    return rate, (np.arange(n_t) + 0.5) * bin_w


def assembly_old(rows, *, n_trials, N_E, duration_s):
    """assembly_memory.AssemblyMemory._responses (retention): the mean E rate."""
    bin_w = 0.05
    n_t = int(math.ceil(round(duration_s / bin_w, 6)))
    rate = np.zeros((n_trials, n_t))
    for k, (_, t) in enumerate(rows):
        np.add.at(rate[k], np.minimum((t / bin_w).astype(int), n_t - 1), 1.0)
    rate /= N_E * bin_w
    return rate, (np.arange(n_t) + 0.5) * bin_w


def items_old(rows, *, n_pool, block, duration_s, bin_w=0.05):
    """assembly_memory.AssemblyMemory._item_responses: the rate of each item's block of E neurons."""
    block_of = np.repeat(np.arange(n_pool, dtype=np.int32), block)
    n_t = int(math.ceil(round(duration_s / bin_w, 6)))
    out = []
    for i, t in rows:
        counts = np.zeros((n_t, n_pool))
        np.add.at(counts, (np.minimum((t / bin_w).astype(int), n_t - 1), block_of[i]), 1.0)
        out.append(counts / (block * bin_w))
    return np.stack(out), (np.arange(n_t) + 0.5) * bin_w


# ------------------------------------------------------- generated spike trains
BIN_WIDTHS = st.one_of(st.sampled_from([0.001, 0.01, 0.02, 0.03, 0.05, 0.1]), st.floats(0.002, 0.2))


@st.composite
def spike_times(draw, duration, bin_w, n):
    """``n`` spike times in [0, duration]: uniform, exactly on bin edges, at the duration and a step past it."""
    n_edges = int(duration / bin_w) + 1
    one = st.one_of(
        st.floats(0.0, duration, allow_nan=False), st.integers(0, n_edges).map(lambda k: k * bin_w), st.sampled_from([0.0, duration, duration + 1e-4])
    )
    return np.array(draw(st.lists(one, min_size=n, max_size=n)), dtype=float)


@st.composite
def durations(draw, bin_w):
    """Whole numbers of bins (where rounding matters: 0.3 / 0.1) or any length."""
    return draw(st.one_of(st.integers(1, 40).map(lambda k: k * bin_w), st.floats(0.5 * bin_w, 40 * bin_w)))


@st.composite
def per_trial(draw, n_neurons, duration, bin_w):
    """(neuron indices, times) of each of 1-4 trials, some of them silent."""
    n_trials = draw(st.integers(1, 4))
    rows = []
    for _ in range(n_trials):
        n = draw(st.integers(0, 40))
        rows.append((np.array(draw(st.lists(st.integers(0, n_neurons - 1), min_size=n, max_size=n)), dtype=np.int32), draw(spike_times(duration, bin_w, n))))
    return rows


def _flat(rows):
    """The rows as (trial, neuron, time) of every spike."""
    trial = np.concatenate([np.full(t.size, k) for k, (_, t) in enumerate(rows)])
    return trial, np.concatenate([i for i, _ in rows]), np.concatenate([t for _, t in rows])


# ------------------------------------------------------ the helper against each
@SETTINGS
@given(data=st.data(), N_E=st.integers(1, 64), bin_w=BIN_WIDTHS)
def test_helper_equals_the_rings_old_binning(data, N_E, bin_w):
    n_bins = data.draw(st.integers(1, N_E))  # the card keeps bins no finer than the neurons
    duration = data.draw(durations(bin_w))
    rows = data.draw(per_trial(N_E, duration, bin_w))
    trial, neuron, t = _flat(rows)
    trial_end = np.array(data.draw(st.lists(st.floats(0.0, duration), min_size=len(rows), max_size=len(rows))))
    old, old_centres = ring_old(trial, neuron, t, n_trials=len(rows), N_E=N_E, n_bins=n_bins, bin_w=bin_w, duration_s=duration, trial_end=trial_end)
    a_bin_of = np.minimum((np.arange(N_E) * n_bins) // N_E, n_bins - 1)
    rate, centres = population_rates(
        trial, t, a_bin_of[neuron], n_trials=len(rows), group_sizes=np.bincount(a_bin_of, minlength=n_bins), duration=duration, bin_width=bin_w
    )
    # the helper leaves the end of each trial to the network (the ring's NaN after it)
    finite = np.isfinite(old)
    np.testing.assert_array_equal(rate[finite], old[finite])
    assert rate.shape == old.shape and np.isfinite(rate).all()
    np.testing.assert_allclose(centres, old_centres, rtol=0, atol=1e-12)  # the same centres to the last bits


@SETTINGS
@given(data=st.data(), n_pools=st.integers(1, 5), pool_size=st.integers(1, 6), n_other=st.integers(1, 10))
def test_helper_equals_the_synaptic_networks_old_binning(data, n_pools, pool_size, n_other):
    pool = np.r_[np.repeat(np.arange(n_pools, dtype=np.int32), pool_size), np.full(n_other, n_pools, dtype=np.int32)]
    duration = data.draw(durations(0.01))
    rows = data.draw(per_trial(pool.size, duration, 0.01))
    old, old_centres = swm_old(rows, pool, n_trials=len(rows), n_pools=n_pools, duration_s=duration)
    trial, neuron, t = _flat(rows)
    rate, centres = population_rates(
        trial, t, pool[neuron], n_trials=len(rows), group_sizes=np.bincount(pool, minlength=n_pools + 1), duration=duration, bin_width=0.01
    )
    np.testing.assert_array_equal(rate, old)
    np.testing.assert_array_equal(centres, old_centres)


@SETTINGS
@given(data=st.data(), N_E=st.integers(1, 200))
def test_helper_equals_the_assembly_networks_old_mean_rate(data, N_E):
    duration = data.draw(durations(0.05))
    rows = data.draw(per_trial(N_E, duration, 0.05))
    old, old_centres = assembly_old(rows, n_trials=len(rows), N_E=N_E, duration_s=duration)
    trial, neuron, t = _flat(rows)
    rate, centres = population_rates(trial, t, np.zeros_like(neuron), n_trials=len(rows), group_sizes=[N_E], duration=duration, bin_width=0.05)
    np.testing.assert_array_equal(rate[:, :, 0], old)
    np.testing.assert_array_equal(centres, old_centres)


@SETTINGS
@given(data=st.data(), n_pool=st.integers(1, 8), block=st.integers(1, 6))
def test_helper_equals_the_assembly_networks_old_item_block_rates(data, n_pool, block):
    duration = data.draw(durations(0.05))
    rows = data.draw(per_trial(n_pool * block, duration, 0.05))
    old, old_centres = items_old(rows, n_pool=n_pool, block=block, duration_s=duration)
    trial, neuron, t = _flat(rows)
    block_of = np.repeat(np.arange(n_pool, dtype=np.int32), block)
    rate, centres = population_rates(trial, t, block_of[neuron], n_trials=len(rows), group_sizes=np.full(n_pool, block), duration=duration, bin_width=0.05)
    np.testing.assert_array_equal(rate, old)
    np.testing.assert_array_equal(centres, old_centres)


# ------------------------------------------------------------ closed forms
@pytest.mark.parametrize(("f", "bin_w", "duration"), [(20.0, 0.05, 1.0), (40.0, 0.1, 0.3), (7.0, 1 / 7, 2.0), (100.0, 0.01, 0.37)])
def test_a_regular_neuron_fires_at_its_rate_in_every_full_bin(f, bin_w, duration):
    # spikes at (k + 1/2) / f: none on a bin edge, so each full bin of width bin_w holds f * bin_w of them
    t = (np.arange(int(round(f * duration))) + 0.5) / f
    rate, centres = population_rates(np.zeros(t.size, int), t, np.zeros(t.size, int), n_trials=1, group_sizes=[1], duration=duration, bin_width=bin_w)
    n_full = int(round(duration / bin_w, 6))  # the last bin is partial when duration is not whole bins
    np.testing.assert_allclose(rate[0, :n_full, 0], f, rtol=1e-12)
    np.testing.assert_allclose(centres, (np.arange(rate.shape[1]) + 0.5) * bin_w)
    assert rate.shape[1] == math.ceil(round(duration / bin_w, 6))


def test_rates_are_per_neuron_of_each_group_and_per_neuron_for_a_subset():
    # 3 spikes of group 0 (4 neurons) and 2 of group 1 (1 neuron) in one 0.5 s bin
    rate, _ = population_rates([0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.1, 0.2], [0, 0, 0, 1, 1], n_trials=2, group_sizes=[4, 1], duration=0.5, bin_width=0.5)
    np.testing.assert_array_equal(rate[:, 0], [[3 / (4 * 0.5), 0.0], [0.0, 2 / 0.5]])
    # per-neuron rates of a chosen subset: the group is the neuron's place in the subset
    subset = np.array([5, 9])
    neuron, t = np.array([5, 9, 9, 3]), np.array([0.0, 0.1, 0.2, 0.3])
    keep = np.isin(neuron, subset)
    rate, _ = population_rates(
        np.zeros(keep.sum(), int), t[keep], np.searchsorted(subset, neuron[keep]), n_trials=1, group_sizes=np.ones(2), duration=1.0, bin_width=1.0
    )
    np.testing.assert_array_equal(rate[0, 0], [1.0, 2.0])


def test_a_spike_at_or_past_the_end_counts_in_the_last_bin():
    rate, _ = population_rates([0, 0, 0], [0.2, 0.3, 0.31], [0, 0, 0], n_trials=1, group_sizes=[1], duration=0.3, bin_width=0.1)
    # 0.2 starts bin 2 (an edge belongs to the bin it opens); 0.3 / 0.1 rounds to 3 bins, not 4
    np.testing.assert_array_equal(rate[0, :, 0], [0.0, 0.0, 30.0])


# -------------------------------------------------- each network's read-out
def _bin_edge_spikes(rng, n_trials, n_neurons, duration, bin_w, n=300):
    """(trial, neuron, time) of random spikes, a third of them exactly on a bin edge or at the duration."""
    trial = rng.integers(0, n_trials, n)
    neuron = rng.integers(0, n_neurons, n).astype(np.int32)
    t = rng.uniform(0, duration, n)
    edge = rng.random(n) < 0.3
    t[edge] = rng.integers(0, int(duration / bin_w) + 1, edge.sum()) * bin_w
    t[:2] = duration
    return trial, neuron, t


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_rings_read_out_bins_as_before(seed):
    from neuromem.tasks import DelayedEstimation

    model = neuromem.load_model("compte2000", N_E=64, N_I=16, device="runtime")
    q = model._validated()
    trials = DelayedEstimation(delays=[0.05, 0.2], timing={"fixation": 0.05, "cue": 0.05, "response": 0.05}).trials(4, seed)
    duration = float(trials["trial_end"].max())
    trial, neuron, t = _bin_edge_spikes(np.random.default_rng(seed), 4, 64, duration, float(q["rate_bin"]))
    ds = model._responses(q, trials, [{"trial": trial, "neuron": neuron, "time": t}], duration, [])
    within = t < trials["trial_end"].values[trial]  # what the network keeps of a trial
    old, centres = ring_old(
        trial[within],
        neuron[within],
        t[within],
        n_trials=4,
        N_E=64,
        n_bins=int(q["n_angle_bins"]),
        bin_w=float(q["rate_bin"]),
        duration_s=duration,
        trial_end=trials["trial_end"].values,
    )
    np.testing.assert_array_equal(ds["rate"].values, old)  # NaN where the old had NaN
    np.testing.assert_array_equal(ds["time"].values, centres)
    assert np.isnan(old).any() and np.nansum(old) > 0  # some trials end early; spikes were counted


@pytest.mark.parametrize("seed", [0, 1])
def test_the_synaptic_networks_read_out_bins_as_before(seed):
    from neuromem.tasks import MultiItemRecall

    model = neuromem.load_model("mongillo2008", N_E=200, N_I=50, device="runtime")
    q = model._validated()
    trials = MultiItemRecall(set_sizes=[1, 2], delay=0.1).trials(3, seed)
    duration = float(trials["trial_end"].max())
    pool = model._pools(q)
    recorded = int((pool < q["n_pools"]).sum())
    rng = np.random.default_rng(seed)
    batches, rows = [], []
    for _ in range(3):
        _, i, t = _bin_edge_spikes(rng, 1, 200, duration, 0.01)
        rows.append((i, t))
        batches.append({"i": i, "t": t, "u": rng.random((recorded, 4)), "x": rng.random((recorded, 4)), "stp_t": np.arange(4) * 0.1})
    ds = model._responses(q, trials, batches, duration, [])
    old, centres = swm_old(rows, pool, n_trials=3, n_pools=q["n_pools"], duration_s=duration)
    np.testing.assert_array_equal(ds["rate"].values, old)
    np.testing.assert_array_equal(ds["time"].values, centres)


def _assembly_batches(model, q, trials, setup, duration, rng):
    from neuromem.spiking.assembly_memory import AssemblyMemory

    _, sample = AssemblyMemory._draws(model, q, setup)
    batches = []
    for _ in range(trials.sizes["trial"]):
        _, i, t = _bin_edge_spikes(rng, 1, model.N_E, duration, 0.05)
        batches.append({"i": i, "t": t, "w": rng.random((sample.size, 3)), "w_t": np.arange(3) * 0.1})
    return batches


@pytest.mark.parametrize("seed", [0, 1])
def test_the_assembly_networks_read_outs_bin_as_before(seed):
    from neuromem.spiking.base import rate_state
    from neuromem.tasks import Retention, get_task

    model = neuromem.load_model("assembly_memory", N_E=100, N_I=25, device="runtime")
    q, rng, setup = model._validated(), np.random.default_rng(seed), np.random.SeedSequence(seed).spawn(2)
    timing = {"fixation": 0.05, "study": 0.1, "gap": 0.05, "test": 0.1, "test_gap": 0.05}
    trials = Retention(n_patterns=2, n_features=20, coding_level=0.25, test_delays=[0.1], timing=timing).trials(2, seed)
    duration = float(trials["trial_end"].max())
    batches = _assembly_batches(model, q, trials, setup, duration, rng)
    ds = model._responses(q, trials, batches, duration, setup)
    old, centres = assembly_old([(b["i"], b["t"]) for b in batches], n_trials=2, N_E=100, duration_s=duration)
    np.testing.assert_array_equal(ds["rate"].values, old)
    np.testing.assert_array_equal(ds["time"].values, centres)
    # the mean E rate is the state of one unit
    assert rate_state(ds["rate"]).dims == ("trial", "time", "unit") and rate_state(ds["rate"]).shape == (*old.shape, 1)

    trials = get_task("free-recall", list_lengths=[3], n_items=5, timing={"item": 0.1, "gap": 0.05, "distractor": 0.1, "recall": 0.15}).trials(2, seed)
    duration = float(trials["trial_end"].max())
    batches = _assembly_batches(model, q, trials, setup, duration, rng)
    ds = model._responses(q, trials, batches, duration, setup)
    old, centres = items_old([(b["i"], b["t"]) for b in batches], n_pool=5, block=20, duration_s=duration)
    np.testing.assert_array_equal(ds["rate"].values[:, :, :5], old)
    np.testing.assert_array_equal(ds["time"].values, centres)


# ----------------------------------------------------------- state contract
def test_rates_with_two_group_dims_are_not_a_state():
    from neuromem.spiking.base import rate_state

    rate = xr.DataArray(np.zeros((1, 2, 3, 4)), dims=("trial", "time", "a", "b"), name="rate", attrs={"units": "Hz"})
    with pytest.raises(ValueError, match=r"'rate' with dims \('trial', 'time', 'a', 'b'\) cannot be a state"):
        rate_state(rate)


def test_a_network_without_binned_rates_refuses_record_before_running():
    from neuromem.spiking.base import SpikingModel

    class Unbinned(SpikingModel):
        task = "delayed-estimation"

        def _validated(self):
            raise AssertionError("the refusal comes before any work")

    with pytest.raises(ValueError, match=r"^record=\['states'\] is not available for model 'unbinned': it does not bin its rates per trial$"):
        Unbinned({}, N_E=1, N_I=1, name="unbinned").run(xr.Dataset(), seed=0, progress=False, record=("states",))


def test_the_ring_refuses_an_unknown_record():
    model = neuromem.load_model("compte2000", N_E=64, N_I=16, device="runtime")
    with pytest.raises(ValueError, match=r"record='stats' is not allowed"):
        model.run(xr.Dataset(), seed=0, progress=False, record=("stats",))


def test_the_ring_records_its_binned_rates_as_a_state():
    import brian2

    from neuromem.analysis.states import population
    from neuromem.runner import can_record, run_trials
    from neuromem.tasks import DelayedEstimation

    task = DelayedEstimation(delays=[0.05, 0.1], timing={"fixation": 0.05, "cue": 0.05, "response": 0.05})
    trials = task.trials(2, 1)
    brian2.prefs.codegen.target = "numpy"  # no compiler start-up for a tiny run (as in test_ring_attractor)
    try:
        model = neuromem.load_model("compte2000", device="runtime", N_E=64, N_I=16, trials_per_run=2)
        recorded = run_trials(model, task, trials, seed=1, progress=False, record=("states",))
        plain = model.run(trials, seed=1, progress=False)
    finally:
        brian2.prefs.codegen.target = "auto"
    assert can_record(model)
    state = recorded["state_rate"]
    assert state.dims == ("trial", "time", "unit") and state.attrs["units"] == "Hz" and state.attrs["long_name"]
    np.testing.assert_array_equal(state.values, recorded["rate"].values)  # NaN after a trial's end, as the rates
    assert np.nansum(state.values) > 0 and np.isnan(state.values).any()  # the shorter trial ends first
    np.testing.assert_array_equal(state["time"].values, plain["time"].values)
    # recording adds the state and changes nothing else
    for name in plain.data_vars:
        xr.testing.assert_identical(recorded[name].drop_vars([c for c in recorded[name].coords if c not in plain[name].coords]), plain[name])
    assert "state_rate" not in plain
    assert population(recorded, "state_rate").sizes["feature"] == recorded.sizes["angle_bin"]
