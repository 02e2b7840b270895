"""A task's trials as arrays for artificial models: PsychRNN-style ``(x, y, mask)``.

Numpy only: a task builds its :class:`Encoded` here and the artificial models
move it to their device. Step k covers [k dt, (k + 1) dt); a period covers the
steps whose midpoint falls inside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

LOSSES: tuple[str, ...] = ("mse", "bce")


@dataclass(frozen=True)
class Encoded:
    """Inputs ``x`` (T, B, n_in), targets ``y`` (T, B, n_out), loss mask (T, B) and write mask (T, B).

    ``write`` is 1 where an item is shown (what a key-value memory stores);
    ``loss`` is ``"mse"`` (targets are values) or ``"bce"`` (targets are 0/1 and
    outputs are logits).
    """

    x: Any
    y: Any
    mask: Any
    write: Any
    loss: str

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss={self.loss!r} is not allowed; choose one of {LOSSES}")


def n_steps(trials: xr.Dataset, dt: float) -> int:
    """Steps of ``dt`` (s) that cover the longest trial."""
    return int(math.ceil(round(float(trials["trial_end"].max()) / dt, 6)))


def step_midpoints(T: int, dt: float) -> np.ndarray:
    """Midpoint (s) of each of ``T`` steps."""
    return (np.arange(T) + 0.5) * dt


def window(t: np.ndarray, on: Any, off: Any) -> np.ndarray:
    """(T, B) 1 where on <= t < off; ``on``/``off`` broadcast against the trials."""
    return ((t[:, None] >= np.asarray(on)[None, :]) & (t[:, None] < np.asarray(off)[None, :])).astype(np.float32)


def mean_over(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Time-average of ``values`` (T, B, K) inside window ``w`` (T, B), per trial: (B, K)."""
    return (w[..., None] * values).sum(0) / np.maximum(w.sum(0), 1.0)[:, None]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logits -> probabilities (for tasks whose loss is ``"bce"``)."""
    from scipy.special import expit  # no overflow warning for large negative logits

    return expit(x)
