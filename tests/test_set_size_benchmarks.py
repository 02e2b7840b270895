"""The set-size benchmarks (van den Berg et al. 2012) run on the cognitive precision models.

People's circular s.d. rises from 17.9 deg at one item to 73.5 deg at eight, and their
P(memory) falls from 0.97 to 0.51 (colour wheel, 13 subjects; the table in
``scripts/make_set_size_reference.py``). The three cards were fitted to those trials, so
each must show both effects and score well above chance on the curve's shape; a model
that keeps every item with the same precision must score nothing on the precision curve.
"""

import numpy as np
import pytest

import neuromem
from neuromem.benchmarks import get_benchmark

BENCHMARKS = ["vandenberg2012-precision", "vandenberg2012-p-memory"]


@pytest.mark.parametrize("card", ["zhang_luck2008", "bays2014", "vandenberg2012"])
@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_fitted_precision_model_shows_the_set_size_effects(card, name):
    scored = get_benchmark(name)(neuromem.load_model(card), seeds=(1,), trials=60)
    assert int(scored["effects_shown"]) == int(scored["effects_total"]) == 1, str(scored["effects"].values)
    # fitted to these people: the shape of its curve is close to theirs (measured 0.43-0.96 at 100 trials)
    assert float(scored["score"]) > 0.3, float(scored["score"])


def test_a_curve_that_does_not_change_with_set_size_scores_zero():
    bench = get_benchmark("vandenberg2012-precision")
    flat = bench.human.mean("subject").copy(data=np.full(bench.human.sizes["set_size"], 0.5)).expand_dims(seed=[0])
    tilt = flat + 1e-6 * np.arange(flat.sizes["set_size"])[None, ::-1]  # a constant has no correlation: tilt it the wrong way
    scored = bench.score(tilt)
    assert float(scored["score"]) == 0.0
    assert int(scored["effects_shown"]) == 0
