"""Two ways to sum a ring's NMDA gating through its Fourier modes (see :mod:`.footprint`).

Each step the ring needs ``C = B s`` (every mode's projection of the E gating
``s``, per copy of the ring) and ``s_in = B^T diag(a) C`` (each E cell's
footprint-weighted input). Both are dense products of an (M x N) matrix.

* :func:`synaptic_mode_coupling` writes them as two Brian2 ``(summed)`` synapse
  sets, N x M synapses each way per copy; it runs on every device, but each
  step is a gather and a scatter through index arrays, which is most of the
  ring's run time on a CPU.
* :func:`fused_mode_coupling` writes the same sums as two Brian2 user functions
  with C++ implementations, called from ``run_regularly`` operations in the slot
  where Brian2 updates summed variables (before the groups' state updates); each
  is a contiguous loop the compiler vectorises. It reads the gating and mode
  arrays the standalone device keeps, so it runs on ``cpp_standalone`` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuromem.spiking.devices import standalone_function


def synaptic_mode_coupling(E: Any, modes: Any, basis: np.ndarray, coef: np.ndarray, n_copies: int, dt: Any) -> tuple[Any, ...]:
    """Brian2 ``Synapses`` (returned, to add to the network) summing ``s_NMDA`` of ``E`` into ``modes.C`` and back into ``E.s_NMDA_in``."""
    import brian2 as b2

    n_modes, N_E = basis.shape
    local_E = np.tile(np.arange(N_E), n_copies)
    # every E neuron of a copy feeds every mode of that copy, and back
    pre = np.repeat(np.arange(n_copies * N_E), n_modes)
    mode_of = np.tile(np.arange(n_modes), n_copies * N_E)
    post = np.repeat(np.repeat(np.arange(n_copies), N_E), n_modes) * n_modes + mode_of
    to_modes = b2.Synapses(E, modes, "w : 1 (constant)\nC_post = w*s_NMDA_pre : 1 (summed)", dt=dt, name="exc_to_modes")
    to_modes.connect(i=pre, j=post)
    to_modes.w = basis[mode_of, np.repeat(local_E, n_modes)]
    from_modes = b2.Synapses(modes, E, "w : 1 (constant)\ns_NMDA_in_post = w*C_pre : 1 (summed)", dt=dt, name="modes_to_exc")
    from_modes.connect(i=post, j=pre)
    from_modes.w = coef[mode_of] * basis[mode_of, np.repeat(local_E, n_modes)]
    return to_modes, from_modes


_PROJECT_CPP = """
double ring_project(const int m)
{{
    // C[m] = sum_j B[k, j] s[copy*N + j] for mode k of copy (m = copy*M + k)
    const double* __restrict s = brian::{gating} + (m / {M}) * {N};
    const double* __restrict b = _namespace_ring_basis_rows + (m % {M}) * {N};
    double total = 0.0;
    for (int j = 0; j < {N}; ++j)
        total += b[j] * s[j];
    return total;
}}
"""

_EXPAND_CPP = """
double ring_expand(const int i)
{{
    // s_in[i] = sum_k a_k B[k, j] C[copy*M + k] for cell j of copy (i = copy*N + j)
    const double* __restrict c = brian::{modes} + (i / {N}) * {M};
    const double* __restrict w = _namespace_ring_weighted_columns + (i % {N}) * {M};
    double total = 0.0;
    for (int k = 0; k < {M}; ++k)
        total += w[k] * c[k];
    return total;
}}
"""


def fused_mode_coupling(E: Any, modes: Any, basis: np.ndarray, coef: np.ndarray) -> tuple[Any, ...]:
    """Add ``run_regularly`` operations computing ``modes.C = B s_NMDA`` and ``E.s_NMDA_in = B^T diag(a) C`` in C++.

    They take the slots of Brian2's summed-variable updates (``groups``, before the
    state updates), so each step sees the same values as :func:`synaptic_mode_coupling`.
    """
    import brian2 as b2

    device = b2.get_device()
    n_modes, N_E = basis.shape
    sizes = {"M": n_modes, "N": N_E}
    project = standalone_function(
        "ring_project",
        _PROJECT_CPP.format(gating=device.get_array_name(E.variables["s_NMDA"]), **sizes),
        [1],
        ["integer"],
        {"_ring_basis_rows": np.ascontiguousarray(basis, dtype=np.float64).ravel()},
    )
    weighted = (coef[:, None] * basis).T  # (N, M): each cell's weights over the modes, contiguous
    expand = standalone_function(
        "ring_expand",
        _EXPAND_CPP.format(modes=device.get_array_name(modes.variables["C"]), **sizes),
        [1],
        ["integer"],
        {"_ring_weighted_columns": np.ascontiguousarray(weighted, dtype=np.float64).ravel()},
    )
    # the groups resolve the functions' names through their namespaces
    modes.namespace = {**(modes.namespace or {}), "ring_project": project}
    E.namespace = {**(E.namespace or {}), "ring_expand": expand}
    modes.run_regularly("C = ring_project(i)", when="groups", order=-2, name="ring_project_modes")
    E.run_regularly("s_NMDA_in = ring_expand(i)", when="groups", order=-1, name="ring_expand_modes")
    return ()  # the operations belong to the groups and enter the network with them
