"""LSTM (Hochreiter & Schmidhuber 1997) with torch.nn.LSTM's gates and weight layout.

One seed runs through ``torch.lstm`` — the kernel behind ``torch.nn.LSTM`` (cuDNN on
a GPU). Several seeds run as one batched model: the same cell with weights stacked
on a seed dim, one batched matrix product per time step for all seeds (vmap has no
batching rule for the fused LSTM kernel). ``kernel`` picks: ``auto`` (fused for one
seed and for any number of seeds on a CPU, where the fused kernel once per seed is
faster than the stacked loop; stacked for several seeds on a GPU), ``fused`` or
``stacked``; both compute the same function.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from neuromem.artificial.base import ArtificialModel, stacked

KERNELS: tuple[str, ...] = ("auto", "fused", "stacked")


class LSTM(ArtificialModel):
    """One-layer LSTM with a linear read-out of the hidden state."""

    family: ClassVar[str] = "lstm"

    def __init__(self, parameters: Mapping[str, Any], *, device: str = "auto", name: str = "lstm", references: str = "", kernel: str = "auto") -> None:
        super().__init__(parameters, device=device, name=name, references=references)
        self.kernel = kernel

    @classmethod
    def from_card(cls, card: Any, *, device: str = "auto", kernel: str = "auto", **overrides: Any) -> LSTM:
        model = super().from_card(card, device=device, **overrides)
        model.kernel = kernel
        return model

    def init_params(self, seeds: Sequence[int], n_in: int, n_out: int, device: Any) -> dict[str, Any]:
        import torch

        H = self._validated()["hidden_size"]
        k = 1.0 / math.sqrt(H)  # torch.nn.LSTM's uniform(-1/sqrt(H), 1/sqrt(H))

        def uniform(*shape: int) -> Any:
            return lambda g: (torch.rand(*shape, generator=g) * 2 - 1) * k

        params = {
            "W_ih": stacked(seeds, uniform(n_in, 4 * H), device),
            "W_hh": stacked(seeds, uniform(H, 4 * H), device),
            "b": stacked(seeds, uniform(1, 4 * H), device),
            "W_out": stacked(seeds, lambda g: torch.randn(H, n_out, generator=g) / math.sqrt(H), device),
            "b_out": torch.zeros(len(seeds), 1, n_out, device=device),
        }
        return {key: v.requires_grad_(True) for key, v in params.items()}

    def hidden(self, params: Mapping[str, Any], x: Any) -> Any:
        """Hidden states (S, T, B, H) for inputs (S, T, B, n_in)."""
        import torch

        if self.kernel not in KERNELS:
            raise ValueError(f"kernel={self.kernel!r} is not allowed; choose one of {KERNELS}")
        S, T, B, n_in = x.shape
        H = params["W_hh"].shape[1]
        # on a CPU the fused kernel once per seed beats one stacked Python loop for all seeds
        # (16 seeds: 1.0-1.1x sequential against 0.5-0.75x, benchmarks/artificial_training.py)
        if self.kernel == "fused" or (self.kernel == "auto" and (S == 1 or x.device.type == "cpu")):
            outs = []
            for s in range(S):
                weights = [params["W_ih"][s].t().contiguous(), params["W_hh"][s].t().contiguous(), params["b"][s, 0], torch.zeros_like(params["b"][s, 0])]
                zeros = torch.zeros(1, B, H, device=x.device, dtype=x.dtype)
                out, _, _ = torch.lstm(x[s], (zeros, zeros), weights, True, 1, 0.0, torch.is_grad_enabled(), False, False)
                outs.append(out)
            return torch.stack(outs)
        pre = torch.bmm(x.reshape(S, T * B, n_in), params["W_ih"]).reshape(S, T, B, 4 * H) + params["b"][:, None]
        h = torch.zeros(S, B, H, device=x.device, dtype=x.dtype)
        c = torch.zeros_like(h)
        hs = []
        # unbind once: indexing pre[:, t] in the loop would make backward scatter into a full-size
        # zero gradient at every step (quadratic in T)
        for pre_t in pre.unbind(1):
            i, f, g, o = (pre_t + torch.bmm(h, params["W_hh"])).chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        return torch.stack(hs, 1)

    def forward(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None) -> Any:
        import torch

        h = self.hidden(params, x)
        S, T, B, H = h.shape
        return torch.bmm(h.reshape(S, T * B, H), params["W_out"]).reshape(S, T, B, -1) + params["b_out"][:, None]
