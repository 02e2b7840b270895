"""Tsodyks-Markram short-term depression and facilitation: one implementation, two conventions.

Tsodyks MV, Markram H (1997) PNAS 94:719-723 (depression);
Tsodyks M, Pawelzik K, Markram H (1998) Neural Comput 10:821-835 (facilitation);
Mongillo G, Barak O, Tsodyks M (2008) Science 319:1543-1546.

At each presynaptic spike the utilisation jumps, u <- u + U (1 - u); the
release is r = u x and the resources drop, x <- x - r. Between spikes x
recovers to 1 with tau_rec and u relaxes to its resting value ``u_rest`` with
tau_facil. The published sets differ in that resting value, so each set names
its **convention** (:data:`CONVENTIONS`):

* ``"tsodyks1998"``: u relaxes to 0 (Tsodyks, Pawelzik & Markram 1998; NEST
  ``tsodyks2_synapse``). The first spike from rest releases U. With
  tau_facil = 0 the utilisation is U at every spike (pure depression).
* ``"mongillo2008"``: u relaxes to U (Mongillo et al. 2008, their eqs. 1-2). The
  first spike from rest releases U + U (1 - U).

The two give different paired-pulse ratios for the same (U, tau_rec,
tau_facil): for Mongillo's set (0.2, 200 ms, 1500 ms) at 50 ms, 1.50 under the
first and 0.97 under the second. Every network and protocol in neuromem builds
its synapses from :func:`synapse_model` (state per synapse) or
:func:`presynaptic_model` (state per presynaptic neuron, exact when release
depends only on the presynaptic train) with the set's own ``u_rest``, and
:func:`release_recursion` is the closed form of both conventions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuromem.units import quantity

# A facilitation time of 0 means "none": this stands in for 0 so one set of
# equations serves both cases (exp(-dt / 1e-12 s) is exactly 0 for any dt >= 1 ns).
_NO_FACILITATION_S = 1e-12


#: convention name -> what u relaxes to between spikes (and starts at)
CONVENTIONS: dict[str, str] = {
    "tsodyks1998": "u relaxes to 0 between spikes (Tsodyks, Pawelzik & Markram 1998; NEST tsodyks2_synapse)",
    "mongillo2008": "u relaxes to U between spikes (Mongillo, Barak & Tsodyks 2008)",
}


#: the longest Tsodyks-Markram time constant a set may have (s); longer is a unit mistake (ms given as s)
MAX_STP_SECONDS = 100.0


@dataclass(frozen=True)
class STPParameters:
    """One Tsodyks-Markram parameter set; times in seconds; ``convention`` from :data:`CONVENTIONS`."""

    name: str
    U: float
    tau_rec: float
    tau_facil: float
    source: str = ""
    convention: str = "tsodyks1998"

    def __post_init__(self) -> None:
        if not (isinstance(self.U, (int, float)) and 0.0 < self.U <= 1.0):
            raise ValueError(f"STP set {self.name!r}: U={self.U!r} is not allowed; it must be in (0, 1]")
        for key, low in (("tau_rec", "> 0"), ("tau_facil", ">= 0")):
            value = getattr(self, key)
            number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not number or not (value > 0 if low == "> 0" else value >= 0) or value > MAX_STP_SECONDS:
                # seconds, not ms: a measured recovery or facilitation time constant is well under a minute
                raise ValueError(
                    f"STP set {self.name!r}: {key}={value!r} s is not allowed; it must be a time in seconds {low} and <= {MAX_STP_SECONDS:g} s"
                    + (f" ({value!r} ms is {value / 1000:g} s)" if number and value > MAX_STP_SECONDS else "")
                )
        if self.convention not in CONVENTIONS:
            raise ValueError(f"STP set {self.name!r}: convention={self.convention!r} is not allowed; choose one of {list(CONVENTIONS)}")

    @property
    def u_rest(self) -> float:
        """The utilisation between spikes at rest: 0 or U, by the set's convention."""
        return self.U if self.convention == "mongillo2008" else 0.0


def stp_from_card(name: str, values: Mapping[str, Any]) -> STPParameters:
    """Build a set from a card table ``{U = 0.5, tau_rec = "800 ms", tau_facil = "0 ms", convention = "tsodyks1998"}``.

    The convention is required: the same numbers mean different synapses under the two.
    """

    def seconds(key: str) -> float:
        return quantity(f"{name}.{key}", values[key], "time")

    tau_rec, tau_facil = seconds("tau_rec"), seconds("tau_facil")  # a unit mistake is named first
    if "convention" not in values:
        raise ValueError(
            f"STP set {name!r} has no convention; add convention = one of {list(CONVENTIONS)} ({'; '.join(f'{k}: {v}' for k, v in CONVENTIONS.items())})"
        )
    return STPParameters(name, float(values["U"]), tau_rec, tau_facil, values.get("source", ""), str(values["convention"]))


def synapse_model(on_release: str) -> tuple[str, str]:
    """Brian2 ``(model, on_pre)`` for a Tsodyks-Markram synapse, state per synapse.

    The synapse has per-synapse constants ``U``, ``u_rest``, ``tau_rec``,
    ``tau_facil`` (set them with :func:`set_parameters`, which also puts the
    state at rest) and state ``u``, ``x``, ``r``; sets of either convention can
    share one ``Synapses`` object.

    Parameters
    ----------
    on_release : str
        Statement run after the release ``r`` is computed, e.g. a receptor's
        ``on_pre("w*r")``.
    """
    model = """
    w : siemens (constant)
    U : 1 (constant)
    u_rest : 1 (constant)
    tau_rec : second (constant)
    tau_facil : second (constant)
    du/dt = (u_rest - u)/tau_facil : 1 (event-driven)
    dx/dt = (1 - x)/tau_rec : 1 (event-driven)
    r : 1
    """
    return model, _ON_SPIKE + on_release


# the jump of u comes before the release in both conventions
_ON_SPIKE = """
u += U*(1 - u)
r = u*x
x -= r
"""


def presynaptic_model(params: STPParameters) -> tuple[str, str, dict[str, Any]]:
    """Brian2 equations, reset statements and namespace for the state kept per presynaptic neuron.

    Release depends only on the presynaptic train, so where every synapse of a
    neuron has the same set, u and x per neuron equal the per-synapse values;
    each spike then carries ``r`` to all targets. Add the equations to the
    neuron's, the statements to its reset, and start it with :func:`rest_state`.
    """
    equations = """
    du/dt = (stp_u_rest - u)/stp_tau_facil : 1
    dx/dt = (1 - x)/stp_tau_rec : 1
    r : 1
    """
    import brian2 as b2

    namespace = {
        "U": params.U,
        "stp_u_rest": params.u_rest,
        "stp_tau_rec": params.tau_rec * b2.second,
        "stp_tau_facil": max(params.tau_facil, _NO_FACILITATION_S) * b2.second,
    }
    return equations, _ON_SPIKE, namespace


def rest_state(params: STPParameters) -> dict[str, float]:
    """u and x of a synapse at rest under the set's convention."""
    return {"u": params.u_rest, "x": 1.0}


def set_parameters(synapses: Any, sets: list[STPParameters]) -> None:
    """Give synapse k the parameters ``sets[k]`` and its resting state (u = u_rest, x = 1)."""
    import brian2 as b2

    synapses.U = np.array([s.U for s in sets])
    synapses.u_rest = np.array([s.u_rest for s in sets])
    synapses.tau_rec = np.array([s.tau_rec for s in sets]) * b2.second
    synapses.tau_facil = np.array([max(s.tau_facil, _NO_FACILITATION_S) for s in sets]) * b2.second
    synapses.u = np.array([s.u_rest for s in sets])
    synapses.x = 1.0


def release_recursion(params: STPParameters, spike_times: np.ndarray) -> np.ndarray:
    """Releases r_n = u_n x_n for a spike train, from the closed-form recursion.

    Between spikes n-1 and n (interval d): u_n^- = u_rest + (u_{n-1}^+ - u_rest) exp(-d/tau_facil),
    x_n^- = 1 - (1 - x_{n-1}^+) exp(-d/tau_rec); then u_n^+ = u_n^- + U (1 - u_n^-),
    r_n = u_n^+ x_n^-, x_n^+ = x_n^- - r_n. The synapse starts at rest (u = u_rest, x = 1),
    u_rest = 0 (``tsodyks1998``) or U (``mongillo2008``).
    """
    return release_states(params, spike_times)[0]


def _relaxed(params: STPParameters, u: Any, x: Any, d: Any) -> tuple[Any, Any]:
    """u and x a time ``d`` after the state (u, x), with no spike between: u relaxes to u_rest, x to 1."""
    fade = np.exp(-d / params.tau_facil) if params.tau_facil > 0 else 0.0
    return params.u_rest + (u - params.u_rest) * fade, 1.0 - (1.0 - x) * np.exp(-d / params.tau_rec)


def release_states(params: STPParameters, spike_times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r_n, u_n^+, x_n^+) at each spike of the train: the release and the state just after it."""
    times = np.asarray(spike_times, dtype=float)
    r, u_after, x_after = np.empty(times.size), np.empty(times.size), np.empty(times.size)
    u, x, last = params.u_rest, 1.0, None
    for n, t in enumerate(times):
        if last is not None:
            u, x = _relaxed(params, u, x, t - last)
        u = u + params.U * (1.0 - u)
        r[n] = u * x
        x -= r[n]
        u_after[n], x_after[n], last = u, x, t
    return r, u_after, x_after


def state_between_spikes(params: STPParameters, spike_times: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form u(t) and x(t) at times ``at`` for a spike train (the value just after a spike at that time)."""
    times = np.asarray(spike_times, dtype=float)
    _, u_after, x_after = release_states(params, times)
    at = np.asarray(at, dtype=float)
    k = np.searchsorted(times, at, side="right") - 1
    u = np.full(at.shape, params.u_rest)
    x = np.ones(at.shape)
    seen = k >= 0
    u[seen], x[seen] = _relaxed(params, u_after[k[seen]], x_after[k[seen]], at[seen] - times[k[seen]])
    return u, x
