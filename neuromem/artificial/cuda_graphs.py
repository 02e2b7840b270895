"""Replaying a fixed sequence of small GPU kernels as one CUDA graph.

A Python loop over time steps launches a few small kernels per step; on a GPU the launches,
not the arithmetic, then set the time (about 30 us each on the H100 machine measured in
docs/performance.md). ``replayed(key, body, *tensors)`` runs ``body(*tensors)`` eagerly the
first time a key is seen; the second time it captures ``body`` once on static copies of the
inputs (``torch.cuda.graph``) and from then on copies the inputs in, replays the graph and
returns copies of its outputs: the same kernels on the same numbers, hence the same results,
one launch. One-off shapes (an inference call) therefore never pay for a capture.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_GRAPHS = 4  # each holds its inputs, outputs and intermediates on the GPU

_graphs: OrderedDict[Hashable, _Graph] = OrderedDict()
_seen: Counter = Counter()


class _Graph:
    def __init__(self, body: Callable[..., tuple], tensors: tuple) -> None:
        import torch

        self.inputs = [torch.empty_like(t, memory_format=torch.contiguous_format).copy_(t) for t in tensors]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up outside the capture: library handles, workspaces
            body(*self.inputs)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        # thread_local: a CUDA call from another thread (a DataLoader's, say) must not void the capture
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"):
            self.outputs = body(*self.inputs)

    def __call__(self, tensors: tuple) -> tuple:
        for static, t in zip(self.inputs, tensors):
            static.copy_(t)
        self.graph.replay()
        return tuple(o.clone() for o in self.outputs)


def replayed(key: Hashable, body: Callable[..., tuple], *tensors: Any) -> tuple:
    """``body(*tensors)``, from the second call with the same ``key`` on as a CUDA graph replay.

    ``key`` must determine everything but the tensors' values: their shapes, dtypes and device,
    and every Python number ``body`` uses. Off a GPU (or while another graph is being captured)
    this is ``body(*tensors)``.
    """
    import torch

    if tensors[0].device.type != "cuda" or torch.cuda.is_current_stream_capturing():
        return body(*tensors)
    key = (key, tuple((t.shape, t.dtype, t.device) for t in tensors))
    graph = _graphs.get(key)
    if graph is None:
        _seen[key] += 1
        if _seen[key] < 2:
            return body(*tensors)
        graph = _graphs[key] = _Graph(body, tensors)
        while len(_graphs) > MAX_GRAPHS:
            _graphs.popitem(last=False)
    _graphs.move_to_end(key)
    return graph(tensors)


def clear() -> None:
    """Forget every captured graph (and the GPU memory its buffers hold), e.g. at the end of a fit."""
    _graphs.clear()
    _seen.clear()
