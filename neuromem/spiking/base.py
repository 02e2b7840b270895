"""What every spiking network shares: card values, one build for many trials, batches, resume, provenance.

A network subclass supplies its Brian2 objects (:meth:`SpikingModel._build`), the
values that change per batch of trials (:meth:`~SpikingModel._batch_values`), what
to read after each batch (:meth:`~SpikingModel._read`) and how to turn the batches
into responses (:meth:`~SpikingModel._responses`). :meth:`SpikingModel.run` does
the rest the same way for every network:

* one build: standalone devices compile once and each batch is a
  ``device.run(run_args=...)``; ``runtime`` stores the initial state and restores it;
* seeding: ``SeedSequence(seed)`` spawns ``n_setup_streams`` streams for what is
  fixed for the run (connectivity, sampled synapses), then one stream per batch
  (initial conditions and the simulator's noise), so a batch's result does not
  depend on which batches ran before it in this process;
* workers: batches run ``workers`` at a time in processes forked after the build
  (0: one per usable core); each has its own seed, so the result is the same for any number;
* unequal trials: a network with ``ends_each_batch`` gets its trials batched by length and
  each batch stopped at its own end, in the one build (see :class:`~neuromem.spiking.devices.TrialRunner`);
* resume: with ``checkpoint`` each finished batch is kept on disk
  (:class:`~neuromem.spiking.batch_store.BatchStore`) and a new run with the same
  arguments simulates only the missing ones;
* a progress bar over trials, timings and provenance from the model's parameters;
* Brian2 preferences and device restored afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import time as _time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, sized_model_kwargs
from neuromem.results import provenance
from neuromem.spiking.batch_store import BatchStore, run_digest
from neuromem.spiking.card_values import batch_seed_of, card_quantities
from neuromem.spiking.devices import STANDALONE, TrialRunner, backend_string, brian_device, build_directory, resolve_device
from neuromem.spiking.parallel import forked_batches, resolve_workers
from neuromem.validation import check_positive_int, check_record, usable_cores

#: trial variables of a list of items shown in turn with a read-out after it (multi-item recall,
#: free recall): what a network that runs such lists declares it reads
ITEM_LIST: tuple[str, ...] = ("item_id", "item_onset", "item_offset", "readout_onset", "trial_end", "pool")


@dataclass(frozen=True)
class _Plan:
    """How a run is cut into batches: device, copies per batch, trial rows per batch, seeds, build key."""

    kind: str
    n_copies: int
    rows: list[np.ndarray]
    duration_s: float
    setup: list
    children: list
    key: str
    #: each batch's simulated time (s): its longest trial where the network ends each batch at its own end
    ends: tuple[float, ...] = ()


class SpikingModel:
    """Base class of the Brian2 networks that run a task's trials (see the module docstring)."""

    family: ClassVar[str] = "spiking"
    #: (module, extra) this model needs beyond the core install
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("brian2", "spiking"), ("filelock", "spiking"))
    #: the task whose trials this network was built for
    task: ClassVar[str] = ""
    #: trial variables the network reads; trials of another task that carry them run too
    #: (when the card lists that task), so a new task plugs in without an edit here
    trial_variables: ClassVar[tuple[str, ...]] = ()
    #: {parameter: dimension} of the card's parameters (absent: a plain number)
    dimensions: ClassVar[Mapping[str, str]] = {}
    #: options of this network beyond the common ones, with their defaults (set as attributes)
    options: ClassVar[Mapping[str, Any]] = {}
    #: the network stops each batch at its longest trial's end (one build; trials batched by length);
    #: its read-outs must then ignore what a longer batch would have simulated past a trial's end
    ends_each_batch: ClassVar[bool] = False
    #: options that change the compiled network (part of the build's and a resumed run's identity)
    build_options: ClassVar[tuple[str, ...]] = ()
    #: SeedSequence streams for what is fixed for a whole run (connectivity, ...)
    n_setup_streams: ClassVar[int] = 0
    #: runtime device with the numpy target (small networks start faster)
    runtime_numpy: ClassVar[bool] = False
    #: card parameters that are names (strings), not quantities; they are left as given
    text_parameters: ClassVar[frozenset[str]] = frozenset()
    #: the response variable of rates binned per trial, dims (trial, time[, group]) in Hz, that
    #: ``run(..., record=("states",))`` adds as ``state_rate`` (trial, time, unit); empty: the network
    #: does not bin its rates per trial and refuses ``record``
    state_rate_variable: ClassVar[str] = ""

    def __init__(
        self,
        parameters: Mapping[str, Any],
        *,
        N_E: int,
        N_I: int,
        device: str = "cpp_standalone",
        name: str = "",
        references: str = "",
        threads: int = 0,
        workers: int = 0,
        **options: Any,
    ) -> None:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise ValueError(f"unknown option(s) {unknown} for {type(self).__name__}; its options: {sorted(self.options)}")
        self.parameters = dict(parameters)
        self.N_E = N_E
        self.N_I = N_I
        self.device = device
        self.name = name
        self.references = references
        self.threads = threads
        self.workers = workers
        for key, default in self.options.items():
            setattr(self, key, options.get(key, default))

    @classmethod
    def from_card(cls, card: ModelCard, *, size: str = "scaled", **options: Any) -> SpikingModel:
        """Build from a card; ``size`` names one of its ``[sizes]``; other options override parameters."""
        return cls(**sized_model_kwargs(card, size, options, {"device", "N_E", "N_I", "threads", "workers", *cls.options}))

    # ------------------------------------------------------------ subclass hooks
    def _validated(self) -> dict[str, Any]:
        """Card parameters as Brian2 quantities (dimension-checked) plus derived values."""
        check_positive_int("N_E", self.N_E)
        check_positive_int("N_I", self.N_I)
        cores = usable_cores()
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or not 0 <= self.threads <= cores:
            raise ValueError(f"threads={self.threads!r} is not allowed; it must be a whole number from 0 to {cores} (the cores this process may use)")
        resolve_workers(self.workers)
        q = card_quantities({k: v for k, v in self.parameters.items() if k not in self.text_parameters}, self.dimensions)
        q.update({k: v for k, v in self.parameters.items() if k in self.text_parameters})
        return q

    def _check_trials(self, q: dict[str, Any], trials: xr.Dataset) -> None:
        task = trials.attrs.get("task")
        if not self.trial_variables:
            if task != self.task:
                raise ValueError(f"{self.name} runs {self.task} trials; got a trials Dataset from task {task!r}")
            return
        missing = [v for v in self.trial_variables if v not in trials.variables]
        if missing:
            raise ValueError(f"{self.name} reads {list(self.trial_variables)} from its trials; those of task {task!r} lack {missing}")

    def _batch_size(self, q: dict[str, Any], n_trials: int) -> int:
        """Trials simulated side by side in one network run (1: one trial per run)."""
        return 1

    def _build(self, q: dict[str, Any], trials: xr.Dataset, n_copies: int, duration_s: float, setup: list) -> dict[str, Any]:
        """Brian2 objects: ``net`` (a Network), ``seed_holder`` and whatever the other hooks need."""
        raise NotImplementedError

    def _batch_values(self, q: dict[str, Any], built: dict[str, Any], trials: xr.Dataset, rows: np.ndarray, rng: np.random.Generator) -> dict[Any, Any]:
        """{variable or TimedArray: value} for the batch of trial indices ``rows``."""
        raise NotImplementedError

    def _batch_draws(self, q: dict[str, Any], trials: xr.Dataset, rows: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Random numbers the read-out of the batch's trials ``rows`` needs (drawn after :meth:`_batch_values`, from the
        batch's generator, and kept with the batch so that a resumed run reads out the same); none by default."""
        return {}

    def _read(self, q: dict[str, Any], built: dict[str, Any], rows: np.ndarray) -> dict[str, np.ndarray]:
        """What a finished batch gives (plain arrays, kept in the checkpoint)."""
        raise NotImplementedError

    def _responses(self, q: dict[str, Any], trials: xr.Dataset, batches: list[dict[str, np.ndarray]], duration_s: float, setup: list) -> xr.Dataset:
        """Responses Dataset from every batch's arrays, in batch order."""
        raise NotImplementedError

    def _description(self, q: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Title of the results and extra provenance parameters."""
        return f"{self.name} on {self.task} ({self.N_E} E + {self.N_I} I)", {}

    def _result_attrs(self, q: dict[str, Any]) -> dict[str, Any]:
        """Extra global attributes of the results (e.g. the variant of a network)."""
        return {}

    # ---------------------------------------------------------------- estimates
    #: wall-clock seconds per neuron per simulated second on one core at the card's time step, for
    #: :meth:`estimate`; each network sets what benchmarks/network_timings.py measured for it
    seconds_per_neuron_second: float = 1e-3
    #: mean rate assumed for the size of stored spikes
    stored_rate_hz: float = 10.0

    def estimate(self, trials: xr.Dataset) -> dict[str, float]:
        """Rough cost of running ``trials``: ``seconds`` of wall-clock time on one core and ``bytes`` stored.

        Every trial runs to the end of the longest one (as a batch does), or to its own end in a
        network with :attr:`ends_each_batch`; the time is
        neurons x simulated time x :attr:`seconds_per_neuron_second`; the bytes are the
        spikes at :attr:`stored_rate_hz` (12 bytes each) when the model stores them.
        Order of magnitude only: enough to stop a mistyped run of weeks.
        """
        ends = trials["trial_end"].values
        simulated = float(ends.sum()) if self.ends_each_batch else ends.size * float(ends.max())
        neurons = self.N_E + self.N_I
        spikes = neurons * simulated * self.stored_rate_hz if getattr(self, "record_spikes", False) else 0.0
        return {"seconds": neurons * simulated * self.seconds_per_neuron_second, "bytes": 12.0 * spikes, "simulated_seconds": simulated}

    # --------------------------------------------------------------- the run
    @classmethod
    def records_states(cls) -> bool:
        """Whether this network bins its rates per trial (:attr:`state_rate_variable`), so that it can record them as states."""
        return bool(cls.state_rate_variable)

    def run(
        self, trials: xr.Dataset, *, seed: int, progress: bool = True, checkpoint: str | os.PathLike | None = None, record: Sequence[str] = ()
    ) -> xr.Dataset:
        """Simulate every trial from the same initial network; responses with provenance.

        Parameters
        ----------
        trials : xarray.Dataset
            Trials of :attr:`task`.
        seed : int
            Seeds what is fixed for the run, initial conditions and all network noise.
        progress : bool
            Show a progress bar over trials.
        checkpoint : path, optional
            Folder that keeps each finished batch; a run started again with the
            same arguments simulates only the missing batches (each batch has its
            own seed, so the result equals that of an uninterrupted run).
        record : sequence of str
            ``("states",)`` adds the rates the network bins per trial as ``state_rate``
            (trial, time, unit) in Hz, on the rates' own time bins (see :func:`rate_state`);
            a network without such rates (no :attr:`state_rate_variable`) refuses it before
            simulating anything. Recording reads the same batches, so a checkpoint of a run
            without it serves a run with it.
        """
        from tqdm.auto import tqdm

        wanted = check_record(record)
        if wanted and not self.state_rate_variable:
            raise ValueError(f"record={list(wanted)} is not available for model {self.name or type(self).__name__!r}: it does not bin its rates per trial")
        q = self._validated()
        self._check_trials(q, trials)
        plan = self._plan(q, trials, seed)
        store = None if checkpoint is None else BatchStore(checkpoint, run_digest(plan.key, seed, trials))
        done = {b: part for b in range(len(plan.rows)) if store is not None and (part := store.load(b)) is not None}
        bar = tqdm(total=trials.sizes["trial"], desc=f"{self.name} trials", unit="trial", disable=not progress)
        bar.update(sum(plan.rows[b].size for b in done))
        pending = [b for b in range(len(plan.rows)) if b not in done]
        timings = self._simulate(q, trials, plan, pending, done, store, bar) if pending else {"build_s": 0.0, "run_s": 0.0}
        bar.close()
        ds = self._responses(q, trials, [done[b] for b in range(len(plan.rows))], plan.duration_s, plan.setup)
        if "states" in wanted:
            ds["state_rate"] = rate_state(ds[self.state_rate_variable])
        return self._stamp(ds, q, trials, seed, plan, timings)

    def _plan(self, q: dict[str, Any], trials: xr.Dataset, seed: int) -> _Plan:
        kind = resolve_device(self.device)
        n_trials = trials.sizes["trial"]
        n_copies = min(check_positive_int("trials per run", self._batch_size(q, n_trials)), n_trials)
        dt_s = float(q["dt"])
        # every trial's length in whole steps; a network that ends each batch at its own end batches
        # trials of equal length together (a stable sort: trials of one length keep their order)
        lengths = np.ceil(np.round(trials["trial_end"].values.astype(float) / dt_s, 6)) * dt_s
        own_end = self.ends_each_batch and kind != "cuda_standalone"  # brian2cuda: every batch to the longest end
        order = np.argsort(lengths, kind="stable") if own_end else np.arange(n_trials)
        rows = [order[start : start + n_copies] for start in range(0, n_trials, n_copies)]
        duration_s = float(lengths.max())
        ends = tuple(float(lengths[r].max()) if own_end else duration_s for r in rows)
        setup, children = self._streams(seed, len(rows))
        fixed_by_seed = int(seed) if self.n_setup_streams else None  # the build holds the seed's connectivity
        options = {k: getattr(self, k) for k in self.build_options}
        identity = [type(self).__name__, self.parameters, self.N_E, self.N_I, n_copies, sorted(set(ends)), kind, self.threads, fixed_by_seed, options]
        key = json.dumps(identity, sort_keys=True, default=str)
        return _Plan(kind, n_copies, rows, duration_s, setup, children, key, ends)

    def _simulate(
        self, q: dict[str, Any], trials: xr.Dataset, plan: _Plan, pending: list[int], done: dict, store: BatchStore | None, bar: Any
    ) -> dict[str, float]:
        """Build once, then run each pending batch; fills ``done`` (and the store). Returns timings."""
        directory = build_directory(plan.kind, plan.key) if plan.kind in STANDALONE else None
        timings = {"build_s": 0.0, "run_s": 0.0}
        with brian_device(plan.kind, directory, self.threads, numpy_target=self.runtime_numpy) as dev:
            t0 = _time.perf_counter()
            built = self._build(q, trials, plan.n_copies, plan.duration_s, plan.setup)
            runner = TrialRunner(dev, plan.kind, built["net"], plan.ends, built["seed_holder"], directory, self.threads)
            runner.build(batch_seed_of(plan.children[0]))
            timings["build_s"] = _time.perf_counter() - t0
            t1 = _time.perf_counter()
            for b, part in self._batches(q, trials, plan, built, runner, pending):
                done[b] = part
                if store is not None:
                    store.save(b, part)
                bar.update(plan.rows[b].size)
            timings["run_s"] = _time.perf_counter() - t1  # wall time, whatever the number of workers
        return timings

    def _run_batch(
        self, q: dict[str, Any], trials: xr.Dataset, plan: _Plan, built: dict[str, Any], runner: TrialRunner, b: int, results: str | None = None
    ) -> tuple[int, dict]:
        """Simulate batch ``b`` (its trials, its own seed) and read it: (b, arrays)."""
        # the last batch is padded by repeating its trials; _read drops the padding
        padded = np.resize(plan.rows[b], plan.n_copies)
        rng = np.random.default_rng(plan.children[b])
        values = self._batch_values(q, built, trials, padded, rng)
        runner.run(values, batch_seed_of(plan.children[b]), results, plan.ends[b])
        part = {**self._read(q, built, plan.rows[b]), **self._batch_draws(q, trials, plan.rows[b], rng)}
        if results is not None and runner.standalone:
            shutil.rmtree(runner.directory / results, ignore_errors=True)  # a worker's own output, read
        return b, part

    def _batches(
        self, q: dict[str, Any], trials: xr.Dataset, plan: _Plan, built: dict[str, Any], runner: TrialRunner, pending: list[int]
    ) -> Iterator[tuple[int, dict]]:
        """(b, arrays) of every pending batch: in turn, or ``workers`` at a time in forked processes."""
        workers = min(resolve_workers(self.workers, plan.kind, self.threads), len(pending))
        if workers <= 1:
            for b in pending:
                yield self._run_batch(q, trials, plan, built, runner, b)
            return
        yield from forked_batches(lambda b: self._run_batch(q, trials, plan, built, runner, b, f"results-{os.getpid()}"), pending, workers)

    def _streams(self, seed: int, n_batches: int) -> tuple[list, list]:
        streams = np.random.SeedSequence(int(seed)).spawn(self.n_setup_streams + n_batches)
        return streams[: self.n_setup_streams], streams[self.n_setup_streams :]

    def _stamp(self, ds: xr.Dataset, q: dict[str, Any], trials: xr.Dataset, seed: int, plan: _Plan, timings: dict[str, float]) -> xr.Dataset:
        title, extra = self._description(q)
        params = {
            "model_parameters": self.parameters,
            "N_E": self.N_E,
            "N_I": self.N_I,
            "device": plan.kind,
            "trials_per_run": plan.n_copies,
            "threads": self.threads,
            **extra,
            "task_parameters": trials.attrs.get("task_parameters", ""),
        }
        ds.attrs.update(
            provenance(
                title=title,
                model=self.name,
                model_family=self.family,
                task=str(trials.attrs.get("task", self.task)),
                parameters=params,
                seed=seed,
                backend=backend_string(plan.kind, self.threads),
                references=self.references + "; " + trials.attrs.get("task_references", ""),
            )
        )
        ds.attrs["build_seconds"] = round(timings["build_s"], 3)
        ds.attrs["simulation_seconds"] = round(timings["run_s"], 3)
        ds.attrs["simulated_seconds_per_trial"] = plan.duration_s
        ds.attrs.update(self._result_attrs(q))
        return ds


def rate_state(rate: xr.DataArray) -> xr.Variable:
    """Binned rates ``rate`` (trial, time[, group]) in Hz as the state contract's ``rate``: dims (trial, time, unit).

    The group dim (angle bin, pool, item block) becomes ``unit`` without its coordinates, so that
    the state analyses treat a network's groups as they treat an artificial model's units; rates of
    the whole population (no group dim) are one unit. The values are a copy of ``rate``'s.
    """
    values = rate.transpose("trial", "time", ...).values
    if values.ndim == 2:
        values = values[:, :, None]
    if values.ndim != 3:
        raise ValueError(f"rates {rate.name!r} with dims {rate.dims} cannot be a state (trial, time, unit): they have more than one group dim")
    return xr.Variable(("trial", "time", "unit"), values.copy(), {"units": rate.attrs["units"], "long_name": rate.attrs.get("long_name", "firing rate")})


def spike_arrays(monitor: Any) -> dict[str, np.ndarray]:
    """Indices ``i`` and times ``t`` (s) of every spike a Brian2 SpikeMonitor recorded in the last run."""
    import brian2 as b2

    return {"i": np.asarray(monitor.i[:]), "t": np.asarray(monitor.t[:] / b2.second)}


def lif_group(n: int, model: str, *, reset: str, refractory: Any, namespace: dict, dt: Any, name: str) -> Any:
    """A Brian2 group of ``n`` integrate-and-fire cells firing at ``v > V_thr`` (Euler), as every network here uses."""
    import brian2 as b2

    return b2.NeuronGroup(n, model, threshold="v > V_thr", reset=reset, refractory=refractory, method="euler", namespace=namespace, dt=dt, name=name)
