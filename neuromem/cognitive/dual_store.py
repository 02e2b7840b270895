"""A dual-store model of free recall: a rehearsal buffer feeding long-term memory.

Atkinson RC, Shiffrin RM (1968) Human memory: a proposed system and its control
processes. In: Spence KW, Spence JT (eds) The Psychology of Learning and
Motivation, vol 2, pp 89-195. Raaijmakers JGW, Shiffrin RM (1980) SAM: a theory
of probabilistic search of associative memory. In: Bower GH (ed) The Psychology
of Learning and Motivation, vol 14, pp 207-262 (random displacement from a
buffer of r items; strength in long-term store grows with time in the buffer;
search stops after K_max failures).

Study: each item enters a buffer of ``buffer_size`` slots; when it is full, a
random occupant is displaced. Every item in the buffer gains long-term strength
at ``strength_rate`` per second of study (item + gap). A distractor period
occupies the buffer: it is emptied. Recall: what is still in the buffer is
output first (random order), then long-term search samples an item with P
proportional to its strength and recovers it with P = 1 - exp(-strength); a
sample of an item already recalled, or a failed recovery, is a failure, and
search stops after ``max_failures`` failures.

Primacy comes from the first items' longer stay in a buffer that is not yet
full; recency from the buffer's contents. A filled delay empties the buffer
(no recency, primacy kept), and so does a distractor after every item (no
recency either: the buffer model's prediction against CMR's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from neuromem.cognitive.base import CognitiveModel, draw_proportional


def random_member(rng: np.random.Generator, members: np.ndarray) -> np.ndarray:
    """Column index of one uniformly drawn True entry per row of ``members`` (N, L)."""
    keys = np.where(members, rng.random(members.shape), -1.0)
    return keys.argmax(axis=1)


class DualStore(CognitiveModel):
    """Buffer + long-term store; parameters as in ``models/dual_store.toml``."""

    positive: ClassVar[tuple[str, ...]] = ("buffer_size", "strength_rate", "max_failures")

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        for key in ("buffer_size", "max_failures"):
            if p[key] != int(p[key]):
                raise ValueError(f"parameter {key}={self.parameters[key]!r} is not allowed; it must be a whole number >= 1")
            p[key] = int(p[key])
        return p

    def study(
        self, p: Mapping[str, Any], n_lists: int, L: int, distractor: np.ndarray, seconds: float, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Long-term strengths (N, L) and the buffer's contents at the end of study (N, L)."""
        buffer = np.zeros((n_lists, L), dtype=bool)
        strength = np.zeros((n_lists, L))
        rows = np.arange(n_lists)
        for i in range(L):
            full = buffer.sum(1) >= p["buffer_size"]
            out = random_member(rng, buffer)
            buffer[rows[full], out[full]] = False
            buffer[:, i] = True
            strength += p["strength_rate"] * seconds * buffer
            buffer &= ~(distractor[:, i] > 0)[:, None]
        return strength, buffer

    def recall(self, p: Mapping[str, Any], strength: np.ndarray, buffer: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Recall sequences (N, L): the buffer's items first, then long-term search."""
        n_lists, L = strength.shape
        out = np.full((n_lists, L), -1)
        done = np.zeros((n_lists, L), dtype=bool)
        n_out = np.zeros(n_lists, dtype=int)
        rows = np.arange(n_lists)
        pending = buffer.copy()
        while pending.any():  # the buffer, in random order
            has = pending.any(1)
            pick = random_member(rng, pending)
            out[rows[has], n_out[has]] = pick[has]
            done[rows[has], pick[has]] = True
            pending[rows[has], pick[has]] = False
            n_out += has
        failures = np.zeros(n_lists, dtype=int)
        total = strength.sum(1)
        for _ in range(p["max_failures"] * (L + 1)):  # each attempt either recalls a new item or adds a failure
            active = (failures < p["max_failures"]) & (n_out < L) & (total > 0)
            if not active.any():
                break
            pick = draw_proportional(rng, strength)
            s = strength[rows, pick]
            recovered = rng.random(n_lists) < 1.0 - np.exp(-s)
            new = active & recovered & ~done[rows, pick]
            out[rows[new], n_out[new]] = pick[new]
            done[rows[new], pick[new]] = True
            n_out += new
            failures += active & ~new
        return out

    def simulate(self, p: Mapping[str, Any], ids: np.ndarray, distractor: np.ndarray, rng: np.random.Generator, timing: Mapping[str, float]) -> np.ndarray:
        n_lists, L = ids.shape
        seconds = float(timing.get("item", 1.0)) + float(timing.get("gap", 0.0))
        strength, buffer = self.study(p, n_lists, L, distractor, seconds, rng)
        return self.recall(p, strength, buffer, rng)
