"""Conductance-based synaptic receptors (AMPA, NMDA with Mg2+ block, GABA_A).

Each :class:`Receptor` is an immutable record that writes the Brian2 equations a
postsynaptic ``NeuronGroup`` needs (conductance kinetics and the current
``I_<name>``) and the ``on_pre`` statement a ``Synapses`` object uses, so a
receptor can be put on any network::

    eqs = "dv/dt = (g_L*(E_L - v) + I_AMPA) / C : volt\\n" + AMPA.equations()
    group = NeuronGroup(1, eqs, namespace={**AMPA.namespace(), ...})
    syn = Synapses(source, group, "w : siemens", on_pre=AMPA.on_pre("w"))

A receptor with a rise time has difference-of-exponentials kinetics scaled so
that the peak conductance of one event equals the weight. The NMDA current is
multiplied by the Jahr & Stevens (1990) block 1 / (1 + [Mg2+]/3.57 exp(-0.062 V/mV)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from neuromem.units import quantity

RECEPTOR_NAMES: tuple[str, ...] = ("AMPA", "NMDA", "GABA_A")


def mg_block(v_mV: Any, mg_mM: float = 1.0) -> Any:
    """Fraction of NMDA conductance left unblocked at membrane potential ``v_mV`` (mV)."""
    import numpy as np

    return 1.0 / (1.0 + mg_mM / 3.57 * np.exp(-0.062 * np.asarray(v_mV)))


def dual_exponential_peak(tau_rise: float, tau_decay: float) -> float:
    """Peak of tau_r/(tau_d - tau_r) (exp(-t/tau_d) - exp(-t/tau_r)), the unit event's conductance."""
    t_peak = tau_rise * tau_decay / (tau_decay - tau_rise) * math.log(tau_decay / tau_rise)
    return tau_rise / (tau_decay - tau_rise) * (math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise))


@dataclass(frozen=True)
class Receptor:
    """One receptor type; times in seconds and potentials in volts (SI floats)."""

    name: str
    reversal: float
    tau_decay: float
    tau_rise: float | None = None
    mg_block: bool = False
    mg_mM: float = 1.0

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"receptor name={self.name!r} must be a valid identifier")
        if not self.tau_decay > 0:
            raise ValueError(f"{self.name}: tau_decay={self.tau_decay!r} s is not allowed; it must be > 0")
        if self.tau_rise is not None and not 0 < self.tau_rise < self.tau_decay:
            raise ValueError(f"{self.name}: tau_rise={self.tau_rise!r} s is not allowed; it must be > 0 and < tau_decay")
        if self.mg_mM < 0:
            raise ValueError(f"{self.name}: mg_mM={self.mg_mM!r} is not allowed; it must be >= 0")

    def equations(self) -> str:
        """Postsynaptic equations: conductance ``g_<name>`` (and ``h_<name>``) and current ``I_<name>``."""
        n = self.name
        if self.tau_rise is None:
            eqs = f"dg_{n}/dt = -g_{n}/tau_decay_{n} : siemens\n"
        else:
            eqs = f"dg_{n}/dt = (h_{n} - g_{n})/tau_decay_{n} : siemens\ndh_{n}/dt = -h_{n}/tau_rise_{n} : siemens\n"
        block = f"/(1 + mg_{n}/3.57*exp(-0.062*v/mV))" if self.mg_block else ""
        return eqs + f"I_{n} = g_{n}*(E_{n} - v){block} : amp\n"

    def namespace(self) -> dict[str, Any]:
        """Constants the equations refer to, as Brian2 quantities."""
        import brian2 as b2

        n = self.name
        ns: dict[str, Any] = {f"E_{n}": self.reversal * b2.volt, f"tau_decay_{n}": self.tau_decay * b2.second, "mV": b2.mV}
        if self.tau_rise is not None:
            ns[f"tau_rise_{n}"] = self.tau_rise * b2.second
        if self.mg_block:
            ns[f"mg_{n}"] = self.mg_mM
        return ns

    def on_pre(self, amount: str = "w") -> str:
        """Statement that adds one event of peak conductance ``amount`` (an expression in siemens)."""
        if self.tau_rise is None:
            return f"g_{self.name}_post += {amount}"
        scale = 1.0 / dual_exponential_peak(self.tau_rise, self.tau_decay)
        return f"h_{self.name}_post += {scale!r}*({amount})"


def receptor_from_card(name: str, values: Mapping[str, Any]) -> Receptor:
    """Build a receptor from a card table such as ``{reversal = "0 mV", tau_decay = "2 ms"}``."""
    dimension = {"reversal": "voltage", "tau_decay": "time", "tau_rise": "time"}

    def si(key: str) -> float | None:
        return quantity(f"{name}.{key}", values[key], dimension[key]) if key in values else None

    return Receptor(
        name=name,
        reversal=si("reversal"),
        tau_decay=si("tau_decay"),
        tau_rise=si("tau_rise"),
        mg_block=bool(values.get("mg_block", False)),
        mg_mM=float(values.get("mg_mM", 1.0)),
    )
