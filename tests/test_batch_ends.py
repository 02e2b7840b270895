"""A batch ends at its own longest trial's end, within one build, and nothing else changes."""

import numpy as np
import pytest
import xarray as xr

import neuromem
from neuromem.tasks import get_task


@pytest.mark.long
def test_ring_batches_end_at_their_own_end_with_the_results_of_one_long_run(tmp_path, monkeypatch):
    """Trials of 1.5 s and 3 s: the segmented build (the short batch stops at 1.5 s, the long one goes
    on through a second segment) gives, spike for spike, what one build that runs both batches to
    3 s gives, up to each trial's end."""
    monkeypatch.setenv("NEUROMEM_BUILD_DIR", str(tmp_path))
    trials = get_task("delayed-estimation", delays=[0.5, 2.0]).trials(2, 0)
    assert list(trials["trial_end"].values) == [1.5, 3.0]
    model = neuromem.load_model("compte2000", size="scaled", device="cpp_standalone", trials_per_run=1, workers=1, record_spikes=True)
    segmented = model.run(trials, seed=3, progress=False)
    # the same trials with one length: one segment, both batches to 3 s (batch order and seeds unchanged)
    one_length = model.run(trials.assign(trial_end=("trial", [3.0, 3.0], trials["trial_end"].attrs)), seed=3, progress=False)
    xr.testing.assert_identical(segmented["response_angle"], one_length["response_angle"])
    for trial, end in ((0, 1.5), (1, 3.0)):
        spikes = [
            np.stack([ds["spike_neuron"].values[keep], ds["spike_time"].values[keep]])
            for ds in (segmented, one_length)
            if (keep := (ds["spike_trial"].values == trial) & (ds["spike_time"].values < end)).any()
        ]
        assert len(spikes) == 2 and spikes[0].shape[1] > 1000
        np.testing.assert_array_equal(spikes[0], spikes[1])
    # the short trial's rates end with it; the long trial's are the same throughout
    np.testing.assert_array_equal(segmented["rate"].isel(trial=1), one_length["rate"].isel(trial=1))
    assert np.isnan(segmented["rate"].isel(trial=0).sel(time=slice(1.6, None))).all()
