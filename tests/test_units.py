"""One unit parser with dimension checks, for card values and overrides on every side."""

import math

import pytest

import neuromem
from neuromem.tasks import get_task
from neuromem.units import quantity


@pytest.mark.parametrize(
    "value, dimension, si",
    [
        ("0.381 nS", "conductance", 0.381e-9),
        ("0.5 nF", "capacitance", 0.5e-9),
        ("-70 mV", "voltage", -0.07),
        ("100 ms", "time", 0.1),
        ("1.8 kHz", "frequency", 1800.0),
        ("0.5 nA", "current", 0.5e-9),
        ("18 deg", "angle", math.radians(18)),
        ("2 s", "time", 2.0),
        (1.62, None, 1.62),
    ],
)
def test_quantities_convert_to_si(value, dimension, si):
    assert quantity("p", value, dimension) == pytest.approx(si, rel=1e-12)


@pytest.mark.parametrize(
    "value, dimension, message",
    [
        ("0.5 ms", "capacitance", "parameter p='0.5 ms' is not allowed; it is a time, but p must be a capacitance"),
        ("2 ms", "voltage", "it is a time, but p must be a voltage"),
        ("3 furlongs", "time", "'furlongs' is not a unit of time"),
        (20, "time", "needs a unit of time"),
        ("1 mV", None, "must be a plain number, without a unit"),
        ("fast", "time", "parameter p='fast' is not allowed; it must be a quantity of time like"),
    ],
)
def test_a_value_of_the_wrong_dimension_is_refused_naming_parameter_value_and_dimension(value, dimension, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        quantity("p", value, dimension)


@pytest.mark.parametrize(
    "model, options, message",
    [
        ("compte2000", {"C_E": "0.5 ms"}, "parameter C_E='0.5 ms' is not allowed; it is a time, but C_E must be a capacitance"),
        ("compte2000", {"g_EE_NMDA": "0.381 mV"}, "it is a voltage, but g_EE_NMDA must be a conductance"),
        ("mongillo2008", {"tau_F": "1500 mV"}, "tau_F must be a time"),
        ("assembly_memory", {"J_EE": "0.08 nS"}, "J_EE must be a voltage"),
        ("lstm", {"dt": "20 mV"}, "dt must be a time"),
    ],
)
def test_card_override_of_the_wrong_dimension_fails_before_any_simulation(model, options, message):
    task = get_task(
        {"compte2000": "delayed-estimation", "mongillo2008": "multi-item-recall", "assembly_memory": "retention", "lstm": "delayed-estimation"}[model]
    )
    with pytest.raises(ValueError, match=message):  # now when the model is built (the card's value declares the dimension)
        net = neuromem.load_model(model, device="runtime" if model != "lstm" else "cpu", **options)
        if model == "lstm":
            net._validated()
        else:
            net.run(task.trials(1, 0), seed=0, progress=False)


def test_receptor_and_stp_tables_are_dimension_checked():
    from neuromem.spiking.receptors import receptor_from_card
    from neuromem.spiking.short_term_plasticity import stp_from_card

    with pytest.raises(ValueError, match="AMPA.reversal='2 ms' is not allowed; it is a time, but AMPA.reversal must be a voltage"):
        receptor_from_card("AMPA", {"reversal": "2 ms", "tau_decay": "2 ms"})
    with pytest.raises(ValueError, match="tau_rec must be a time"):
        stp_from_card("dep", {"U": 0.5, "tau_rec": "800 mV", "tau_facil": "0 ms"})
