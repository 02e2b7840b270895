"""Retention task and the STDP assembly network: storage, pattern completion, forgetting."""

import numpy as np
import pytest
import xarray as xr

import neuromem
from neuromem.analysis.forgetting import forgetting_curve
from neuromem.results import schema_problems
from neuromem.runner import combine
from neuromem.spiking.assembly_memory import chain_code
from neuromem.tasks import get_task


# ----------------------------------------------------------------------------- task
def test_retention_trials_and_perfect_and_cue_only_observers():
    task = get_task("retention", n_patterns=5, n_features=50, coding_level=0.2, test_delays=[0.5, 4.0])
    trials = task.trials(6, 0)
    assert trials["pattern"].sum("feature").values.tolist() == [[10] * 5] * 6
    assert trials["cue"].sum("feature").values.tolist() == [[5] * 5] * 6
    assert np.all((trials["cue"] <= trials["pattern"]).values)
    assert trials["lag"].values.tolist() == [4, 3, 2, 1, 0]
    # forgetting in time: a longer delay lengthens every retention interval by the same amount
    ri = trials["retention_interval"].values
    np.testing.assert_allclose(ri[1] - ri[0], 3.5)
    perfect = task.score(trials, xr.Dataset({"recalled": trials["pattern"].astype(float)}))
    assert perfect["overlap"].values.min() == pytest.approx(1.0)
    assert perfect["identified"].values.all()
    cue_only = task.score(trials, xr.Dataset({"recalled": trials["cue"].astype(float)}))
    assert np.all(cue_only["overlap"].values == 0) and not cue_only["identified"].values.any()
    curve = forgetting_curve(perfect)
    assert curve["overlap"].dims == ("test_delay", "lag") and curve["n_trials"].values.tolist() == [3, 3]


def test_retention_bad_input():
    with pytest.raises(ValueError, match="coding_level"):
        get_task("retention", coding_level=1.5)
    with pytest.raises(ValueError, match="cue_fraction"):
        get_task("retention", n_features=10, coding_level=0.2, cue_fraction=0.1)
    with pytest.raises(ValueError, match="test_order"):
        get_task("retention", test_order="random")
    task = get_task("retention")
    with pytest.raises(ValueError, match="from task 'multi-item-recall'"):
        task.score(get_task("multi-item-recall").trials(2, 0), xr.Dataset())


# ----------------------------------------------------------------------------- synapse chain
def test_benna_fusi_chain_conserves_charge_until_it_leaks():
    # Run the generated Euler step in numpy: sum_k C_k (u_k - w_min) only leaks through the last level.
    levels, tau, step = 3, 1.0, 0.01
    model, code = chain_code(levels, tau, step, 0.0, 10.0)
    assert model.split() == ["u2", ":", "1", "u3", ":", "1"]
    state = {"w": 1.0, "u2": 0.0, "u3": 0.0, "clip": np.clip}
    C = np.array([1.0, 2.0, 4.0])
    charge = []
    for _ in range(3000):
        for line in code.splitlines():
            name, expr = line.split(" = ", 1)
            state[name] = eval(expr, {}, state)  # noqa: S307 (our own generated arithmetic)
        charge.append(C @ [state["w"], state["u2"], state["u3"]])
    # the visible weight falls fast at first, then slowly, as the change moves into u2, u3
    assert state["w"] < 0.3 and state["u3"] > 0.05
    # leak out of the last level only: d(charge)/dt = -g3 u3 with g3 = 4^-2 / tau
    leak = (charge[-2] - charge[-1]) / step
    assert leak == pytest.approx(state["u3"] / 16 / tau, rel=0.02)


# ----------------------------------------------------------------------------- network
@pytest.fixture(scope="module")
def stored():
    task = get_task("retention", n_patterns=8, test_delays=[0.5])
    trials = task.trials(3, 11)
    net = neuromem.load_model("assembly_memory", size="scaled")
    return task, trials, combine(task, trials, net.run(trials, seed=11, progress=False))


@pytest.mark.long
def test_assembly_recalls_patterns_far_above_chance(stored):
    _, trials, ds = stored
    # the most recent patterns: uncued members fire far above the neurons outside the pattern
    rec, pat, cue = ds["recalled"].values, trials["pattern"].values.astype(bool), trials["cue"].values.astype(bool)
    recent = ds["lag"].values <= 1
    uncued = rec[:, recent][(pat & ~cue)[:, recent]].mean()
    outside = rec[:, recent][~pat[:, recent]].mean()
    assert uncued > 4.0 and uncued > 5 * outside, (uncued, outside)
    assert float(ds["overlap"].isel(item=slice(-2, None)).mean()) > 0.6
    assert float(ds["identified"].isel(item=slice(-2, None)).mean()) > 0.8  # chance 1/8
    assert schema_problems(ds) == []


@pytest.mark.long
def test_recall_of_the_first_pattern_declines_as_later_patterns_are_stored(stored):
    _, _, ds = stored
    # synapses inside the first pattern: potentiated by its study, then worn down
    w = ds["weight_in_pattern"].isel(item=0).mean("trial")
    end_of_study = float(ds["study_offset"][0]) + 0.25
    peak = float(w.sel(sample_time=end_of_study, method="nearest"))
    assert peak > 3.0
    assert float(w.isel(sample_time=-1)) < peak - 0.4
    # behaviour: the two oldest patterns are completed worse than the two newest
    old, new = ds["overlap"].isel(item=slice(0, 2)).values, ds["overlap"].isel(item=slice(-2, None)).values
    assert old.mean() < new.mean() - 0.2, (old, new)


@pytest.mark.long
def test_same_seed_gives_the_same_dataset(stored):
    _, trials, ds = stored
    # trial k draws its noise from child k of the seed: rerunning the first trial alone repeats it
    net = neuromem.load_model("assembly_memory", size="scaled")
    again = net.run(trials.isel(trial=[0]), seed=11, progress=False)
    np.testing.assert_array_equal(ds["recalled"].isel(trial=0).values, again["recalled"].isel(trial=0).values)


def test_assembly_bad_input():
    with pytest.raises(ValueError, match="synapse='cascade' is not allowed"):
        neuromem.load_model("assembly_memory", synapse="cascade").run(get_task("retention").trials(1, 0), seed=0)
    net = neuromem.load_model("assembly_memory")
    with pytest.raises(ValueError, match="reads retention-style trials .* or item lists .*; trials of task 'delayed-estimation' have neither"):
        net.run(get_task("delayed-estimation").trials(1, 0), seed=0)
    with pytest.raises(ValueError, match="n_items=7 must divide N_E=400"):
        net.run(get_task("free-recall", n_items=7, list_lengths=[3]).trials(1, 0), seed=0)
    with pytest.raises(ValueError, match="n_features=30 must divide N_E=400"):
        net.run(get_task("retention", n_features=30).trials(1, 0), seed=0)
    with pytest.raises(ValueError, match=r"parameter recall_drive='-3 mV' is not allowed; it must be finite and from 0 to 3 V"):
        neuromem.load_model("assembly_memory", recall_drive="-3 mV").run(get_task("retention").trials(1, 0), seed=0)
    with pytest.raises(ValueError, match="tau_plus"):
        neuromem.load_model("assembly_memory", tau_plus="0 ms").run(get_task("retention").trials(1, 0), seed=0)
    with pytest.raises(ValueError, match="size='huge'"):
        neuromem.load_model("assembly_memory", size="huge")


@pytest.mark.slow
def test_full_size_network_stores_recalls_and_forgets():
    task = get_task("retention", n_patterns=8, test_delays=[0.5])
    trials = task.trials(2, 5)
    net = neuromem.load_model("assembly_memory", size="full")
    ds = combine(task, trials, net.run(trials, seed=5, progress=False))
    new = float(ds["overlap"].isel(item=slice(-2, None)).mean())
    old = float(ds["overlap"].isel(item=slice(0, 2)).mean())
    assert new > 0.6 and old < new - 0.15, (old, new)
