"""Fitting artificial models to a task: several seeds at once, resumable.

The loss is masked to the response periods (PsychRNN's ``mask``): MSE on the
(cos, sin) report for delayed estimation, binary cross-entropy on item/feature
outputs for recall tasks. Adam with gradient clipping *per seed*; a seed stops
when its loss falls below ``criterion`` (its weights then stay as they were).

Reproducibility: the trials of step k for seed s are drawn from
``SeedSequence([s, k])`` and its noise likewise, so the batch a seed sees does
not depend on which other seeds train beside it or on an interruption: a batched
fit equals single-seed fits, and a resumed fit equals an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import time as _time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neuromem.artificial import cuda_graphs
from neuromem.artificial.base import ArtificialModel, resolve_torch_device, torch_backend
from neuromem.artificial.encoding import encode, n_steps, sizes
from neuromem.artificial.losses import masked_loss
from neuromem.outputs import atomic_write
from neuromem.results import provenance
from neuromem.tasks.base import Task
from neuromem.validation import check_positive_int, usable_cores


def _seed_list(seeds: Sequence[int]) -> list[int]:
    out = [int(s) for s in np.atleast_1d(np.asarray(seeds, dtype=object))]
    if not out or len(set(out)) != len(out) or min(out) < 0:
        raise ValueError(f"seeds={list(seeds)} is not allowed; give one or more distinct integers >= 0")
    return out


def step_arrays(task: Task, seeds: Sequence[int], step: int, size: int, dt: float, show_study: bool = True) -> tuple:
    """NumPy (x, y, mask, write) stacked on a seed dim (S, T, B, .) and the loss kind of step ``step``:
    seed s draws its trials from SeedSequence([s, step])."""
    trials = [task.trials(size, np.random.default_rng([int(s), int(step)])) for s in seeds]
    T = max(n_steps(t, dt) for t in trials)
    options = {} if show_study else {"show_study": False}  # only tasks with a study period know this option
    enc = [encode(t, dt, T, **options) for t in trials]
    return (np.stack([e.x for e in enc]), np.stack([e.y for e in enc]), np.stack([e.mask for e in enc]), np.stack([e.write for e in enc]), enc[0].loss)


class _StepArrays:
    """Item k: :func:`step_arrays` of step ``first + k`` (a map-style dataset for torch's DataLoader)."""

    def __init__(self, task: Task, seeds: list[int], first: int, last: int, size: int, dt: float, show_study: bool) -> None:
        self.task, self.seeds, self.first, self.last = task, seeds, first, last
        self.size, self.dt, self.show_study = size, dt, show_study

    def __len__(self) -> int:
        return self.last - self.first

    def __getitem__(self, k: int) -> tuple:
        return step_arrays(self.task, self.seeds, self.first + k, self.size, self.dt, self.show_study)


def data_workers_for(data_workers: int | None, device: Any, n_seeds: int = 2) -> int:
    """Processes that draw and encode the trials of later steps while the device trains on this one.

    ``None``: for several seeds on a GPU, up to 8 (one core stays with the training loop); else
    none. Drawing costs about 3 ms per seed and step on one core (Python and xarray), more than
    a GPU step of a small model for all seeds takes; for one seed the workers' start (about 0.25 s)
    and hand-over cost more than they save, and on a CPU they would take cores from the training.
    """
    if data_workers is None:
        return min(8, usable_cores() - 1) if device.type == "cuda" and n_seeds > 1 else 0
    return check_positive_int("data_workers", data_workers, minimum=0)


def _step_loader(task: Task, seeds: list[int], start: int, steps: int, size: int, dt: float, show_study: bool, workers: int) -> Any:
    """The batches of steps ``start`` .. ``steps - 1`` in order, drawn ahead by ``workers`` processes
    (torch's DataLoader; its workers exit on their own within seconds if this process is killed)."""
    import torch

    data = _StepArrays(task, seeds, start, steps, size, dt, show_study)
    extra = {"prefetch_factor": 4, "multiprocessing_context": "fork"} if workers else {}
    return torch.utils.data.DataLoader(data, batch_size=None, shuffle=False, num_workers=workers, **extra)


def _noise_seeds(seeds: Sequence[int], step: int) -> list[int]:
    return [int(np.random.SeedSequence([int(s), int(step), 1]).generate_state(1)[0]) for s in seeds]


def _clip_per_seed(params: dict[str, Any], max_norm: float) -> None:
    import torch

    grads = [p.grad for p in params.values() if p.grad is not None]
    norms = torch.sqrt(sum((g.reshape(g.shape[0], -1) ** 2).sum(1) for g in grads))
    scale = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.reshape(-1, *([1] * (g.dim() - 1))))


def training_step(
    model: ArtificialModel, params: dict[str, Any], opt: Any, batch: tuple, kind: str, noise_seeds: Sequence[int] | None, grad_clip: float, frozen: Any = None
) -> np.ndarray:
    """One optimiser step for every seed at once; returns each seed's loss (S,) before the step.

    The one training step of neuromem: :func:`fit` and forgetting in weights both take it.
    ``batch`` is (x, y, mask, write), each (S, T, B, ...); gradients are clipped per seed;
    seeds marked in ``frozen`` (a bool array (S,), e.g. those at criterion) keep their weights.
    """
    import torch

    x, y, mask, write = batch
    loss = masked_loss(model.forward(params, x, write, noise_seeds), y, mask, kind)
    opt.zero_grad(set_to_none=False)
    loss.sum().backward()
    _clip_per_seed(params, grad_clip)
    keep = None if frozen is None else torch.as_tensor(np.asarray(frozen), device=x.device)
    held = {k: v.detach()[keep].clone() for k, v in params.items()} if keep is not None and keep.any() else None
    opt.step()
    if held is not None:  # frozen seeds keep their weights (Adam would move them on its momentum)
        with torch.no_grad():
            for k, v in params.items():
                v[keep] = held[k]
    return loss.detach().cpu().numpy()


def _atomic_torch_save(obj: Any, path: Path) -> None:
    import torch

    # a unique temporary name per writer (a fixed one broke under two writers), renamed when complete
    atomic_write(path, lambda tmp: torch.save(obj, tmp))


def _read_checkpoint(path: Path, device: Any) -> dict | None:
    """The fit checkpoint at ``path``; one that cannot be read (a write cut short) is removed with a warning and the fit starts over."""
    import torch

    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location=device, weights_only=False)
        if not isinstance(state, dict) or not {"identity", "params", "optimizer", "step", "history", "stopped_at"} <= set(state):
            raise ValueError("not a neuromem fit checkpoint")
    except Exception as err:  # torch raises many kinds (RuntimeError, UnpicklingError, EOFError, ...) for a damaged file
        warnings.warn(f"fit checkpoint {path} cannot be read ({type(err).__name__}); it is removed and the fit starts from step 0", stacklevel=3)
        path.unlink(missing_ok=True)
        return None
    return state


def fit(
    model: ArtificialModel,
    task: Task,
    *,
    seeds: Sequence[int] = (1,),
    steps: int = 500,
    criterion: float | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 50,
    progress: bool = True,
    show_study: bool = True,
    stop_after: int | None = None,
    data_workers: int | None = None,
) -> ArtificialModel:
    """Train ``model`` on ``task`` for all ``seeds`` at once; returns the fitted model.

    Parameters
    ----------
    steps : int
        Optimiser steps (batches of ``batch_size`` trials per seed).
    criterion : float, optional
        A seed stops once its training loss falls below this value.
    checkpoint : path, optional
        Saved every ``checkpoint_every`` steps and at the end; if it exists when the
        fit starts, the fit resumes from it (same model, task and seeds required).
    stop_after : int, optional
        Stop (as an interruption would) after this many steps of this call; for tests.
    data_workers : int, optional
        Processes drawing the trials of later steps ahead (see :func:`data_workers_for`;
        default: up to 8 for several seeds on a GPU, else none). The batches are the same for any number.

    Sets ``params_``, ``seeds_``, ``io_``, ``task_``, ``task_parameters_``, ``steps_`` and ``history_``
    (Dataset: ``loss`` (seed, step), ``stopped_at`` (seed)).
    """
    import torch
    from tqdm.auto import tqdm

    seeds = _seed_list(seeds)
    steps = check_positive_int("steps", steps)
    checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
    if criterion is not None and not (isinstance(criterion, (int, float)) and criterion > 0):
        raise ValueError(f"criterion={criterion!r} is not allowed; it must be a loss > 0 (or None)")
    p = model._validated()
    device = resolve_torch_device(model.device)
    workers = data_workers_for(data_workers, device, len(seeds))
    probe = task.trials(2, 0)
    n_in, n_out = sizes(probe)
    identity = {
        "model": model.name,
        "parameters": model.parameters,
        "task": task.name,
        "task_parameters": task.get_params(),
        "seeds": seeds,
        "io": [n_in, n_out],
        "show_study": show_study,
    }
    path = None if checkpoint is None else Path(checkpoint)
    params = model.init_params(seeds, n_in, n_out, device)
    opt = torch.optim.Adam(list(params.values()), lr=p["learning_rate"])
    history = np.full((len(seeds), steps), np.nan)
    stopped_at = np.full(len(seeds), -1)
    start = 0
    state = _read_checkpoint(path, device) if path is not None else None
    if state is not None:
        if json.dumps(state["identity"], sort_keys=True, default=str) != json.dumps(identity, sort_keys=True, default=str):
            raise ValueError(f"checkpoint {path} belongs to another fit (model, task or seeds differ); remove it or choose another --out")
        with torch.no_grad():
            for k, v in state["params"].items():
                params[k].copy_(v)
        opt.load_state_dict(state["optimizer"])
        start = int(state["step"])
        history[:, : state["history"].shape[1]] = state["history"][:, :steps]
        stopped_at = state["stopped_at"]

    def save_state(step: int) -> None:
        if path is not None:
            _atomic_torch_save(
                {
                    "identity": identity,
                    "params": {k: v.detach().cpu() for k, v in params.items()},
                    "optimizer": opt.state_dict(),
                    "step": step,
                    "history": history,
                    "stopped_at": stopped_at,
                },
                path,
            )

    t0 = _time.perf_counter()
    bar = tqdm(total=steps, initial=start, desc=f"fit {model.name} on {task.name} ({len(seeds)} seeds)", unit="step", disable=not progress)
    done = steps  # steps counted as finished; less only when this call is stopped early
    loader = _step_loader(task, seeds, start, steps, p["batch_size"], p["dt"], show_study, workers)
    for step, arrays in zip(range(start, steps), loader):
        if stop_after is not None and step - start >= stop_after:
            done = step
            break
        active = stopped_at < 0
        if not active.any():
            break
        *tensors, kind = arrays
        x, y, mask, write = (t.to(device) for t in tensors)
        values = training_step(model, params, opt, (x, y, mask, write), kind, _noise_seeds(seeds, step), p["grad_clip"], frozen=~active)
        history[active, step] = values[active]
        if criterion is not None:
            stopped_at[active & (values < criterion)] = step
        bar.update(1)
        bar.set_postfix(loss=f"{np.nanmean(values[active]):.4f}")
        if (step + 1) % checkpoint_every == 0:
            save_state(step + 1)
    bar.close()
    cuda_graphs.clear()  # the captured loops hold GPU memory sized for this fit's batches
    save_state(done)
    model.params_ = {k: v.detach() for k, v in params.items()}
    model.seeds_ = seeds
    model.io_ = (n_in, n_out)
    model.task_ = task.name
    model.task_parameters_ = task.get_params()
    model.steps_ = done
    model.fit_seconds_ = _time.perf_counter() - t0
    model.history_ = history_dataset(model, task, seeds, history, stopped_at, device)
    _warn_unlearned(model)
    return model


#: a fit is judged once it has this many steps; fewer are a smoke test, not a fit
JUDGE_AFTER_STEPS = 100
#: a seed whose loss over its last tenth of steps is above this fraction of its first steps' did not learn
UNLEARNED_FRACTION = 0.9


def fit_status(history: xr.Dataset) -> xr.DataArray:
    """Per seed: ``learned``, ``did not learn: loss a -> b`` or ``not judged: n steps`` (from the loss history).

    A seed did not learn when its mean loss over the last tenth of its steps is
    above :data:`UNLEARNED_FRACTION` of its mean loss over its first ten steps
    (a loss that stays at chance, as an LSTM with a too-long delay does).
    """
    out = []
    for s in history["seed"].values:
        loss = history["loss"].sel(seed=s).dropna("step").values
        if loss.size < JUDGE_AFTER_STEPS:
            out.append(f"not judged: {loss.size} steps < {JUDGE_AFTER_STEPS}")
            continue
        first, last = float(np.mean(loss[:10])), float(np.mean(loss[-max(loss.size // 10, 1) :]))
        learned = int(history["stopped_at"].sel(seed=s)) >= 0 or last <= UNLEARNED_FRACTION * first
        out.append("learned" if learned else f"did not learn: loss {first:.4g} -> {last:.4g}")
    return xr.DataArray(
        np.array(out, dtype=str), dims="seed", coords={"seed": history["seed"].values}, attrs={"units": "1", "long_name": "whether each seed learned"}
    )


def _warn_unlearned(model: ArtificialModel) -> None:
    status = fit_status(model.history_)
    model.history_["fit_status"] = status
    bad = [f"seed {int(s)}: {v}" for s, v in zip(status["seed"].values, status.values) if v.startswith("did not learn")]
    if bad:
        warnings.warn(
            f"{model.name} on {model.history_.attrs['task']} did not learn ({'; '.join(bad)}): its loss stayed within "
            f"{100 * (1 - UNLEARNED_FRACTION):.0f}% of where it started; more steps, another learning rate or shorter periods may help",
            stacklevel=3,
        )


def history_dataset(model: ArtificialModel, task: Task, seeds: list[int], history: np.ndarray, stopped_at: np.ndarray, device: Any) -> xr.Dataset:
    """The loss history in the results schema (dims seed, step)."""
    ds = xr.Dataset(
        {
            "loss": (("seed", "step"), history, {"units": "1", "long_name": "training loss (masked; NaN after a seed stopped)"}),
            "stopped_at": ("seed", stopped_at, {"units": "1", "long_name": "step at which the seed reached the criterion (-1: never)"}),
        },
        coords={"seed": seeds, "step": np.arange(history.shape[1])},
    )
    ds.attrs.update(
        provenance(
            title=f"Training history of {model.name} on {task.name}",
            model=model.name,
            model_family=model.family,
            task=task.name,
            parameters={"model_parameters": model.parameters, "task_parameters": task.get_params(), "seeds": seeds},
            seed=seeds[0],
            backend=torch_backend(device),
            references=model.references + "; " + task.references,
        )
    )
    ds.attrs["device"] = str(device)
    return ds


def save_fitted(model: ArtificialModel, path: str | os.PathLike) -> Path:
    """Write a fitted model (weights and what it was fitted on) to ``path``."""
    model._check_fitted()
    path = Path(path)
    _atomic_torch_save(
        {
            "name": model.name,
            "parameters": model.parameters,
            "options": model.options(),
            "params": {k: v.cpu() for k, v in model.params_.items()},
            "seeds": model.seeds_,
            "io": model.io_,
            "task": model.task_,
            "task_parameters": getattr(model, "task_parameters_", None),
            "steps": model.steps_,
            "fit_status": [model.fit_status_of(i) for i in range(len(model.seeds_))],
        },
        path,
    )
    return path


def load_fitted(path: str | os.PathLike, device: str = "auto") -> ArtificialModel:
    """A fitted model written by :func:`save_fitted` (or ``neuromem fit``)."""
    import torch

    from neuromem.cards import load_model

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"fitted model {str(path)!r} does not exist; fit one with `neuromem fit`")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
        missing = {"name", "parameters", "params", "seeds", "io", "task", "steps"} - set(state if isinstance(state, dict) else ())
        if missing:
            raise ValueError(f"it lacks {sorted(missing)}")
    except Exception as err:  # torch raises many kinds (RuntimeError, UnpicklingError, EOFError, ...) for a file that is not its own
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise ValueError(f"fitted={str(path)!r} is not a fitted model written by `neuromem fit` ({reason})") from None
    options = dict(state.get("options") or {})
    if state.get("kernel") is not None:  # files written before options were saved generically kept the LSTM's kernel by name
        options["kernel"] = state["kernel"]
    model = load_model(state["name"], device=device, **options, **state["parameters"])
    dev = resolve_torch_device(device)
    model.params_ = {k: v.to(dev) for k, v in state["params"].items()}
    model.seeds_, model.io_, model.task_, model.steps_ = state["seeds"], tuple(state["io"]), state["task"], state["steps"]
    if state.get("task_parameters") is not None:  # files written before it was saved lack it
        model.task_parameters_ = state["task_parameters"]
    if state.get("fit_status") is not None and None not in state["fit_status"]:  # files written before it was saved lack it
        model.fit_status_ = list(state["fit_status"])
    return model
