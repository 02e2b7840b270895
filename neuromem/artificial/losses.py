"""Losses of artificial models, by name: the name a task's encoding gives (``Encoded.loss``).

Each loss maps outputs, targets (S, T, B, n_out) and a mask (S, T, B) to one loss per
seed (S,): the mean over the masked steps and trials (and, for element-wise losses,
the outputs). The set is open: :func:`register_loss` adds one (a plug-in task whose
encoding needs its own loss registers it when imported).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuromem.tasks.encoding import LOSSES


def _per_element(err: Any, mask: Any) -> Any:
    m = mask[..., None]
    return (err * m).sum((1, 2, 3)) / (m.sum((1, 2, 3)) * err.shape[-1]).clamp(min=1.0)


def mse(out: Any, y: Any, mask: Any) -> Any:
    """Mean squared error (targets are values, e.g. the (cos, sin) of a reported angle)."""
    return _per_element((out - y) ** 2, mask)


def bce(out: Any, y: Any, mask: Any) -> Any:
    """Binary cross-entropy of logits (targets are 0/1 per output: items, features)."""
    import torch.nn.functional as F

    return _per_element(F.binary_cross_entropy_with_logits(out, y, reduction="none"), mask)


def cross_entropy(out: Any, y: Any, mask: Any) -> Any:
    """Cross-entropy of a softmax over the outputs (recall as classification: one of n_out at each step);
    targets are probabilities over the outputs (one-hot for one answer)."""
    import torch

    err = -(y * torch.log_softmax(out, dim=-1)).sum(-1)
    return (err * mask).sum((1, 2)) / mask.sum((1, 2)).clamp(min=1.0)


LOSS_FUNCTIONS: dict[str, Callable[[Any, Any, Any], Any]] = {"mse": mse, "bce": bce, "cross_entropy": cross_entropy}


def register_loss(name: str, function: Callable[[Any, Any, Any], Any]) -> None:
    """Make ``name`` a loss an encoding may ask for; ``function(out, y, mask)`` returns a loss per seed (S,)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"loss name {name!r} is not allowed; give a word such as 'hinge'")
    if name in LOSS_FUNCTIONS and LOSS_FUNCTIONS[name] is not function:
        raise ValueError(f"loss {name!r} is already registered; choose another name")
    LOSS_FUNCTIONS[name] = function
    LOSSES.add(name)


def masked_loss(out: Any, y: Any, mask: Any, kind: str) -> Any:
    """Loss ``kind`` per seed (S,): mean over the masked steps and trials."""
    if kind not in LOSS_FUNCTIONS:
        raise ValueError(f"loss={kind!r} is not allowed; choose one of {sorted(LOSS_FUNCTIONS)} (or register it with register_loss)")
    return LOSS_FUNCTIONS[kind](out, y, mask)
