"""LSTM (Hochreiter & Schmidhuber 1997) with torch.nn.LSTM's gates and weight layout.

One seed runs through ``torch.lstm`` — the kernel behind ``torch.nn.LSTM`` (cuDNN on
a GPU). Several seeds run as one batched model, in one of two ways (vmap has no batching
rule for the fused LSTM kernel): ``stacked``, the same cell with weights stacked on a seed
dim, one batched matrix product per time step for all seeds; or ``blockdiag``, one fused
kernel call for all seeds as one LSTM of S x H units whose weight matrices are
block-diagonal (the blocks are the seeds' weights, the gates stay elementwise, so seeds
never mix; the zeros cost S times the arithmetic, which a GPU does in the time of the
launches it saves). ``kernel`` picks: ``auto`` (fused for one seed and, once per seed, for
any number of seeds on a CPU, where that beats the stacked loop; on a GPU ``blockdiag``
for several seeds up to S x H = 2048 units, ``stacked`` beyond), ``fused``, ``stacked``
or ``blockdiag``; all compute the same function.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from neuromem.artificial.base import ArtificialModel, stacked

KERNELS: tuple[str, ...] = ("auto", "fused", "stacked", "blockdiag")
# measured at S x H = 1024 (16 seeds of 64 units, docs/performance.md); the zeros' arithmetic grows as
# (S H)^2, so beyond a bound the stacked loop wins: 2048 is a chosen bound, not a measured crossover
BLOCKDIAG_MAX_UNITS = 2048


class LSTM(ArtificialModel):
    """One-layer LSTM with a linear read-out of the hidden state."""

    family: ClassVar[str] = "lstm"
    _options: ClassVar[tuple[str, ...]] = ("kernel",)
    state_variables: ClassVar[Mapping[str, tuple[tuple[str, ...], str, str]]] = {
        "hidden": (("unit",), "1", "LSTM hidden state h"),
        "cell": (("unit",), "1", "LSTM cell state c"),
    }

    def __init__(self, parameters: Mapping[str, Any], *, device: str = "auto", name: str = "lstm", references: str = "", kernel: str = "auto") -> None:
        super().__init__(parameters, device=device, name=name, references=references)
        self.kernel = kernel

    def _validated(self) -> dict[str, Any]:
        p = super()._validated()
        bias = p.get("forget_bias", 0.0)  # fits saved before the parameter existed were initialised with 0
        if isinstance(bias, bool) or not isinstance(bias, (int, float)) or not math.isfinite(bias):
            raise ValueError(f"parameter forget_bias={bias!r} is not allowed; it must be a finite number")
        p["forget_bias"] = float(bias)
        return p

    def init_params(self, seeds: Sequence[int], n_in: int, n_out: int, device: Any) -> dict[str, Any]:
        import torch

        p = self._validated()
        H = p["hidden_size"]
        k = 1.0 / math.sqrt(H)  # torch.nn.LSTM's uniform(-1/sqrt(H), 1/sqrt(H))

        def uniform(*shape: int) -> Any:
            return lambda g: (torch.rand(*shape, generator=g) * 2 - 1) * k

        params = {
            "W_ih": stacked(seeds, uniform(n_in, 4 * H), device),
            "W_hh": stacked(seeds, uniform(H, 4 * H), device),
            "b": stacked(seeds, uniform(1, 4 * H), device),  # gates i, f, g, o: the forget gate's biases are b[..., H:2H]
            "W_out": stacked(seeds, lambda g: torch.randn(H, n_out, generator=g) / math.sqrt(H), device),
            "b_out": torch.zeros(len(seeds), 1, n_out, device=device),
        }
        params["b"][..., H : 2 * H] += p["forget_bias"]  # the same draws whatever the bias: 0 gives today's weights
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
        kernel = self.kernel
        if kernel == "auto":
            kernel = "fused" if S == 1 or x.device.type == "cpu" else "blockdiag" if S * H <= BLOCKDIAG_MAX_UNITS else "stacked"
        if kernel == "blockdiag":
            return _blockdiag_hidden(params, x)
        if kernel == "fused":
            outs = []
            for s in range(S):
                weights = [params["W_ih"][s].t().contiguous(), params["W_hh"][s].t().contiguous(), params["b"][s, 0], torch.zeros_like(params["b"][s, 0])]
                outs.append(_lstm_kernel(x[s], weights, H))
            return torch.stack(outs)
        pre = torch.bmm(x.reshape(S, T * B, n_in), params["W_ih"]).reshape(S, T, B, 4 * H) + params["b"][:, None]
        h = torch.zeros(S, B, H, device=x.device, dtype=x.dtype)
        c = torch.zeros_like(h)
        hs = []
        # unbind once: indexing pre[:, t] in the loop would make backward scatter into a full-size
        # zero gradient at every step (quadratic in T)
        # (the launches, not the arithmetic, are what a step costs on a GPU: one sigmoid over all four
        # gates, g's wasted, is one kernel instead of three)
        for pre_t in pre.unbind(1):
            gates = torch.baddbmm(pre_t, h, params["W_hh"])
            i, f, _, o = torch.sigmoid(gates).chunk(4, dim=-1)
            g = torch.tanh(gates[..., 2 * H : 3 * H])
            c = torch.addcmul(f * c, i, g)
            h = o * torch.tanh(c)
            hs.append(h)
        return torch.stack(hs, 1)

    def states(self, params: Mapping[str, Any], x: Any, write: Any, noise_seeds: Sequence[int] | None, *, record: bool = False) -> dict[str, Any]:
        """``hidden`` (S, T, B, H); recording adds the ``cell`` state, found from the hidden states
        (the gates at t need only x_t and h_(t-1), so c_t = f_t c_(t-1) + i_t g_t is one cheap loop)."""
        h = self.hidden(params, x)
        return {"hidden": h, "cell": _cell_states(params, x, h)} if record else {"hidden": h}

    def readout(self, params: Mapping[str, Any], states: Mapping[str, Any], x: Any) -> Any:
        import torch

        h = states["hidden"]
        S, T, B, H = h.shape
        return torch.bmm(h.reshape(S, T * B, H), params["W_out"]).reshape(S, T, B, -1) + params["b_out"][:, None]


def _cell_states(params: Mapping[str, Any], x: Any, h: Any) -> Any:
    """Cell states (S, T, B, H) of the LSTM whose hidden states are ``h`` for inputs ``x`` (torch's gate order i, f, g, o)."""
    import torch

    S, T, B, H = h.shape
    previous = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], 1)
    # every step's gates in one product (they need only x_t and h_(t-1)); the loop is then elementwise
    inputs = torch.cat([x, previous], -1).reshape(S, T * B, -1)
    gates = torch.baddbmm(params["b"], inputs, torch.cat([params["W_ih"], params["W_hh"]], 1)).reshape(S, T, B, 4 * H)
    i, f = torch.sigmoid(gates[..., : 2 * H]).chunk(2, dim=-1)
    g = torch.tanh(gates[..., 2 * H : 3 * H])
    c = torch.zeros_like(h[:, 0])
    cells = []
    for f_t, i_t, g_t in zip(f.unbind(1), i.unbind(1), g.unbind(1)):
        c = torch.addcmul(f_t * c, i_t, g_t)
        cells.append(c)
    return torch.stack(cells, 1)


def _lstm_kernel(x: Any, weights: list, H: int) -> Any:
    """``torch.lstm`` (the kernel of torch.nn.LSTM) on x (T, B, n_in), zero initial state: (T, B, H)."""
    import torch

    zeros = torch.zeros(1, x.shape[1], H, device=x.device, dtype=x.dtype)
    with warnings.catch_warnings():
        # cuDNN copies weights that are not one flat buffer; these are made from the stacked
        # parameters at every call anyway (4H x (H + n_in) numbers), so the copy is expected
        warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous chunk")
        out, _, _ = torch.lstm(x, (zeros, zeros), weights, True, 1, 0.0, torch.is_grad_enabled(), False, False)
    return out


def _blockdiag_hidden(params: Mapping[str, Any], x: Any) -> Any:
    """All seeds in one ``torch.lstm`` call: an LSTM of S x H units with block-diagonal weights.

    Gate g of unit j of seed s is row g S H + s H + j (torch's gate-major layout); seed s's
    inputs and units are columns s n_in + i and s H + k, so the off-diagonal blocks are zero.
    """
    import torch

    S, T, B, n_in = x.shape
    H = params["W_hh"].shape[1]
    eye = torch.eye(S, device=x.device, dtype=x.dtype)
    # params: W_ih (S, n_in, 4H), W_hh (S, H, 4H), b (S, 1, 4H) with x @ W the cell's product
    w_ih = torch.einsum("sigj,st->gsjti", params["W_ih"].reshape(S, n_in, 4, H), eye).reshape(4 * S * H, S * n_in)
    w_hh = torch.einsum("skgj,st->gsjtk", params["W_hh"].reshape(S, H, 4, H), eye).reshape(4 * S * H, S * H)
    b = params["b"].reshape(S, 4, H).transpose(0, 1).reshape(4 * S * H)
    out = _lstm_kernel(x.permute(1, 2, 0, 3).reshape(T, B, S * n_in), [w_ih, w_hh, b, torch.zeros_like(b)], S * H)
    return out.reshape(T, B, S, H).permute(2, 0, 1, 3)
