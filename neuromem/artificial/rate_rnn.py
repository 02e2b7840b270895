"""Continuous-time rate RNN, Euler-discretised (Song, Yang & Wang 2016).

    tau dx/dt = -x + W r + W_in u + b + sqrt(2 tau) sigma xi,   r = f(x)

so each step of ``dt`` is x <- x + a(-x + W r + W_in u + b) + sqrt(2 a) sigma N(0, 1),
a = dt / tau. With Dale's law the recurrent weights are W = relu(W_raw) D, D = diag(+1
for excitatory, -1 for inhibitory units) (rows are presynaptic), so every unit keeps
its sign whatever training does, and the read-out sees excitatory units only.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from neuromem.artificial.base import ArtificialModel, stacked
from neuromem.artificial.cuda_graphs import replayed

ACTIVATIONS: tuple[str, ...] = ("relu", "softplus")


class RateRNN(ArtificialModel):
    """Rate RNN with optional Dale's law and recurrent noise; see the module docstring."""

    family: ClassVar[str] = "rate"
    state_variables: ClassVar[Mapping[str, tuple[tuple[str, ...], str, str]]] = {
        "activation": (("unit",), "1", "rate RNN activation x (input to the rate function)"),
        "rate": (("unit",), "1", "rate RNN rate r = f(x) (arbitrary units)"),
    }
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

    def states(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None, *, record: bool = False) -> dict[str, Any]:
        """``rate`` r = f(x) (S, T, B, N); recording adds the ``activation`` x."""
        import torch

        p = self._validated()
        S, T, B, n_in = x.shape
        N = p["hidden_size"]
        a = p["dt"] / p["tau"]
        W, _ = self.effective_weights(params)
        drive = torch.bmm(x.reshape(S, T * B, n_in), params["W_in"]).reshape(S, T, B, N) + params["b"][:, None]
        sigma = float(p["recurrent_noise"]) * math.sqrt(2.0 * a)
        if noise_seeds is not None and sigma > 0:
            # noise enters the step outside the factor a: x <- x + a(...) + noise
            drive = drive + _noise(noise_seeds, (T, B, N), x.device) * (sigma / a)
        if record:  # no gradient is wanted: the plain loop also gives the activations
            xs, _, r = _forward_steps(drive * a, W, float(a), p["activation"])
            return {"activation": xs, "rate": r}
        return {"rate": _leaky_recurrence()(drive * a, W, float(a), p["activation"])}  # (S, T, B, N)

    def readout(self, params: Mapping[str, Any], states: Mapping[str, Any], x: Any) -> Any:
        import torch

        r = states["rate"]
        S, T, B, N = r.shape
        _, W_out = self.effective_weights(params)
        return torch.bmm(r.reshape(S, T * B, N), W_out).reshape(S, T, B, -1) + params["b_out"][:, None]


def _noise(seeds: Sequence[int], shape: tuple[int, ...], device: Any) -> Any:
    """Standard normal noise (S, *shape), seed s from its own generator on ``device``: a seed's
    noise does not depend on the other seeds in the batch (on a GPU it is drawn there, in one
    kernel per seed, instead of on the CPU and copied)."""
    import torch

    gen = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]
    return torch.stack([torch.randn(shape, generator=g, device=device) for g in gen])


def _rate(activation: str) -> Any:
    """The activation f."""
    import torch
    import torch.nn.functional as F

    return torch.relu if activation == "relu" else F.softplus


def _slope(h: Any, activation: str) -> Any:
    """f'(h) of the activation (softplus' = sigmoid)."""
    import torch

    return (h > 0).to(h.dtype) if activation == "relu" else torch.sigmoid(h)


def _forward_steps(au: Any, W: Any, a: float, activation: str) -> tuple:
    """x_1..x_T (S, T, B, N), r_0 and the rates r_1..r_T of the recurrence (see :func:`_leaky_recurrence`)."""
    import torch

    S, T, B, N = au.shape
    f = _rate(activation)
    h = au.new_zeros(S, B, N)
    r0 = f(h)
    r, hs, rs = r0, [], []
    for au_t in au.unbind(1):
        h = torch.baddbmm(torch.add(au_t, h, alpha=1.0 - a), r, W, alpha=a)
        r = f(h)
        hs.append(h)
        rs.append(r)
    return torch.stack(hs, 1), r0, torch.stack(rs, 1)


def _backward_steps(grad_rates: Any, W: Any, xs: Any, r0: Any, rates: Any, a: float, activation: str) -> tuple:
    """Gradients (of au, of W) from those of the rates, delta_t = dL/dx_t run backwards in time."""
    import torch

    S, T, B, N = xs.shape
    slope = _slope(xs, activation)
    Wt = W.transpose(1, 2)
    delta = xs.new_zeros(S, B, N)
    deltas = [delta] * T
    for t in range(T - 1, -1, -1):
        q = torch.baddbmm(grad_rates[:, t], delta, Wt, alpha=a)
        delta = torch.addcmul(delta * (1.0 - a), slope[:, t], q)
        deltas[t] = delta
    D = torch.stack(deltas, 1)
    previous = torch.cat([r0[:, None], rates[:, :-1]], 1)  # r_{t-1}
    grad_W = torch.bmm(previous.reshape(S, T * B, N).transpose(1, 2), D.reshape(S, T * B, N)) * a
    return D, grad_W


@functools.lru_cache(maxsize=1)
def _leaky_recurrence() -> Any:
    """``torch.autograd.Function``: rates r_1..r_T (S, T, B, N) of x_t = (1 - a) x_{t-1} + a u_t + a r_{t-1} W,
    r_t = f(x_t), x_0 = 0, from ``au`` = a u (S, T, B, N) and W (S, N, N).

    Forward and backward are written out because, on a GPU, a step costs its kernel launches, not
    its arithmetic: the forward step is two kernels plus the rate; the backward step
    (delta_t = f'(x_t) (G_t + a delta_{t+1} W^T) + (1 - a) delta_{t+1}) three, and the weight
    gradient a sum_t r_{t-1}^T delta_t one product over all steps after the loop, where autograd
    would record and replay some ten kernels per step. On a GPU each loop is replayed as one
    CUDA graph once its shapes repeat (:mod:`neuromem.artificial.cuda_graphs`).
    """
    import torch

    class LeakyRecurrence(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, au: Any, W: Any, a: float, activation: str) -> Any:
            body = functools.partial(_forward_steps, a=a, activation=activation)
            xs, r0, rates = replayed(("rate_rnn.forward", a, activation), body, au, W)
            ctx.save_for_backward(W, xs, r0, rates)
            ctx.a, ctx.activation = a, activation
            return rates

        @staticmethod
        def backward(ctx: Any, grad_rates: Any) -> tuple:
            body = functools.partial(_backward_steps, a=ctx.a, activation=ctx.activation)
            D, grad_W = replayed(("rate_rnn.backward", ctx.a, ctx.activation), body, grad_rates, *ctx.saved_tensors)
            return D, grad_W, None, None

    return LeakyRecurrence.apply
