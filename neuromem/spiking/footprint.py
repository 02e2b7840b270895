"""The E->E connectivity footprint of a ring network and its low-rank form.

On a ring of ``n`` equally spaced neurons the coupling W_ij = w(theta_i - theta_j)
is a symmetric circulant matrix, so it is diagonal in the Fourier basis:

    W_ij = (1/n) [lambda_0 + 2 sum_k lambda_k cos(k (theta_i - theta_j))]
         = sum_m  a_m  b_m(theta_i) b_m(theta_j)

with b_0 = 1, b_{2k-1} = cos(k theta), b_{2k} = sin(k theta). A Gaussian
footprint's spectrum falls as exp(-k^2 sigma^2 / 2), so a few dozen modes give
W to any stated tolerance. The network then sums each neuron's NMDA gating
into the modes (n x M synapses) and back (M x n) instead of through n x n
synapses: for the Compte et al. (2000) ring at full size that is 2 x 2048 x 35
instead of 2048^2 synaptic operations per time step.
"""

from __future__ import annotations

import numpy as np


def ring_angles(n: int) -> np.ndarray:
    """Preferred angles (rad) of ``n`` neurons equally spaced on [-pi, pi)."""
    return -np.pi + 2.0 * np.pi * np.arange(n) / n


def gaussian_footprint(n: int, j_plus: float, sigma: float) -> np.ndarray:
    """First row of W: ``J- + (J+ - J-) exp(-d^2 / 2 sigma^2)`` at circular distance d.

    ``J-`` is set so that the row has mean 1 (Compte et al. 2000), which keeps
    the total recurrent excitation independent of J+ and sigma (rad).
    """
    d = 2.0 * np.pi * np.arange(n) / n
    d = np.minimum(d, 2.0 * np.pi - d)
    g = np.exp(-(d**2) / (2.0 * sigma**2))
    j_minus = (1.0 - j_plus * g.mean()) / (1.0 - g.mean())
    return j_minus + (j_plus - j_minus) * g


def circulant_modes(row: np.ndarray, tolerance: float) -> tuple[np.ndarray, int]:
    """Fourier coefficients ``a_m`` of a symmetric circulant matrix, truncated.

    Parameters
    ----------
    row : array, shape (n,)
        First row of the circulant matrix (symmetric: row[k] == row[n-k]).
    tolerance : float
        Keep the fewest modes K for which ``max |W - W_K| <= tolerance * max |W|``.

    Returns
    -------
    coefficients : array, shape (2K + 1,)
        ``a_m`` in the order of :func:`mode_basis`.
    n_freq : int
        K, the highest frequency kept.
    """
    n = row.size
    lam = np.fft.rfft(row).real  # eigenvalues lambda_k, k = 0..n//2
    # Largest error of dropping frequencies above K is bounded by the sum of what is dropped.
    weights = np.abs(lam) * 2.0 / n
    weights[0] = np.abs(lam[0]) / n
    tail = np.cumsum(weights[::-1])[::-1]  # tail[k] = sum of weights from k upwards
    bound = tolerance * np.abs(row).max()
    n_freq = next((k for k in range(1, lam.size) if k + 1 >= lam.size or tail[k + 1] <= bound), lam.size - 1)
    n_freq = min(n_freq, (n - 1) // 2)
    coefficients = np.empty(2 * n_freq + 1)
    coefficients[0] = lam[0] / n
    coefficients[1::2] = 2.0 * lam[1 : n_freq + 1] / n
    coefficients[2::2] = 2.0 * lam[1 : n_freq + 1] / n
    return coefficients, n_freq


def mode_basis(angles: np.ndarray, n_freq: int) -> np.ndarray:
    """Basis values, shape (2K + 1, len(angles)): 1, cos(theta), sin(theta), cos(2 theta), ..."""
    k = np.arange(1, n_freq + 1)[:, None]
    basis = np.empty((2 * n_freq + 1, angles.size))
    basis[0] = 1.0
    basis[1::2] = np.cos(k * angles)
    basis[2::2] = np.sin(k * angles)
    return basis


def low_rank_matrix(coefficients: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Rebuild W_K = B^T diag(a) B (for checking the truncation)."""
    return basis.T @ (coefficients[:, None] * basis)
