"""Synaptic theory of working memory (Mongillo, Barak & Tsodyks 2008).

Mongillo G, Barak O, Tsodyks M (2008) Synaptic theory of working memory.
Science 319:1543-1546. Network sizes and efficacies as reproduced by Tiddia et
al. (2022, Front Integr Neurosci 16:972055).

Leaky integrate-and-fire E and I neurons with delta synapses (efficacies are
jumps of the membrane potential) and external input of mean ``mu`` and s.d.
``sigma``. A fraction of the E cells forms non-overlapping selective pools with
potentiated internal synapses. E->E synapses show Tsodyks-Markram short-term
plasticity in Mongillo's convention (u relaxes to U, tau_F >> tau_D; the card's
``stp_convention``, built by :mod:`neuromem.spiking.short_term_plasticity` like every
other TM synapse in neuromem): a cued
pool leaves its synapses facilitated, so the item is held in u for about tau_F
while the pool's rate can return to baseline; a non-specific read-out signal
then reactivates the pool whose synapses are facilitated.

Notes
-----
* Release depends only on the presynaptic spike train, so u and x are kept per
  presynaptic E neuron (exactly equal to per-synapse values) and each spike
  carries J u+ x- to all its targets.
* Stimulation multiplies the external mean input of chosen E cells; it is a
  TimedArray over (time, pool) changed per trial through ``run_args``, so all
  trials run through one build.
* At a reduced size the connection probability rises so that every neuron keeps
  its in-degree (0.2 x 8000 E inputs): the mean and variance of the recurrent
  input per neuron are those of the full network. The input shared by a pool's
  cells grows as the pools shrink (covariance m^2 / (N_pool nu) at any
  probability), so the card's ``scaled`` size halves the network (pools of 400),
  which keeps the published-drive regime; ``small`` (pools of 160) does not.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from neuromem.spiking.base import ITEM_LIST, SpikingModel, lif_group, spike_arrays
from neuromem.spiking.binning import population_rates
from neuromem.spiking.connectivity import kept_in_degree, random_pairs
from neuromem.spiking.readout import with_recall_order
from neuromem.spiking.short_term_plasticity import CONVENTIONS, STPParameters, presynaptic_model, rest_state
from neuromem.units import dimension_table

# plus the presynaptic Tsodyks-Markram state (u, x, r) of short_term_plasticity.presynaptic_model
_E_EQS = """
dv/dt = (mu_E*stim(t, pool) - v)/tau_E + sigma_E*sqrt(2/tau_E)*xi : volt (unless refractory)
pool : integer (constant)
"""
_I_EQS = """
dv/dt = (mu_I - v)/tau_I + sigma_I*sqrt(2/tau_I)*xi : volt (unless refractory)
"""
_DIMENSIONS = dimension_table(
    time=("tau_E", "tau_I", "tref", "delay_min", "delay_max", "tau_D", "tau_F", "cue_duration", "readout_duration", "dt"),
    voltage=("V_thr", "V_reset_E", "V_reset_I", "mu_E", "mu_I", "sigma_E", "sigma_I", "J_EE_baseline", "J_EE_potentiated", "J_IE", "J_EI", "J_II"),
)
#: stimulus TimedArrays are sampled every millisecond
_STIM_STEP = 1e-3


class SynapticWorkingMemory(SpikingModel):
    """Mongillo et al. (2008) network run on multi-item recall trials.

    Parameters
    ----------
    parameters : mapping
        As in ``models/mongillo2008.toml``.
    N_E, N_I : int
        Network size (connection probability rescaled to keep in-degrees).
    device : str
        Brian2 device; standalone devices compile once per :meth:`run`.
    recall_threshold : float
        A pool counts as recalled when its rate in the read-out window exceeds
        the non-selective E rate in that window by more than this many Hz.
    """

    task = "multi-item-recall"
    trial_variables = ITEM_LIST
    dimensions = _DIMENSIONS
    options = {"recall_threshold": 5.0}
    state_rate_variable = "rate"
    # measured per simulated second on one core: 3.8 s full (10000 neurons), 2.05 s scaled (5000), 0.95 s small (2000)
    seconds_per_neuron_second = 5e-4
    n_setup_streams = 1  # the connectivity

    text_parameters = frozenset({"stp_convention"})

    def _stp_set(self, q: dict[str, Any]) -> STPParameters:
        """The E->E synapses' Tsodyks-Markram set, under the card's convention (from the checked parameters)."""
        if q.get("stp_convention") not in CONVENTIONS:
            raise ValueError(f"parameter stp_convention={q.get('stp_convention')!r} is not allowed; choose one of {list(CONVENTIONS)}")
        return STPParameters(f"{self.name}_EE", float(q["U"]), float(q["tau_D"]), float(q["tau_F"]), self.references, q["stp_convention"])

    def _validated(self) -> dict[str, Any]:
        q = super()._validated()
        if not 0 < q["U"] <= 1:
            raise ValueError(f"parameter U={q['U']!r} is not allowed; it must be in (0, 1]")
        for key in ("tau_E", "tau_I", "tau_D", "tau_F", "dt", "tref"):
            if not float(q[key]) > 0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be > 0")
        q["stp"] = self._stp_set(q)  # after the checks, so a bad tau_D is named as tau_D
        pool_size = int(round(q["coding_level"] * self.N_E))
        if pool_size < 1 or q["n_pools"] * pool_size > self.N_E:
            raise ValueError(f"n_pools={q['n_pools']} pools of coding_level={q['coding_level']} do not fit in N_E={self.N_E}")
        if not self.recall_threshold > 0:
            raise ValueError(f"recall_threshold={self.recall_threshold!r} Hz is not allowed; it must be > 0")
        q["pool_size"] = pool_size
        q["p_connect"] = kept_in_degree(q["connectivity"], q["N_E"], self.N_E)
        return q

    def _connectivity(self, q: dict[str, Any], rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Random synapses (numpy, so the network is fixed by the seed), with delays in s."""
        p_e = q["p_connect"]
        p_i = kept_in_degree(q["connectivity"], q["N_I"], self.N_I)
        d0, d1 = float(q["delay_min"]), float(q["delay_max"])

        def pairs(n_pre: int, n_post: int, p: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            i, j = random_pairs(rng, n_pre, n_post, p)
            return i, j, rng.uniform(d0, d1, i.size)

        return {
            "EE": pairs(self.N_E, self.N_E, p_e),
            "EI": pairs(self.N_E, self.N_I, p_e),
            "IE": pairs(self.N_I, self.N_E, p_i),
            "II": pairs(self.N_I, self.N_I, p_i),
        }

    def _pools(self, q: dict[str, Any]) -> np.ndarray:
        """Pool of each E cell; the non-selective cells get pool index ``n_pools``."""
        pool = np.full(self.N_E, q["n_pools"], dtype=np.int32)
        for k in range(q["n_pools"]):
            pool[k * q["pool_size"] : (k + 1) * q["pool_size"]] = k
        return pool

    def stimulus(self, q: dict[str, Any], trial: xr.Dataset, n_steps: int, step: float) -> np.ndarray:
        """External-input gain over (time, pool + non-selective) for one trial."""
        gain = np.ones((n_steps, q["n_pools"] + 1))
        t = (np.arange(n_steps) + 0.5) * step
        for onset, item in zip(trial["item_onset"].values, trial["item_id"].values):
            if item >= 0:
                gain[(t >= onset) & (t < onset + float(q["cue_duration"])), item] = q["cue_gain"]
        r0 = float(trial["readout_onset"])
        gain[(t >= r0) & (t < r0 + float(q["readout_duration"])), :] *= q["readout_gain"]
        return gain

    def _check_trials(self, q: dict[str, Any], trials: xr.Dataset) -> None:
        super()._check_trials(q, trials)
        if trials.sizes["pool"] > q["n_pools"]:
            raise ValueError(f"trials use {trials.sizes['pool']} items but {self.name} has n_pools={q['n_pools']}")

    def _build(self, q: dict[str, Any], trials: xr.Dataset, n_copies: int, duration_s: float, setup: list) -> dict[str, Any]:
        """E and I groups with the run's random connectivity (from ``setup[0]``), potentiated within pools."""
        import brian2 as b2

        conn = self._connectivity(q, np.random.default_rng(setup[0]))
        pool = self._pools(q)
        n_steps = int(math.ceil(duration_s / _STIM_STEP)) + 1
        stim = b2.TimedArray(np.ones((n_steps, q["n_pools"] + 1)), dt=_STIM_STEP * b2.second, name="stim")
        stp_eqs, stp_reset, stp_ns = presynaptic_model(q["stp"])
        ns = {k: q[k] for k in ("mu_E", "mu_I", "sigma_E", "sigma_I", "tau_E", "tau_I", "V_reset_E")}
        ns["stim"] = stim
        dt = q["dt"]
        # the release of each spike is stored in r for the delayed synaptic events
        E = lif_group(
            self.N_E,
            _E_EQS + stp_eqs,
            reset="v = V_reset_E" + stp_reset,
            refractory=q["tref"],
            namespace={**ns, **stp_ns, "V_thr": q["V_thr"]},
            dt=dt,
            name="exc",
        )
        I = lif_group(
            self.N_I, _I_EQS, reset="v = V_reset_I", refractory=q["tref"], namespace={**ns, "V_thr": q["V_thr"], "V_reset_I": q["V_reset_I"]}, dt=dt, name="inh"
        )
        E.pool = pool
        for name, value in rest_state(q["stp"]).items():
            setattr(E, name, value)
        syn = {}
        for name, (src, tgt, model, on_pre) in {
            "EE": (E, E, "w : volt (constant)", "v_post += w*r_pre"),
            "EI": (E, I, "", f"v_post += {float(q['J_IE'])!r}*volt"),
            "IE": (I, E, "", f"v_post -= {float(q['J_EI'])!r}*volt"),
            "II": (I, I, "", f"v_post -= {float(q['J_II'])!r}*volt"),
        }.items():
            i, j, delay = conn[name]
            syn[name] = b2.Synapses(src, tgt, model, on_pre=on_pre, dt=dt, name=f"syn_{name}")
            syn[name].connect(i=i, j=j)
            syn[name].delay = delay * b2.second
        i, j, _ = conn["EE"]
        same_pool = (pool[i] == pool[j]) & (pool[i] < q["n_pools"])
        syn["EE"].w = np.where(same_pool, float(q["J_EE_potentiated"]), float(q["J_EE_baseline"])) * b2.volt
        seed_holder = b2.NeuronGroup(1, "rng_seed : integer (constant)", name="seed_holder")
        spikes = b2.SpikeMonitor(E, name="exc_spikes")
        record = np.flatnonzero(pool < q["n_pools"])
        stp_mon = b2.StateMonitor(E, ["u", "x"], record=record, dt=10 * b2.ms, name="stp_monitor")
        net = b2.Network(E, I, *syn.values(), seed_holder, spikes, stp_mon)
        return {"net": net, "E": E, "I": I, "stim": stim, "spikes": spikes, "stp": stp_mon, "seed_holder": seed_holder, "n_steps": n_steps}

    def _batch_values(self, q: dict[str, Any], built: dict[str, Any], trials: xr.Dataset, rows: np.ndarray, rng: np.random.Generator) -> dict[Any, Any]:
        """Random initial potentials and the trial's stimulus gains."""
        import brian2 as b2

        v_E = rng.uniform(float(q["V_reset_E"]), float(q["V_thr"]), self.N_E) * b2.volt
        v_I = rng.uniform(float(q["V_reset_I"]), float(q["V_thr"]), self.N_I) * b2.volt
        gain = self.stimulus(q, trials.isel(trial=int(rows[0])), built["n_steps"], _STIM_STEP)
        return {built["E"].v: v_E, built["I"].v: v_I, built["stim"]: gain}

    def _read(self, q: dict[str, Any], built: dict[str, Any], rows: np.ndarray) -> dict[str, np.ndarray]:
        import brian2 as b2

        stp = built["stp"]
        return {**spike_arrays(built["spikes"]), "u": np.asarray(stp.u[:]), "x": np.asarray(stp.x[:]), "stp_t": np.asarray(stp.t / b2.second)}

    def _description(self, q: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return (
            f"{self.name} synaptic working memory ({self.N_E} E + {self.N_I} I)",
            {"connection_probability": q["p_connect"], "recall_threshold_Hz": self.recall_threshold},
        )

    def _responses(self, q: dict[str, Any], trials: xr.Dataset, batches: list[dict[str, np.ndarray]], duration_s: float, setup: list) -> xr.Dataset:
        """Recalled pools, rates per pool and the pools' mean u and x over time."""
        pool = self._pools(q)
        record = np.flatnonzero(pool < q["n_pools"])
        rows = [(b["i"], b["t"], b["u"], b["x"], b["stp_t"]) for b in batches]
        n_trials, n_pools = trials.sizes["trial"], q["n_pools"]
        sizes = np.bincount(pool, minlength=n_pools + 1)
        # one trial per batch: batch k is trial k (as the loop below reads them)
        rate, centres = population_rates(
            np.concatenate([np.full(r[1].size, k) for k, r in enumerate(rows)]),
            np.concatenate([r[1] for r in rows]),
            pool[np.concatenate([r[0] for r in rows])],
            n_trials=n_trials,
            group_sizes=sizes,
            duration=duration_s,
            bin_width=0.01,
        )
        stp_t = rows[0][4]
        fac = np.zeros((n_trials, stp_t.size, n_pools))
        res = np.zeros_like(fac)
        recalled = np.zeros((n_trials, n_pools), dtype=np.int8)
        rec_pool = pool[record]
        for k, (i, t, u, x, _) in enumerate(rows):
            for p in range(n_pools):
                fac[k, :, p] = u[rec_pool == p].mean(0)
                res[k, :, p] = x[rec_pool == p].mean(0)
            r0 = float(trials["readout_onset"][k])
            window = (t >= r0) & (t < r0 + float(q["readout_duration"]))
            window_rate = np.bincount(pool[i[window]], minlength=n_pools + 1) / sizes / float(q["readout_duration"])
            recalled[k] = window_rate[:n_pools] > window_rate[n_pools] + self.recall_threshold
        pools = np.arange(n_pools + 1)
        ds = xr.Dataset(
            {
                "recalled": (("trial", "pool"), recalled, {"units": "1", "long_name": "pool reactivated at read-out"}),
                "rate": (("trial", "time", "population"), rate, {"units": "Hz", "long_name": "E rate per pool (last: non-selective)"}),
                "facilitation": (("trial", "stp_time", "pool"), fac, {"units": "1", "long_name": "mean utilisation u of the pool's cells"}),
                "resources": (("trial", "stp_time", "pool"), res, {"units": "1", "long_name": "mean available resources x of the pool's cells"}),
            },
            coords={
                "trial": trials["trial"].values,
                "pool": np.arange(n_pools),
                "population": ("population", pools, {"long_name": f"pool index ({n_pools}: non-selective)"}),
                "time": ("time", centres, {"units": "s", "long_name": "time from trial start (bin centre)"}),
                "stp_time": ("stp_time", stp_t, {"units": "s", "long_name": "time of the u, x samples"}),
            },
        )
        return with_recall_order(trials, ds)  # free recall asks for the order the pools reactivate in
