"""Synaptic transmission: receptors and Tsodyks-Markram STP against closed forms."""

import numpy as np
import pytest
from scipy.optimize import curve_fit

import neuromem
from neuromem.spiking.receptors import Receptor, mg_block
from neuromem.spiking.short_term_plasticity import STPParameters, release_recursion


@pytest.fixture(scope="module")
def synapses():
    return neuromem.load_model("synaptic_transmission")


def test_recursion_matches_two_pulse_closed_form():
    # Two spikes d apart from rest: r1 = U; r2 = [U e^(-d/tF) + U (1 - U e^(-d/tF))] (1 - U e^(-d/tR)).
    for p in (STPParameters("f", 0.03, 0.130, 0.530), STPParameters("m", 0.2, 0.2, 1.5)):
        for d in (0.01, 0.1, 1.0):
            uf, xr = np.exp(-d / p.tau_facil), np.exp(-d / p.tau_rec)
            r2 = (p.U * uf + p.U * (1 - p.U * uf)) * (1 - p.U * xr)
            np.testing.assert_allclose(release_recursion(p, [0.0, d]), [p.U, r2], rtol=1e-12)
    dep = STPParameters("d", 0.5, 0.8, 0.0)
    np.testing.assert_allclose(release_recursion(dep, [0.0, 0.05])[1] / 0.5, 1 - 0.5 * np.exp(-0.05 / 0.8), rtol=1e-12)


def test_recursion_in_mongillo_convention_matches_its_closed_form():
    # u rests at U: r1 = U (2 - U); u2- = U + (r1 - U) e^(-d/tF); r2 = (u2- + U (1 - u2-)) (1 - r1 e^(-d/tR))
    for U, tr, tf in ((0.2, 0.2, 1.5), (0.03, 0.13, 0.53), (0.5, 0.8, 0.0)):
        p = STPParameters("m", U, tr, tf, convention="mongillo2008")
        for d in (0.01, 0.1, 1.0):
            r1 = U * (2 - U)
            u2 = U + (r1 - U) * (np.exp(-d / tf) if tf else 0.0)
            r2 = (u2 + U * (1 - u2)) * (1 - r1 * np.exp(-d / tr))
            np.testing.assert_allclose(release_recursion(p, [0.0, d]), [r1, r2], rtol=1e-12)


def test_the_two_conventions_give_the_published_mongillo_ppr_difference():
    """Mongillo's numbers (U 0.2, tau_D 0.2 s, tau_F 1.5 s), 50 ms apart: PPR 1.50 with u resting at 0, 0.97 at U."""
    at_zero = STPParameters("m", 0.2, 0.2, 1.5, convention="tsodyks1998")
    at_u = STPParameters("m", 0.2, 0.2, 1.5, convention="mongillo2008")
    assert np.divide(*release_recursion(at_zero, [0.0, 0.05])[::-1]) == pytest.approx(1.497, abs=1e-3)
    assert np.divide(*release_recursion(at_u, [0.0, 0.05])[::-1]) == pytest.approx(0.967, abs=1e-3)


def test_every_card_set_names_its_convention_and_the_card_matches_the_reference(synapses):
    from neuromem.reference import load_reference

    ref = load_reference("stp_parameters")
    for name, s in synapses.stp_sets.items():
        assert s.convention == str(ref["convention"].sel(stp_set=name).values), name
    assert synapses.stp_set("mongillo2008").convention == "mongillo2008"
    with pytest.raises(ValueError, match="has no convention; add convention = one of"):
        from neuromem.spiking.short_term_plasticity import stp_from_card

        stp_from_card("x", {"U": 0.5, "tau_rec": "800 ms", "tau_facil": "0 ms"})
    with pytest.raises(ValueError, match="convention='markram' is not allowed"):
        STPParameters("x", 0.5, 0.8, 0.0, convention="markram")


@pytest.mark.parametrize("name", ["depressing", "facilitating", "mongillo2008"])
def test_simulated_train_amplitudes_match_closed_form(synapses, name):
    freqs = [5.0, 10.0, 20.0, 50.0]  # intervals 0.2-0.02 s, within every set's recovery and facilitation times
    ds = synapses.trains(freqs, sets=[name], n_pulses=8)
    weight_nS = 1.0  # card weight: peak conductance at full release
    for f in freqs:
        expected = weight_nS * release_recursion(synapses.stp_set(name), 0.01 + np.arange(8) / f)
        np.testing.assert_allclose(ds["amplitude"].sel(stp_set=name, frequency=f), expected, rtol=1e-3)
    assert ds["amplitude"].attrs["units"] == "nS"


def test_paired_pulse_ratio_depresses_and_facilitates(synapses):
    ds = synapses.paired_pulse([0.02, 0.05, 0.1, 0.2, 0.5])
    assert (ds["ppr"].sel(stp_set="depressing") < 1).all()
    assert (ds["ppr"].sel(stp_set="facilitating") > 1).all()
    # Mongillo's set in its own convention (u rests at U): depresses at short intervals, facilitates at long ones
    mongillo = synapses.stp_set("mongillo2008")
    expected = [np.divide(*release_recursion(mongillo, [0.0, d])[::-1]) for d in ds["interval"].values]
    np.testing.assert_allclose(ds["ppr"].sel(stp_set="mongillo2008"), expected, rtol=1e-3)
    assert float(ds["ppr"].sel(stp_set="mongillo2008", interval=0.05)) == pytest.approx(0.967, abs=2e-3)
    # depressing set (no facilitation): PPR = 1 - U exp(-d / tau_rec)
    d = ds["interval"].values
    np.testing.assert_allclose(ds["ppr"].sel(stp_set="depressing"), 1 - 0.5 * np.exp(-d / 0.8), rtol=1e-3)


def test_steady_state_falls_with_frequency_for_depression(synapses):
    # depressing set (U 0.5, tau_rec 0.8 s, no facilitation), spikes 1/f apart: the release settles at
    # r_ss = U (1 - E) / (1 - (1 - U) E), E = exp(-1 / (f tau_rec)), approached by a factor (1 - U) E per spike
    # (<= 0.49 here, so 20 spikes are within 1e-6 of it)
    freqs = np.array([5.0, 10.0, 20.0, 50.0])
    ss = synapses.trains(freqs, sets=["depressing"], n_pulses=20)["steady_state"].sel(stp_set="depressing")
    E = np.exp(-1 / (freqs * 0.8))
    np.testing.assert_allclose(ss.values, (1 - E) / (1 - 0.5 * E), rtol=1e-3)
    assert (np.diff(ss.values) < 0).all()


def _exp(t, a, tau):
    return a * np.exp(-t / tau)


def _dual(t, a, tr, td):
    return a * (np.exp(-t / td) - np.exp(-t / tr))


def test_psc_time_courses_recover_receptor_time_constants(synapses):
    ds = synapses.psc(duration=0.6)
    t = ds["time"].values - 0.01
    after = t > 0
    for name, tau in (("AMPA", 2e-3), ("GABA_A", 10e-3)):
        g = ds["conductance"].sel(receptor=name).values
        (a, tau_fit), _ = curve_fit(_exp, t[after], g[after], p0=(1.0, 5e-3))
        assert tau_fit == pytest.approx(tau, rel=0.05), name
    g = ds["conductance"].sel(receptor="NMDA").values
    (a, tr, td), _ = curve_fit(_dual, t[after], g[after], p0=(1.0, 5e-3, 50e-3))
    assert tr == pytest.approx(2e-3, rel=0.05) and td == pytest.approx(100e-3, rel=0.05)
    # peak conductance = weight (1 nS); peak PSC = weight x driving force at the holding potential
    np.testing.assert_allclose(ds["conductance"].max("time"), 1.0, rtol=1e-3)
    assert float(ds["psc"].sel(receptor="AMPA").min()) == pytest.approx(-70.0, rel=1e-2)  # inward at -70 mV
    assert float(ds["psc"].sel(receptor="GABA_A").max()) == pytest.approx(70.0, rel=1e-2)  # outward at 0 mV
    assert float(ds["psp"].sel(receptor="AMPA").max()) > 0 > float(ds["psp"].sel(receptor="GABA_A").min())


def test_nmda_iv_curve_shows_mg_block(synapses):
    ds = synapses.nmda_iv(np.arange(-100, 50, 10))
    v = ds["holding_potential"].values
    i = ds["peak_current"].values
    slope = np.diff(i) / np.diff(v)
    assert (slope[v[1:] <= -40] < 0).any()  # region of negative slope conductance below about -40 mV
    assert abs(i[v == 0][0]) < 1e-6 and (i[v > 0] > 0).all() and (i[v < 0] < 0).all()  # reverses at E_NMDA = 0 mV
    # peak current = peak conductance (1 nS) x Mg block x driving force (Jahr & Stevens 1990)
    np.testing.assert_allclose(i, 1e-9 * mg_block(v) * v * 1e-3 * 1e12, rtol=2e-3, atol=1e-9)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: m.paired_pulse([0.05], sets=["strong"]), r"STP set 'strong' is unknown; known sets: depressing"),
        (lambda m: m.paired_pulse([0.05, -0.01]), r"intervals=\[0.05, -0.01\] is not allowed"),
        (lambda m: m.trains([-10.0]), r"frequencies=\[-10.0\] is not allowed"),
        (lambda m: m.trains([10.0], n_pulses=1), r"n_pulses=1 is not allowed"),
        (lambda m: STPParameters("x", 1.5, 0.1, 0.1), r"U=1.5 is not allowed; it must be in \(0, 1\]"),
        (lambda m: STPParameters("x", 0.0, 0.1, 0.1), r"U=0.0 is not allowed"),
        (lambda m: STPParameters("x", 0.5, 0.0, 0.1), r"tau_rec=0.0 s is not allowed"),
        (lambda m: Receptor("AMPA", 0.0, -2e-3), r"tau_decay=-0.002 s is not allowed"),
        (lambda m: Receptor("NMDA", 0.0, 0.1, tau_rise=0.2), r"tau_rise=0.2 s is not allowed"),
    ],
)
def test_bad_input_is_a_clear_error(synapses, call, message):
    with pytest.raises(ValueError, match=message):
        call(synapses)


def test_custom_stp_set_runs(synapses):
    custom = STPParameters("custom", 0.8, 0.3, 0.0)
    ds = synapses.paired_pulse([0.1], sets=[custom])
    assert float(ds["ppr"]) == pytest.approx(1 - 0.8 * np.exp(-0.1 / 0.3), rel=1e-3)
