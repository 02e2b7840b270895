"""Lab protocols for spike-timing-dependent plasticity, each returning a Dataset.

* :meth:`STDPProtocols.window` — N pre/post pairings at a fixed frequency for
  each delta_t = t_post - t_pre: the STDP window (Bi & Poo 1998).
* :meth:`STDPProtocols.frequency` — +10 ms and -10 ms pairings at pairing
  frequencies 0.1-50 Hz (Sjostrom, Turrigiano & Nelson 2001), set beside the
  published points.
* :meth:`STDPProtocols.triplets` and :meth:`STDPProtocols.quadruplets` — spike
  triplets and quadruplets repeated at 1 Hz (Froemke & Dan 2002; Wang et al. 2005;
  fitted by Pfister & Gerstner 2006).
* :meth:`STDPProtocols.song2000` — one LIF neuron with many Poisson inputs under
  additive STDP (Song, Miller & Abbott 2000): the weights split into two groups,
  near 0 and near g_max.

Every point of a pairing sweep (rule, delta_t, frequency) is its own synapse
between two spike generators inside *one* network, so a sweep is one build and
one run: pre and post spike times are imposed, as in a slice recording where the
postsynaptic cell is made to fire by current injection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, card_parameters
from neuromem.results import provenance
from neuromem.spiking.card_values import card_quantities
from neuromem.spiking.devices import simulate_once
from neuromem.spiking.stdp import PairSTDP, Rule, TripletSTDP, rule_from_card
from neuromem.units import dimension_table
from neuromem.validation import check_positive_int

_PROTOCOL_DIMENSIONLESS = {"window_pairings", "pairs_per_train", "n_trains"}
_PROTOCOL_DIMENSIONS = dimension_table(time=("dt", "train_interval"), frequency=("window_frequency",))
_SONG_DIMENSIONS = dimension_table(
    frequency=("rate_exc", "rate_inh"), time=("tau_m", "tau_exc", "tau_inh"), voltage=("E_L", "V_threshold", "V_reset", "E_exc", "E_inh")
)


def _as_seconds(name: str, values: Sequence[float], *, nonzero: bool) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"{name}={values!r} is not allowed; give one or more numbers") from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or (nonzero and np.any(arr == 0)):
        raise ValueError(f"{name}={arr.tolist()} is not allowed; give finite values{' other than 0' if nonzero else ''}")
    return arr


def initial_weight(rule: Rule) -> float:
    """Start of a protocol: 1 for an unbounded rule (changes read as dw/w), else mid-range."""
    return 1.0 if math.isinf(rule.w_max) else 0.5 * (rule.w_min + rule.w_max)


class STDPProtocols:
    """STDP rules of one card, probed with lab protocols.

    Parameters
    ----------
    parameters : mapping
        Protocol settings (``dt``, ``window_pairings``, ``window_frequency``,
        ``pairs_per_train``, ``n_trains``, ``train_interval``).
    rules : mapping of str to rule
        Named :class:`~neuromem.spiking.stdp.PairSTDP` / ``TripletSTDP`` sets.
    song : mapping
        The Song et al. (2000) neuron and inputs.
    device : {"runtime", "cpp_standalone", "cuda_standalone", "auto"}
        ``runtime`` uses Brian2's numpy target.
    scored_rules : mapping of str to str, optional
        The rule the card's benchmarks score on each protocol (``stdp-frequency``:
        a visual-cortex set; ``stdp-triplet``: a hippocampal one), each a name in ``rules``.
    """

    family = "spiking"
    requires = (("brian2", "spiking"), ("filelock", "spiking"))

    def __init__(
        self,
        parameters: Mapping[str, Any],
        rules: Mapping[str, Rule],
        song: Mapping[str, Any],
        *,
        device: str = "cpp_standalone",
        name: str = "stdp",
        references: str = "",
        scored_rules: Mapping[str, str] | None = None,
    ) -> None:
        self.parameters = dict(parameters)
        self.rules = dict(rules)
        self.scored_rules = dict(scored_rules or {})
        self.song = dict(song)
        self.device = device
        self.name = name
        self.references = references

    @classmethod
    def from_card(cls, card: ModelCard, *, device: str = "cpp_standalone", **overrides: Any) -> STDPProtocols:
        rules = {n: rule_from_card(n, v) for n, v in card.tables["rules"].items()}
        scored = dict(card.tables.get("scored_rules", {}))
        unknown = {p: r for p, r in scored.items() if r not in rules}
        if unknown:
            raise ValueError(f"card {card.name!r}: [scored_rules] {unknown} is not allowed; known rules: {', '.join(rules)}")
        return cls(
            card_parameters(card, overrides), rules, card.tables["song2000"], device=device, name=card.name, references=card.references, scored_rules=scored
        )

    def scored_rule(self, protocol: str) -> str:
        """The rule the card's benchmarks score on ``protocol`` (its card's ``[scored_rules]``)."""
        if protocol not in self.scored_rules:
            raise ValueError(f"protocol={protocol!r} has no scored rule on card {self.name!r}; scored: {self.scored_rules or 'none'}")
        return self.scored_rules[protocol]

    # ---------------------------------------------------------------- helpers
    def rule(self, which: str | Rule) -> Rule:
        """A named rule of the card, or a rule object passed through."""
        if isinstance(which, (PairSTDP, TripletSTDP)):
            return which
        try:
            return self.rules[which]
        except (KeyError, TypeError):
            raise ValueError(f"rule={which!r} is unknown; known rules: {', '.join(self.rules)}") from None

    def _protocol(self) -> dict[str, Any]:
        q = card_quantities(self.parameters, _PROTOCOL_DIMENSIONS)
        for key in _PROTOCOL_DIMENSIONLESS:
            check_positive_int(key, q[key])
        for key in ("dt", "window_frequency", "train_interval"):
            if not float(q[key]) > 0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be > 0")
        return {k: (v if k in _PROTOCOL_DIMENSIONLESS else float(v)) for k, v in q.items()}

    def pairings(self, rules: Sequence[Rule], schedules: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, str]:
        """Final weight of one synapse per (rule, schedule): pre and post spike times (s).

        ``schedules[k]`` is applied to a synapse of every rule; returns
        (rule, schedule) final weights. Times are rounded to the time step ``dt``.
        """
        import brian2 as b2

        dt = self._protocol()["dt"]
        steps = [(np.round(np.asarray(pre) / dt).astype(np.int64), np.round(np.asarray(post) / dt).astype(np.int64)) for pre, post in schedules]
        for k, (pre, post) in enumerate(steps):
            if np.unique(pre).size != pre.size or np.unique(post).size != post.size:
                raise ValueError(f"schedule {k}: two spikes of one cell fall in the same time step of {dt * 1e3:g} ms")
        n = len(steps)
        last = max(max(int(pre.max()), int(post.max())) for pre, post in steps)
        duration = (last + 2) * dt

        def generator(name: str, side: int) -> Any:
            idx = np.concatenate([np.full(s[side].size, k) for k, s in enumerate(steps)])
            times = np.concatenate([s[side] for s in steps])
            return b2.SpikeGeneratorGroup(n, idx, times * dt * b2.second, dt=dt * b2.second, name=name)

        def build():
            pre, post = generator("pre_cells", 0), generator("post_cells", 1)
            syns = []
            for r, rule in enumerate(rules):
                model, on_pre, on_post = rule.synapse_code()
                s = b2.Synapses(pre, post, model, on_pre=on_pre, on_post=on_post, dt=dt * b2.second, name=f"stdp_{r}")
                s.connect(j="i")
                s.w = initial_weight(rule)
                syns.append(s)
            return [pre, post, *syns], lambda: {"w": np.stack([np.asarray(s.w[:]) for s in syns])}

        key = json.dumps(["pairings", [r.as_dict() for r in rules], [[p.tolist(), q.tolist()] for p, q in steps], dt], sort_keys=True)
        out, backend = simulate_once(self.device, key, duration, build)
        return out["w"], backend

    def _attrs(self, protocol: str, title: str, rules: Sequence[Rule], settings: Mapping[str, Any], backend: str, seed: int = 0) -> dict[str, Any]:
        params = {"protocol": self.parameters, "rules": {r.name or f"rule{k}": r.as_dict() for k, r in enumerate(rules)}, **settings}
        return provenance(
            title=title, model=self.name, model_family="spiking", task=protocol, parameters=params, seed=seed, backend=backend, references=self.references
        )

    # -------------------------------------------------------------- protocols
    def window(
        self,
        delta_t: Sequence[float] = tuple(np.r_[-100:0:5, 5:105:5] * 1e-3),
        rules: Sequence[str | Rule] = ("song2000",),
        n_pairings: int | None = None,
        frequency: float | None = None,
    ) -> xr.Dataset:
        """The STDP window: ``n_pairings`` pairings at ``frequency`` (Hz) for each delta_t (s).

        Returns
        -------
        xarray.Dataset
            dims (rule, delta_t): ``dw`` (final minus initial weight, in the rule's
            units), ``dw_over_w``; for pair rules ``dw_isolated_pairs``, the closed form
            n x A ``exp(-|dt|/tau)``, exact when the pairing period is long against tau.
        """
        p = self._protocol()
        delta_t = _as_seconds("delta_t", delta_t, nonzero=True)
        n = check_positive_int("n_pairings", p["window_pairings"] if n_pairings is None else n_pairings)
        f = p["window_frequency"] if frequency is None else float(frequency)
        if not (math.isfinite(f) and f > 0):
            raise ValueError(f"frequency={frequency!r} Hz is not allowed; it must be > 0")
        if np.any(np.abs(delta_t) >= 1.0 / f):
            raise ValueError(f"delta_t must be shorter than the pairing period 1/frequency = {1e3 / f:g} ms")
        objs = [self.rule(r) for r in rules]
        schedules = self._repeated([(np.array([max(0.0, -d)]), np.array([max(0.0, d)])) for d in delta_t], n, f)
        w, backend = self.pairings(objs, schedules)
        w0 = np.array([initial_weight(r) for r in objs])[:, None]
        ds = xr.Dataset(
            {
                "dw": (("rule", "delta_t"), w - w0, {"units": "1", "long_name": "weight change (rule's weight units)"}),
                "dw_over_w": (("rule", "delta_t"), (w - w0) / w0, {"units": "1", "long_name": "relative weight change"}),
            },
            coords={"rule": [r.name for r in objs], "delta_t": ("delta_t", delta_t * 1e3, {"units": "ms", "long_name": "t_post - t_pre"})},
        )
        iso = np.full(w.shape, np.nan)
        for k, r in enumerate(objs):
            if isinstance(r, PairSTDP):
                iso[k] = n * r.window(delta_t, w=initial_weight(r))
        if np.isfinite(iso).any():
            ds["dw_isolated_pairs"] = (("rule", "delta_t"), iso, {"units": "1", "long_name": "closed form: n_pairings x single-pair window (pair rules)"})
        ds.attrs.update(
            self._attrs("stdp-window", "STDP window: weight change vs spike timing", objs, {"n_pairings": n, "frequency_Hz": f, "delta_t_s": delta_t}, backend)
        )
        return ds

    def frequency(
        self,
        frequencies: Sequence[float] = (0.1, 10.0, 20.0, 40.0, 50.0),
        delta_t: Sequence[float] = (0.01, -0.01),
        rules: Sequence[str | Rule] = ("pfister_visual_minimal", "pfister_visual_full"),
    ) -> xr.Dataset:
        """Pairings at each frequency (Hz) and delta_t (s), trains as in Sjostrom et al. (2001).

        ``pairs_per_train`` pairings per train, ``n_trains`` trains, one every
        ``train_interval`` (or right after the previous one when longer).

        Returns
        -------
        xarray.Dataset
            dims (rule, delta_t, frequency): ``dw_over_w``; ``published`` and
            ``published_sem`` (delta_t, frequency) from Sjostrom et al. (2001) where a
            point exists; ``rmse`` and ``chi2`` (rule) against those points.
        """
        from neuromem.reference import load_reference

        p = self._protocol()
        freqs = _as_seconds("frequencies", frequencies, nonzero=True)
        if np.any(freqs <= 0):
            raise ValueError(f"frequencies={freqs.tolist()} is not allowed; they must be > 0 Hz")
        delta_t = _as_seconds("delta_t", delta_t, nonzero=True)
        if np.any(np.abs(delta_t)[:, None] >= 1.0 / freqs[None, :]):
            raise ValueError("every |delta_t| must be shorter than the pairing period 1/frequency")
        objs = [self.rule(r) for r in rules]
        schedules = []
        for d in delta_t:
            for f in freqs:
                train = np.arange(p["pairs_per_train"]) / f
                period = max(p["train_interval"], train[-1] + 1.0)
                onsets = 0.1 + (np.arange(p["n_trains"])[:, None] * period + train[None, :]).ravel()
                schedules.append((onsets + max(0.0, -d), onsets + max(0.0, d)))
        w, backend = self.pairings(objs, schedules)
        w0 = np.array([initial_weight(r) for r in objs])[:, None]
        rel = ((w - w0) / w0).reshape(len(objs), delta_t.size, freqs.size)
        ref = load_reference("sjostrom2001_frequency")
        pub = np.full((delta_t.size, freqs.size), np.nan)
        sem = np.full_like(pub, np.nan)
        for a, d in enumerate(delta_t * 1e3):
            for b, f in enumerate(freqs):
                hit = (np.isclose(ref["delta_t"].values, d)) & (np.isclose(ref["pairing_frequency"].values, f))
                if hit.any():
                    pub[a, b] = float(ref["dw_over_w"].values[hit][0])
                    sem[a, b] = float(ref["sem"].values[hit][0])
        have = np.isfinite(pub)
        resid = rel[:, have] - pub[have][None, :]
        ds = xr.Dataset(
            {
                "dw_over_w": (("rule", "delta_t", "frequency"), rel, {"units": "1", "long_name": "relative weight change"}),
                "published": (("delta_t", "frequency"), pub, {"units": "1", "long_name": "Sjostrom et al. (2001): mean dw/w"}),
                "published_sem": (("delta_t", "frequency"), sem, {"units": "1", "long_name": "Sjostrom et al. (2001): s.e.m."}),
                "rmse": (
                    "rule",
                    np.sqrt(np.mean(resid**2, axis=1)) if have.any() else np.full(len(objs), np.nan),
                    {"units": "1", "long_name": "root-mean-square difference from the published points"},
                ),
                "chi2": (
                    "rule",
                    np.sum((resid / sem[have][None, :]) ** 2, axis=1) if have.any() else np.full(len(objs), np.nan),
                    {"units": "1", "long_name": "sum of squared differences in units of the published s.e.m."},
                ),
            },
            coords={
                "rule": [r.name for r in objs],
                "delta_t": ("delta_t", delta_t * 1e3, {"units": "ms", "long_name": "t_post - t_pre"}),
                "frequency": ("frequency", freqs, {"units": "Hz", "long_name": "pairing frequency"}),
            },
        )
        ds.attrs.update(
            self._attrs(
                "stdp-frequency", "Frequency dependence of STDP (Sjostrom et al. 2001 protocol)", objs, {"frequencies_Hz": freqs, "delta_t_s": delta_t}, backend
            )
        )
        ds.attrs["references"] += "; " + ref.attrs["references"]
        return ds

    def _repeated(self, patterns: Sequence[tuple[np.ndarray, np.ndarray]], n: int, frequency: float) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each (pre, post) pattern (s, from its first spike) repeated ``n`` times at ``frequency``, from 0.1 s."""
        onsets = 0.1 + np.arange(n) / frequency
        return [((onsets[:, None] + pre[None, :]).ravel(), (onsets[:, None] + post[None, :]).ravel()) for pre, post in patterns]

    def _multiplet(self, protocol: str, title: str, patterns, coords: dict, rules, n: int, frequency: float, settings: dict) -> xr.Dataset:
        n = check_positive_int("n_repetitions", n)
        if not (math.isfinite(frequency) and frequency > 0):
            raise ValueError(f"frequency={frequency!r} Hz is not allowed; it must be > 0")
        span = max(max(pre.max(), post.max()) - min(pre.min(), post.min()) for pre, post in patterns)
        if span >= 1.0 / frequency:
            raise ValueError(f"a pattern lasts {span * 1e3:g} ms, longer than the repetition period 1/frequency = {1e3 / frequency:g} ms")
        objs = [self.rule(r) for r in rules]
        w, backend = self.pairings(objs, self._repeated(patterns, n, frequency))
        w0 = np.array([initial_weight(r) for r in objs])[:, None]
        ds = xr.Dataset(
            {"dw_over_w": (("rule", "pattern"), (w - w0) / w0, {"units": "1", "long_name": "relative weight change"})},
            coords={"rule": [r.name for r in objs], "pattern": np.arange(len(patterns)), **coords},
        )
        ds.attrs.update(self._attrs(protocol, title, objs, {"n_repetitions": n, "frequency_Hz": frequency, **settings}, backend))
        return ds

    def triplets(
        self,
        intervals: Sequence[tuple[float, float]] = ((0.005, -0.005), (0.01, -0.01), (0.015, -0.005), (0.005, -0.015)),
        rules: Sequence[str | Rule] = ("pfister_visual_minimal", "pfister_visual_full"),
        n_repetitions: int = 60,
        frequency: float = 1.0,
    ) -> xr.Dataset:
        """Spike triplets repeated ``n_repetitions`` times at ``frequency`` (Hz): the protocol of Froemke & Dan
        (2002) and Wang et al. (2005) that Pfister & Gerstner (2006) fit.

        Each interval pair (dt1, dt2) (s) gives two triplets that share their middle spike: *pre-post-pre*,
        pre at 0, post at dt1 > 0, pre at dt1 - dt2 (dt2 = t_post - t_pre2 < 0), and *post-pre-post* with
        the roles mirrored, post at 0, pre at ``|dt2|``, post at ``|dt2| + dt1``.

        Returns
        -------
        xarray.Dataset
            ``dw_over_w`` (rule, pattern); coords ``kind`` (pre-post-pre / post-pre-post), ``dt1``,
            ``dt2`` (ms) per pattern.
        """
        pairs = np.atleast_2d(np.asarray(intervals, dtype=float))
        if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.all(np.isfinite(pairs)) or np.any(pairs[:, 0] <= 0) or np.any(pairs[:, 1] >= 0):
            raise ValueError(f"intervals={np.asarray(intervals).tolist()} is not allowed; give (dt1, dt2) pairs with dt1 > 0 > dt2 (s)")
        patterns, kind, dt1, dt2 = [], [], [], []
        for a, b in pairs:
            patterns.append((np.array([0.0, a - b]), np.array([a])))  # pre-post-pre
            patterns.append((np.array([-b]), np.array([0.0, -b + a])))  # post-pre-post
            kind += ["pre-post-pre", "post-pre-post"]
            dt1 += [a * 1e3, a * 1e3]
            dt2 += [b * 1e3, b * 1e3]
        coords = {
            "kind": ("pattern", kind, {"long_name": "order of the three spikes"}),
            "dt1": ("pattern", dt1, {"units": "ms", "long_name": "t_post - t_pre of the pre-post pair"}),
            "dt2": ("pattern", dt2, {"units": "ms", "long_name": "t_post - t_pre of the post-pre pair"}),
        }
        title = "STDP triplets (Froemke & Dan 2002; Wang et al. 2005 protocol)"
        return self._multiplet("stdp-triplet", title, patterns, coords, rules, n_repetitions, frequency, {"intervals_s": pairs})

    def quadruplets(
        self,
        T: Sequence[float] = tuple(np.r_[-100:-5:10, 10:105:10] * 1e-3),
        delta_t: float = 0.005,
        rules: Sequence[str | Rule] = ("pfister_visual_minimal", "pfister_visual_full"),
        n_repetitions: int = 60,
        frequency: float = 1.0,
    ) -> xr.Dataset:
        """Spike quadruplets (Wang et al. 2005, as fitted by Pfister & Gerstner 2006): a post-pre pair
        (pre ``delta_t`` after post) and a pre-post pair (post ``delta_t`` after pre) whose centres are
        ``T`` apart; T > 0: the post-pre pair first, T < 0: the pre-post pair first. ``|T|`` must exceed
        ``delta_t`` so that the pairs do not interleave.

        Returns
        -------
        xarray.Dataset
            ``dw_over_w`` (rule, pattern); coord ``T`` (ms) per pattern.
        """
        T = _as_seconds("T", T, nonzero=True)
        d = float(delta_t)
        if not (math.isfinite(d) and d > 0) or np.any(np.abs(T) <= d):
            raise ValueError(f"delta_t={delta_t!r} s and T={T.tolist()} are not allowed; delta_t > 0 and every |T| > delta_t")
        patterns = []
        for t in T:
            c1, c2 = (0.0, t) if t > 0 else (-t, 0.0)  # centres of the post-pre and the pre-post pair
            pre = np.array([c1 + d / 2, c2 - d / 2])
            post = np.array([c1 - d / 2, c2 + d / 2])
            shift = min(pre.min(), post.min())
            patterns.append((np.sort(pre - shift), np.sort(post - shift)))
        coords = {"T": ("pattern", T * 1e3, {"units": "ms", "long_name": "centre of the pre-post pair - centre of the post-pre pair"})}
        title = "STDP quadruplets (Wang et al. 2005 protocol)"
        return self._multiplet("stdp-quadruplet", title, patterns, coords, rules, n_repetitions, frequency, {"T_s": T, "delta_t_s": d})

    @staticmethod
    def _song_network(q: dict[str, Any], r: Rule, w0: np.ndarray, seed: int, dt: float, record_every: float) -> Any:
        """``build()`` for :func:`simulate_once`: one LIF neuron, Poisson inputs through plastic synapses."""
        import brian2 as b2

        n_exc, n_inh = w0.size, int(q["N_inh"])

        def build():
            b2.seed(int(seed))
            ns = {k: q[k] for k in ("tau_m", "E_L", "E_exc", "E_inh", "tau_exc", "tau_inh", "V_threshold", "V_reset")}
            neuron = b2.NeuronGroup(
                1,
                """dv/dt = (E_L - v + g_e*(E_exc - v) + g_i*(E_inh - v))/tau_m : volt
                                          dg_e/dt = -g_e/tau_exc : 1
                                          dg_i/dt = -g_i/tau_inh : 1""",
                threshold="v > V_threshold",
                reset="v = V_reset",
                method="euler",
                namespace=ns,
                dt=dt * b2.second,
                name="neuron",
            )
            neuron.v = q["E_L"]
            exc = b2.PoissonGroup(n_exc, q["rate_exc"], dt=dt * b2.second, name="exc_inputs")
            model, on_pre, on_post = r.synapse_code()
            syn = b2.Synapses(
                exc, neuron, model, on_pre=f"g_e_post += w*{float(q['g_max'])!r}\n" + on_pre, on_post=on_post, dt=dt * b2.second, name="stdp_synapses"
            )
            syn.connect(i=np.arange(n_exc), j=np.zeros(n_exc, dtype=int))  # synapse k is input k
            syn.w = w0
            objects = [neuron, exc, syn]
            if n_inh > 0:
                inh = b2.PoissonGroup(n_inh, q["rate_inh"], dt=dt * b2.second, name="inh_inputs")
                isyn = b2.Synapses(inh, neuron, on_pre=f"g_i_post += {float(q['g_inh'])!r}", dt=dt * b2.second, name="inh_synapses")
                isyn.connect()
                objects += [inh, isyn]
            wmon = b2.StateMonitor(syn, "w", record=np.arange(n_exc), dt=record_every * b2.second, when="end", name="weights")
            smon = b2.SpikeMonitor(neuron, name="output_spikes")
            objects += [wmon, smon]

            def read():
                return {"w": np.asarray(wmon.w[:]).T, "t": np.asarray(wmon.t / b2.second), "spikes": np.asarray(smon.t / b2.second)}

            return objects, read

        return build

    def song2000(self, duration: float = 100.0, *, seed: int = 1, rule: str | Rule | None = None, record_every: float = 1.0, n_bins: int = 20) -> xr.Dataset:
        """One neuron, many Poisson inputs with STDP (Song, Miller & Abbott 2000).

        Parameters
        ----------
        duration : float
            Simulated time (s).
        seed : int
            Seeds the initial weights (uniform in [w_min, w_max]) and the inputs.
        rule : str or Rule, optional
            Default: the one named in the card's ``[song2000]`` table.

        Returns
        -------
        xarray.Dataset
            ``weight`` (sample_time, synapse) in units of g_max, ``weight_histogram``
            (weight_bin) at the end, ``output_rate`` (sample_time) and
            ``fraction_low`` / ``fraction_high`` (weights below 0.1 / above 0.9 of the range).
        """

        if not (isinstance(duration, (int, float)) and math.isfinite(duration) and duration > 0):
            raise ValueError(f"duration={duration!r} s is not allowed; it must be > 0")
        if not (record_every > 0 and record_every <= duration):
            raise ValueError(f"record_every={record_every!r} s is not allowed; it must be in (0, duration]")
        n_bins = check_positive_int("n_bins", n_bins)
        q = card_quantities({k: v for k, v in self.song.items() if k != "rule"}, _SONG_DIMENSIONS)
        r = self.rule(rule if rule is not None else self.song["rule"])
        if math.isinf(r.w_max):
            raise ValueError(f"rule {r.name!r} has no upper bound w_max; the Song et al. run needs one")
        n_exc = check_positive_int("N_exc", q["N_exc"])
        dt = self._protocol()["dt"]
        rng = np.random.default_rng(seed)
        w0 = rng.uniform(r.w_min, r.w_max, n_exc)
        n_samples = int(round(duration / record_every))

        build = self._song_network(q, r, w0, seed, dt, record_every)
        key = json.dumps(["song2000", self.song, r.as_dict(), duration, seed, record_every, dt], sort_keys=True)
        out, backend = simulate_once(self.device, key, duration, build)
        ds = _song_dataset(out, r, w0, n_samples, record_every, n_bins)
        ds.attrs.update(
            self._attrs(
                "song2000",
                "Song, Miller & Abbott (2000): weight distribution under additive STDP",
                [r],
                {"song2000": self.song, "duration_s": duration, "record_every_s": record_every},
                backend,
                seed=seed,
            )
        )
        return ds


def _song_dataset(out: dict, r: Rule, w0: np.ndarray, n_samples: int, record_every: float, n_bins: int) -> xr.Dataset:
    """Weights over time, the final weight histogram and the output rate of a Song et al. run."""
    w_t = out["w"][:n_samples]
    t = out["t"][:n_samples] + record_every
    counts = np.histogram(out["spikes"], bins=np.r_[0.0, t])[0]
    rate = counts / np.diff(np.r_[0.0, t])
    span = r.w_max - r.w_min
    final = (w_t[-1] - r.w_min) / span
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    hist = np.histogram(final, bins=edges)[0] / final.size
    ds = xr.Dataset(
        {
            "weight": (("sample_time", "synapse"), w_t, {"units": "1", "long_name": "synaptic weight (units of g_max)"}),
            "initial_weight": ("synapse", w0, {"units": "1", "long_name": "initial weight (units of g_max)"}),
            "weight_histogram": ("weight_bin", hist, {"units": "1", "long_name": "fraction of synapses per weight bin at the end"}),
            "output_rate": ("sample_time", rate, {"units": "Hz", "long_name": "postsynaptic firing rate"}),
            "fraction_low": ((), float(np.mean(final < 0.1)), {"units": "1", "long_name": "fraction of weights below 0.1 g_max"}),
            "fraction_high": ((), float(np.mean(final > 0.9)), {"units": "1", "long_name": "fraction of weights above 0.9 g_max"}),
        },
        coords={
            "sample_time": ("sample_time", t, {"units": "s", "long_name": "time of the weight sample"}),
            "synapse": np.arange(w0.size),
            "weight_bin": ("weight_bin", 0.5 * (edges[1:] + edges[:-1]), {"units": "1", "long_name": "weight bin centre (units of g_max)"}),
        },
    )
    return ds
