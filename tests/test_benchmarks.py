"""The peer benchmark's own logic: what it prints without the peer, and its bump statistics."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.fixture
def peers(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("peers_benchmark", BENCHMARKS / "peers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_the_peers_it_says_how_to_install_them_and_exits_0(peers, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("neurodynex3", "neurogym") else real(name, *a))
    monkeypatch.setattr(sys, "argv", ["peers.py"])
    assert peers.main() == 0
    out = capsys.readouterr().out
    assert "neurodynex3 is not installed" in out and "pip install --no-deps neurodynex3" in out
    assert "neurogym is not installed" in out and "pip install --no-deps neurogym" in out


def test_neurogym_comparison_uses_the_same_trial_periods(peers):
    """NeuroGym times periods in ms, neuromem in s: the matched task's trials last stimulus + delay +
    decision of NeuroGym's timing, and the batch length T holds the longest of them in steps of dt."""
    task, kwargs, T = peers.matched_tasks({"stimulus": 100, "delay": (200, 400, 600), "decision": 100}, 10)
    trials = task.trials(6, 0)
    timing = kwargs["timing"]
    lengths = timing["stimulus"] + np.array(timing["delay"][1]) + timing["decision"]
    assert timing["delay"][0] == "choice" and kwargs["dt"] == 10
    np.testing.assert_allclose(np.sort(np.unique(trials["trial_end"].values)) * 1000, lengths, rtol=1e-12)
    np.testing.assert_allclose(trials["cue_offset"] - trials["cue_onset"], 0.1, rtol=1e-12)
    assert T == 80
    from neuromem.artificial.fitting import step_arrays

    assert step_arrays(task, [1], 0, 6, 0.01)[0].shape == (1, T, 6, 3)


def test_bump_statistics_of_known_spikes(peers):
    """512 cells on the ring; cells within 36 deg of the cue fire 40 Hz, the rest 1 Hz, for 1 s: the near and
    opposite rates come back, and the decoded error is the offset of the bump's centre."""
    n = 512
    angle = np.arange(n) * 360.0 / n
    cue, centre = 90.0, 95.0
    rate = np.where(np.abs((angle - centre + 180) % 360 - 180) < 36, 40, 1)
    cell = np.repeat(np.arange(n), rate)
    times = np.concatenate([np.linspace(0.0, 1.0, r, endpoint=False) + 0.5 / r for r in rate])
    stats = peers.bump_statistics(angle[cell], times, cue, n, 0.0, 1.0, 1.0)
    assert stats["rate_opposite_Hz"] == pytest.approx(1.0)
    assert 30 < stats["rate_near_Hz"] < 40  # the window is centred on the cue, 5 deg off the bump
    assert stats["error_deg"] == pytest.approx(centre - cue, abs=0.5)


def test_neurogym_report_states_each_figure_and_the_ratio_as_peer_over_neuromem(peers):
    result = {"shape": [80, 64], "threads": 2, "draw": {"neuromem": 0.001, "neurogym": 0.003}, "fit": {"neuromem": 0.010, "neurogym": 0.008}}
    lines = peers.neurogym_report(result, hidden=64)
    assert "80 steps x 64 trials" in lines[0] and "2 torch threads" in lines[0]
    assert "neuromem    1.00 ms" in lines[1] and "NeuroGym    3.00 ms" in lines[1] and lines[1].endswith("3.00x as fast")
    assert "LSTM (64 units)" in lines[2] and lines[2].endswith("0.80x as fast")
