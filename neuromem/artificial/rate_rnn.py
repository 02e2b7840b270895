"""Continuous-time rate RNN, Euler-discretised (Song, Yang & Wang 2016).

    tau dx/dt = -x + W r + W_in u + b + sqrt(2 tau) sigma xi,   r = f(x)

so each step of ``dt`` is x <- x + a(-x + W r + W_in u + b) + sqrt(2 a) sigma N(0, 1),
a = dt / tau. With Dale's law the recurrent weights are W = relu(W_raw) D, D = diag(+1
for excitatory, -1 for inhibitory units) (rows are presynaptic), so every unit keeps
its sign whatever training does, and the read-out sees excitatory units only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from neuromem.artificial.base import ArtificialModel, stacked

ACTIVATIONS: tuple[str, ...] = ("relu", "softplus")


class RateRNN(ArtificialModel):
    """Rate RNN with optional Dale's law and recurrent noise; see the module docstring."""

    family: ClassVar[str] = "rate"
    _time_params: ClassVar[tuple[str, ...]] = ("dt", "tau")

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        if p["activation"] not in ACTIVATIONS:
            raise ValueError(f"activation={p['activation']!r} is not allowed; choose one of {ACTIVATIONS}")
        if not p["tau"] > p["dt"] * 0.999:
            raise ValueError(f"tau={self.parameters['tau']!r} must be at least dt={self.parameters['dt']!r} (Euler step a = dt/tau <= 1)")
        if not isinstance(p["dale"], bool):
            raise ValueError(f"dale={p['dale']!r} is not allowed; it must be true or false")
        if not 0 < float(p["excitatory_fraction"]) < 1:
            raise ValueError(f"excitatory_fraction={p['excitatory_fraction']!r} is not allowed; it must be between 0 and 1")
        if not float(p["recurrent_noise"]) >= 0:
            raise ValueError(f"recurrent_noise={p['recurrent_noise']!r} is not allowed; it must be >= 0")
        p["n_exc"] = int(round(float(p["excitatory_fraction"]) * p["hidden_size"])) if p["dale"] else p["hidden_size"]
        return p

    def signs(self, device: Any = None) -> Any:
        """+1 for excitatory and -1 for inhibitory units (all +1 without Dale's law)."""
        import torch

        p = self._validated()
        s = torch.ones(p["hidden_size"], device=device)
        s[p["n_exc"] :] = -1.0
        return s

    def init_params(self, seeds: Sequence[int], n_in: int, n_out: int, device: Any) -> dict[str, Any]:
        import torch

        p = self._validated()
        N, gain = p["hidden_size"], float(p["init_gain"])

        def recurrent(g: Any) -> Any:
            w = torch.randn(N, N, generator=g) * gain / math.sqrt(N)
            if p["dale"]:
                w = w.abs()
                n_i = N - p["n_exc"]
                if n_i:
                    w[p["n_exc"] :] *= p["n_exc"] / n_i  # inhibition balances excitation on average
                w *= 1.0 / math.sqrt(2.0)
            return w

        params = {
            "W_in": stacked(seeds, lambda g: torch.randn(n_in, N, generator=g) / math.sqrt(n_in), device),
            "W": stacked(seeds, recurrent, device),
            "b": torch.zeros(len(seeds), 1, N, device=device),
            "W_out": stacked(seeds, lambda g: torch.randn(N, n_out, generator=g) / math.sqrt(N), device),
            "b_out": torch.zeros(len(seeds), 1, n_out, device=device),
        }
        return {k: v.requires_grad_(True) for k, v in params.items()}

    def effective_weights(self, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """(recurrent W, read-out W_out) as used in the dynamics (Dale's law applied)."""
        import torch

        p = self._validated()
        if not p["dale"]:
            return params["W"], params["W_out"]
        s = self.signs(params["W"].device)
        readout = (s > 0).to(params["W_out"].dtype)[None, :, None]
        return torch.relu(params["W"]) * s[None, :, None], params["W_out"] * readout

    def forward(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None) -> Any:
        import torch
        import torch.nn.functional as F

        p = self._validated()
        S, T, B, n_in = x.shape
        N = p["hidden_size"]
        a = p["dt"] / p["tau"]
        W, W_out = self.effective_weights(params)
        drive = torch.bmm(x.reshape(S, T * B, n_in), params["W_in"]).reshape(S, T, B, N) + params["b"][:, None]
        sigma = float(p["recurrent_noise"]) * math.sqrt(2.0 * a)
        if noise_seeds is not None and sigma > 0:
            noise = torch.stack([torch.randn(T, B, N, generator=torch.Generator().manual_seed(int(s))) for s in noise_seeds]).to(x.device) * sigma
        else:
            noise = None
        f = torch.relu if p["activation"] == "relu" else F.softplus
        h = torch.zeros(S, B, N, device=x.device, dtype=x.dtype)
        rates = []
        # noise enters the step outside the factor a: x <- x + a(...) + noise
        inputs = drive.unbind(1) if noise is None else (drive + noise / a).unbind(1)  # one view per step (see LSTM.hidden)
        for u_t in inputs:
            r = f(h)
            h = h + a * (-h + torch.bmm(r, W) + u_t)
            rates.append(f(h))
        r = torch.stack(rates, 1)  # (S, T, B, N)
        return torch.bmm(r.reshape(S, T * B, N), W_out).reshape(S, T, B, -1) + params["b_out"][:, None]
