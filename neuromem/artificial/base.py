"""What every artificial model shares: card parameters, stacked per-seed weights, running.

Weights of several seeds are *stacked* on a leading ``seed`` dim, so one
forward/backward pass trains them all at once (a batched model); seed s's slice
is drawn from its own generator, so it equals what a single-seed model with that
seed would draw. Constructors only store parameters (scikit-learn style); a fit
sets ``params_``, ``seeds_``, ``io_`` and ``history_``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, card_parameters
from neuromem.tasks.base import WHOLE_REPORT
from neuromem.units import quantity
from neuromem.validation import check_positive_int, check_record


def resolve_torch_device(device: str) -> Any:
    """``"auto"`` -> CUDA when present, else CPU; ``"cpu"``/``"cuda"``/``"cuda:N"`` as given."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu" or device.startswith("cuda"):
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device={device!r} is not available: torch sees no CUDA GPU; use 'auto' or 'cpu'")
        return torch.device(device)
    raise ValueError(f"device={device!r} is not allowed; choose 'auto', 'cpu' or 'cuda'")


def seconds(name: str, value: Any) -> float:
    """A card time (``"20 ms"``) in seconds; another dimension or no unit raises naming the parameter."""
    return quantity(name, value, "time")


def torch_backend(device: Any) -> str:
    """E.g. ``"torch 2.13.0 cpu"``: the ``backend`` attribute of an artificial model's results."""
    import torch

    return f"torch {torch.__version__} {device.type}"


def stacked(seeds: Sequence[int], make: Any, device: Any) -> Any:
    """Stack ``make(generator)`` over seeds; each seed's draw uses its own CPU generator."""
    import torch

    parts = []
    for s in seeds:
        g = torch.Generator().manual_seed(int(s))
        parts.append(make(g))
    return torch.stack(parts).to(device)


def _settings_apart(model: Any, trials: xr.Dataset) -> str:
    """`` (trained with set_sizes=[1, 2]; these trials have set_sizes=[1])``: the task settings where fit and trials differ."""
    trained = getattr(model, "task_parameters_", None) or {}
    asked = json.loads(trials.attrs.get("task_parameters", "{}"))
    apart = [k for k in sorted(set(trained) & set(asked)) if trained[k] != asked[k] and k != "timing"]
    if not apart or getattr(model, "task_", None) != trials.attrs.get("task"):
        return ""
    trained_text = ", ".join(f"{k}={trained[k]!r}" for k in apart)
    asked_text = ", ".join(f"{k}={asked[k]!r}" for k in apart)
    return f" (trained with {trained_text}; these trials have {asked_text})"


class ArtificialModel:
    """Base class: ``family``, card parameters, fitted state and :meth:`run`."""

    family: ClassVar[str] = ""
    #: (module, extra) this model needs beyond the core install
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("torch", "artificial"),)
    #: a card's artificial model has no weights until fitted (``neuromem fit``)
    needs_fit: ClassVar[bool] = True
    #: what it can be asked beyond a task's default trials: its inputs and reports are the task's own
    #: encoding (``encode``/``decode``), so every item reported in turn is a longer input sequence
    capabilities: ClassVar[frozenset[str]] = frozenset({WHOLE_REPORT})
    _float_params: ClassVar[tuple[str, ...]] = ("learning_rate", "grad_clip")
    #: constructor options beyond the card's parameters (attributes of the same name); a saved fit keeps them
    _options: ClassVar[tuple[str, ...]] = ()
    _time_params: ClassVar[tuple[str, ...]] = ("dt",)

    def __init__(self, parameters: Mapping[str, Any], *, device: str = "auto", name: str = "", references: str = "") -> None:
        self.parameters = dict(parameters)
        self.device = device
        self.name = name
        self.references = references

    @classmethod
    def from_card(cls, card: ModelCard, *, device: str = "auto", **overrides: Any) -> ArtificialModel:
        """The card's model with ``overrides``: card parameters, and the constructor options of :attr:`_options`."""
        options = {k: overrides.pop(k) for k in cls._options if k in overrides}
        model = cls(card_parameters(card, overrides), device=device, name=card.name, references=card.references)
        for key, value in options.items():
            setattr(model, key, value)
        return model

    def options(self) -> dict[str, Any]:
        """The constructor options of :attr:`_options` (e.g. the LSTM's ``kernel``), as a saved fit stores them."""
        return {name: getattr(self, name) for name in self._options}

    # ------------------------------------------------------------------ values
    def _validated(self) -> dict[str, Any]:
        p = dict(self.parameters)
        p["hidden_size"] = check_positive_int("hidden_size", p.get("hidden_size"))
        p["batch_size"] = check_positive_int("batch_size", p.get("batch_size", 64))
        for key in self._time_params:
            p[key] = seconds(key, p[key])
            if key == "dt" and not p[key] > 0:
                raise ValueError(f"parameter dt={self.parameters['dt']!r} is not allowed; it must be > 0")
        for key in self._float_params:
            value = p.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
                raise ValueError(f"parameter {key}={value!r} is not allowed; it must be a number > 0")
            p[key] = float(value)
        return p

    # --------------------------------------------------------------- interface
    def init_params(self, seeds: Sequence[int], n_in: int, n_out: int, device: Any) -> dict[str, Any]:
        raise NotImplementedError

    #: the states :meth:`states` returns when recording: name -> (dims after ``(trial, time)``, units, long_name)
    state_variables: ClassVar[Mapping[str, tuple[tuple[str, ...], str, str]]] = {}

    def states(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None, *, record: bool = False) -> dict[str, Any]:
        """Internal states, each (S, T, B, ...), for inputs ``x`` (S, T, B, n_in).

        Without ``record`` only what :meth:`readout` needs (training); with it every
        state of :attr:`state_variables` (recording: ``run(..., record=("states",))``).
        """
        raise NotImplementedError

    def readout(self, params: Mapping[str, Any], states: Mapping[str, Any], x: Any) -> Any:
        """Outputs (S, T, B, n_out) from the states (and the inputs ``x``, for a model with a skip path)."""
        raise NotImplementedError

    def forward(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None) -> Any:
        """Outputs (S, T, B, n_out) for inputs ``x`` (S, T, B, n_in): the read-out of the states, so that
        training and recording go through one path."""
        return self.readout(params, self.states(params, x, write, noise_seeds), x)

    # -------------------------------------------------------------------- run
    @classmethod
    def records_states(cls) -> bool:
        """Whether this model has states to record (it declares :attr:`state_variables` and computes them)."""
        return bool(cls.state_variables) and cls.states is not ArtificialModel.states

    def state_sizes(self, p: Mapping[str, Any], T: int) -> dict[str, int]:
        """Sizes of a model's own state dims (``layer``, ``head``, ...); ``unit`` is ``hidden_size``."""
        return {}

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError(f"{self.name} has not been fitted; call neuromem.artificial.fit(...) or load a checkpoint first")

    @property
    def fitted_device_(self) -> Any:
        """The device the fitted weights live on."""
        self._check_fitted()
        return next(iter(self.params_.values())).device

    def outputs(self, trials: xr.Dataset, seed_index: int = 0) -> np.ndarray:
        """Outputs (T, B, n_out) of the fitted seed ``seed_index`` on ``trials`` (no noise)."""
        return self._outputs_and_states(trials, seed_index, record=False)[0]

    def _outputs_and_states(self, trials: xr.Dataset, seed_index: int, record: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Outputs (T, B, n_out) and, when ``record``, the states (each (T, B, ...)) of one fitted seed."""
        import torch

        from neuromem.artificial.encoding import encode, sizes, to_device

        self._check_fitted()
        if sizes(trials) != tuple(self.io_):
            fitted_on = getattr(self, "task_", None)
            task = trials.attrs.get("task", "these trials")
            raise ValueError(
                f"the fitted {self.name} was trained on task {fitted_on!r} with (inputs, outputs) = {tuple(self.io_)}; {task!r} trials need "
                f"{sizes(trials)}{_settings_apart(self, trials)}: fit it on this task (`neuromem fit --model {self.name} --task {task}`) and pass that file with --fitted"
            )
        enc = to_device(encode(trials, self._validated()["dt"]), self.fitted_device_)
        one = {k: v[seed_index : seed_index + 1] for k, v in self.params_.items()}
        with torch.no_grad():
            if not record:
                return self.forward(one, enc.x[None], enc.write[None], None)[0].cpu().numpy(), {}
            check_state_size(self, enc.x.shape)
            states = self.states(one, enc.x[None], enc.write[None], None, record=True)
            out = self.readout(one, states, enc.x[None])
        return out[0].cpu().numpy(), {k: v[0].cpu().numpy() for k, v in states.items()}

    def fit_status_of(self, index: int) -> str | None:
        """How the fit of seed number ``index`` ended (``learned``, ``did not learn: ...``); None if not recorded."""
        history = getattr(self, "history_", None)
        if history is not None and "fit_status" in history:
            return str(history["fit_status"].values[index])
        stored = getattr(self, "fit_status_", None)  # from the saved file
        return None if stored is None else str(stored[index])

    def run(
        self, trials: xr.Dataset, *, seed: int = 0, progress: bool = False, checkpoint: Any = None, fitted_seed: int | None = None, record: Sequence[str] = ()
    ) -> xr.Dataset:
        """Responses of one fitted network to ``trials``.

        Parameters
        ----------
        trials : xarray.Dataset
            Trials of any task with an encoding for artificial models.
        seed : int
            The seed the trials were drawn with (recorded; a fitted network runs
            without noise, so it changes nothing else).
        progress, checkpoint
            Accepted for the common run path; one forward pass needs neither.
        fitted_seed : int, optional
            Which of the fitted seeds (``seeds_``) runs; default the first.
        record : sequence of str
            ``("states",)`` adds every internal state as a variable ``state_<name>``
            with dims ``(trial, time, ...)`` (see :func:`states_dataset`).
        """
        from neuromem.artificial.encoding import decode, task_of
        from neuromem.results import provenance

        self._check_fitted()
        wanted = check_record(record)
        task = task_of(trials).name
        if fitted_seed is not None and fitted_seed not in self.seeds_:
            raise ValueError(f"fitted_seed={fitted_seed!r} was not fitted; fitted seeds: {list(self.seeds_)}")
        index = 0 if fitted_seed is None else list(self.seeds_).index(fitted_seed)
        dt = self._validated()["dt"]
        out, states = self._outputs_and_states(trials, index, record="states" in wanted)
        ds = decode(trials, out, dt)
        if states:
            ds = ds.merge(states_dataset(self, trials, states, dt))
        params = {
            "model_parameters": self.parameters,
            "fitted_task": getattr(self, "task_", ""),
            "fit_steps": int(getattr(self, "steps_", 0)),
            "fitted_seed": int(self.seeds_[index]),
            "task_parameters": trials.attrs.get("task_parameters", ""),
        }
        status = self.fit_status_of(index)
        if status is not None:  # a network that did not learn says so in every result it gives
            params["fit_status"] = status
        ds.attrs.update(
            provenance(
                title=f"{self.name} ({self.family}) on {task}",
                model=self.name,
                model_family=self.family,
                task=task,
                parameters=params,
                seed=int(seed),
                backend=torch_backend(self.fitted_device_),
                references=self.references + "; " + trials.attrs.get("task_references", ""),
            )
        )
        return ds


#: recorded states larger than this are refused before the run (they would not fit in memory or a file)
MAX_STATE_BYTES = 4 * 2**30


def state_shapes(model: ArtificialModel, T: int, B: int) -> dict[str, tuple[int, ...]]:
    """(T, B, ...) of every recorded state of ``model`` on B trials of T steps."""
    p = model._validated()
    sizes = {"unit": p["hidden_size"], "key_time": T, **model.state_sizes(p, T)}
    return {name: (T, B, *(sizes[d] for d in dims)) for name, (dims, _, _) in model.state_variables.items()}


def check_state_size(model: ArtificialModel, x_shape: tuple[int, ...]) -> None:
    """Refuse, before any work, states that would take more than :data:`MAX_STATE_BYTES`."""
    T, B = int(x_shape[0]), int(x_shape[1])
    total = 4 * sum(int(np.prod(s)) for s in state_shapes(model, T, B).values())
    if total > MAX_STATE_BYTES:
        raise ValueError(
            f"record='states' of {model.name} on {B} trials of {T} steps would take {total / 2**30:.1f} GiB (more than "
            f"{MAX_STATE_BYTES / 2**30:.0f} GiB); record states on fewer trials or shorter ones"
        )


def states_dataset(model: ArtificialModel, trials: xr.Dataset, states: Mapping[str, np.ndarray], dt: float) -> xr.Dataset:
    """The states (each (T, B, ...)) as variables ``state_<name>`` with dims ``(trial, time, ...)``.

    ``time`` is the midpoint of each time step of ``dt`` from the trial's start (the grid the
    task's encoding puts the inputs on); attention over earlier steps has the dim ``key_time``
    on the same grid. The grid runs to the longest trial; a shorter trial's states after its
    ``trial_end`` are NaN (the model ran on there with no input: not part of the trial), as a
    spiking network's rates are.
    """
    from neuromem.tasks.encoding import step_midpoints

    T = next(iter(states.values())).shape[0]
    grid = step_midpoints(T, dt)
    after_end = grid[None, :] > trials["trial_end"].values[:, None]  # (B, T)
    data = {}
    for name, (dims, units, long_name) in model.state_variables.items():
        values = np.moveaxis(np.asarray(states[name], dtype=np.float32), 0, 1)  # (B, T, ...)
        values[after_end] = np.nan
        data[f"state_{name}"] = (("trial", "time", *dims), values, {"units": units, "long_name": long_name})
    coords = {"trial": trials["trial"].values, "time": ("time", grid, {"units": "s", "long_name": "time from trial start (midpoint of the model's time step)"})}
    if any("key_time" in dims for dims, _, _ in model.state_variables.values()):
        coords["key_time"] = ("key_time", grid, {"units": "s", "long_name": "time of the step attended to (midpoint)"})
    ds = xr.Dataset(data, coords=coords)
    return ds
