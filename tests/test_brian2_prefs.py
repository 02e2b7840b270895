"""neuromem sets Brian2 preferences only for its own runs and restores them."""

import brian2
import pytest

import neuromem
from neuromem.runner import run_task
from neuromem.tasks import DelayedEstimation

KEYS = ("logging.console_log_level", "codegen.target", "devices.cpp_standalone.openmp_threads", "codegen.cpp.extra_compile_args_gcc")


@pytest.mark.parametrize("device, threads", [("runtime", 0), ("cpp_standalone", 2)])
def test_a_run_leaves_preferences_and_device_as_it_found_them(device, threads):
    brian2.prefs["logging.console_log_level"] = "INFO"
    brian2.prefs["codegen.target"] = "numpy"  # not the default "auto": a change by neuromem would show
    before = {k: brian2.prefs[k] for k in KEYS}
    device_before = brian2.get_device()
    task = DelayedEstimation(delays=[0.02], timing={"fixation": 0.02, "cue": 0.02, "response": 0.02})
    net = neuromem.load_model("compte2000", N_E=32, N_I=8, device=device, threads=threads, trials_per_run=1, record_spikes=False, n_angle_bins=8)
    ds = run_task(net, task, 1, seed=0, progress=False)
    assert ds.sizes["trial"] == 1
    assert {k: brian2.prefs[k] for k in KEYS} == before
    assert brian2.get_device() is device_before
