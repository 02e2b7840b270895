"""Delayed estimation of several items (continuous report with a set size): trials, scores, encoding."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neuromem.tasks import get_task
from neuromem.tasks.delayed_estimation import MAX_SET_SIZE, wrap_angle


def circular_distances(row: np.ndarray) -> np.ndarray:
    v = row[np.isfinite(row)]
    d = np.abs(wrap_angle(v[:, None] - v[None, :]))
    return d[~np.eye(v.size, dtype=bool)]


def test_one_item_is_exactly_the_single_item_task():
    """set_sizes=[1] draws the same cue angles from the seed as the single-item task always did: uniform on the circle,
    first draws of the generator; no item dim and no set-size coord, the same scores."""
    task = get_task("delayed-estimation", delays=[0.5, 1.0])
    trials = task.trials(10, 7)
    expected = np.random.default_rng(7).uniform(-np.pi, np.pi, size=10)
    np.testing.assert_array_equal(trials["cue_angle"].values, expected)
    assert set(trials.dims) == {"trial"} and "set_size" not in trials.coords
    xr.testing.assert_identical(trials, get_task("delayed-estimation", delays=[0.5, 1.0], set_sizes=[1]).trials(10, 7))
    scores = task.score(trials, xr.Dataset({"response_angle": ("trial", trials["target"].values + 0.1)}, coords={"trial": trials["trial"]}))
    assert set(scores.data_vars) == {"error", "abs_error"}
    np.testing.assert_allclose(scores["error"], 0.1)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True),
    separation_fraction=st.floats(0.0, 0.99),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
)
def test_items_are_apart_and_the_cued_one_is_the_target(sizes, separation_fraction, seed, n):
    """Every trial shows its set size's items, all at least min_separation apart; the cued location holds the target;
    each (set size, delay) pair comes in turn."""
    separation = separation_fraction * 2 * np.pi / max(sizes)
    task = get_task("delayed-estimation", delays=[0.5, 1.0], set_sizes=sizes, min_separation=separation)
    trials = task.trials(n, seed)
    pairs = task.conditions()
    if max(sizes) == 1:
        assert "item_angle" not in trials
        return
    for i in range(n):
        k, delay = pairs[i % len(pairs)]
        assert int(trials["set_size"][i]) == k and float(trials["delay"][i]) == delay
        row = trials["item_angle"].values[i]
        assert np.isfinite(row).sum() == k
        assert np.all(circular_distances(row) >= separation - 1e-9)
        assert row[int(trials["cued_item"][i])] == trials["target"].values[i] == trials["cue_angle"].values[i]


def test_items_spread_uniformly():
    """Non-target angles relative to the target are uniform on the allowed arc (a Kolmogorov-Smirnov test on 4000 trials)."""
    from scipy import stats

    sep = np.pi / 6
    trials = get_task("delayed-estimation", delays=[1.0], set_sizes=[2], min_separation=sep).trials(4000, 3)
    other = np.nansum(np.where(np.arange(2)[None, :] == trials["cued_item"].values[:, None], np.nan, trials["item_angle"].values), axis=1)
    offset = (other - trials["target"].values) % (2 * np.pi)
    assert stats.kstest(offset, stats.uniform(loc=sep, scale=2 * np.pi - 2 * sep).cdf).pvalue > 0.01
    assert stats.kstest(trials["target"].values, stats.uniform(loc=-np.pi, scale=2 * np.pi).cdf).pvalue > 0.01


def test_nontarget_errors_find_a_swap():
    """A report of a non-target's angle scores error ~ its distance from the target and a nearest non-target error of 0."""
    task = get_task("delayed-estimation", delays=[1.0], set_sizes=[3, 6])
    trials = task.trials(20, 1)
    angles = trials["item_angle"].values
    swap_to = (trials["cued_item"].values + 1) % trials["set_size"].values
    report = angles[np.arange(20), swap_to]
    scores = task.score(trials, xr.Dataset({"response_angle": ("trial", report)}, coords={"trial": trials["trial"]}))
    np.testing.assert_allclose(scores["nearest_nontarget_error"], 0.0, atol=1e-12)
    np.testing.assert_allclose(scores["error"], wrap_angle(report - trials["target"].values))
    # NaN at the target's location and at the locations no item used
    np.testing.assert_array_equal(scores["nontarget_error"].isnull().sum("item"), trials.sizes["item"] - trials["set_size"] + 1)


def test_encoding_binds_each_item_to_its_location_and_cues_one():
    """Several items: fixation, (cos, sin) per display location while shown, a report-cue line per location; the
    decoded perfect output scores 0."""
    task = get_task("delayed-estimation", delays=[0.5], set_sizes=[2, 4], timing={"fixation": 0.1, "cue": 0.1, "response": 0.1})
    trials = task.trials(6, 2)
    enc = task.encode(trials, 0.05)
    slots = trials.sizes["item"]
    assert task.io_sizes(trials) == (1 + 3 * slots, 2) and enc.x.shape[-1] == 1 + 3 * slots
    shown = (enc.x[:, :, 1 : 1 + slots] ** 2 + enc.x[:, :, 1 + slots : 1 + 2 * slots] ** 2).max(0)
    np.testing.assert_allclose(shown, np.isfinite(trials["item_angle"].values).astype(float), atol=1e-6)
    cue_lines = enc.x[:, :, 1 + 2 * slots :].max(0)
    np.testing.assert_array_equal(cue_lines.argmax(1), trials["cued_item"].values)
    responses = task.decode(trials, enc.y, 0.05)
    assert float(abs(task.score(trials, responses)["error"]).max()) < 1e-6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"set_sizes": [0]}, "set_sizes=0"),
        ({"set_sizes": [MAX_SET_SIZE + 1]}, "set_sizes"),
        ({"set_sizes": []}, "set_sizes=[]"),
        ({"set_sizes": "4"}, "set_sizes='4'"),
        ({"set_sizes": [6], "min_separation": 1.1}, "below 2 pi / 6"),
        ({"set_sizes": [2], "min_separation": -0.1}, "min_separation=-0.1"),
        ({"set_sizes": [2], "n_cue_angles": 8}, "n_cue_angles=8"),
    ],
)
def test_bad_set_size_parameters_name_the_input(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        get_task("delayed-estimation", **kwargs)
