"""Key-value memory: a memory network / modern Hopfield read-out over what was shown.

Every time step at which an item is shown (the task's ``write`` mask) stores a key
k = W_k u and a value v = W_v u. At every step a query q = W_q u reads

    read = sum_j softmax_j(beta cos(q, k_j) + log s_j) v_j

over the stored slots (and one empty slot of value 0, so nothing is read before
anything is stored), where s_j = exp(-age_j / trace_decay) fades old traces
(no fading when trace_decay = 0). Large beta retrieves the best-matching item
exactly; small beta blends items, so recall degrades as more are stored
(interference). The output is a linear map of [read, u]. beta is learned
(as log beta) from its card value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from neuromem.artificial.base import ArtificialModel, stacked


def retrieve(queries: Any, keys: Any, values: Any, beta: Any, log_strength: Any = None) -> Any:
    """Softmax retrieval: rows of ``queries`` (..., Q, D) read ``values`` (..., K, Dv).

    Uses cosine similarity between queries and keys, scaled by ``beta``; an
    optional ``log_strength`` (..., Q, K) is added to the logits (-inf: absent).
    """
    import torch

    return torch.matmul(attention_weights(queries, keys, beta, log_strength), values)


def attention_weights(queries: Any, keys: Any, beta: Any, log_strength: Any = None) -> Any:
    """The softmax weights (..., Q, K) with which :func:`retrieve` reads."""
    import torch
    import torch.nn.functional as F

    logits = beta * torch.matmul(F.normalize(queries, dim=-1), F.normalize(keys, dim=-1).transpose(-1, -2))
    if log_strength is not None:
        logits = logits + log_strength
    return torch.softmax(logits, dim=-1)


class KeyValueMemory(ArtificialModel):
    """Key-value memory with learned key, value, query and read-out maps."""

    family: ClassVar[str] = "keyvalue"
    state_variables: ClassVar[Mapping[str, tuple[tuple[str, ...], str, str]]] = {
        "read": (("unit",), "1", "what the query read from memory (softmax-weighted values)"),
        "attention": (("key_time",), "1", "read-out weight on the item stored at each earlier step (the rest is on the empty slot)"),
    }
    _time_params: ClassVar[tuple[str, ...]] = ("dt", "trace_decay")

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        if not (isinstance(p["beta"], (int, float)) and p["beta"] > 0):
            raise ValueError(f"beta={p['beta']!r} is not allowed; it must be > 0")
        if p["trace_decay"] < 0:
            raise ValueError(f"trace_decay={self.parameters['trace_decay']!r} is not allowed; it must be >= 0 (0: no decay)")
        return p

    def init_params(self, seeds: Sequence[int], n_in: int, n_out: int, device: Any) -> dict[str, Any]:
        import torch

        p = self._validated()
        D = p["hidden_size"]

        def normal(*shape: int) -> Any:
            return lambda g: torch.randn(*shape, generator=g) / math.sqrt(shape[0])

        params = {
            "W_k": stacked(seeds, normal(n_in, D), device),
            "W_v": stacked(seeds, normal(n_in, D), device),
            "W_q": stacked(seeds, normal(n_in, D), device),
            "W_out": stacked(seeds, normal(D + n_in, n_out), device),
            "b_out": torch.zeros(len(seeds), 1, n_out, device=device),
            "log_beta": torch.full((len(seeds), 1, 1), math.log(float(p["beta"])), device=device),
        }
        return {k: v.requires_grad_(True) for k, v in params.items()}

    def states(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None, *, record: bool = False) -> dict[str, Any]:
        """``read`` (S, T, B, D); recording adds the ``attention`` weights (S, T, B, T) on the stored steps."""
        import torch

        p = self._validated()
        S, T, B, n_in = x.shape
        u = x.permute(0, 2, 1, 3)  # (S, B, T, n_in)
        keys = torch.matmul(u, params["W_k"][:, None])
        values = torch.matmul(u, params["W_v"][:, None])
        queries = torch.matmul(u, params["W_q"][:, None])
        w = write.permute(0, 2, 1)  # (S, B, T)
        steps = torch.arange(T, device=x.device)
        age = (steps[:, None] - steps[None, :]).to(x.dtype) * p["dt"]  # (query t, key t')
        allowed = (age >= 0)[None, None] & (w[:, :, None, :] > 0)
        log_s = torch.where(allowed, torch.zeros((), device=x.device), torch.full((), -math.inf, device=x.device))
        if p["trace_decay"] > 0:
            log_s = log_s - age.clamp(min=0) / p["trace_decay"]
        # an empty slot (logit 0, value 0): reads nothing when nothing is stored
        keys = torch.cat([keys, torch.zeros_like(keys[:, :, :1])], 2)
        values = torch.cat([values, torch.zeros_like(values[:, :, :1])], 2)
        log_s = torch.cat([log_s, torch.zeros_like(log_s[..., :1])], -1)
        beta = params["log_beta"].exp()[:, :, :, None]
        weights = attention_weights(queries, keys, beta, log_s)  # (S, B, T, T + 1)
        read = torch.matmul(weights, values).permute(0, 2, 1, 3)
        if not record:
            return {"read": read}
        # the empty slot's weight is 1 minus the sum over the stored steps
        return {"read": read, "attention": weights[..., :T].permute(0, 2, 1, 3)}

    def readout(self, params: Mapping[str, Any], states: Mapping[str, Any], x: Any) -> Any:
        import torch

        return torch.matmul(torch.cat([states["read"], x], -1), params["W_out"][:, None]) + params["b_out"][:, None]
