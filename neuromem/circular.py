"""Von Mises quantities shared by the models and the analyses of continuous report.

Precision J of a von Mises distribution is its Fisher information about the mean,
J = kappa I1(kappa) / I0(kappa) (van den Berg, Shin, Chou, George & Ma 2012, PNAS
109:8780); its circular s.d. is sqrt(-2 ln(I1(kappa) / I0(kappa))) (Fisher 1993,
*Statistical analysis of circular data*, eq. 2.12). Exponentially scaled Bessel
functions keep both finite at any kappa.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.special import i0e, i1e

#: the largest concentration represented (an error s.d. of 0.18 deg): the end of the table below
KAPPA_MAX = 1e5
#: the table on which precision is inverted: kappa from 1e-6 to KAPPA_MAX, log-spaced
_KAPPA = np.logspace(-6, np.log10(KAPPA_MAX), 4001)


def precision_from_kappa(kappa: np.ndarray | float) -> np.ndarray:
    """Fisher information J = kappa I1(kappa)/I0(kappa) of a von Mises of concentration ``kappa`` (rad^-2)."""
    kappa = np.asarray(kappa, dtype=float)
    return kappa * i1e(kappa) / i0e(kappa)


_PRECISION = precision_from_kappa(_KAPPA)


def kappa_from_precision(precision: np.ndarray | float) -> np.ndarray:
    """Concentration kappa whose precision is ``precision`` (J >= 0): the monotone inverse, by interpolation on a
    log grid; below the table, the small-kappa limit J = kappa^2 / 2 inverted."""
    j = np.asarray(precision, dtype=float)
    small = j < _PRECISION[0]
    k = np.exp(np.interp(np.log(np.maximum(j, _PRECISION[0])), np.log(_PRECISION), np.log(_KAPPA)))
    return np.where(small, np.sqrt(2.0 * np.maximum(j, 0.0)), k)


def sd_from_resultant(length):
    """Circular s.d. sqrt(-2 ln R) (rad) of angles whose mean resultant length is ``length`` (Fisher 1993, eq. 2.12).

    R of identical angles can round to 1 + 2e-16, whose logarithm is positive: R is capped at 1,
    so such angles have s.d. 0 (not NaN), and a + 0.0 turns the -0.0 of ln 1 into 0.
    """
    return np.sqrt(-2.0 * np.log(np.minimum(length, 1.0)) + 0.0)


def kappa_to_sd(kappa):
    """Circular s.d. (rad) of a von Mises distribution of concentration ``kappa``.

    sqrt(-2 ln(I1(kappa) / I0(kappa))), as MemToolbox's ``k2sd`` and mixtur's ``k2sd``. It
    tends to sqrt(-2 ln(kappa / 2)) as kappa -> 0 and to 1 / sqrt(kappa) as kappa -> inf.

    Parameters
    ----------
    kappa : float, numpy.ndarray or xarray.DataArray
        Concentration (>= 0); ``inf`` gives 0 and 0 gives ``inf``.

    Returns
    -------
    Same type as ``kappa`` (an xarray object keeps its dims and coords), rad.
    """

    def sd(k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sqrt(-2.0 * np.log(i1e(k) / i0e(k)))
        return np.where(np.isposinf(k), 0.0, out)

    if isinstance(kappa, xr.DataArray):
        return xr.apply_ufunc(sd, kappa).assign_attrs(units="rad", long_name="circular s.d. of the von Mises")
    out = sd(kappa)
    return out if out.ndim else float(out)


def sd_to_kappa(sd: np.ndarray | float) -> np.ndarray:
    """Concentration of a von Mises whose circular s.d. is ``sd`` (rad), by interpolation on the same table."""
    sd = np.asarray(sd, dtype=float)
    sds = kappa_to_sd(_KAPPA)  # falls with kappa
    return np.exp(np.interp(-np.log(sd), -np.log(sds), np.log(_KAPPA)))
