"""Trials Datasets as input/target tensors, and network outputs back as responses.

Every task's trials become, at the model's time step ``dt``:
``x`` (T, B, n_in) inputs, ``y`` (T, B, n_out) targets, ``mask`` (T, B) — 1 where
the loss counts (response periods only, PsychRNN-style) — and ``write`` (T, B),
1 where an item is shown (what a key-value memory stores). Step k covers
[k dt, (k + 1) dt); a period covers the steps whose midpoint falls inside it.
Built with numpy over all trials at once, then moved to the device in one copy.

:func:`decode` turns outputs back into the responses the task's ``score`` takes,
the same variables the spiking models return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

TASKS: tuple[str, ...] = ("delayed-estimation", "multi-item-recall", "retention")
LOSSES: dict[str, str] = {"delayed-estimation": "mse", "multi-item-recall": "bce", "retention": "bce"}


@dataclass
class Encoded:
    """Tensors of one batch of trials (numpy or torch)."""

    x: Any
    y: Any
    mask: Any
    write: Any
    loss: str

    def to(self, device: Any) -> "Encoded":
        import torch

        return Encoded(*(torch.as_tensor(a, dtype=torch.float32, device=device) for a in (self.x, self.y, self.mask, self.write)),
                       self.loss)


def task_of(trials: xr.Dataset) -> str:
    name = trials.attrs.get("task")
    if name not in TASKS:
        raise ValueError(f"artificial models run tasks {TASKS}; got a trials Dataset from task {name!r}")
    return name


def sizes(trials: xr.Dataset) -> tuple[int, int]:
    """(n_in, n_out) of a task's trials."""
    task = task_of(trials)
    if task == "delayed-estimation":
        return 3, 2
    if task == "multi-item-recall":
        return trials.sizes["pool"] + 1, trials.sizes["pool"]
    return trials.sizes["feature"] + 1, trials.sizes["feature"]


def n_steps(trials: xr.Dataset, dt: float) -> int:
    return int(math.ceil(round(float(trials["trial_end"].max()) / dt, 6)))


def _window(t: np.ndarray, on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """(T, B) 1 where on <= t < off; ``on``/``off`` broadcast against the trials."""
    return ((t[:, None] >= np.asarray(on)[None, :]) & (t[:, None] < np.asarray(off)[None, :])).astype(np.float32)


def encode(trials: xr.Dataset, dt: float, steps: int | None = None, *, show_study: bool = True) -> Encoded:
    """Inputs, targets, loss mask and write mask of ``trials`` at time step ``dt`` (s).

    ``show_study=False`` (retention only) leaves the study periods blank, so a
    pattern can only come back from what the weights learned (in-weights memory).
    """
    task = task_of(trials)
    T = steps if steps is not None else n_steps(trials, dt)
    t = (np.arange(T) + 0.5) * dt
    B = trials.sizes["trial"]
    n_in, n_out = sizes(trials)
    x = np.zeros((T, B, n_in), np.float32)
    y = np.zeros((T, B, n_out), np.float32)
    if task == "delayed-estimation":
        fixation = _window(t, np.zeros(B), trials["response_onset"].values)
        cue = _window(t, trials["cue_onset"].values, trials["cue_offset"].values)
        mask = _window(t, trials["response_onset"].values, trials["trial_end"].values)
        angle = trials["cue_angle"].values
        target = trials["target"].values
        x[..., 0] = fixation
        x[..., 1] = cue * np.cos(angle)
        x[..., 2] = cue * np.sin(angle)
        y[..., 0] = mask * np.cos(target)
        y[..., 1] = mask * np.sin(target)
        return Encoded(x, y, mask, cue, "mse")
    if task == "multi-item-recall":
        write = np.zeros((T, B), np.float32)
        ids = trials["item_id"].values
        for slot in range(ids.shape[1]):
            used = ids[:, slot] >= 0
            w = _window(t, np.where(used, trials["item_onset"].values[:, slot], np.inf), trials["item_offset"].values[:, slot])
            x[:, np.flatnonzero(used), ids[used, slot]] += w[:, used]
            write += w
        mask = _window(t, trials["readout_onset"].values, trials["trial_end"].values)
        x[..., -1] = mask
        y[:] = mask[..., None] * trials["studied"].values[None, :, :]
        return Encoded(x, y, mask, write, "bce")
    # retention: study periods show the whole pattern, tests show the cue plus a test flag
    pattern = trials["pattern"].values.astype(np.float32)
    cue = trials["cue"].values.astype(np.float32)
    write = np.zeros((T, B), np.float32)
    mask = np.zeros((T, B), np.float32)
    for k in range(trials.sizes["item"]):
        if show_study:
            s = _window(t, np.full(B, float(trials["study_onset"][k])), np.full(B, float(trials["study_offset"][k])))
            x[..., :-1] += s[..., None] * pattern[None, :, k, :]
            write += s
        test = _window(t, trials["test_onset"].values[:, k], trials["test_offset"].values[:, k])
        x[..., :-1] += test[..., None] * cue[None, :, k, :]
        x[..., -1] += test
        y += test[..., None] * pattern[None, :, k, :]
        mask += test
    return Encoded(x, y, mask, write, "bce")


def decode(trials: xr.Dataset, out: np.ndarray, dt: float) -> xr.Dataset:
    """Responses from outputs (T, B, n_out), in the variables the task scores.

    delayed-estimation: ``response_angle`` (rad) from the mean (cos, sin) output
    over the response period; multi-item-recall: ``recalled`` (trial, pool),
    mean output probability > 0.5 at read-out; retention: ``recalled`` (trial,
    item, feature), the mean output probability while each item is cued.
    """
    task = task_of(trials)
    T = out.shape[0]
    t = (np.arange(T) + 0.5) * dt

    def mean_over(w: np.ndarray, values: np.ndarray) -> np.ndarray:
        # w (T, B), values (T, B, K): time-average of values inside w per trial
        return (w[..., None] * values).sum(0) / np.maximum(w.sum(0), 1.0)[:, None]

    coords = {"trial": trials["trial"].values}
    if task == "delayed-estimation":
        w = _window(t, trials["response_onset"].values, trials["trial_end"].values)
        m = mean_over(w, out)
        angle = np.arctan2(m[:, 1], m[:, 0])
        return xr.Dataset({"response_angle": ("trial", angle, {"units": "rad", "long_name": "reported angle (output vector at report)"})},
                          coords=coords)
    prob = 1.0 / (1.0 + np.exp(-out))
    if task == "multi-item-recall":
        w = _window(t, trials["readout_onset"].values, trials["trial_end"].values)
        p = mean_over(w, prob)
        return xr.Dataset(
            {"recalled": (("trial", "pool"), (p > 0.5).astype(np.int8), {"units": "1", "long_name": "item reported at read-out"}),
             "recall_probability": (("trial", "pool"), p, {"units": "1", "long_name": "mean output probability at read-out"})},
            coords={**coords, "pool": trials["pool"].values})
    P = trials.sizes["item"]
    rec = np.zeros((trials.sizes["trial"], P, trials.sizes["feature"]))
    for k in range(P):
        rec[:, k] = mean_over(_window(t, trials["test_onset"].values[:, k], trials["test_offset"].values[:, k]), prob)
    return xr.Dataset({"recalled": (("trial", "item", "feature"), rec, {"units": "1", "long_name": "mean output probability of each feature while cued"})},
                      coords={**coords, "item": trials["item"].values, "feature": trials["feature"].values})
