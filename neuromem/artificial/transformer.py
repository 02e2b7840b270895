"""A small causal, decoder-only Transformer: attention over the past as short-term memory.

Each time step of the task's encoding is one token: its input u_t is embedded
(W_in u_t) and a position code *in seconds* is added, so cards with different time
steps share one code of elapsed time:

    p_t = [sin(2 pi t / P_k), cos(2 pi t / P_k)]_k,   P_k geometric from ``min_period`` to ``max_period``

(Vaswani et al. 2017's sinusoids, with time instead of token index). ``layers`` pre-LN
blocks follow (multi-head self-attention with a causal mask, then a GELU MLP of width
4 D, each added to the residual stream), a final layer norm and a linear read-out. No
dropout. Several seeds are one batched model: every weight has a leading seed dim and
seed s's draw comes from its own generator, so a seed's weights and outputs do not
depend on the seeds trained beside it.

The residual stream after each block and every head's attention weights are its
recorded states (``run(..., record=("states",))``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from neuromem.artificial.base import ArtificialModel, seconds, stacked
from neuromem.validation import check_positive_int


class Transformer(ArtificialModel):
    """Causal decoder-only Transformer with a position code in seconds; see the module docstring."""

    family: ClassVar[str] = "transformer"
    _time_params: ClassVar[tuple[str, ...]] = ("dt",)
    state_variables: ClassVar[Mapping[str, tuple[tuple[str, ...], str, str]]] = {
        "residual": (("depth", "unit"), "1", "residual stream: the embedded input (depth 0) and after each block (depth l)"),
        "attention": (("layer", "head", "key_time"), "1", "attention weight of each head on each earlier step (causal)"),
    }

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        p["layers"] = check_positive_int("layers", p.get("layers"), maximum=64)
        p["heads"] = check_positive_int("heads", p.get("heads"), maximum=64)
        if p["hidden_size"] % p["heads"] or p["hidden_size"] % 2:
            raise ValueError(f"hidden_size={p['hidden_size']!r} is not allowed; it must be even and a multiple of heads={p['heads']}")
        for key in ("min_period", "max_period"):
            p[key] = seconds(key, p.get(key))
        if not 0 < p["min_period"] <= p["max_period"]:
            raise ValueError(
                f"min_period={self.parameters['min_period']!r} and max_period={self.parameters['max_period']!r} are not allowed; need 0 < min_period <= max_period"
            )
        return p

    def state_sizes(self, p: Mapping[str, Any], T: int) -> dict[str, int]:
        return {"depth": p["layers"] + 1, "layer": p["layers"], "head": p["heads"]}

    def init_params(self, seeds: Sequence[int], n_in: int, n_out: int, device: Any) -> dict[str, Any]:
        import torch

        p = self._validated()
        D, L = p["hidden_size"], p["layers"]
        S = len(seeds)

        def normal(*shape: int, scale: float = 1.0) -> Any:
            return lambda g: torch.randn(*shape, generator=g) * (scale / math.sqrt(shape[-2]))

        params: dict[str, Any] = {"W_in": stacked(seeds, normal(n_in, D), device), "b_in": torch.zeros(S, 1, D, device=device)}
        residual_scale = 1.0 / math.sqrt(2 * L)  # each block's two additions keep the stream's variance (GPT-2's scaling)
        for layer in range(L):
            for name, shape, scale in (
                ("W_qkv", (D, 3 * D), 1.0),
                ("W_o", (D, D), residual_scale),
                ("W_1", (D, 4 * D), 1.0),
                ("W_2", (4 * D, D), residual_scale),
            ):
                params[f"{name}_{layer}"] = stacked(seeds, normal(*shape, scale=scale), device)
            params[f"b_1_{layer}"] = torch.zeros(S, 1, 4 * D, device=device)
            params[f"b_2_{layer}"] = torch.zeros(S, 1, D, device=device)
            for ln in ("ln1", "ln2"):
                params[f"{ln}_g_{layer}"] = torch.ones(S, 1, D, device=device)
                params[f"{ln}_b_{layer}"] = torch.zeros(S, 1, D, device=device)
        params["lnf_g"] = torch.ones(S, 1, D, device=device)
        params["lnf_b"] = torch.zeros(S, 1, D, device=device)
        params["W_out"] = stacked(seeds, normal(D, n_out), device)
        params["b_out"] = torch.zeros(S, 1, n_out, device=device)
        return {k: v.requires_grad_(True) for k, v in params.items()}

    def position_code(self, T: int, device: Any, dtype: Any) -> Any:
        """(T, D): sines and cosines of each step's midpoint time (s) at periods from ``min_period`` to ``max_period``."""
        import torch

        p = self._validated()
        t = (torch.arange(T, device=device, dtype=dtype) + 0.5) * p["dt"]
        k = p["hidden_size"] // 2
        periods = p["min_period"] * (p["max_period"] / p["min_period"]) ** (torch.arange(k, device=device, dtype=dtype) / max(k - 1, 1))
        phase = 2 * math.pi * t[:, None] / periods[None, :]
        return torch.cat([torch.sin(phase), torch.cos(phase)], -1)

    def states(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None, *, record: bool = False) -> dict[str, Any]:
        """``final`` (S, T, B, D): the last residual stream; recording adds ``residual`` (S, T, B, L + 1, D)
        and ``attention`` (S, T, B, L, heads, T)."""
        import torch

        p = self._validated()
        S, T, B, n_in = x.shape
        h = _linear(x.permute(0, 2, 1, 3), params["W_in"], params["b_in"])  # (S, B, T, D)
        h = h + self.position_code(T, x.device, x.dtype)
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)  # True above the diagonal: the future
        stream, attention = [h], []
        for layer in range(p["layers"]):
            a, weights = _attention(_norm(h, params, f"ln1_{{}}_{layer}"), params, layer, p["heads"], causal)
            h = h + a
            hidden = torch.nn.functional.gelu(_linear(_norm(h, params, f"ln2_{{}}_{layer}"), params[f"W_1_{layer}"], params[f"b_1_{layer}"]))
            h = h + _linear(hidden, params[f"W_2_{layer}"], params[f"b_2_{layer}"])
            if record:
                stream.append(h)
                attention.append(weights)
        out = {"final": h.permute(0, 2, 1, 3)}
        if record:
            out["residual"] = torch.stack(stream, 3).permute(0, 2, 1, 3, 4)  # (S, T, B, L + 1, D)
            out["attention"] = torch.stack(attention, 2).permute(0, 4, 1, 2, 3, 5)  # (S, B, L, H, Tq, Tk) -> (S, Tq, B, L, H, Tk)
        return out

    def readout(self, params: Mapping[str, Any], states: Mapping[str, Any], x: Any) -> Any:
        return _linear(_norm(states["final"], params, "lnf_{}"), params["W_out"], params["b_out"])


def _linear(h: Any, W: Any, b: Any | None) -> Any:
    """h (S, ..., D_in) @ W (S, D_in, D_out) (+ b (S, 1, D_out)), per seed: one batched product over all rows."""
    import torch

    lead = h.shape[1:-1]
    rows = h.reshape(h.shape[0], -1, h.shape[-1])
    flat = torch.bmm(rows, W) if b is None else torch.baddbmm(b, rows, W)
    return flat.reshape(h.shape[0], *lead, W.shape[-1])


def _norm(h: Any, params: Mapping[str, Any], name: str) -> Any:
    """Layer norm with the seed's gain and bias ``name`` (``{}`` -> ``g`` / ``b``)."""
    import torch.nn.functional as F

    g, b = params[name.format("g")], params[name.format("b")]
    extra = (None,) * (h.dim() - 3)
    return F.layer_norm(h, h.shape[-1:]) * g[(slice(None), *extra)] + b[(slice(None), *extra)]


def _attention(h: Any, params: Mapping[str, Any], layer: int, heads: int, causal: Any) -> tuple[Any, Any]:
    """Causal multi-head self-attention of h (S, B, T, D): (its output (S, B, T, D), weights (S, B, heads, T, T))."""
    import torch

    S, B, T, D = h.shape
    qkv = _linear(h, params[f"W_qkv_{layer}"], None).reshape(S, B, T, 3, heads, D // heads)
    q, k, v = qkv.permute(3, 0, 1, 4, 2, 5).unbind(0)  # each (S, B, heads, T, dh)
    logits = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D // heads)
    weights = torch.softmax(logits.masked_fill(causal, -math.inf), dim=-1)
    mixed = torch.matmul(weights, v).permute(0, 1, 3, 2, 4).reshape(S, B, T, D)
    return _linear(mixed, params[f"W_o_{layer}"], None), weights
