"""Tsodyks-Markram short-term depression and facilitation, event-driven.

Tsodyks MV, Markram H (1997) PNAS 94:719-723 (depression);
Tsodyks M, Pawelzik K, Markram H (1998) Neural Comput 10:821-835 (facilitation).

At each presynaptic spike the utilisation jumps, u <- u + U (1 - u); the
release is r = u x and the resources drop, x <- x - r. Between spikes u decays
to 0 with tau_facil and x recovers to 1 with tau_rec. With tau_facil = 0 the
utilisation is U at every spike (pure depression). The state is updated only at
spikes, from the time since the synapse's last update (Brian2 ``event-driven``).

:func:`release_recursion` is the same recursion in closed form for a given
spike train, used to check simulations and to predict paired-pulse ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuromem.units import quantity

# A facilitation time of 0 means "none": this stands in for 0 so one set of
# equations serves both cases (exp(-dt / 1e-12 s) is exactly 0 for any dt >= 1 ns).
_NO_FACILITATION_S = 1e-12


@dataclass(frozen=True)
class STPParameters:
    """One Tsodyks-Markram parameter set; times in seconds."""

    name: str
    U: float
    tau_rec: float
    tau_facil: float
    source: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.U, (int, float)) and 0.0 < self.U <= 1.0):
            raise ValueError(f"STP set {self.name!r}: U={self.U!r} is not allowed; it must be in (0, 1]")
        if not self.tau_rec > 0:
            raise ValueError(f"STP set {self.name!r}: tau_rec={self.tau_rec!r} s is not allowed; it must be > 0")
        if not self.tau_facil >= 0:
            raise ValueError(f"STP set {self.name!r}: tau_facil={self.tau_facil!r} s is not allowed; it must be >= 0")


def stp_from_card(name: str, values: Mapping[str, Any]) -> STPParameters:
    """Build a set from a card table ``{U = 0.5, tau_rec = "800 ms", tau_facil = "0 ms"}``."""

    def seconds(key: str) -> float:
        return quantity(f"{name}.{key}", values[key], "time")

    return STPParameters(name, float(values["U"]), seconds("tau_rec"), seconds("tau_facil"), values.get("source", ""))


def synapse_model(on_release: str) -> tuple[str, str]:
    """Brian2 ``(model, on_pre)`` for a Tsodyks-Markram synapse.

    Parameters
    ----------
    on_release : str
        Statement run after the release ``r`` is computed, e.g. a receptor's
        ``on_pre("w*r")``.

    The synapse has per-synapse constants ``U``, ``tau_rec``, ``tau_facil``
    (set them with :func:`set_parameters`) and state ``u``, ``x``, ``r``.
    """
    model = """
    w : siemens (constant)
    U : 1 (constant)
    tau_rec : second (constant)
    tau_facil : second (constant)
    du/dt = -u/tau_facil : 1 (event-driven)
    dx/dt = (1 - x)/tau_rec : 1 (event-driven)
    r : 1
    """
    on_pre = f"""
    u += U*(1 - u)
    r = u*x
    x -= r
    {on_release}
    """
    return model, on_pre


def set_parameters(synapses: Any, sets: list[STPParameters]) -> None:
    """Give synapse k the parameters ``sets[k]`` and the resting state u = 0, x = 1."""
    import brian2 as b2

    synapses.U = np.array([s.U for s in sets])
    synapses.tau_rec = np.array([s.tau_rec for s in sets]) * b2.second
    synapses.tau_facil = np.array([max(s.tau_facil, _NO_FACILITATION_S) for s in sets]) * b2.second
    synapses.u = 0.0
    synapses.x = 1.0


def release_recursion(params: STPParameters, spike_times: np.ndarray) -> np.ndarray:
    """Releases r_n = u_n x_n for a spike train, from the closed-form recursion.

    Between spikes n-1 and n (interval d): u_n^- = u_{n-1}^+ exp(-d/tau_facil),
    x_n^- = 1 - (1 - x_{n-1}^+) exp(-d/tau_rec); then u_n^+ = u_n^- + U (1 - u_n^-),
    r_n = u_n^+ x_n^-, x_n^+ = x_n^- - r_n. The synapse starts at rest (u = 0, x = 1).
    """
    times = np.asarray(spike_times, dtype=float)
    r = np.empty(times.size)
    u, x, last = 0.0, 1.0, None
    for n, t in enumerate(times):
        if last is not None:
            d = t - last
            u = u * np.exp(-d / params.tau_facil) if params.tau_facil > 0 else 0.0
            x = 1.0 - (1.0 - x) * np.exp(-d / params.tau_rec)
        u = u + params.U * (1.0 - u)
        r[n] = u * x
        x -= r[n]
        last = t
    return r
