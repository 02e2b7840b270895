"""Spike-timing-dependent plasticity rules as Brian2 ``Synapses`` code.

* :class:`PairSTDP` — pair-based STDP (Song, Miller & Abbott 2000, Nat Neurosci
  3:919-926), additive (hard bounds) or multiplicative (soft bounds, van Rossum,
  Bi & Turrigiano 2000), with all-to-all or nearest-spike pairing.
* :class:`TripletSTDP` — the triplet rule of Pfister & Gerstner (2006, J Neurosci
  26:9673-9682), minimal or full, all-to-all or nearest-spike.

Time constants need a unit: a string (``"16.8 ms"``) or a Brian2 quantity
(``16.8*ms``); a bare number is refused rather than read as seconds. A triplet
set leaves ``tau_x`` (``tau_y``) out when it has no A3- (A3+) term.

Both are written with presynaptic traces r1 (tau_plus), r2 (tau_x) and
postsynaptic traces o1 (tau_minus), o2 (tau_y), updated only at spikes
(``event-driven``). At a presynaptic spike the weight falls by
o1 (A2- + A3- r2) and then r1, r2 jump; at a postsynaptic spike it rises by
r1 (A2+ + A3+ o2) and then o1, o2 jump — each triplet term reads the other
trace of its own side *before* that spike's jump, as in the paper. The pair rule
is the same code with A3 = 0. All-to-all traces add 1 per spike; nearest-spike
traces are reset to 1.

The plastic weight is dimensionless (``w``; e.g. in units of g_max, so a synapse
does ``g_post += w*g_max``). :meth:`~PairSTDP.synapse_code` returns the model,
``on_pre`` and ``on_post`` strings, with every parameter written in as a
literal, so the code drops into any ``Synapses`` with its own ``namespace``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from neuromem.units import quantity

FORMS: tuple[str, ...] = ("additive", "multiplicative")
PAIRINGS: tuple[str, ...] = ("all-to-all", "nearest")
RULES: tuple[str, ...] = ("pair", "triplet")


def _check_tau(rule: str, name: str, value: Any) -> float:
    """A time constant in seconds from a string with a unit ("16.8 ms") or a Brian2 quantity.

    A bare number is refused: ``tau_plus=16.8`` would silently be 16.8 s.
    """
    if isinstance(value, str):
        tau = quantity(f"{rule} {name}", value, "time")
    elif hasattr(value, "dim"):  # a Brian2 Quantity
        import brian2 as b2

        if not b2.have_same_dimensions(value, b2.second):
            raise ValueError(f"{rule}: {name}={value!r} is not allowed; it must be a time (e.g. 16.8*ms)")
        tau = float(value / b2.second)
    else:
        raise ValueError(f"{rule}: {name}={value!r} is not allowed; it needs a unit of time, e.g. '{value} ms' or {value}*brian2.ms")
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"{rule}: {name}={value!r} is not allowed; it must be a time constant > 0")
    return tau


def _check_magnitude(rule: str, name: str, value: Any) -> float:
    try:
        a = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{rule}: {name}={value!r} is not allowed; it must be a number >= 0") from None
    if not (math.isfinite(a) and a >= 0):
        raise ValueError(
            f"{rule}: {name}={value!r} is not allowed; amplitudes are magnitudes >= 0 (the sign of potentiation and depression is fixed by the rule)"
        )
    return a


def _lit(x: float) -> str:
    """A float as an exact literal for generated code."""
    return repr(float(x))


@dataclass(frozen=True)
class _Rule:
    tau_plus: float
    tau_minus: float
    pairing: str = "all-to-all"
    w_min: float = 0.0
    w_max: float = math.inf
    name: str = ""

    def _check_common(self, rule: str) -> None:
        object.__setattr__(self, "tau_plus", _check_tau(rule, "tau_plus", self.tau_plus))
        object.__setattr__(self, "tau_minus", _check_tau(rule, "tau_minus", self.tau_minus))
        if self.pairing not in PAIRINGS:
            raise ValueError(f"{rule}: pairing={self.pairing!r} is not allowed; choose one of {PAIRINGS}")
        if not (float(self.w_min) < float(self.w_max)):
            raise ValueError(f"{rule}: w_min={self.w_min!r} must be below w_max={self.w_max!r}")

    def _jump(self, trace: str) -> str:
        return f"{trace} = 1.0" if self.pairing == "nearest" else f"{trace} = {trace} + 1.0"

    def _bound(self, expr: str) -> str:
        lo, hi = float(self.w_min), float(self.w_max)
        if math.isinf(hi):
            return f"clip({expr}, {_lit(lo)}, {_lit(1e300)})" if math.isfinite(lo) else expr
        return f"clip({expr}, {_lit(lo)}, {_lit(hi)})"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rule"] = self.rule
        d["w_max"] = "inf" if math.isinf(self.w_max) else self.w_max
        return d


@dataclass(frozen=True)
class TripletSTDP(_Rule):
    """Triplet STDP (Pfister & Gerstner 2006); amplitudes are magnitudes, times in s.

    A2_plus, A3_plus : potentiation by pre-post pairs and pre-post-post triplets.
    A2_minus, A3_minus : depression by post-pre pairs and post-pre-pre triplets.
    tau_x : presynaptic triplet trace; tau_y : postsynaptic triplet trace.
    """

    A2_plus: float = 0.0
    A3_plus: float = 0.0
    A2_minus: float = 0.0
    A3_minus: float = 0.0
    tau_x: float | None = None
    tau_y: float | None = None
    rule: str = field(default="triplet", init=False)

    def __post_init__(self) -> None:
        self._check_common("triplet STDP")
        for key in ("A2_plus", "A3_plus", "A2_minus", "A3_minus"):
            object.__setattr__(self, key, _check_magnitude("triplet STDP", key, getattr(self, key)))
        # a triplet trace is needed only where its amplitude is used (the minimal sets have A3- = 0)
        for key, amplitude in (("tau_x", "A3_minus"), ("tau_y", "A3_plus")):
            value = getattr(self, key)
            if value is None:
                if getattr(self, amplitude) > 0:
                    raise ValueError(f"triplet STDP: {amplitude}={getattr(self, amplitude)!r} needs {key} (its trace's time constant), e.g. {key}='100 ms'")
                continue
            object.__setattr__(self, key, _check_tau("triplet STDP", key, value))

    def synapse_code(self, weight: str = "w", rate: str = "1", declare_weight: bool = True) -> tuple[str, str, str]:
        """(model, on_pre, on_post) for Brian2 ``Synapses``.

        ``rate`` is an expression multiplying every weight change (a learning
        rate, or a gate such as ``plastic(t)`` that switches plasticity off).
        """
        s = "stdp_"
        traces = {"r1": self.tau_plus, "r2": self.tau_x, "o1": self.tau_minus, "o2": self.tau_y}
        used = {k: tau for k, tau in traces.items() if tau is not None}  # a set without tau_x has no r2 trace
        model = (f"{weight} : 1\n" if declare_weight else "") + "".join(
            f"d{s}{k}/dt = -{s}{k}/({_lit(tau)}*second) : 1 (event-driven)\n" for k, tau in used.items()
        )
        down = _lit(self.A2_minus) + (f" + {_lit(self.A3_minus)}*{s}r2" if "r2" in used else "")
        up = _lit(self.A2_plus) + (f" + {_lit(self.A3_plus)}*{s}o2" if "o2" in used else "")
        on_pre = "\n".join([f"{weight} = " + self._bound(f"{weight} - ({rate})*{s}o1*({down})"), *(self._jump(f"{s}{k}") for k in ("r1", "r2") if k in used)])
        on_post = "\n".join([f"{weight} = " + self._bound(f"{weight} + ({rate})*{s}r1*({up})"), *(self._jump(f"{s}{k}") for k in ("o1", "o2") if k in used)])
        return model, on_pre, on_post

    def rate_drift(self, rate_pre: float, rate_post: float) -> float:
        """Mean weight drift (per s) for independent Poisson trains, all-to-all.

        dw/dt = r_pre r_post (A2+ tau+ + A3+ tau+ tau_y r_post - A2- tau- - A3- tau- tau_x r_pre)
        (Pfister & Gerstner 2006, eq. 5): a BCM-like rule with a threshold set by rates.
        """
        return (
            rate_pre
            * rate_post
            * (
                self.A2_plus * self.tau_plus
                + self.A3_plus * self.tau_plus * (self.tau_y or 0.0) * rate_post
                - self.A2_minus * self.tau_minus
                - self.A3_minus * self.tau_minus * (self.tau_x or 0.0) * rate_pre
            )
        )


@dataclass(frozen=True)
class PairSTDP(_Rule):
    """Pair-based STDP; ``A_plus``/``A_minus`` are magnitudes, times in s.

    ``form="additive"``: dw = +A_plus r1 at post, -A_minus o1 at pre, clipped to
    [w_min, w_max] (Song et al. 2000). ``form="multiplicative"``: the changes are
    A_plus (w_max - w) r1 and A_minus (w - w_min) o1 (soft bounds; needs a finite w_max).
    """

    A_plus: float = 0.005
    A_minus: float = 0.00525
    form: str = "additive"
    rule: str = field(default="pair", init=False)

    def __post_init__(self) -> None:
        self._check_common("pair STDP")
        for key in ("A_plus", "A_minus"):
            object.__setattr__(self, key, _check_magnitude("pair STDP", key, getattr(self, key)))
        if self.form not in FORMS:
            raise ValueError(f"pair STDP: form={self.form!r} is not allowed; choose one of {FORMS}")
        if self.form == "multiplicative" and math.isinf(float(self.w_max)):
            raise ValueError("pair STDP: form='multiplicative' needs a finite w_max (the soft bound)")

    def synapse_code(self, weight: str = "w", rate: str = "1", declare_weight: bool = True) -> tuple[str, str, str]:
        """(model, on_pre, on_post) for Brian2 ``Synapses``; see :meth:`TripletSTDP.synapse_code`."""
        s = "stdp_"
        model = (
            f"{weight} : 1\n" if declare_weight else ""
        ) + f"d{s}r1/dt = -{s}r1/({_lit(self.tau_plus)}*second) : 1 (event-driven)\nd{s}o1/dt = -{s}o1/({_lit(self.tau_minus)}*second) : 1 (event-driven)\n"
        if self.form == "additive":
            down, up = f"{_lit(self.A_minus)}", f"{_lit(self.A_plus)}"
        else:
            down = f"{_lit(self.A_minus)}*({weight} - {_lit(self.w_min)})"
            up = f"{_lit(self.A_plus)}*({_lit(self.w_max)} - {weight})"
        on_pre = "\n".join([f"{weight} = " + self._bound(f"{weight} - ({rate})*{s}o1*{down}"), self._jump(f"{s}r1")])
        on_post = "\n".join([f"{weight} = " + self._bound(f"{weight} + ({rate})*{s}r1*{up}"), self._jump(f"{s}o1")])
        return model, on_pre, on_post

    def window(self, delta_t: np.ndarray | float, w: float | None = None) -> np.ndarray:
        """Weight change of one isolated pairing, delta_t = t_post - t_pre (s).

        A_plus exp(-dt/tau_plus) for dt > 0, -A_minus exp(dt/tau_minus) for dt < 0
        (times the soft-bound factor at weight ``w`` for the multiplicative form).
        """
        dt = np.asarray(delta_t, dtype=float)
        up, down = self.A_plus, self.A_minus
        if self.form == "multiplicative":
            if w is None:
                raise ValueError("the multiplicative window depends on the weight; pass w")
            up, down = up * (self.w_max - w), down * (w - self.w_min)
        return np.where(dt > 0, up * np.exp(-np.abs(dt) / self.tau_plus), np.where(dt < 0, -down * np.exp(-np.abs(dt) / self.tau_minus), 0.0))


Rule = PairSTDP | TripletSTDP

_TIMES = ("tau_plus", "tau_minus", "tau_x", "tau_y")


def rule_from_card(name: str, values: Mapping[str, Any]) -> Rule:
    """Build a rule from a card table, e.g. ``{rule = "pair", A_plus = 0.005, tau_plus = "20 ms"}``.

    Raises ``ValueError`` for an unknown rule, a parameter the rule does not
    have, or a time without a unit.
    """
    kind = values.get("rule")
    if kind not in RULES:
        raise ValueError(f"STDP set {name!r}: rule={kind!r} is unknown; choose one of {RULES}")
    cls = PairSTDP if kind == "pair" else TripletSTDP
    allowed = set(cls.__dataclass_fields__) - {"rule", "name"}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("rule", "source"):
            continue
        if key not in allowed:
            raise ValueError(f"STDP set {name!r}: {key!r} is not a parameter of the {kind} rule; allowed: {sorted(allowed)}")
        if key in _TIMES:
            quantity(f"{name}.{key}", value, "time")  # the card's own message for a missing unit
        elif key in ("w_min", "w_max") and value == "inf":
            value = math.inf
        kwargs[key] = value
    return cls(name=name, **kwargs)


def weight_recursion(rule: Rule, pre: np.ndarray, post: np.ndarray, w0: float) -> float:
    """Final weight of one synapse for imposed pre and post spike times (s), from the rule's own update
    equations in closed form between spikes (no simulator): the check of a simulated protocol.

    Between spikes every trace decays exactly (exp(-d/tau)); at a presynaptic spike the weight falls
    by o1 (A2- + A3- r2) (pair rule: A- o1, times (w - w_min) in the multiplicative form) and r1, r2
    jump; at a postsynaptic spike it rises by r1 (A2+ + A3+ o2) and o1, o2 jump; the weight is kept in
    [w_min, w_max]. A pre and a post spike at the same time: pre first, as Brian2 orders its pathways.
    """
    events = sorted([(float(t), 0) for t in np.atleast_1d(pre)] + [(float(t), 1) for t in np.atleast_1d(post)])
    triplet = isinstance(rule, TripletSTDP)
    taus = {"r1": rule.tau_plus, "o1": rule.tau_minus}
    if triplet:
        taus.update({k: tau for k, tau in (("r2", rule.tau_x), ("o2", rule.tau_y)) if tau is not None})
    trace = dict.fromkeys(taus, 0.0)
    w, last = float(w0), None
    for t, side in events:
        if last is not None:
            for k, tau in taus.items():
                trace[k] *= math.exp(-(t - last) / tau)
        last = t
        if side == 0:
            if triplet:
                dw = -trace["o1"] * (rule.A2_minus + rule.A3_minus * trace.get("r2", 0.0))
            else:
                dw = -trace["o1"] * rule.A_minus * ((w - rule.w_min) if rule.form == "multiplicative" else 1.0)
            jumps = ("r1", "r2")
        else:
            if triplet:
                dw = trace["r1"] * (rule.A2_plus + rule.A3_plus * trace.get("o2", 0.0))
            else:
                dw = trace["r1"] * rule.A_plus * ((rule.w_max - w) if rule.form == "multiplicative" else 1.0)
            jumps = ("o1", "o2")
        w = min(max(w + dw, rule.w_min), rule.w_max)
        for k in jumps:
            if k in trace:
                trace[k] = 1.0 if rule.pairing == "nearest" else trace[k] + 1.0
    return w


def fit_window(delta_t: np.ndarray, dw: np.ndarray) -> dict[str, float]:
    """Fit A+ exp(-dt/tau+) (dt > 0) and -A- exp(dt/tau-) (dt < 0) to a measured window.

    Returns A_plus, tau_plus, A_minus, tau_minus with standard errors (``*_se``), in s.
    """
    from scipy.optimize import curve_fit

    delta_t = np.asarray(delta_t, dtype=float)
    dw = np.asarray(dw, dtype=float)
    out: dict[str, float] = {}
    for side, sel, sign in (("plus", delta_t > 0, 1.0), ("minus", delta_t < 0, -1.0)):
        x, y = np.abs(delta_t[sel]), sign * dw[sel]
        if x.size < 3:
            raise ValueError(f"fitting the window needs >= 3 points with delta_t {'>' if sign > 0 else '<'} 0; got {x.size}")
        p0 = (max(y.max(), 1e-12), float(np.median(x)) or 0.01)
        popt, pcov = curve_fit(lambda t, a, tau: a * np.exp(-t / tau), x, y, p0=p0, maxfev=10000)
        se = np.sqrt(np.diag(pcov))
        out.update({f"A_{side}": popt[0], f"tau_{side}": popt[1], f"A_{side}_se": se[0], f"tau_{side}_se": se[1]})
    return out
