"""Representational similarity across models (rsatoolbox): known answers on synthetic codes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("rsatoolbox")

from neuromem.analysis.similarity import condition_patterns, representational_similarity  # noqa: E402


def model(theta: np.ndarray, patterns: np.ndarray, sigma: float, rng: np.random.Generator, state: str = "state_rate") -> xr.Dataset:
    """States (trial, time, unit) = patterns (trial, unit) + noise at every one of 3 times."""
    x = patterns[:, None, :] + sigma * rng.standard_normal((len(theta), 3, patterns.shape[1]))
    return xr.Dataset(
        {state: (("trial", "time", "unit"), x, {"units": "1"}), "target": ("trial", theta, {"units": "rad"})},
        coords={"trial": np.arange(len(theta)), "time": [0.1, 0.2, 0.3]},
    )


def test_the_same_angle_code_in_other_units_is_alike_and_a_shuffled_code_is_not():
    rng = np.random.default_rng(0)
    n = 1600
    theta = rng.uniform(-np.pi, np.pi, n)
    ring = np.stack([np.cos(theta), np.sin(theta)], 1)
    a = model(theta, np.concatenate([ring, np.zeros((n, 4))], 1), 0.5, rng)
    rotation = np.linalg.qr(rng.standard_normal((20, 20)))[0][:2]  # the same code on 20 other units
    b = model(theta, ring @ rotation * 3.0, 1.0, rng, state="state_hidden")
    bins = np.minimum((np.mod(theta, 2 * np.pi) / (2 * np.pi) * 8).astype(int), 7)
    shuffled = rng.standard_normal((8, 10))[bins]  # one random pattern per angle bin: no angular geometry
    c = model(theta, shuffled, 0.5, rng)
    out = representational_similarity({"a": (a, "state_rate", 0.1, 0.3), "b": (b, "state_hidden", 0.1, 0.3), "c": (c, "state_rate", 0.1, 0.3)})
    sim = out["similarity"]
    np.testing.assert_allclose(sim.values, sim.values.T, atol=1e-12)
    # a model against itself: its distinct trial groups agree as well as its noise ceiling says
    assert (np.diagonal(sim.values) > 0.9).all() and (np.diagonal(sim.values) <= out["ceiling_upper"].values + 1e-9).all()
    assert float(sim.sel(model="a", model_2="b")) > 0.95
    # 28 pairs of bins: a correlation between unrelated RDMs has s.d. ~ 1 / sqrt(27) = 0.19
    assert abs(float(sim.sel(model="a", model_2="c"))) < 0.5
    assert (out["ceiling_lower"] > 0.9).all() and (out["ceiling_lower"] <= out["ceiling_upper"] + 1e-12).all()
    # the RDM of a ring code grows with the distance between bins' angles: neighbours closer than opposites
    rdm = out["rdm"].sel(model="a").values
    assert rdm[0, 1] < rdm[0, 4]


def test_too_few_trials_per_bin_is_said():
    rng = np.random.default_rng(1)
    theta = np.zeros(6)
    ds = model(theta, np.ones((6, 3)), 0.1, rng)
    with pytest.raises(ValueError, match="angle bin 1 of 8 holds 0 trials"):
        condition_patterns(ds, "state_rate", start=0.1, stop=0.3, groups=2)
