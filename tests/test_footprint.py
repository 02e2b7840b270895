import numpy as np
import pytest

from neuromem.spiking.footprint import circulant_modes, gaussian_footprint, low_rank_matrix, mode_basis, ring_angles


@pytest.mark.parametrize("n", [128, 512, 2048])
def test_low_rank_coupling_matches_dense_circulant(n):
    sigma = np.radians(18.0)
    row = gaussian_footprint(n, 1.62, sigma)
    # Compte et al. (2000): mean weight 1, peak J+ at zero distance.
    assert row.mean() == pytest.approx(1.0, abs=1e-12)
    assert row[0] == pytest.approx(1.62)
    coef, n_freq = circulant_modes(row, 1e-4)
    dense = np.array([np.roll(row, i) for i in range(n)])  # W_ij = w(i - j)
    low = low_rank_matrix(coef, mode_basis(ring_angles(n), n_freq))
    assert np.abs(low - dense).max() <= 1e-4 * row.max()
    assert 2 * n_freq + 1 < n / 3  # far fewer modes than neurons: the point of the decomposition


def test_continuous_normalisation_agrees_with_closed_form():
    # J- = (1 - J+ g)/(1 - g), g = sigma sqrt(2 pi)/(2 pi) for a Gaussian much narrower than the ring.
    sigma = np.radians(14.4)
    g = sigma * np.sqrt(2 * np.pi) / (2 * np.pi)
    j_minus = (1 - 1.62 * g) / (1 - g)
    row = gaussian_footprint(4096, 1.62, sigma)
    assert row.min() == pytest.approx(j_minus, rel=1e-6)
