"""Random connectivity drawn in numpy, so a network is fixed by its seed on every device."""

from __future__ import annotations

import numpy as np


def kept_in_degree(connectivity: float, n_full: float, n: int) -> float:
    """Connection probability that keeps the full network's in-degree (connectivity x n_full) at size ``n``."""
    return min(1.0, float(connectivity) * float(n_full) / n)


def random_pairs(rng: np.random.Generator, n_pre: int, n_post: int, p: float, *, no_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) indices of independent contacts with probability ``p`` (``no_self``: no autapses)."""
    mask = rng.random((n_pre, n_post)) < p
    if no_self:
        np.fill_diagonal(mask, False)
    i, j = np.nonzero(mask)
    return i.astype(np.int32), j.astype(np.int32)
