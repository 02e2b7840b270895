"""Context Maintenance and Retrieval (CMR): free recall from a drifting temporal context.

Howard MW, Kahana MJ (2002) A distributed representation of temporal context.
J Math Psychol 46:269-299. Polyn SM, Norman KA, Kahana MJ (2009) A context
maintenance and retrieval model of organizational processes in free recall.
Psychol Rev 116:129-156. Parametrised as in Morton & Polyn (2016, J Mem Lang
86:119-140) and cymr (localist items, a start-of-list unit, distraction units).

Context drifts as each item's pre-experimental context c_in (unit length) is
integrated,  c <- rho c + B c_in,  rho = sqrt(1 + B^2 ((c . c_in)^2 - 1)) - B (c . c_in),
which keeps ||c|| = 1. Studying item i binds it to the current context in both
directions (M_fc += Lfc c, M_cf += Lcf_i c, with a primacy gradient
Lcf_i = Lcf + P1 exp(-P2 i)). A distractor integrates an orthogonal unit,
pushing context away from the list. At recall, context cues each not-yet-recalled
item with a = M_cf c; the next item is drawn with P proportional to exp(2 a / T)
(a floored at 1e-6), its context is reinstated with B_rec, and recall stops at
output k with probability X1 exp(X2 k).

A distractor of d seconds integrates with B = 1 - exp(-d / distractor_drift_time).
Every list of a group is one row of the same arrays: the study and recall loops
run over serial and output positions, never over lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from neuromem.cognitive.base import CognitiveModel, draw_proportional

#: activations are floored here before the choice rule (as in cymr)
A_MIN = 1e-6
#: the stop probability is kept inside [P_MIN, 1 - P_MIN]
P_MIN = 1e-6


def integrate(c: np.ndarray, c_in: np.ndarray, B: np.ndarray | float) -> np.ndarray:
    """Context ``c`` (N, D) after integrating unit-length input ``c_in`` with rate ``B`` (N,) or scalar."""
    B = np.broadcast_to(np.asarray(B, dtype=float), c.shape[:1])
    dot = np.einsum("nd,nd->n", c, c_in)
    rho = np.sqrt(1.0 + B**2 * (dot**2 - 1.0)) - B * dot
    return rho[:, None] * c + B[:, None] * c_in


def normalized(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` scaled to unit length (zero rows stay zero)."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, norm, out=np.zeros_like(v), where=norm > 0)


def stop_probability(n_items: int, X1: float, X2: float) -> np.ndarray:
    """P(stop) before each output position 0..n_items; 1 once every item is recalled."""
    p = np.clip(X1 * np.exp(X2 * np.arange(n_items + 1)), P_MIN, 1.0 - P_MIN)
    p[-1] = 1.0
    return p


def drift_rate(seconds: np.ndarray, drift_time: float) -> np.ndarray:
    """Context integration rate of a distractor lasting ``seconds`` (0 s: no drift)."""
    return 1.0 - np.exp(-np.asarray(seconds, dtype=float) / drift_time)


def choose(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One index per row drawn with P proportional to exp(logits) (-inf: never)."""
    return draw_proportional(rng, np.exp(logits - logits.max(axis=1, keepdims=True)))


class CMR(CognitiveModel):
    """CMR with localist items; parameters as in ``models/cmr.toml``."""

    time_parameters: ClassVar[tuple[str, ...]] = ("distractor_drift_time",)
    unit_interval: ClassVar[tuple[str, ...]] = ("B_enc", "B_start", "B_rec", "X1")
    positive: ClassVar[tuple[str, ...]] = ("T",)

    def study(self, p: Mapping[str, Any], n_lists: int, L: int, before: np.ndarray, after_last: np.ndarray) -> tuple[np.ndarray, ...]:
        """Context after study and the learned weights of ``n_lists`` lists of ``L`` items.

        ``before`` (N, L) and ``after_last`` (N,) are distractor integration rates before
        each item and before recall. Context units: L items, 1 start, L + 1 distractors.
        """
        D = 2 * L + 2
        start, distract = L, L + 1
        c = np.zeros((n_lists, D))
        c[:, start] = 1.0
        item_in = normalized(p["Afc"] + p["Dfc"] * np.eye(L))  # (L, L): item i's pre-experimental context
        fc = np.zeros((n_lists, L, D))
        cf = np.zeros((n_lists, L, D))
        l_cf = p["Lcf"] + p["P1"] * np.exp(-p["P2"] * np.arange(L))
        eye = np.eye(D)
        for i in range(L):
            c = integrate(c, np.broadcast_to(eye[distract + i], c.shape), before[:, i])
            c_in = np.zeros((n_lists, D))
            c_in[:, :L] = item_in[i]
            c = integrate(c, c_in, p["B_enc"])
            fc[:, i] = p["Lfc"] * c
            cf[:, i] = l_cf[i] * c
        c = integrate(c, np.broadcast_to(eye[distract + L], c.shape), after_last)
        c = integrate(c, np.broadcast_to(eye[start], c.shape), p["B_start"])
        return c, fc, cf

    def recall(self, p: Mapping[str, Any], c: np.ndarray, fc: np.ndarray, cf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Recall sequences (N, L): serial positions 0..L-1 in output order, -1 after stopping."""
        n_lists, L, D = cf.shape
        cf_all = cf.copy()
        cf_all[:, :, :L] += p["Acf"] + p["Dcf"] * np.eye(L)
        fc_all = fc.copy()
        fc_all[:, :, :L] += p["Afc"] + p["Dfc"] * np.eye(L)
        fc_all = normalized(fc_all)
        p_stop = stop_probability(L, p["X1"], p["X2"])
        out = np.full((n_lists, L), -1)
        done = np.zeros((n_lists, L), dtype=bool)
        active = np.ones(n_lists, dtype=bool)
        rows = np.arange(n_lists)
        for k in range(L):
            active &= rng.random(n_lists) >= p_stop[k]
            if not active.any():
                break
            a = np.maximum(np.einsum("nld,nd->nl", cf_all, c), A_MIN)
            logits = np.where(done, -np.inf, 2.0 * a / p["T"])
            pick = choose(rng, logits)
            out[active, k] = pick[active]
            done[rows[active], pick[active]] = True
            c = np.where(active[:, None], integrate(c, fc_all[rows, pick], p["B_rec"]), c)
        return out

    def simulate(self, p: Mapping[str, Any], ids: np.ndarray, distractor: np.ndarray, rng: np.random.Generator, timing: Mapping[str, float]) -> np.ndarray:
        n_lists, L = ids.shape
        rate = drift_rate(distractor, p["distractor_drift_time"])  # after each item
        before = np.concatenate([np.zeros((n_lists, 1)), rate[:, :-1]], axis=1)
        c, fc, cf = self.study(p, n_lists, L, before, rate[:, -1])
        return self.recall(p, c, fc, cf, rng)
