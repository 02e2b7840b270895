"""What every artificial model shares: card parameters, stacked per-seed weights, running.

Weights of several seeds are *stacked* on a leading ``seed`` dim, so one
forward/backward pass trains them all at once (a batched model); seed s's slice
is drawn from its own generator, so it equals what a single-seed model with that
seed would draw. Constructors only store parameters (scikit-learn style); a fit
sets ``params_``, ``seeds_``, ``io_`` and ``history_``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from neuromem.cards import ModelCard, card_parameters
from neuromem.units import quantity
from neuromem.validation import check_positive_int


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


class ArtificialModel:
    """Base class: ``family``, card parameters, fitted state and :meth:`run`."""

    family: ClassVar[str] = ""
    #: (module, extra) this model needs beyond the core install
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("torch", "artificial"),)
    #: a card's artificial model has no weights until fitted (``neuromem fit``)
    needs_fit: ClassVar[bool] = True
    _float_params: ClassVar[tuple[str, ...]] = ("learning_rate", "grad_clip")
    _time_params: ClassVar[tuple[str, ...]] = ("dt",)

    def __init__(self, parameters: Mapping[str, Any], *, device: str = "auto", name: str = "", references: str = "") -> None:
        self.parameters = dict(parameters)
        self.device = device
        self.name = name
        self.references = references

    @classmethod
    def from_card(cls, card: ModelCard, *, device: str = "auto", **overrides: Any) -> ArtificialModel:
        return cls(card_parameters(card, overrides), device=device, name=card.name, references=card.references)

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

    def forward(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None) -> Any:
        """Outputs (S, T, B, n_out) for inputs ``x`` (S, T, B, n_in)."""
        raise NotImplementedError

    # -------------------------------------------------------------------- run
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
        import torch

        from neuromem.artificial.encoding import encode, sizes, to_device

        self._check_fitted()
        if sizes(trials) != tuple(self.io_):
            fitted_on = getattr(self, "task_", None)
            task = trials.attrs.get("task", "these trials")
            raise ValueError(
                f"the fitted {self.name} was trained on task {fitted_on!r} with (inputs, outputs) = {tuple(self.io_)}; {task!r} trials need "
                f"{sizes(trials)}: fit it on this task (`neuromem fit --model {self.name} --task {task}`) and pass that file with --fitted"
            )
        enc = to_device(encode(trials, self._validated()["dt"]), self.fitted_device_)
        one = {k: v[seed_index : seed_index + 1] for k, v in self.params_.items()}
        with torch.no_grad():
            out = self.forward(one, enc.x[None], enc.write[None], None)
        return out[0].cpu().numpy()

    def run(self, trials: xr.Dataset, *, seed: int = 0, progress: bool = False, checkpoint: Any = None, fitted_seed: int | None = None) -> xr.Dataset:
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
        """
        from neuromem.artificial.encoding import decode, task_of
        from neuromem.results import provenance

        self._check_fitted()
        task = task_of(trials).name
        if fitted_seed is not None and fitted_seed not in self.seeds_:
            raise ValueError(f"fitted_seed={fitted_seed!r} was not fitted; fitted seeds: {list(self.seeds_)}")
        index = 0 if fitted_seed is None else list(self.seeds_).index(fitted_seed)
        ds = decode(trials, self.outputs(trials, index), self._validated()["dt"])
        params = {
            "model_parameters": self.parameters,
            "fitted_task": getattr(self, "task_", ""),
            "fit_steps": int(getattr(self, "steps_", 0)),
            "fitted_seed": int(self.seeds_[index]),
            "task_parameters": trials.attrs.get("task_parameters", ""),
        }
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
