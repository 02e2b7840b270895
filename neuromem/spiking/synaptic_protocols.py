"""Lab protocols for synaptic transmission, each returning a Dataset.

* :meth:`SynapticTransmission.psc` — one presynaptic spike: PSC (voltage clamp at
  each receptor's holding potential) and PSP (current clamp) per receptor.
* :meth:`SynapticTransmission.paired_pulse` — two spikes at each interval:
  paired-pulse ratio per Tsodyks-Markram set.
* :meth:`SynapticTransmission.trains` — regular trains at each frequency: the
  amplitude of every response and the steady state.
* :meth:`SynapticTransmission.nmda_iv` — peak NMDA current against holding
  potential (the Mg2+-block I-V curve).

Every point of a sweep (receptor, interval, frequency, potential, STP set) is
its own recorded cell with its own synapse inside *one* network, so a sweep is
one build and one run, whatever its length.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, card_parameters
from neuromem.results import provenance
from neuromem.spiking.devices import simulate_once
from neuromem.spiking.receptors import RECEPTOR_NAMES, Receptor, receptor_from_card
from neuromem.spiking.short_term_plasticity import STPParameters, set_parameters, stp_from_card, synapse_model
from neuromem.units import dimension_table, quantity
from neuromem.validation import check_positive_int, check_positive_values

_DIMENSIONS = dimension_table(capacitance=("C",), conductance=("g_L", "weight"), voltage=("E_L",), time=("dt",))


class SynapticTransmission:
    """Receptors and short-term plasticity sets of one card, probed with lab protocols.

    Parameters
    ----------
    parameters : mapping
        Recorded-cell and numerics parameters (``C``, ``g_L``, ``E_L``, ``weight``, ``dt``).
    receptors : mapping of str to Receptor
    stp_sets : mapping of str to STPParameters
    holding : mapping of str to float
        Voltage-clamp holding potential (V) per receptor for :meth:`psc`.
    device : {"runtime", "cpp_standalone", "cuda_standalone", "auto"}
        ``runtime`` uses Brian2's numpy target (no compiler needed for these small networks).
    """

    family = "spiking"
    requires = (("brian2", "spiking"), ("filelock", "spiking"))

    def __init__(
        self,
        parameters: Mapping[str, Any],
        receptors: Mapping[str, Receptor],
        stp_sets: Mapping[str, STPParameters],
        holding: Mapping[str, float],
        *,
        device: str = "runtime",
        name: str = "synaptic_transmission",
        references: str = "",
    ) -> None:
        self.parameters = dict(parameters)
        self.receptors = dict(receptors)
        self.stp_sets = dict(stp_sets)
        self.holding = dict(holding)
        self.device = device
        self.name = name
        self.references = references

    @classmethod
    def from_card(cls, card: ModelCard, *, device: str = "runtime", **overrides: Any) -> SynapticTransmission:
        receptors = {n: receptor_from_card(n, v) for n, v in card.tables["receptors"].items()}
        stp = {n: stp_from_card(n, v) for n, v in card.tables["stp"].items()}
        holding = {n: quantity(f"holding[{n}]", v, "voltage") for n, v in card.tables["holding"].items()}
        return cls(card_parameters(card, overrides), receptors, stp, holding, device=device, name=card.name, references=card.references)

    # ---------------------------------------------------------------- helpers
    def stp_set(self, which: str | STPParameters) -> STPParameters:
        """Look up a named set (or pass a custom :class:`STPParameters` through)."""
        if isinstance(which, STPParameters):
            return which
        try:
            return self.stp_sets[which]
        except KeyError:
            raise ValueError(f"STP set {which!r} is unknown; known sets: {', '.join(self.stp_sets)}") from None

    def _cell(self) -> dict[str, float]:
        p = {k: quantity(k, self.parameters[k], _DIMENSIONS[k]) for k in ("C", "g_L", "E_L", "weight", "dt")}
        for key in ("C", "g_L", "weight", "dt"):
            if not p[key] > 0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be > 0")
        return p

    def _cells(self, n: int, receptors: Sequence[Receptor]) -> Any:
        """``n`` recorded cells with all given receptors; ``clamped`` cells hold ``v`` fixed."""
        import brian2 as b2

        p = self._cell()
        currents = " + ".join(f"I_{r.name}" for r in receptors)
        eqs = f"dv/dt = int(not clamped)*(g_L*(E_L - v) + {currents})/C : volt\nclamped : boolean (constant)\n" + "".join(r.equations() for r in receptors)
        ns = {"g_L": p["g_L"] * b2.siemens, "E_L": p["E_L"] * b2.volt, "C": p["C"] * b2.farad}
        for r in receptors:
            ns.update(r.namespace())
        cells = b2.NeuronGroup(n, eqs, method="rk4", namespace=ns, dt=p["dt"] * b2.second, name="cells")
        cells.v = p["E_L"] * b2.volt
        return cells

    def _attrs(self, protocol: str, title: str, settings: Mapping[str, Any], backend: str) -> dict[str, Any]:
        params = {
            "cell": self.parameters,
            "receptors": {n: vars(r) for n, r in self.receptors.items()},
            "stp_sets": {n: vars(s) for n, s in self.stp_sets.items()},
            "holding_V": self.holding,
            **settings,
        }
        return provenance(
            title=title, model=self.name, model_family="spiking", task=protocol, parameters=params, seed=0, backend=backend, references=self.references
        )

    def _stp_train(self, sets: list[STPParameters], trains: list[np.ndarray], receptor: str = "AMPA") -> tuple[list[np.ndarray], str]:
        """Drive cell k (voltage-clamped) through a TM synapse with ``sets[k]`` by ``trains[k]``.

        Returns the measured conductance jump at each spike (S) for every cell:
        g(t_k) - g(t_k - dt) exp(-dt / tau_decay), exact for the linear decay.
        """
        import brian2 as b2

        rec = self.receptors[receptor]
        if rec.tau_rise is not None:
            raise ValueError(f"amplitudes are measured on a single-exponential receptor; {receptor} has a rise time")
        p = self._cell()
        dt = p["dt"]
        steps = [np.round(np.asarray(t) / dt).astype(int) for t in trains]
        duration = (max(s.max() for s in steps) + 2) * dt

        def build():
            n = len(sets)
            source = b2.SpikeGeneratorGroup(
                n,
                np.concatenate([np.full(s.size, k) for k, s in enumerate(steps)]),
                np.concatenate(steps) * dt * b2.second,
                dt=dt * b2.second,
                name="presynaptic",
            )
            cells = self._cells(n, [rec])
            cells.clamped = True
            cells.v = self.holding.get(receptor, p["E_L"]) * b2.volt
            model, on_pre = synapse_model(rec.on_pre("w*r"))
            syn = b2.Synapses(source, cells, model, on_pre=on_pre, dt=dt * b2.second, name="stp_synapses")
            syn.connect(j="i")
            syn.w = p["weight"] * b2.siemens
            set_parameters(syn, sets)
            mon = b2.StateMonitor(cells, f"g_{receptor}", record=True, when="end", name="g_monitor")

            def read():
                return {"g": np.asarray(getattr(mon, f"g_{receptor}") / b2.siemens)}

            return [source, cells, syn, mon], read

        key = json.dumps(["stp", [vars(s) for s in sets], [list(map(int, s)) for s in steps], self.parameters, vars(rec)], sort_keys=True)
        out, backend = simulate_once(self.device, key, duration, build)
        g = out["g"]
        decay = np.exp(-dt / rec.tau_decay)
        # sample k of the monitor is the state after time step k (spike at step s lands in sample s)
        amplitudes = [g[k, s] - g[k, s - 1] * decay for k, s in enumerate(steps)]
        return amplitudes, backend

    # -------------------------------------------------------------- protocols
    def paired_pulse(self, intervals: Sequence[float], sets: Sequence[str] = ("depressing", "facilitating", "mongillo2008")) -> xr.Dataset:
        """Two presynaptic spikes ``interval`` s apart, for every set and interval (one network).

        Returns
        -------
        xarray.Dataset
            dims (stp_set, interval): ``amplitude_1``, ``amplitude_2`` (nS) and
            ``ppr`` = amplitude_2 / amplitude_1.
        """
        intervals = check_positive_values("intervals", intervals, "s")
        params = [self.stp_set(s) for s in sets]
        first = 0.01
        pairs = [(p, np.array([first, first + d])) for p in params for d in intervals]
        amps, backend = self._stp_train([p for p, _ in pairs], [t for _, t in pairs])
        a = np.array(amps).reshape(len(params), intervals.size, 2) * 1e9
        ds = xr.Dataset(
            {
                "amplitude_1": (("stp_set", "interval"), a[..., 0], {"units": "nS", "long_name": "first response (peak conductance)"}),
                "amplitude_2": (("stp_set", "interval"), a[..., 1], {"units": "nS", "long_name": "second response (peak conductance)"}),
                "ppr": (("stp_set", "interval"), a[..., 1] / a[..., 0], {"units": "1", "long_name": "paired-pulse ratio"}),
            },
            coords={"stp_set": [p.name for p in params], "interval": ("interval", intervals, {"units": "s", "long_name": "inter-spike interval"})},
        )
        ds.attrs.update(
            self._attrs(
                "paired-pulse", "Paired-pulse ratio of Tsodyks-Markram synapses", {"intervals_s": intervals, "sets": {p.name: vars(p) for p in params}}, backend
            )
        )
        return ds

    def trains(self, frequencies: Sequence[float], sets: Sequence[str] = ("depressing", "facilitating", "mongillo2008"), n_pulses: int = 10) -> xr.Dataset:
        """Regular trains of ``n_pulses`` spikes at every frequency, for every set (one network).

        Returns
        -------
        xarray.Dataset
            dims (stp_set, frequency, pulse): ``amplitude`` (nS); ``steady_state``
            (stp_set, frequency): the last amplitude over the first.
        """
        frequencies = check_positive_values("frequencies", frequencies, "Hz")
        n_pulses = check_positive_int("n_pulses", n_pulses, minimum=2)
        params = [self.stp_set(s) for s in sets]
        runs = [(p, 0.01 + np.arange(n_pulses) / f) for p in params for f in frequencies]
        amps, backend = self._stp_train([p for p, _ in runs], [t for _, t in runs])
        a = np.array(amps).reshape(len(params), frequencies.size, n_pulses) * 1e9
        ds = xr.Dataset(
            {
                "amplitude": (("stp_set", "frequency", "pulse"), a, {"units": "nS", "long_name": "response to each spike (peak conductance)"}),
                "steady_state": (("stp_set", "frequency"), a[..., -1] / a[..., 0], {"units": "1", "long_name": "last response / first response"}),
            },
            coords={
                "stp_set": [p.name for p in params],
                "frequency": ("frequency", frequencies, {"units": "Hz", "long_name": "train frequency"}),
                "pulse": ("pulse", np.arange(1, n_pulses + 1), {"long_name": "spike number in the train"}),
            },
        )
        ds.attrs.update(
            self._attrs(
                "trains",
                "Responses to regular trains of Tsodyks-Markram synapses",
                {"frequencies_Hz": frequencies, "sets": {p.name: vars(p) for p in params}, "n_pulses": int(n_pulses)},
                backend,
            )
        )
        return ds

    def psc(self, duration: float = 0.4) -> xr.Dataset:
        """One presynaptic spike at 10 ms onto each receptor; voltage and current clamp.

        Returns
        -------
        xarray.Dataset
            dims (receptor, time): ``conductance`` (nS), ``psc`` (pA, voltage clamp
            at the receptor's holding potential; inward negative), ``psp`` (mV,
            current clamp, relative to rest).
        """
        import brian2 as b2

        if not duration > 0.02:
            raise ValueError(f"duration={duration!r} s is not allowed; it must be > 0.02 s")
        p = self._cell()
        recs = [self.receptors[n] for n in RECEPTOR_NAMES]
        n = len(recs)

        def build():
            source = b2.SpikeGeneratorGroup(1, [0], [0.01] * b2.second, dt=p["dt"] * b2.second, name="presynaptic")
            cells = self._cells(2 * n, recs)  # cells 0..n-1 voltage clamp, n..2n-1 current clamp
            cells.clamped = np.arange(2 * n) < n
            cells.v = np.r_[[self.holding[r.name] for r in recs], [p["E_L"]] * n] * b2.volt
            syns = []
            for k, rec in enumerate(recs):
                s = b2.Synapses(source, cells, "w : siemens (constant)", on_pre=rec.on_pre("w"), dt=p["dt"] * b2.second, name=f"syn_{rec.name}")
                s.connect(i=[0, 0], j=[k, n + k])
                s.w = p["weight"] * b2.siemens
                syns.append(s)
            variables = ["v"] + [f"I_{r.name}" for r in recs] + [f"g_{r.name}" for r in recs]
            mon = b2.StateMonitor(cells, variables, record=True, name="cell_monitor")

            def read():
                return {"t": np.asarray(mon.t / b2.second), **{v: np.asarray(getattr(mon, v)[:]) for v in variables}}

            return [source, cells, *syns, mon], read

        key = json.dumps(["psc", self.parameters, [vars(r) for r in recs], self.holding, duration], sort_keys=True)
        out, backend = simulate_once(self.device, key, duration, build)
        k = np.arange(n)
        g = np.stack([out[f"g_{r.name}"][i] for i, r in enumerate(recs)]) * 1e9
        psc = np.stack([out[f"I_{r.name}"][i] for i, r in enumerate(recs)]) * 1e12
        psp = (out["v"][n + k] - p["E_L"]) * 1e3
        ds = xr.Dataset(
            {
                "conductance": (("receptor", "time"), g, {"units": "nS", "long_name": "synaptic conductance"}),
                "psc": (("receptor", "time"), -psc, {"units": "pA", "long_name": "postsynaptic current (voltage clamp; inward negative)"}),
                "psp": (("receptor", "time"), psp, {"units": "mV", "long_name": "postsynaptic potential from rest (current clamp)"}),
            },
            coords={
                "receptor": [r.name for r in recs],
                "time": ("time", out["t"], {"units": "s", "long_name": "time (spike at 0.01 s)"}),
                "holding_potential": (
                    "receptor",
                    np.array([self.holding[r.name] for r in recs]) * 1e3,
                    {"units": "mV", "long_name": "voltage-clamp holding potential"},
                ),
            },
        )
        ds.attrs.update(self._attrs("psc", "Single-spike PSC and PSP per receptor", {"duration_s": duration}, backend))
        return ds

    def nmda_iv(self, potentials_mV: Sequence[float] = tuple(range(-100, 50, 10)), duration: float = 0.2) -> xr.Dataset:
        """Peak NMDA current after one spike, voltage-clamped at each potential (mV).

        Returns
        -------
        xarray.Dataset
            dim holding_potential: ``peak_current`` (pA; outward positive) and
            ``unblocked_fraction`` (the Mg2+ block factor at that potential).
        """
        import brian2 as b2

        v = np.atleast_1d(np.asarray(potentials_mV, dtype=float))
        if v.size < 2 or not np.all(np.isfinite(v)) or np.any(np.abs(v) > 200):
            raise ValueError(f"potentials_mV={list(v)} is not allowed; give two or more finite potentials within +-200 mV")
        p = self._cell()
        rec = self.receptors["NMDA"]

        def build():
            source = b2.SpikeGeneratorGroup(1, [0], [0.01] * b2.second, dt=p["dt"] * b2.second, name="presynaptic")
            cells = self._cells(v.size, [rec])
            cells.clamped = True
            cells.v = v * b2.mV
            s = b2.Synapses(source, cells, "w : siemens (constant)", on_pre=rec.on_pre("w"), dt=p["dt"] * b2.second, name="syn_NMDA")
            s.connect()
            s.w = p["weight"] * b2.siemens
            mon = b2.StateMonitor(cells, "I_NMDA", record=True, name="nmda_monitor")
            return [source, cells, s, mon], lambda: {"I": np.asarray(mon.I_NMDA[:])}

        key = json.dumps(["nmda_iv", self.parameters, vars(rec), list(v), duration], sort_keys=True)
        out, backend = simulate_once(self.device, key, duration, build)
        current = -out["I"] * 1e12  # Brian's I_NMDA is inward-positive (g (E - v)); report outward positive
        peak = current[np.arange(v.size), np.argmax(np.abs(current), axis=1)]
        from neuromem.spiking.receptors import mg_block

        ds = xr.Dataset(
            {
                "peak_current": ("holding_potential", peak, {"units": "pA", "long_name": "peak NMDA current (outward positive)"}),
                "unblocked_fraction": ("holding_potential", mg_block(v, rec.mg_mM), {"units": "1", "long_name": "Mg2+ block factor"}),
            },
            coords={"holding_potential": ("holding_potential", v, {"units": "mV", "long_name": "holding potential"})},
        )
        ds.attrs.update(self._attrs("nmda-iv", "NMDA current-voltage relation (Mg2+ block)", {"potentials_mV": v}, backend))
        return ds
