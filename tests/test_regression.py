"""The shared spiking base changed how the networks are wired into runs, not what they compute.

Reference numbers were produced by the implementation before the refactor (commit 93e8010,
the networks' own run loops) on small networks with fixed seeds, cpp_standalone. Standalone
runs are deterministic for a seed, so the new code must give the same numbers (to rounding).
"""

import numpy as np
import pytest

import neuromem
from neuromem.runner import run_task
from neuromem.tasks import DelayedEstimation, MultiItemRecall, Retention


def test_ring_attractor_gives_the_same_errors_as_before():
    task = DelayedEstimation(delays=[0.1, 0.3], timing={"fixation": 0.1, "cue": 0.1, "response": 0.05})
    model = neuromem.load_model("compte2000", N_E=128, N_I=32, trials_per_run=2, device="cpp_standalone")
    ds = run_task(model, task, 5, seed=3, progress=False)
    # batches hold trials of one length since each batch ends at its own end ([0, 2], [4, 1], [3] here);
    # these values are what the code before that change gave for the trials in that order
    before = [-0.025615121061361545, 0.022354824031776133, -0.04212563825766136, 0.08276229810021318, 0.008356180741448505]
    np.testing.assert_allclose(ds["error"].values, before, rtol=0, atol=1e-9)
    assert int(ds["rate"].sum()) == 14270


def test_synaptic_working_memory_gives_the_same_recall_and_rates_as_before():
    model = neuromem.load_model("mongillo2008", N_E=400, N_I=100, device="cpp_standalone")
    ds = run_task(model, MultiItemRecall(set_sizes=[1, 2], delay=0.2), 2, seed=5, progress=False)
    assert ds["recalled"].values.tolist() == [[0, 1, 0, 0, 1], [0, 0, 0, 1, 0]]
    assert float(ds["rate"].sum()) == pytest.approx(9203.0, abs=1e-6)
    assert float(ds["facilitation"].sum()) == pytest.approx(713.6456087185194, rel=1e-9)


def test_assembly_memory_gives_the_same_recall_and_weights_as_before():
    task = Retention(
        n_patterns=2, n_features=20, coding_level=0.25, test_delays=[0.2], timing={"fixation": 0.05, "study": 0.2, "gap": 0.1, "test": 0.1, "test_gap": 0.05}
    )
    model = neuromem.load_model("assembly_memory", N_E=100, N_I=25, device="cpp_standalone")
    ds = run_task(model, task, 2, seed=7, progress=False)
    assert float(ds["recalled"].sum()) == pytest.approx(2312.0, rel=1e-9)
    assert float(ds["rate"].sum()) == pytest.approx(1151.4, rel=1e-9)
    assert float(ds["weight_in_pattern"].sum()) == pytest.approx(69.8385117724024, rel=1e-9)
