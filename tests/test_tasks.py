import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neuromem.tasks import DelayedEstimation, get_task, list_tasks


def test_trials_have_conditions_as_coords_with_units():
    task = DelayedEstimation(delays=[0.5, 1.0, 3.0], timing={"cue": 0.2})
    tr = task.trials(7, np.random.default_rng(0))
    assert tr.sizes == {"trial": 7}
    np.testing.assert_allclose(tr["delay"].values, [0.5, 1.0, 3.0, 0.5, 1.0, 3.0, 0.5])
    assert tr["delay"].attrs["units"] == "s"
    np.testing.assert_allclose(tr["cue_offset"] - tr["cue_onset"], 0.2)
    np.testing.assert_allclose(tr["response_onset"] - tr["cue_offset"], tr["delay"])
    assert ((tr["cue_angle"] >= -np.pi) & (tr["cue_angle"] < np.pi)).all()
    np.testing.assert_array_equal(tr["target"], tr["cue_angle"])
    assert tr.attrs["task"] == "delayed-estimation"


def test_same_seed_same_trials_different_seed_different():
    task = DelayedEstimation()
    xr.testing.assert_identical(task.trials(10, 4), task.trials(10, 4))
    assert not np.allclose(task.trials(10, 4)["cue_angle"], task.trials(10, 5)["cue_angle"])


def test_discrete_cue_angles():
    tr = DelayedEstimation(n_cue_angles=8).trials(200, 1)
    steps = np.round((tr["cue_angle"].values + np.pi) / (np.pi / 4), 9)
    np.testing.assert_array_equal(steps, np.round(steps))
    assert np.unique(steps).size == 8


def test_score_wraps_signed_error():
    task = DelayedEstimation(delays=[1.0])
    tr = task.trials(3, 0)
    tr["target"][:] = [3.0, -3.0, 0.0]
    resp = xr.Dataset({"response_angle": ("trial", [-3.0, 3.0, 0.25])}, coords={"trial": tr["trial"]})
    sc = task.score(tr, resp)
    np.testing.assert_allclose(sc["error"], [2 * np.pi - 6.0, 6.0 - 2 * np.pi, 0.25], atol=1e-12)
    np.testing.assert_allclose(sc["abs_error"], np.abs(sc["error"]))
    assert sc["error"].attrs["units"] == "rad"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"delays": [1.0, -0.5]}, r"delays=-0.5 s is not allowed"),
        ({"delays": []}, r"delays=\[\] is not allowed"),
        ({"timing": {"cue": 0}}, r"timing\['cue'\]=0 s is not allowed"),
        ({"timing": {"probe": 1.0}}, r"unknown period\(s\) \['probe'\]"),
        ({"n_cue_angles": 0}, r"n_cue_angles=0 is not allowed"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DelayedEstimation(**kwargs)


def test_zero_trials_and_missing_rng_are_refused():
    task = DelayedEstimation()
    with pytest.raises(ValueError, match=r"n=0 is not allowed"):
        task.trials(0, 1)
    with pytest.raises(ValueError, match=r"rng=None"):
        task.trials(3, None)


def test_registry_errors_name_what_is_allowed():
    assert "delayed-estimation" in list_tasks()
    with pytest.raises(ValueError, match=r"task='recall' is unknown; known tasks: delayed-estimation"):
        get_task("recall")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['delay'\].*allowed: \['delays'"):
        get_task("delayed-estimation", delay=[1.0])


def test_score_refuses_trials_from_another_task():
    task = DelayedEstimation()
    tr = task.trials(2, 0)
    tr.attrs["task"] = "multi-item-recall"
    resp = xr.Dataset({"response_angle": ("trial", [0.0, 0.0])}, coords={"trial": tr["trial"]})
    with pytest.raises(ValueError, match="comes from task 'multi-item-recall'"):
        task.score(tr, resp)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(1, 6))
def test_encoding_window_broadcasts_a_scalar_onset_as_documented(on, length, n_trials):
    """A scalar onset or offset is the same window for every trial: equal to the per-trial arrays it stands for."""
    from neuromem.tasks.encoding import step_midpoints, window

    t = step_midpoints(60, 0.02)
    off = np.linspace(on + length, on + length + 0.3, n_trials)
    per_trial = window(t, np.full(n_trials, on), off)
    np.testing.assert_array_equal(window(t, on, off), per_trial)
    np.testing.assert_array_equal(np.broadcast_to(window(t, on, on + length), (60, n_trials)), window(t, np.full(n_trials, on), np.full(n_trials, on + length)))
    with pytest.raises(ValueError, match="one value per trial or one for all"):
        window(t, np.zeros((2, 2)), 1.0)


def test_run_task_passes_options_to_the_model_and_never_ignores_one():
    import neuromem
    from neuromem.runner import run_task

    task = neuromem.get_task("free-recall", list_lengths=[4], conditions=["immediate"])
    with pytest.raises(TypeError, match="fitted_seed"):  # CMR has no fitted seeds: refused, not ignored
        run_task(neuromem.load_model("cmr"), task, 2, seed=1, progress=False, fitted_seed=2)
