"""The ring's fused C++ mode coupling against the closed form and against the synaptic coupling it replaces."""

import json

import numpy as np
import pytest

import neuromem
from neuromem.spiking.devices import brian_device
from neuromem.spiking.footprint import low_rank_matrix, mode_basis, ring_angles
from neuromem.tasks import get_task


def test_fused_mode_sum_equals_the_low_rank_product_in_every_copy(tmp_path):
    """cpp_standalone, two copies with different cues: each copy's NMDA input is W_K s of its own gating."""
    import brian2 as b2

    model = neuromem.load_model("compte2000", size="scaled", device="cpp_standalone", coupling="fused")
    q = model._validated()
    trials = get_task("delayed-estimation").trials(2, 0)
    duration = 0.3
    with brian_device("cpp_standalone", tmp_path / "build") as dev:
        built = model._build(q, trials, 2, duration, [1])
        E = built["E"]
        angle = ring_angles(model.N_E)
        dist = (angle[None, :] - np.array([[0.0], [2.0]]) + np.pi) % (2 * np.pi) - np.pi
        E.cue_amp = (float(q["cue_current"]) * np.exp(-(dist**2) / (2 * float(q["cue_width"]) ** 2))).ravel() * b2.amp
        E.cue_start, E.cue_stop = 0 * b2.second, duration * b2.second
        E.v = q["V_L"]
        mon = b2.StateMonitor(E, ["s_NMDA", "s_NMDA_in"], record=True, dt=q["dt"], when="end")
        built["net"].add(mon)
        built["net"].run(duration * b2.second, namespace={})
        dev.build(directory=str(tmp_path / "build"), run=True, with_output=False)
        s, s_in = np.asarray(mon.s_NMDA), np.asarray(mon.s_NMDA_in)
    coef, n_freq = model._footprint_modes(q)
    low_rank = low_rank_matrix(coef, mode_basis(angle, n_freq))
    n = model.N_E
    for copy in range(2):
        rows = slice(copy * n, (copy + 1) * n)
        assert s[rows, -2].max() > 0.3  # a bump in each copy: the check is not of flat profiles
        # the input of a step is made from the gating at the end of the step before
        np.testing.assert_allclose(s_in[rows, 1:], low_rank @ s[rows, :-1], rtol=1e-9, atol=1e-12)
    # the copies' bumps sit at their own cues (2 rad apart), so a copy reading another's gating would fail above
    assert abs(np.angle(np.exp(1j * angle) @ s[n:, -1]) - 2.0) < 0.2


@pytest.mark.long
def test_fused_ring_runs_as_the_synaptic_ring(tmp_path, monkeypatch):
    """Same seed, same trials: the fused and the synaptic coupling give the same spikes and read-outs.

    Both compute the same sums with the additions in another order (rounding, ~1e-16 relative), so
    spike trains may part late in a trial on some machines; the tolerances allow for that and no more:
    spike counts within 0.5 %, decoded angles within 2 deg, delay-period rates per angle bin within 1 Hz.
    """
    monkeypatch.setenv("NEUROMEM_BUILD_DIR", str(tmp_path))
    trials = get_task("delayed-estimation", delays=[0.5, 1.0]).trials(4, 0)
    out = {}
    for coupling in ("fused", "synapses"):
        model = neuromem.load_model("compte2000", size="scaled", device="cpp_standalone", trials_per_run=2, coupling=coupling, record_spikes=True)
        out[coupling] = model.run(trials, seed=3, progress=False)
    fused, synaptic = out["fused"], out["synapses"]
    assert fused.sizes["spike"] == pytest.approx(synaptic.sizes["spike"], rel=0.005)
    error = np.angle(np.exp(1j * (fused["response_angle"] - synaptic["response_angle"]).values))
    assert np.all(np.degrees(np.abs(error)) < 2.0)
    delay = (fused["time"] > 0.75) & (fused["time"] < 1.25)
    rates = [ds["rate"].where(delay).mean(["trial", "time"]).values for ds in (fused, synaptic)]
    assert np.nanmax(np.abs(rates[0] - rates[1])) < 1.0
    assert [json.loads(ds.attrs["parameters"])["coupling"] for ds in (fused, synaptic)] == ["fused", "synapses"]
