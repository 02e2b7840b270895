"""Ring bump attractor for spatial working memory (Compte et al. 2000).

Compte A, Brunel N, Goldman-Rakic PS, Wang X-J (2000) Synaptic mechanisms and
network dynamics underlying spatial working memory in a cortical network model.
Cereb Cortex 10:910-923.

Conductance-based leaky integrate-and-fire excitatory (E) and inhibitory (I)
neurons on a ring of preferred angles. All neurons receive external Poisson
spike trains through AMPA receptors. Recurrent excitation is carried by NMDA
receptors (rise and decay kinetics with saturation, voltage-dependent Mg2+
block) with a Gaussian E->E footprint; inhibition by GABA_A receptors with
uniform connectivity. A cue current centred on the cue angle starts a bump of
activity that the NMDA recurrence keeps alive through the delay, and the
remembered angle is decoded from the population vector at the end of the delay.

Notes
-----
* NMDA gating depends only on the presynaptic neuron, so each E neuron carries
  one gating variable ``s_NMDA`` (the pattern of Brian2's ``Wang_2002.py``).
  The footprint-weighted sum over presynaptic neurons is done through the
  ring's Fourier modes (see :mod:`neuromem.spiking.footprint`), on
  ``cpp_standalone`` as two fused C++ loops (:mod:`neuromem.spiking.mode_coupling`);
  E->I NMDA input is the mode-0 sum. GABA_A gating is linear and uniform, so it is summed per
  population into one pool variable per ring.
* Many independent trials run as disconnected copies of the ring inside one
  network (``trials_per_run``); in standalone mode the network is compiled once
  and each batch of trials is one ``device.run(run_args=...)`` of the binary,
  with its own cue, initial conditions and random seed.
* At a reduced size (``size="scaled"``) per-synapse conductances are multiplied
  by N_published / N so that each neuron's mean recurrent input is unchanged. The
  bump's random walk is not: it is driven by the fluctuations of fewer neurons, and its
  diffusion grows as the network shrinks (Burak & Fiete 2012, PNAS 109:17645). Every
  result says so (``network_size``, ``network_size_note``; numbers in ``SCALED_DIFFUSION``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from neuromem.spiking.base import SpikingModel, lif_group, spike_arrays
from neuromem.spiking.binning import population_rates
from neuromem.spiking.devices import resolve_device
from neuromem.spiking.footprint import circulant_modes, gaussian_footprint, mode_basis, ring_angles
from neuromem.spiking.mode_coupling import fused_mode_coupling, synaptic_mode_coupling
from neuromem.tasks.base import WHOLE_REPORT
from neuromem.tasks.delayed_estimation import DEFAULT_SEPARATION, per_report_flags
from neuromem.units import dimension_table
from neuromem.validation import check_positive_int

_MEMBRANE = """
dv/dt = (g_L*(V_L - v) + I_syn + I_cue) / C : volt (unless refractory)
I_syn = g_ext*s_AMPA*(E_AMPA - v) + g_NMDA*s_NMDA_in*(E_NMDA - v)/(1 + Mg/3.57*exp(-0.062*v/mV)) + g_GABA*s_GABA_in*(E_GABA - v) : amp
ds_AMPA/dt = -s_AMPA/tau_AMPA : 1
s_GABA_in : 1 (linked)
"""
_NMDA_GATING = """
ds_NMDA/dt = -s_NMDA/tau_NMDA_decay + alpha_NMDA*x_NMDA*(1 - s_NMDA) : 1
dx_NMDA/dt = -x_NMDA/tau_NMDA_rise : 1
s_NMDA_in : 1
I_cue = cue_amp*int(t >= cue_start)*int(t < cue_stop) : amp
cue_amp : amp (constant)
cue_start : second (constant)
cue_stop : second (constant)
"""
_NMDA_INPUT_LINKED = """
s_NMDA_in : 1 (linked)
I_cue = 0*amp : amp
"""

#: ways to sum the NMDA input through the ring's modes (see :mod:`.mode_coupling`)
COUPLINGS = ("auto", "fused", "synapses")

#: error s.d. (deg) at delays 0.5 / 1 / 2 / 3 s, scaled (512 E, 40 trials per delay) against full
#: (2048 E, 24 trials per delay), measured for issue 30 with `neuromem run working-memory`
SCALED_DIFFUSION = {"delays_s": (0.5, 1.0, 2.0, 3.0), "scaled_deg": (4.8, 7.9, 11.0, 12.4), "full_deg": (2.9, 3.9, 5.6, 6.0)}

_DIMENSIONS = dimension_table(
    voltage=("V_L", "V_thr", "V_reset", "E_AMPA", "E_NMDA", "E_GABA"),
    capacitance=("C_E", "C_I"),
    conductance=("g_L_E", "g_L_I", "g_EE_NMDA", "g_EI_NMDA", "g_IE_GABA", "g_II_GABA", "g_ext_E", "g_ext_I"),
    time=("tref_E", "tref_I", "tau_AMPA", "tau_NMDA_rise", "tau_NMDA_decay", "tau_GABA", "readout_window", "rate_bin", "dt"),
    frequency=("alpha_NMDA", "nu_ext", "bump_threshold"),
    current=("cue_current",),
    angle=("sigma_EE", "cue_width"),
)


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2 * np.pi) - np.pi


def _task_separation(trials: xr.Dataset) -> float:
    """The ``min_separation`` (rad) the trials were drawn with."""
    import json

    return float(json.loads(trials.attrs.get("task_parameters", "{}")).get("min_separation", DEFAULT_SEPARATION))


def _circular_smooth(rates: np.ndarray, width: float, angles: np.ndarray) -> np.ndarray:
    """``rates`` (trial, neuron) convolved around the ring with a normalised Gaussian of s.d. ``width`` (rad).

    The kernel is a function of the distance from neuron 0 (not of the angle itself): an FFT
    convolution with a kernel centred elsewhere would rotate the ring by that much.
    """
    kernel = np.exp(-(_wrap(angles - angles[0]) ** 2) / (2 * width**2))
    kernel /= kernel.sum()
    return np.real(np.fft.ifft(np.fft.fft(rates, axis=1) * np.fft.fft(kernel)[None, :], axis=1))


class RingAttractor(SpikingModel):
    """Compte et al. (2000) ring network run on delayed-estimation trials.

    Parameters
    ----------
    parameters : mapping
        Published parameters as in ``models/compte2000.toml`` (values with units
        as strings, e.g. ``"0.381 nS"``).
    N_E, N_I : int
        Network size; conductances are rescaled from the published size.
    device : {"auto", "runtime", "cpp_standalone", "cuda_standalone"}
        Brian2 device. Standalone devices compile once per :meth:`run`.
    trials_per_run : int
        Trials simulated side by side as disconnected copies of the ring.
    record_spikes : bool
        Also return every E spike (ragged ``spike`` dim).
    threads : int
        OpenMP threads for ``cpp_standalone`` (0 = no OpenMP).
    workers : int
        Processes running batches at once (0 = one per usable core).
    coupling : {"auto", "fused", "synapses"}
        How the footprint-weighted NMDA input is summed through the ring's modes:
        ``"synapses"`` as two Brian2 summed variables (every device), ``"fused"`` as two
        dense loops in C++ (``cpp_standalone`` only; the same sums, several times
        faster), ``"auto"`` fused where it can run.
    name, references : str
        Card name and citation, copied into the results' provenance.
    """

    task = "delayed-estimation"
    #: every item reported in turn: each report reads the ring at its own time (the bumps go on drifting)
    capabilities = frozenset({WHOLE_REPORT})
    dimensions = _DIMENSIONS
    options = {"trials_per_run": 8, "record_spikes": False, "coupling": "auto"}
    state_rate_variable = "rate"
    build_options = ("coupling",)
    ends_each_batch = True
    # measured per simulated second on one core, dt 0.1 ms: 0.97 s at full size (2560 neurons: 3.8e-4 per
    # neuron), 0.40 s scaled (640: 6.2e-4); the larger, so that the guard errs towards asking
    seconds_per_neuron_second = 6e-4

    # ------------------------------------------------------------------ checks
    def _validated(self) -> dict[str, Any]:
        q = super()._validated()
        check_positive_int("trials_per_run", self.trials_per_run)
        for key in ("tau_AMPA", "tau_NMDA_rise", "tau_NMDA_decay", "tau_GABA", "C_E", "C_I", "g_L_E", "g_L_I", "dt"):
            if not float(q[key]) > 0:
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be > 0")
        if not q["J_plus"] >= 0:
            raise ValueError(f"parameter J_plus={q['J_plus']!r} is not allowed; it must be >= 0")
        check_positive_int("n_angle_bins", q["n_angle_bins"])
        if self.coupling not in COUPLINGS:
            raise ValueError(f"coupling={self.coupling!r} is not allowed; it must be one of {list(COUPLINGS)}")
        if self.coupling == "fused" and resolve_device(self.device) != "cpp_standalone":
            raise ValueError(f"coupling='fused' is not allowed with device={self.device!r}; it runs on cpp_standalone only (use 'auto' or 'synapses')")
        return q

    def _check_trials(self, q: dict[str, Any], trials: xr.Dataset) -> None:
        if trials.attrs.get("task") == "multi-item-recall":
            raise ValueError(
                f"{self.name} cannot run multi-item-recall: its ring holds a single bump, and several cues "
                "merge into one bump or compete until one wins (Compte et al. 2000), so it has no multi-item "
                "state to recall; run mongillo2008 on this task instead"
            )
        missing = {"cue_angle", "cue_onset", "cue_offset", "response_onset", "trial_end"} - set(trials.variables)
        if trials.attrs.get("task") != "delayed-estimation" or missing:
            raise ValueError(
                f"{self.name} runs delayed-estimation trials; got a trials Dataset from task "
                f"{trials.attrs.get('task')!r}" + (f" lacking {sorted(missing)}" if missing else "")
            )
        if np.unique(trials["cue_onset"]).size != 1 or np.unique(trials["cue_offset"]).size != 1:
            raise ValueError("all trials must share one cue period (cue_onset, cue_offset) to run in one build")

    # --------------------------------------------------------------- building
    def _footprint_modes(self, q: dict[str, Any]) -> tuple[np.ndarray, int]:
        """Fourier coefficients of the E->E footprint at this size (see :mod:`.footprint`)."""
        row = gaussian_footprint(self.N_E, q["J_plus"], q["sigma_EE"])
        return circulant_modes(row, q["footprint_tolerance"])

    def _batch_size(self, q: dict[str, Any], n_trials: int) -> int:
        return self.trials_per_run

    def _build(self, q: dict[str, Any], trials: xr.Dataset, n_copies: int, duration_s: float, setup: list) -> dict[str, Any]:
        """Create the Brian2 objects for ``n_copies`` disconnected rings (all trials share one cue period)."""
        import brian2 as b2

        N_E, N_I = self.N_E, self.N_I
        scale_E = q["N_E"] / N_E  # keeps mean recurrent input at the published size
        scale_I = q["N_I"] / N_I
        shared = {k: q[k] for k in ("V_L", "E_AMPA", "E_NMDA", "E_GABA", "tau_AMPA", "Mg")}
        shared["mV"] = b2.mV
        ns_E = dict(
            shared,
            C=q["C_E"],
            g_L=q["g_L_E"],
            g_ext=q["g_ext_E"],
            g_NMDA=q["g_EE_NMDA"] * scale_E,
            g_GABA=q["g_IE_GABA"] * scale_I,
            tau_NMDA_rise=q["tau_NMDA_rise"],
            tau_NMDA_decay=q["tau_NMDA_decay"],
            alpha_NMDA=q["alpha_NMDA"],
        )
        ns_I = dict(shared, C=q["C_I"], g_L=q["g_L_I"], g_ext=q["g_ext_I"], g_NMDA=q["g_EI_NMDA"] * scale_E, g_GABA=q["g_II_GABA"] * scale_I)
        dt = q["dt"]
        thr = {"V_thr": q["V_thr"], "V_reset": q["V_reset"]}
        E = lif_group(
            n_copies * N_E, _MEMBRANE + _NMDA_GATING, reset="v = V_reset; x_NMDA += 1", refractory=q["tref_E"], namespace={**ns_E, **thr}, dt=dt, name="exc"
        )
        I = lif_group(n_copies * N_I, _MEMBRANE + _NMDA_INPUT_LINKED, reset="v = V_reset", refractory=q["tref_I"], namespace={**ns_I, **thr}, dt=dt, name="inh")
        # 1000 inputs at nu_ext/1000 each: the Poisson limit of the 1.8 kHz external drive. PoissonInput
        # takes no name, and Brian2 orders a slot's ties by name ("poissoninput_10" < "poissoninput_9"):
        # distinct orders fix which one draws its random numbers first in every build.
        ext_E = b2.PoissonInput(E, "s_AMPA", 1000, q["nu_ext"] / 1000, weight=1.0, order=0)
        ext_I = b2.PoissonInput(I, "s_AMPA", 1000, q["nu_ext"] / 1000, weight=1.0, order=1)

        coef, n_freq = self._footprint_modes(q)
        n_modes = coef.size
        basis = mode_basis(ring_angles(N_E), n_freq)  # (n_modes, N_E)
        modes = b2.NeuronGroup(n_copies * n_modes, "C : 1", dt=dt, name="ring_modes")
        if self._fused():
            coupling = fused_mode_coupling(E, modes, basis, coef)
        else:
            coupling = synaptic_mode_coupling(E, modes, basis, coef, n_copies, dt)
        copy_E = np.repeat(np.arange(n_copies), N_E)
        copy_I = np.repeat(np.arange(n_copies), N_I)
        I.s_NMDA_in = b2.linked_var(modes, "C", index=copy_I * n_modes)  # mode 0 = sum of E gating

        pool = b2.NeuronGroup(n_copies, "ds/dt = -s/tau_GABA : 1", method="exact", dt=dt, namespace={"tau_GABA": q["tau_GABA"]}, name="gaba_pool")
        to_pool = b2.Synapses(I, pool, on_pre="s_post += 1", dt=dt, name="inh_to_pool")
        to_pool.connect(i=np.arange(n_copies * N_I), j=copy_I)
        E.s_GABA_in = b2.linked_var(pool, "s", index=copy_E)
        I.s_GABA_in = b2.linked_var(pool, "s", index=copy_I)

        seed_holder = b2.NeuronGroup(1, "rng_seed : integer (constant)", name="seed_holder")
        spikes = b2.SpikeMonitor(E, name="exc_spikes")
        net = b2.Network(E, I, ext_E, ext_I, modes, *coupling, pool, to_pool, seed_holder, spikes)
        E.cue_start = float(trials["cue_onset"][0]) * b2.second
        E.cue_stop = float(trials["cue_offset"][0]) * b2.second
        return {"net": net, "E": E, "I": I, "spikes": spikes, "seed_holder": seed_holder}

    def _fused(self) -> bool:
        return self.coupling == "fused" or (self.coupling == "auto" and resolve_device(self.device) == "cpp_standalone")

    # ---------------------------------------------------------------- running
    def _batch_values(self, q: dict[str, Any], built: dict[str, Any], trials: xr.Dataset, rows: np.ndarray, rng: np.random.Generator) -> dict[Any, Any]:
        """Random initial potentials and each copy's cue current (a Gaussian bump around its cue angle)."""
        n = rows.size
        v_E = q["V_L"] + rng.uniform(0, 1, n * self.N_E) * (q["V_thr"] - q["V_L"])
        v_I = q["V_L"] + rng.uniform(0, 1, n * self.N_I) * (q["V_thr"] - q["V_L"])
        return {built["E"].v: v_E, built["I"].v: v_I, built["E"].cue_amp: self._cue_currents(q, trials, rows).ravel()}

    def _cue_currents(self, q: dict[str, Any], trials: xr.Dataset, rows: np.ndarray) -> np.ndarray:
        """(trial, E neuron) cue current: a Gaussian around each item's angle, all items at once (Wei, Wang & Wang 2012)."""
        angles = trials["item_angle"].values[rows] if "item_angle" in trials else trials["cue_angle"].values[rows][:, None]
        dist = ring_angles(self.N_E)[None, None, :] - np.nan_to_num(angles, nan=0.0)[:, :, None]
        dist = (dist + np.pi) % (2 * np.pi) - np.pi
        bumps = np.exp(-(dist**2) / (2 * q["cue_width"] ** 2)) * np.isfinite(angles)[:, :, None]
        return q["cue_current"] * bumps.sum(1)

    def _batch_draws(self, q: dict[str, Any], trials: xr.Dataset, rows: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """A uniform angle per trial of several items: the report when the cued item's bump is gone (a guess)."""
        if "item_angle" not in trials:
            return {}
        reports = trials.sizes.get("turn")  # whole report: one guess per report (cued trials draw as before)
        return {"guess_trial": rows, "guess_angle": rng.uniform(-np.pi, np.pi, rows.size if reports is None else (rows.size, reports))}

    def _read(self, q: dict[str, Any], built: dict[str, Any], rows: np.ndarray) -> dict[str, np.ndarray]:
        """E spikes of the batch as (trial, neuron, time); padding copies dropped."""
        spikes = spike_arrays(built["spikes"])
        i_spk, t_spk = spikes["i"], spikes["t"]
        copy = i_spk // self.N_E
        keep = copy < rows.size
        return {"trial": rows[copy[keep]], "neuron": i_spk[keep] % self.N_E, "time": t_spk[keep]}

    def _description(self, q: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return (
            f"{self.name} ring attractor on delayed estimation ({self.N_E} E + {self.N_I} I)",
            {"n_footprint_modes": int(self._footprint_modes(q)[0].size), "coupling": "fused" if self._fused() else "synapses"},
        )

    def _result_attrs(self, q: dict[str, Any]) -> dict[str, Any]:
        published = int(q["N_E"])
        if self.N_E >= published:
            return {"network_size": "published"}
        d = SCALED_DIFFUSION
        measured = (
            f"; measured at 512 E, error s.d. {' / '.join(f'{v:g}' for v in d['scaled_deg'])} deg against "
            f"{' / '.join(f'{v:g}' for v in d['full_deg'])} deg for the published network at "
            f"{' / '.join(f'{v:g}' for v in d['delays_s'])} s"
        )
        note = (
            f"reduced network ({self.N_E} E of the published {published}): its bump drifts faster than the published network's"
            f"{measured if self.N_E == 512 else ''}; run size='full' for the published network"
        )
        return {"network_size": "reduced", "network_size_note": note}

    # ------------------------------------------------------------ read-outs
    def _nearest_bump(self, q: dict[str, Any], trials: xr.Dataset, rates: np.ndarray, guess: np.ndarray, cue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reports of trials of several items from E rates (trial, neuron) over the read-out window.

        The report is the population vector of the neurons within ``reach`` of the most active
        neuron near the cued item (within ``reach`` of its angle): the bump that holds it.
        ``reach`` is half the items' smallest separation (past it another item is nearer), but
        never narrower than a bump (``cue_width``): closer items' bumps merge into one, and a
        narrower window would clip a drifted bump toward its item, reporting it more precisely
        than the network held it. Where no neuron there fires above ``bump_threshold`` (the
        item's bump faded, merged away or drifted off) the report is ``guess`` (a uniform
        angle) and the trial is marked guessed. ``cue``: the reported item's angle per trial.
        """
        reach = max(0.5 * _task_separation(trials), float(q["cue_width"]))
        angles = ring_angles(self.N_E)
        smoothed = _circular_smooth(rates, q["cue_width"], angles)  # a neuron's rate is noisy; a bump is wide
        near_cue = np.abs(_wrap(angles[None, :] - np.nan_to_num(cue)[:, None])) <= reach
        peak = np.argmax(np.where(near_cue, smoothed, -np.inf), axis=1)
        height = smoothed[np.arange(len(peak)), peak]
        around = np.abs(_wrap(angles[None, :] - angles[peak][:, None])) <= reach
        vec = (np.where(around, rates, 0.0) * np.exp(1j * angles)[None, :]).sum(1)
        guessed = ~(height >= float(q["bump_threshold"])) | (np.abs(vec) == 0)
        return np.where(guessed, guess, np.angle(vec)), guessed

    def _responses(self, q: dict[str, Any], trials: xr.Dataset, batches: list[dict[str, np.ndarray]], duration_s: float, setup: list) -> xr.Dataset:
        """Decoded angle, rates per angle bin and population angle per time bin (and spikes, if recorded)."""
        trial_idx, neuron, spike_t = (np.concatenate([b[k] for b in batches]) for k in ("trial", "neuron", "time"))
        # a batch runs to its longest trial's end: what a trial's copy did after its own end is not the trial's
        within = spike_t < trials["trial_end"].values[trial_idx]
        trial_idx, neuron, spike_t = trial_idx[within], neuron[within], spike_t[within]
        n_trials, N_E = trials.sizes["trial"], self.N_E
        angles = ring_angles(N_E)
        phasor = np.exp(1j * angles)

        # Population vector over the read-out window that ends with the delay (whole report: with each report's onset).
        window = float(q["readout_window"])
        whole = "report_onset" in trials
        ends = trials["report_onset"].values if whole else trials["response_onset"].values[:, None]  # (trial, report)
        targets = trials["target"].values.reshape(ends.shape)
        response = np.full(ends.shape, np.nan)
        extra: dict[str, Any] = {}
        if "item_angle" in trials:
            guess = np.zeros(ends.shape)
            guess[np.concatenate([b["guess_trial"] for b in batches])] = np.concatenate([b["guess_angle"] for b in batches]).reshape(-1, ends.shape[1])
            guessed = np.zeros(ends.shape, dtype=bool)
            several = trials["set_size"].values > 1
        for k in range(ends.shape[1]):
            end = ends[trial_idx, k]  # NaN past the set size: no spike is in that window
            in_window = (spike_t >= end - window) & (spike_t < end)
            vec = np.zeros(n_trials, complex)
            np.add.at(vec, trial_idx[in_window], phasor[neuron[in_window]])
            response[:, k] = np.where(np.abs(vec) > 0, np.angle(vec), np.nan)
            if "item_angle" in trials:
                counts = np.zeros((n_trials, N_E))
                np.add.at(counts, (trial_idx[in_window], neuron[in_window]), 1.0)
                found, lost = self._nearest_bump(q, trials, counts / window, guess[:, k], targets[:, k])
                reported = several & np.isfinite(targets[:, k])
                response[:, k] = np.where(reported, found, response[:, k])
                guessed[:, k] = reported & lost
        if "item_angle" in trials:
            extra["guessed"] = (
                trials["target"].dims,
                per_report_flags(guessed, trials["target"].values),
                {"units": "1", "long_name": "no bump near the cued item at report (a uniform guess)"},
            )
        response = response.reshape(trials["target"].shape)

        # Rates per angle bin and time bin; NaN once the trial is over.
        n_bins = int(q["n_angle_bins"])
        bin_w = float(q["rate_bin"])
        a_bin_of = np.minimum((np.arange(N_E) * n_bins) // N_E, n_bins - 1)
        rate, _ = population_rates(
            trial_idx, spike_t, a_bin_of[neuron], n_trials=n_trials, group_sizes=np.bincount(a_bin_of, minlength=n_bins), duration=duration_s, bin_width=bin_w
        )
        # the ring's time coordinate has always been edge + half a bin, which differs from the helper's
        # (k + 0.5) * bin in the last bit for some k: kept, so that its results align with earlier ones
        t_edges = np.arange(rate.shape[1] + 1) * bin_w
        over = t_edges[1:][None, :] > trials["trial_end"].values[:, None] + 1e-9
        rate[over] = np.nan
        bin_angle = np.array([np.angle(phasor[a_bin_of == b].sum()) for b in range(n_bins)])
        pop = rate @ np.exp(1j * bin_angle)
        population_angle = np.where(np.abs(pop) > 0, np.angle(pop), np.nan)

        ds = xr.Dataset(
            {
                "response_angle": (
                    trials["target"].dims,
                    response,
                    {"units": "rad", "long_name": "decoded remembered angle (population vector at end of delay" + (", and at each report)" if whole else ")")},
                ),
                "rate": (("trial", "time", "angle_bin"), rate, {"units": "Hz", "long_name": "E firing rate per preferred-angle bin"}),
                "population_angle": (("trial", "time"), population_angle, {"units": "rad", "long_name": "population-vector angle per time bin"}),
                **extra,
            },
            coords={
                "trial": trials["trial"].values,
                "delay": ("trial", trials["delay"].values, trials["delay"].attrs),
                "time": ("time", t_edges[:-1] + bin_w / 2, {"units": "s", "long_name": "time from trial start (bin centre)"}),
                "angle": ("angle_bin", bin_angle, {"units": "rad", "long_name": "preferred angle of the bin"}),
            }
            | ({"turn": trials["turn"].values} if whole else {}),
        )
        ds.attrs["readout_window_s"] = window
        if self.record_spikes:
            order = np.lexsort((spike_t, trial_idx))
            ds["spike_trial"] = ("spike", trial_idx[order], {"units": "1", "long_name": "trial of the spike"})
            ds["spike_neuron"] = ("spike", neuron[order], {"units": "1", "long_name": "E neuron index on the ring"})
            ds["spike_time"] = ("spike", spike_t[order], {"units": "s", "long_name": "spike time from trial start"})
            ds["neuron_angle"] = ("neuron", angles, {"units": "rad", "long_name": "preferred angle of E neuron"})
        return ds
