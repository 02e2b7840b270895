import numpy as np
import pytest
import xarray as xr

import neuromem
from neuromem.analysis.capacity import cowan_k
from neuromem.tasks import MultiItemRecall, get_task


def test_trials_show_distinct_items_and_balanced_probes():
    task = MultiItemRecall(set_sizes=[1, 2, 3, 4], n_items=5, delay=1.0)
    tr = task.trials(400, 0)
    assert tr.sizes == {"trial": 400, "item": 4, "pool": 5}
    for k in range(50):
        shown = tr["item_id"].values[k][tr["item_id"].values[k] >= 0]
        assert shown.size == tr["set_size"].values[k] == len(set(shown))
        np.testing.assert_array_equal(np.flatnonzero(tr["studied"].values[k]), np.sort(shown))
    old = tr["probe_is_old"].values.astype(bool)
    probe_studied = tr["studied"].values[np.arange(400), tr["probe_id"].values].astype(bool)
    np.testing.assert_array_equal(old, probe_studied)
    assert 0.4 < old.mean() < 0.6
    # the read-out comes `delay` after the last item's offset
    last_off = np.nanmax(tr["item_offset"].values, axis=1)
    np.testing.assert_allclose(tr["readout_onset"] - last_off, 1.0)
    assert tr["item_onset"].attrs["units"] == "s"


def test_cowan_k_of_a_perfect_and_a_capacity_limited_observer():
    task = MultiItemRecall(set_sizes=[1, 2, 3, 4, 5], n_items=6)
    tr = task.trials(3000, 1)
    perfect = xr.Dataset({"recalled": (("trial", "pool"), tr["studied"].values)}, coords={"trial": tr["trial"]})
    k = cowan_k(task.score(tr, perfect))
    np.testing.assert_allclose(k["cowan_k"], k["set_size"])  # H = 1, F = 0: K = N
    np.testing.assert_allclose(k["accuracy"], 1.0)
    # An observer that keeps 3 of the shown items at random and never guesses: K = min(N, 3) exactly in expectation.
    rng = np.random.default_rng(2)
    kept = np.zeros_like(tr["studied"].values)
    for t in range(tr.sizes["trial"]):
        shown = np.flatnonzero(tr["studied"].values[t])
        kept[t, rng.permutation(shown)[:3]] = 1
    k3 = cowan_k(task.score(tr, xr.Dataset({"recalled": (("trial", "pool"), kept)}, coords={"trial": tr["trial"]})))
    np.testing.assert_allclose(k3["false_alarm_rate"], 0.0)
    np.testing.assert_allclose(k3["cowan_k"], np.minimum(k3["set_size"], 3), atol=0.25)  # ~600 trials per size


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"set_sizes": [0]}, r"set_sizes=0 is not allowed"),
        ({"set_sizes": [6], "n_items": 5}, r"set_sizes=\[6\] is not allowed; each must be between 1 and n_items=5"),
        ({"delay": -1}, r"delay=-1 s is not allowed"),
        ({"timing": {"probe": 0.1}}, r"unknown period\(s\) \['probe'\]"),
    ],
)
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiItemRecall(**kwargs)


def test_score_needs_recalled_per_pool():
    task = get_task("multi-item-recall")
    tr = task.trials(4, 0)
    with pytest.raises(ValueError, match="'recalled' variable on dims \\(trial, pool\\)"):
        task.score(tr, xr.Dataset({"response_angle": ("trial", np.zeros(4))}, coords={"trial": tr["trial"]}))


def test_ring_attractor_says_it_cannot_hold_several_items():
    trials = MultiItemRecall().trials(2, 0)
    with pytest.raises(ValueError, match="compte2000 cannot run multi-item-recall: its ring holds a single bump"):
        neuromem.load_model("compte2000").run(trials, seed=0, progress=False)
