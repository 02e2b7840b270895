"""Assemblies stored by STDP, recalled by pattern completion, overwritten by later patterns.

A recurrent network of leaky integrate-and-fire E and I neurons with delta
synapses (Brunel 2000 style) whose E->E synapses learn with the triplet rule of
Pfister & Gerstner (2006), scaled by a learning rate and switched on while a
pattern is studied. Studying a pattern drives its neurons at high rate: their
mutual synapses cross the rule's rate threshold and potentiate (an assembly,
as in Litwin-Kumar & Doiron 2014), while synapses from them onto weakly active
neurons depress. A partial cue later reactivates the rest of an assembly. Each
new pattern depresses part of the older assemblies' synapses, so recall of a
pattern fades with the number of patterns studied after it: the forgetting curve
of the ``retention`` task.

Synapse variants
----------------
* ``simple``: the weight is one variable bounded in [w_min, w_max] (Amit & Fusi
  1994 argue such synapses forget exponentially with the number of new memories).
* ``benna-fusi``: the visible weight u1 exchanges with a chain of hidden
  variables u2..um with capacities C_k = 2^(k-1) and couplings
  g_k = 4^-(k-1) / chain_tau, the last leaking to w_min (Benna & Fusi 2016): a
  change first held in u1 flows into ever slower variables, which pull u1 back.

Free recall
-----------
The network also runs lists of items shown one at a time (trials with ``item_id``,
``item_onset``/``item_offset`` and ``readout_onset``, e.g. ``free-recall``): item k of
the pool drives the k-th block of E neurons while it is shown (plasticity on), so
each studied item becomes an assembly that later items and spontaneous activity
wear down. The recall period (from ``readout_onset``) has no cue: plasticity is
off and every E neuron gets ``recall_drive`` more mean input, so the assemblies
that are still strong ignite; the responses are the blocks' rates over time, and
the task reads the recall order from them.

Notes
-----
* A trial's stimulus (which features are driven when) and the plasticity gate
  are TimedArrays passed per trial through ``run_args``: one build serves every
  trial (each run starts again from the initial weights).
* Connectivity is drawn in numpy from the seed. At a reduced size the connection
  probability rises so every neuron keeps its in-degree.
* Features of the task map onto equal blocks of E neurons.
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
from neuromem.spiking.stdp import TripletSTDP
from neuromem.units import dimension_table
from neuromem.validation import check_positive_int

SYNAPSES: tuple[str, ...] = ("simple", "benna-fusi")

_E_EQS = """
dv/dt = (mu_E + stim*drive(t, feature) - v)/tau_E + sigma_E*sqrt(2/tau_E)*xi : volt (unless refractory)
feature : integer (constant)
"""
_I_EQS = """
dv/dt = (mu_I - v)/tau_I + sigma_I*sqrt(2/tau_I)*xi : volt (unless refractory)
"""
_DIMENSIONS = dimension_table(
    time=("tau_E", "tau_I", "tref", "delay", "tau_plus", "tau_minus", "tau_x", "tau_y", "chain_tau", "chain_dt", "readout_skip", "weight_sample_dt", "dt"),
    voltage=("V_thr", "V_reset", "mu_E", "mu_I", "sigma_E", "sigma_I", "J_EE", "J_IE", "J_EI", "J_II", "stim", "recall_drive"),
)
#: drive and plasticity-gate TimedArrays are sampled every millisecond
_STEP = 1e-3
#: trial variables of retention's patterns and cues; the other layout the network reads is ITEM_LIST (a list of items)
PATTERN_LAYOUT: tuple[str, ...] = ("pattern", "cue", "study_onset", "study_offset", "test_onset", "test_offset", "trial_end")
#: bin of the block rates reported for item lists (s): 50 ms keeps a 5 Hz rise above chance for blocks of tens of neurons
_ITEM_RATE_BIN = 0.05


def layout_of(trials: xr.Dataset) -> str:
    """``"patterns"`` (retention-style trials) or ``"items"`` (a list of items, e.g. free recall)."""
    if all(v in trials.variables for v in PATTERN_LAYOUT):
        return "patterns"
    if all(v in trials.variables for v in ITEM_LIST):
        return "items"
    raise ValueError(
        f"the assembly network reads retention-style trials {list(PATTERN_LAYOUT)} or item lists {list(ITEM_LIST)}; "
        f"trials of task {trials.attrs.get('task')!r} have neither"
    )


def n_blocks(trials: xr.Dataset) -> int:
    """Blocks of E neurons the trials drive: one per feature, or one per item of the pool."""
    return trials.sizes["feature"] if layout_of(trials) == "patterns" else trials.sizes["pool"]


def chain_code(levels: int, tau: float, step: float, w_min: float, w_max: float) -> tuple[str, str]:
    """Hidden variables and one explicit Euler step of the Benna-Fusi chain (u1 is ``w``).

    Returns the model lines declaring u2..um and the update code run every ``step`` s.
    """
    C = [2.0**k for k in range(levels)]
    g = [4.0**-k / tau for k in range(levels)]
    u = ["w"] + [f"u{k}" for k in range(2, levels + 1)]
    model = "".join(f"{name} : 1\n" for name in u[1:])
    lines = []
    for k in range(levels):
        inflow = f"{g[k - 1]!r}*({u[k - 1]} - {u[k]})" if k > 0 else "0"
        outflow = f"{g[k]!r}*({u[k + 1] if k + 1 < levels else repr(float(w_min))} - {u[k]})"
        lines.append(f"chain_d{k + 1} = ({inflow} + {outflow})/{C[k]!r}")
    for k in range(levels):
        new = f"{u[k]} + {step!r}*chain_d{k + 1}"
        lines.append(f"{u[k]} = clip({new}, {float(w_min)!r}, {float(w_max)!r})" if k == 0 else f"{u[k]} = {new}")
    return model, "\n".join(lines)


class AssemblyMemory(SpikingModel):
    """Recurrent E/I network that stores patterns as assemblies; runs ``retention`` trials.

    Parameters
    ----------
    parameters : mapping
        As in ``models/assembly_memory.toml``.
    N_E, N_I : int
        Network size (connection probability rescaled to keep in-degrees).
    device : str
        Brian2 device; standalone devices compile once per :meth:`run`.
    """

    seconds_per_neuron_second = 1e-3  # measured: 2.4 s per simulated second at full size (2500 neurons)

    task = "retention"
    dimensions = _DIMENSIONS
    n_setup_streams = 2  # the connectivity, the sampled synapses
    runtime_numpy = True
    text_parameters = frozenset({"synapse"})
    # retention: the mean E rate (one unit); item lists: each item block's rate and the unstudied blocks' mean
    state_rate_variable = "rate"

    def _validated(self) -> dict[str, Any]:
        q = super()._validated()
        q["synapse"] = self.parameters.get("synapse", "simple")
        if q["synapse"] not in SYNAPSES:
            raise ValueError(f"synapse={q['synapse']!r} is not allowed; choose one of {SYNAPSES}")
        for key in ("tau_E", "tau_I", "dt", "tref", "chain_tau", "chain_dt", "weight_sample_dt"):
            if not float(q[key]) > 0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be > 0")
        if not q["eta"] >= 0 or not 0 <= q["plastic_in_gaps"] <= 1:
            raise ValueError(f"eta={q['eta']!r} must be >= 0 and plastic_in_gaps={q['plastic_in_gaps']!r} in [0, 1]")
        if not float(q["recall_drive"]) >= 0:
            raise ValueError(f"parameter recall_drive={self.parameters['recall_drive']!r} is not allowed; it must be >= 0 mV (extra input in an uncued recall)")
        if not 0 <= q["w_min"] < q["w_max"]:
            raise ValueError(f"w_min={q['w_min']!r}, w_max={q['w_max']!r}: need 0 <= w_min < w_max")
        if not 0 < q["connectivity"] <= 1:
            raise ValueError(f"connectivity={q['connectivity']!r} is not allowed; it must be in (0, 1]")
        check_positive_int("chain_levels", q["chain_levels"])
        check_positive_int("weight_samples", q["weight_samples"])
        if q["synapse"] == "benna-fusi" and (q["chain_levels"] < 2 or float(q["chain_dt"]) * 1.25 >= float(q["chain_tau"])):
            raise ValueError("the benna-fusi synapse needs chain_levels >= 2 and chain_dt well below chain_tau")
        # the rule validates its own amplitudes and time constants
        q["rule"] = TripletSTDP(
            A2_plus=q["A2_plus"],
            A3_plus=q["A3_plus"],
            A2_minus=q["A2_minus"],
            A3_minus=q["A3_minus"],
            tau_plus=q["tau_plus"],
            tau_minus=q["tau_minus"],
            tau_x=q["tau_x"],
            tau_y=q["tau_y"],
            w_min=q["w_min"],
            w_max=q["w_max"],
            name="assembly_triplet",
        )
        q["p_E"] = kept_in_degree(q["connectivity"], q["N_E"], self.N_E)
        q["p_I"] = kept_in_degree(q["connectivity"], q["N_I"], self.N_I)
        return q

    def _connectivity(self, q: dict[str, Any], rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {
            "EE": random_pairs(rng, self.N_E, self.N_E, q["p_E"], no_self=True),
            "EI": random_pairs(rng, self.N_E, self.N_I, q["p_E"]),
            "IE": random_pairs(rng, self.N_I, self.N_E, q["p_I"]),
            "II": random_pairs(rng, self.N_I, self.N_I, q["p_I"], no_self=True),
        }

    def schedule(self, q: dict[str, Any], trial: xr.Dataset, n_steps: int, step: float) -> tuple[np.ndarray, np.ndarray]:
        """(drive over (time, feature), plasticity gate over time) for one trial."""
        if layout_of(trial) == "items":
            return self.item_schedule(q, trial, n_steps, step)
        t = (np.arange(n_steps) + 0.5) * step
        drive = np.zeros((n_steps, trial.sizes["feature"]))
        gate = np.full(n_steps, float(q["plastic_in_gaps"]))
        first_test = float(trial["test_onset"].min())
        gate[t >= first_test] = 0.0  # recall never rewrites the memories it tests
        for k in range(trial.sizes["item"]):
            on, off = float(trial["study_onset"][k]), float(trial["study_offset"][k])
            window = (t >= on) & (t < off)
            drive[window] = trial["pattern"].values[k]
            gate[window] = 1.0
            on, off = float(trial["test_onset"][k]), float(trial["test_offset"][k])
            drive[(t >= on) & (t < off)] = trial["cue"].values[k]
        return drive, gate

    def item_schedule(self, q: dict[str, Any], trial: xr.Dataset, n_steps: int, step: float) -> tuple[np.ndarray, np.ndarray]:
        """A list of items: each item's block driven (plasticity on) while shown; an uncued recall drive after ``readout_onset``."""
        t = (np.arange(n_steps) + 0.5) * step
        drive = np.zeros((n_steps, trial.sizes["pool"]))
        gate = np.full(n_steps, float(q["plastic_in_gaps"]))
        for item, on, off in zip(trial["item_id"].values, trial["item_onset"].values, trial["item_offset"].values):
            if item >= 0:
                window = (t >= on) & (t < off)
                drive[window, int(item)] = 1.0
                gate[window] = 1.0
        recall = t >= float(trial["readout_onset"])
        drive[recall] = float(q["recall_drive"]) / float(q["stim"])
        gate[recall] = 0.0  # recall never rewrites the memories it reads
        return drive, gate

    def _check_trials(self, q: dict[str, Any], trials: xr.Dataset) -> None:
        layout = layout_of(trials)
        blocks = n_blocks(trials)
        if self.N_E % blocks:
            what, unit = ("n_features", "feature") if layout == "patterns" else ("n_items", "item")
            raise ValueError(f"{what}={blocks} must divide N_E={self.N_E} (each {unit} drives a block of E neurons)")

    def _draws(self, q: dict[str, Any], setup: list) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """The run's random connectivity and the E->E synapses whose weights are sampled."""
        conn = self._connectivity(q, np.random.default_rng(setup[0]))
        n_ee = conn["EE"][0].size
        sample = np.sort(np.random.default_rng(setup[1]).choice(n_ee, size=min(int(q["weight_samples"]), n_ee), replace=False))
        return conn, sample

    def _build(self, q: dict[str, Any], trials: xr.Dataset, n_copies: int, duration_s: float, setup: list) -> dict[str, Any]:
        """E/I groups, plastic E->E synapses (triplet rule, optional Benna-Fusi chain), monitors."""
        import brian2 as b2

        n_features = n_blocks(trials)
        conn, sample = self._draws(q, setup)
        n_steps = int(math.ceil(duration_s / _STEP)) + 1
        drive = b2.TimedArray(np.zeros((n_steps, n_features)), dt=_STEP * b2.second, name="drive")
        plastic = b2.TimedArray(np.zeros(n_steps), dt=_STEP * b2.second, name="plastic")
        ns = {k: q[k] for k in ("mu_E", "mu_I", "sigma_E", "sigma_I", "tau_E", "tau_I", "stim")}
        ns.update(drive=drive, plastic=plastic, V_thr=q["V_thr"], V_reset=q["V_reset"])
        dt = q["dt"]
        E = lif_group(self.N_E, _E_EQS, reset="v = V_reset", refractory=q["tref"], namespace=ns, dt=dt, name="exc")
        I = lif_group(self.N_I, _I_EQS, reset="v = V_reset", refractory=q["tref"], namespace=ns, dt=dt, name="inh")
        E.feature = np.repeat(np.arange(n_features, dtype=np.int32), self.N_E // n_features)
        syn = self._synapses(q, E, I, conn, plastic)
        seed_holder = b2.NeuronGroup(1, "rng_seed : integer (constant)", name="seed_holder")
        spikes = b2.SpikeMonitor(E, name="exc_spikes")
        wmon = b2.StateMonitor(syn["EE"], "w", record=sample, dt=q["weight_sample_dt"], when="end", name="weight_samples")
        net = b2.Network(E, I, *syn.values(), seed_holder, spikes, wmon)
        return {
            "net": net,
            "E": E,
            "I": I,
            "drive": drive,
            "plastic": plastic,
            "spikes": spikes,
            "weights": wmon,
            "seed_holder": seed_holder,
            "n_steps": n_steps,
        }

    def _synapses(self, q: dict[str, Any], E: Any, I: Any, conn: dict, plastic: Any) -> dict[str, Any]:
        import brian2 as b2

        dt = q["dt"]
        model, on_pre, on_post = q["rule"].synapse_code(rate=f"{float(q['eta'])!r}*plastic(t)")
        chain = None
        if q["synapse"] == "benna-fusi":
            hidden, chain = chain_code(int(q["chain_levels"]), float(q["chain_tau"]), float(q["chain_dt"]), q["w_min"], q["w_max"])
            model += hidden
        syn = {
            "EE": b2.Synapses(
                E, E, model, on_pre=f"v_post += {float(q['J_EE'])!r}*volt*w\n" + on_pre, on_post=on_post, namespace={"plastic": plastic}, dt=dt, name="syn_EE"
            )
        }
        if chain is not None:
            syn["EE"].run_regularly(chain, dt=q["chain_dt"], name="chain_update")
        for name, (src, tgt, sign, J) in {"EI": (E, I, "+", q["J_IE"]), "IE": (I, E, "-", q["J_EI"]), "II": (I, I, "-", q["J_II"])}.items():
            syn[name] = b2.Synapses(src, tgt, on_pre=f"v_post {sign}= {float(J)!r}*volt", dt=dt, name=f"syn_{name}")
        for name, s in syn.items():
            i, j = conn[name]
            s.connect(i=i, j=j)
            s.delay = q["delay"]
        syn["EE"].w = 1.0
        if q["synapse"] == "benna-fusi":
            for k in range(2, int(q["chain_levels"]) + 1):
                setattr(syn["EE"], f"u{k}", 1.0)
        return syn

    def _batch_values(self, q: dict[str, Any], built: dict[str, Any], trials: xr.Dataset, rows: np.ndarray, rng: np.random.Generator) -> dict[Any, Any]:
        """Random initial potentials, the trial's drive and its plasticity gate."""
        import brian2 as b2

        v_E = rng.uniform(0.0, float(q["V_thr"]), self.N_E) * b2.volt
        v_I = rng.uniform(0.0, float(q["V_thr"]), self.N_I) * b2.volt
        d, g = self.schedule(q, trials.isel(trial=int(rows[0])), built["n_steps"], _STEP)
        return {built["E"].v: v_E, built["I"].v: v_I, built["drive"]: d, built["plastic"]: g}

    def _read(self, q: dict[str, Any], built: dict[str, Any], rows: np.ndarray) -> dict[str, np.ndarray]:
        import brian2 as b2

        w = built["weights"]
        return {**spike_arrays(built["spikes"]), "w": np.asarray(w.w[:]), "w_t": np.asarray(w.t / b2.second)}

    def _description(self, q: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return (
            f"{self.name} ({q['synapse']} synapses) ({self.N_E} E + {self.N_I} I)",
            {"connection_probability_E": q["p_E"], "connection_probability_I": q["p_I"]},
        )

    def _result_attrs(self, q: dict[str, Any]) -> dict[str, Any]:
        return {"synapse": q["synapse"]}

    def _responses(self, q: dict[str, Any], trials: xr.Dataset, batches: list[dict[str, np.ndarray]], duration_s: float, setup: list) -> xr.Dataset:
        """``recalled`` (trial, item, feature): rate of each feature's neurons while the item is cued (Hz);
        ``weight_in_pattern`` (trial, item, sample_time): mean sampled E->E weight inside each pattern;
        ``study_rate`` and ``rate`` (trial, time): mean E rate. Item lists: :meth:`_item_responses`."""
        if layout_of(trials) == "items":
            return with_recall_order(trials, self._item_responses(q, trials, batches, duration_s, setup))  # free recall asks for the reactivation order
        conn, sample = self._draws(q, setup)
        ee = conn["EE"]
        n_trials, P, F = trials.sizes["trial"], trials.sizes["item"], trials.sizes["feature"]
        block = self.N_E // F
        feature_of = np.repeat(np.arange(F, dtype=np.int32), block)
        rows = [(b["i"], b["t"], b["w"], b["w_t"]) for b in batches]
        skip = float(q["readout_skip"])
        recalled = np.zeros((n_trials, P, F))
        # the mean rate of all E neurons (one group); one trial per batch: batch k is trial k (as the loop below reads them)
        rate, centres = population_rates(
            np.concatenate([np.full(r[1].size, k) for k, r in enumerate(rows)]),
            np.concatenate([r[1] for r in rows]),
            np.zeros(sum(r[1].size for r in rows), dtype=np.intp),
            n_trials=n_trials,
            group_sizes=[self.N_E],
            duration=duration_s,
            bin_width=0.05,
        )
        rate = rate[:, :, 0]
        pre_f, post_f = feature_of[ee[0][sample]], feature_of[ee[1][sample]]
        w_t = rows[0][3]
        in_pattern = np.full((n_trials, P, w_t.size), np.nan)
        study = np.zeros((n_trials, P, 2))
        for k, (i, t, w, _) in enumerate(rows):
            for item in range(P):
                on = float(trials["test_onset"][k, item]) + skip
                off = float(trials["test_offset"][k, item])
                sel = (t >= on) & (t < off)
                recalled[k, item] = np.bincount(feature_of[i[sel]], minlength=F) / (block * max(off - on, 1e-9))
                pat = trials["pattern"].values[k, item].astype(bool)
                on, off = float(trials["study_onset"][item]), float(trials["study_offset"][item])
                sel = (t >= on) & (t < off)
                by_feature = np.bincount(feature_of[i[sel]], minlength=F) / (block * (off - on))
                study[k, item] = by_feature[pat].mean(), by_feature[~pat].mean()
                inside = pat[pre_f] & pat[post_f]
                if inside.any():
                    in_pattern[k, item] = w[inside].mean(0)
        return xr.Dataset(
            {
                "recalled": (("trial", "item", "feature"), recalled, {"units": "Hz", "long_name": "rate of each feature's E neurons while the item is cued"}),
                "weight_in_pattern": (
                    ("trial", "item", "sample_time"),
                    in_pattern,
                    {"units": "1", "long_name": "mean sampled E->E weight within the pattern (units of J_EE)"},
                ),
                "study_rate": (("trial", "item", "group"), study, {"units": "Hz", "long_name": "E rate while the item is studied, in and outside the pattern"}),
                "rate": (("trial", "time"), rate, {"units": "Hz", "long_name": "mean E rate"}),
            },
            coords={
                "trial": trials["trial"].values,
                "item": trials["item"].values,
                "feature": trials["feature"].values,
                "group": ["pattern", "other"],
                "time": ("time", centres, {"units": "s", "long_name": "time from trial start (bin centre)"}),
                "sample_time": ("sample_time", w_t, {"units": "s", "long_name": "time of the weight sample"}),
            },
        )

    def _item_responses(self, q: dict[str, Any], trials: xr.Dataset, batches: list[dict[str, np.ndarray]], duration_s: float, setup: list) -> xr.Dataset:
        """``rate`` (trial, time, population): each item block's rate, the last population the blocks of
        items not on the list; ``weight_in_item`` (trial, position, sample_time): mean sampled weight inside
        each studied item's block."""
        conn, sample = self._draws(q, setup)
        n_trials, n_pool = trials.sizes["trial"], trials.sizes["pool"]
        block = self.N_E // n_pool
        block_of = np.repeat(np.arange(n_pool, dtype=np.int32), block)
        # one trial per batch: batch k is trial k (as the loop below reads them)
        per_block, centres = population_rates(
            np.concatenate([np.full(b["t"].size, k) for k, b in enumerate(batches)]),
            np.concatenate([b["t"] for b in batches]),
            block_of[np.concatenate([b["i"] for b in batches])],
            n_trials=n_trials,
            group_sizes=np.full(n_pool, block),
            duration=duration_s,
            bin_width=_ITEM_RATE_BIN,
        )
        rate = np.zeros((n_trials, per_block.shape[1], n_pool + 1))
        pre_b, post_b = block_of[conn["EE"][0][sample]], block_of[conn["EE"][1][sample]]
        w_t = batches[0]["w_t"]
        ids = trials["item_id"].values
        slot = trials["item_id"].dims[1]  # "position" in free recall, "item" in multi-item recall
        weight = np.full((n_trials, ids.shape[1], w_t.size), np.nan)
        for k, b in enumerate(batches):
            unstudied = np.setdiff1d(np.arange(n_pool), ids[k][ids[k] >= 0])
            rate[k, :, :n_pool] = per_block[k]
            rate[k, :, n_pool] = per_block[k][:, unstudied].mean(1) if unstudied.size else 0.0
            for pos, item in enumerate(ids[k]):
                inside = (pre_b == item) & (post_b == item)
                if item >= 0 and inside.any():
                    weight[k, pos] = b["w"][inside].mean(0)
        return xr.Dataset(
            {
                "rate": (("trial", "time", "population"), rate, {"units": "Hz", "long_name": "E rate per item block (last: blocks of items not on the list)"}),
                "weight_in_item": (
                    ("trial", slot, "sample_time"),
                    weight,
                    {"units": "1", "long_name": "mean sampled E->E weight within the studied item's block (units of J_EE)"},
                ),
            },
            coords={
                "trial": trials["trial"].values,
                slot: trials[slot].values,
                "population": ("population", np.arange(n_pool + 1), {"long_name": f"item block ({n_pool}: items not on the list)"}),
                "time": ("time", centres, {"units": "s", "long_name": "time from trial start (bin centre)"}),
                "sample_time": ("sample_time", w_t, {"units": "s", "long_name": "time of the weight sample"}),
            },
        )
