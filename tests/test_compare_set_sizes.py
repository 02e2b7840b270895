"""`compare` on delayed estimation with set sizes: results line up on the set sizes (and delays) they share.

A one-item result (no set-size coord) is set size 1; before, its error by delay was copied onto the
other results' set sizes, and results with different set sizes stopped on xarray's exact join.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neuromem
from neuromem.analysis.compare import compare
from neuromem.analysis.set_size import precision_by_set_size
from neuromem.runner import run_task
from neuromem.tasks import get_task


def _run(model: str, sizes: list[int], seed: int) -> xr.Dataset:
    task = get_task("delayed-estimation", delays=[1.0], set_sizes=sizes)
    return run_task(neuromem.load_model(model), task, 10 * len(sizes), seed=seed, progress=False)


sizes_st = st.lists(st.integers(1, 5), min_size=1, max_size=3, unique=True).map(sorted)


@settings(max_examples=8, deadline=None)
@given(a=sizes_st, b=sizes_st, seed=st.integers(0, 1000))
def test_results_line_up_on_the_set_sizes_they_share_and_keep_their_own_values(a, b, seed):
    assume(a != [1] or b != [1])  # two one-item results compare by delay (tests/test_analysis.py)
    left, right = _run("zhang_luck2008", a, seed), _run("bays2014", b, seed + 1)
    shared = sorted(set(a) & set(b))
    if not shared:
        with pytest.raises(ValueError, match="share no set_size value"):
            compare([left, right])
        return
    combined = compare([left, right])
    assert combined["set_size"].values.tolist() == shared
    for label, ds in (("zhang_luck2008", left), ("bays2014", right)):
        own = precision_by_set_size(ds).sel(set_size=shared)
        for var in ("circular_sd", "p_memory", "n_trials"):
            np.testing.assert_array_equal(combined[var].sel(model=label).values, own[var].values)


def test_a_one_item_result_is_set_size_one_beside_a_set_size_result():
    one = run_task(neuromem.load_model("zhang_luck2008"), get_task("delayed-estimation", delays=[1.0]), 30, seed=1, progress=False)
    assert "set_size" not in one.coords
    several = _run("bays2014", [1, 2, 4], 2)
    combined = compare([one, several])
    assert combined["set_size"].values.tolist() == [1]
    np.testing.assert_array_equal(combined["n_trials"].sel(model="zhang_luck2008").values, [[30]])
    with pytest.raises(ValueError, match=r"share no set_size value.*zhang_luck2008: \[1\]; bays2014: \[2, 4\]"):
        compare([one, _run("bays2014", [2, 4], 2)])
