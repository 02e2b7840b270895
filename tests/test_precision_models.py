"""The cognitive models of continuous report of several items show what they are claimed to, against closed forms.

* Slots + averaging (Zhang & Luck 2008): P(memory) = min(1, K/N), so P(memory) x N saturates at
  K; above K the memory s.d. is one slot's s.d.; at N = 1 the K samples are averaged.
* Population resource (Bays 2014): P(guess) = exp(-gain/N); at high gain the population-vector
  read-out is efficient, so its s.d. is the Cramer-Rao bound 1/sqrt(J), with the Fisher
  information J = gain kappa I1(kappa)/I0(kappa) of Poisson neurons with von Mises tuning of
  concentration kappa whose summed rate is ``gain`` (derivation in the test); precision falls with N.
* Variable precision (van den Berg et al. 2012): the VP fit recovers Jbar = J1 N^-alpha and tau.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import i0e, i1e

from neuromem.analysis.mixture import circular_sd, fit_mixture
from neuromem.analysis.set_size import precision_by_set_size
from neuromem.cards import load_card
from neuromem.cognitive.precision import PopulationResource, SlotsAveraging, VariablePrecision
from neuromem.runner import run_task
from neuromem.tasks import get_task

SET_SIZES = [1, 2, 3, 4, 6]


def _run(model, n: int, set_sizes=SET_SIZES, seed: int = 3):
    task = get_task("delayed-estimation", set_sizes=set_sizes, delays=[1.0])
    return run_task(model, task, n, seed=seed, progress=False)


def _binomial_ok(count: float, n: int, p: float, z: float = 4.5) -> bool:
    return abs(count - n * p) <= z * np.sqrt(n * p * (1 - p)) + 1


def test_slots_guess_rate_and_memory_sd_closed_forms():
    K, slot_sd = 3, np.radians(20.0)
    ds = _run(SlotsAveraging({"slots": K, "slot_sd": "20 deg"}, name="slots"), 6000)
    for N in SET_SIZES:
        sel = ds["set_size"] == N
        n = int(sel.sum())
        assert _binomial_ok(float(ds["guessed"].where(sel).sum()), n, 1 - min(1.0, K / N)), N
    summary = precision_by_set_size(ds).isel(delay=0)
    # above K: P(memory) = K/N within 3 s.e. of the fit, the memory s.d. one slot's
    for N in (4, 6):
        row = summary.sel(set_size=N)
        assert abs(float(row["p_memory"]) - K / N) < 3 * float(row["p_memory_se"]), N
        assert abs(float(row["sd"]) - slot_sd) < 3 * float(row["sd_se"]), N
    pm_n = (summary["p_memory"] * summary["set_size"]).sel(set_size=[4, 6])
    np.testing.assert_allclose(pm_n, K, rtol=0.08)  # P(memory) x N saturates at the slot count
    # N = 1: the mean of K samples; for a narrow von Mises its s.d. is slot_sd / sqrt(K) to within 5 %
    one = ds["error"].where(ds["set_size"] == 1, drop=True)
    assert float(circular_sd(one)) == pytest.approx(slot_sd / np.sqrt(K), rel=0.05)


def test_resource_guess_rate_and_cramer_rao_precision():
    gain, kappa = 400.0, 2.0
    model = PopulationResource({"gain": gain, "tuning_kappa": kappa, "n_neurons": 200}, name="resource")
    # P(no spike) = exp(-gain/N): checked where it is not vanishing
    low = _run(PopulationResource({"gain": 6.0, "tuning_kappa": kappa, "n_neurons": 200}, name="resource"), 6000)
    for N in SET_SIZES:
        sel = low["set_size"] == N
        assert _binomial_ok(float(low["guessed"].where(sel).sum()), int(sel.sum()), np.exp(-6.0 / N)), N
    # Fisher information of independent Poisson neurons, rates g w_i(theta) with w the normalised
    # von Mises tuning: J = sum f'^2/f = g kappa^2 E_w[sin^2] = g kappa I1(kappa)/I0(kappa)
    ds = _run(model, 4000, set_sizes=[1])
    J = gain * kappa * i1e(kappa) / i0e(kappa)
    assert float(circular_sd(ds["error"])) == pytest.approx(1 / np.sqrt(J), rel=0.06)
    # precision falls with N: circular s.d. rises strictly
    sd = precision_by_set_size(_run(model, 3000))["circular_sd"].isel(delay=0).values
    assert np.all(np.diff(sd) > 0), np.degrees(sd)


def test_variable_precision_recovered_by_the_vp_fit():
    j1, alpha, tau = 40.0, 1.2, 15.0
    ds = _run(VariablePrecision({"j1bar": j1, "alpha": alpha, "tau": tau}, name="vp"), 4000, set_sizes=[1, 2, 4])
    fit = fit_mixture(ds["error"], model="vp", by=["set_size"])
    assert (fit["fit_status"] == "converged").all()
    for N in (1, 2, 4):
        row = fit.sel(set_size=N)
        assert abs(float(row["jbar"]) - j1 * N**-alpha) < 3 * float(row["jbar_se"]), N
        assert abs(float(row["tau"]) - tau) < 3 * float(row["tau_se"]), N
    assert not ds["guessed"].any()


@pytest.mark.parametrize("cls", [SlotsAveraging, PopulationResource, VariablePrecision])
def test_precision_models_never_swap(cls):
    """None of the three reports a non-target: the three-component fit finds p_swap ~ 0 where it converges."""
    card = {SlotsAveraging: "zhang_luck2008", PopulationResource: "bays2014", VariablePrecision: "vandenberg2012"}[cls]
    ds = _run(cls.from_card(load_card(card)), 3000, set_sizes=[4])
    fit = fit_mixture(ds["error"], ds["nontarget_error"], model="three").squeeze()
    assert float(fit["p_swap"]) < 0.03 or "p_swap ~ 0" in str(fit["fit_status"].values)


def test_same_seed_same_reports_and_bad_parameters_named():
    model = SlotsAveraging({"slots": 3, "slot_sd": "20 deg"}, name="slots")
    a, b = _run(model, 50), _run(model, 50)
    assert a.identical(b)
    with pytest.raises(ValueError, match="slots=2.5"):
        _run(SlotsAveraging({"slots": 2.5, "slot_sd": "20 deg"}, name="slots"), 5)
    with pytest.raises(ValueError, match="alpha"):
        _run(VariablePrecision({"j1bar": 1.0, "alpha": -1.0, "tau": 1.0}, name="vp"), 5)


def test_the_slots_card_shows_zhang_and_luck_s_experiment_1():
    """Zhang & Luck (2008, Nature 453:233), experiment 1 (8 subjects, colour wheel, 3 or 6 squares): P(memory) at
    three items was about twice that at six (F(1,7) = 761.26), while the memory s.d. did not differ between them
    (F < 1). The card (its K and slot s.d. fitted to van den Berg et al. 2012, not to this experiment) shows both:
    with K = 3, P(memory) = min(1, K/N) halves from 3 to 6 items and every stored item has one slot's s.d."""
    from neuromem.cards import load_model

    ds = _run(load_model("zhang_luck2008"), 4000, set_sizes=[3, 6], seed=11)
    fit = fit_mixture(ds["error"], model="two", by=["set_size"]).squeeze()
    p3, p6 = (float(fit["p_memory"].sel(set_size=k)) for k in (3, 6))
    assert 1.8 < p3 / p6 < 2.2, (p3, p6)  # "about twice"
    sd3, sd6 = (fit["sd"].sel(set_size=k) for k in (3, 6))
    # at three items P(memory) = 1 sits on its bound (no SE there); six items' SE, which is the larger (half its
    # reports are guesses), stands in for both
    se = float(np.sqrt(2) * fit["sd_se"].sel(set_size=6))
    assert abs(float(sd3 - sd6)) < 3 * se, (np.degrees(float(sd3)), np.degrees(float(sd6)), np.degrees(se))


@pytest.mark.parametrize("card", ["zhang_luck2008", "bays2014", "vandenberg2012"])
def test_a_card_without_time_says_that_the_delay_does_not_enter_it(card):
    """--delays 0.5 2 1000 give one distribution of reports: the result and the printed summary say so."""
    from neuromem.cards import load_model
    from neuromem.experiments.builtin import _task_report

    ds = _run(load_model(card), 300, set_sizes=[2], seed=4)
    assert "has no time course" in ds.attrs["model_note"]
    assert any(line.startswith("note: ") and "no time course" in line for line in _task_report({"x": (ds, None)}))


@pytest.mark.parametrize(("slot_sd", "refused"), [("1e-9 deg", True), ("0.1 deg", True), ("0.19 deg", False), ("30 deg", False)])
def test_a_slot_sd_sharper_than_the_von_mises_table_is_refused_not_clamped(slot_sd, refused):
    """Below 0.181 deg (kappa 1e5, the table's end) the s.d. used to run as 0.181 deg while the result recorded the value given."""
    model = SlotsAveraging({"slots": 3, "slot_sd": slot_sd}, name="slots")
    if refused:
        with pytest.raises(ValueError, match=r"slot_sd=.* is not allowed; it must be >= 0.181 deg"):
            model._validated()
    else:
        model._validated()
