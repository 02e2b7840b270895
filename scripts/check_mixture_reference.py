"""Fit neuromem's mixture models to the reference tools' bundled data; write ours vs theirs.

Writes ``tests/data/mixture_reference_check.csv`` (dataset, condition, parameter, ours,
theirs, tolerance, source), which ``tests/test_mixture.py`` checks. Only derived numbers
go in the CSV: the trials stay with their packages (mixtur is GPL-3).

Usage::

    python scripts/check_mixture_reference.py --mixtur PATH/bays2009_full.rda \\
        --memtoolbox "PATH/3000+trials_3items_SUBJ#1.mat" [--out tests/data/mixture_reference_check.csv]

Where the data come from:

* ``bays2009_full.rda``: ``data/`` of github.com/JimGrange/mixtur (Bays, Catalao &
  Husain 2009; 12 participants, set sizes 1, 2, 4, 6, sample durations 100, 500, 2000 ms;
  radians).
* ``3000+trials_3items_SUBJ#1.mat``: ``MemData/DataFiles/`` of
  github.com/visionlab/MemToolbox (``MemDataset(1)``, Fougnie, Suchow & Alvarez 2012;
  errors in degrees).

The published numbers:

* mixtur: README.md of github.com/JimGrange/mixtur at commit 6684355 (2020-12-10),
  sections "Two-component mixture models" (``fit_mixtur(bays2009_full, components = 2,
  set_size_var = "set_size", condition_var = "delay")``, first 20 rows: K, p_u per id at
  set size 1) and "Formal model comparison" (``model_comparison(..., set_size_var =
  "set_size")``: ll_2, ll_3 per id and set size). mixtur fits by the EM of Bays et al.
  (2009) (stop when the log-likelihood changes by < 1e-4, kappa from Fisher's A1inv
  approximation) and prints 3 decimals.
* MemToolbox: MemToolbox tutorial (MemTutorial/tutorial.pdf, v1.0.0, 2013-08-15), Demo 4:
  ``MemFit(MemDataset(1), StandardMixtureModel)``, MAP of g and sd (deg) by MCMC under the
  flat prior, with 95 % credible intervals. MemToolbox maps sd to kappa by its ``sd2k``
  (Fisher's A1inv approximation of the inverse of sd = sqrt(-2 ln A(kappa))), so our
  kappa is turned into its sd by inverting that same map.

Tolerances (column ``tolerance``, with its basis in ``source``):

* mixtur K: 2 % of K plus the gap, at our optimum, between mixtur's kappa step and the
  exact ML step (:func:`kappa_step_gap`). mixtur's EM (after Bays's JV10_fit) takes
  kappa = A1inv(R), R the weighted resultant length about a free mean direction, while
  its likelihood fixes the mean at 0 (whose ML step uses the weighted mean cosine): its
  K is not the maximum-likelihood kappa when a participant's errors are biased (up to
  14 % above ours here; at p_u = 0 its K equals A1inv(R) of the trials to 3 decimals).
  p_u: 0.005 (3-decimal print, EM stopping rule).
* mixtur log-likelihoods: ours >= theirs - 0.0005 (ours is the maximum, theirs a point
  the EM stopped at; the print rounds to 5e-4), checked by the test for ``ll_*`` rows,
  and |ours - theirs| <= 1.0 against gross errors (units, data); the largest gap here is
  0.57, from the kappa step above.
* MemToolbox g and sd: half the width of the published 95 % credible interval (the MAP
  is read off MCMC samples, so it carries sampling noise of that order).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.optimize import brentq
from scipy.special import i0e, i1e

from neuromem.analysis.mixture import fit_mixture

MIXTUR_SOURCE = "mixtur README.md @6684355 (github.com/JimGrange/mixtur, 2020-12-10)"
MEMTOOLBOX_SOURCE = "MemToolbox tutorial v1.0.0 (2013-08-15), Demo 4: MAP and 95% CI, MemDataset(1)"

#: mixtur README, two-component fit by id x set size x delay; rows at set size 1: (id, delay) -> (K, p_u)
MIXTUR_TWO = {
    (1, 100): (17.171, 0.000),
    (2, 100): (13.469, 0.000),
    (3, 100): (12.041, 0.000),
    (4, 100): (28.565, 0.000),
    (5, 100): (13.350, 0.000),
    (6, 100): (26.987, 0.000),
    (7, 100): (12.292, 0.000),
    (8, 100): (16.344, 0.000),
    (9, 100): (13.461, 0.027),
    (10, 100): (20.824, 0.027),
    (11, 100): (14.996, 0.027),
    (12, 100): (30.382, 0.000),
    (1, 500): (17.501, 0.000),
    (2, 500): (18.368, 0.000),
    (3, 500): (18.617, 0.000),
    (4, 500): (26.077, 0.000),
    (5, 500): (11.565, 0.000),
    (6, 500): (37.132, 0.020),
    (7, 500): (11.568, 0.000),
    (8, 500): (20.272, 0.026),
}

#: mixtur README, model comparison by id x set size: (id, set_size) -> (ll_2, ll_3)
MIXTUR_LL = {
    (1, 1): (3.657, 3.657),
    (2, 1): (-19.852, -19.852),
    (3, 1): (-8.944, -8.944),
    (4, 1): (27.502, 27.502),
    (5, 1): (-36.137, -36.137),
    (6, 1): (19.953, 19.953),
    (7, 1): (-22.084, -22.084),
    (8, 1): (-26.802, -26.802),
    (9, 1): (-57.290, -57.290),
    (10, 1): (7.738, 7.738),
    (11, 1): (-8.296, -8.296),
    (12, 1): (49.962, 49.962),
    (1, 2): (-62.159, -60.979),
    (2, 2): (-115.393, -110.155),
    (3, 2): (-70.533, -68.704),
    (4, 2): (-50.452, -48.147),
    (5, 2): (-145.476, -144.203),
    (6, 2): (-34.038, -30.430),
    (7, 2): (-63.938, -63.938),
    (8, 2): (-99.035, -97.289),
    (9, 2): (-131.037, -130.539),
    (10, 2): (-43.289, -34.832),
    (11, 2): (-101.719, -99.011),
    (12, 2): (-39.581, -37.877),
    (1, 4): (-191.728, -191.729),
    (2, 4): (-198.460, -196.924),
    (3, 4): (-123.059, -122.868),
    (4, 4): (-101.779, -93.653),
    (5, 4): (-212.699, -208.749),
    (6, 4): (-115.931, -108.085),
    (7, 4): (-173.820, -173.784),
    (8, 4): (-187.528, -187.223),
    (9, 4): (-204.724, -203.638),
    (10, 4): (-123.469, -121.529),
    (11, 4): (-208.914, -198.760),
    (12, 4): (-139.401, -129.301),
    (1, 6): (-212.529, -212.537),
    (2, 6): (-239.674, -229.859),
    (3, 6): (-173.238, -170.149),
    (4, 6): (-176.652, -161.928),
    (5, 6): (-256.807, -250.208),
    (6, 6): (-179.869, -168.159),
    (7, 6): (-197.266, -191.056),
    (8, 6): (-214.229, -207.818),
    (9, 6): (-228.104, -226.937),
    (10, 6): (-174.753, -167.190),
    (11, 6): (-231.404, -219.800),
    (12, 6): (-221.139, -212.556),
}

#: MemToolbox tutorial, Demo 4: MAP estimate, lower and upper 95 % CI
MEMTOOLBOX_TWO = {"g": (0.093, 0.078, 0.106), "sd": (17.638, 16.940, 18.377)}


def wrap(x: np.ndarray) -> np.ndarray:
    return (x + np.pi) % (2 * np.pi) - np.pi


def mixtur_trials(path: Path) -> tuple[xr.DataArray, xr.DataArray]:
    """Errors and non-target errors (rad) of bays2009_full, with id, set_size and delay coords on trial."""
    import rdata  # only this script reads R data

    df = rdata.read_rda(str(path))["bays2009_full"]
    delay = df["duration"] if "duration" in df else df["delay"]  # renamed after 2020
    coords = {"id": ("trial", df["id"].to_numpy(int)), "set_size": ("trial", df["set_size"].to_numpy(int)), "delay": ("trial", delay.to_numpy(float))}
    response = df["response"].to_numpy(float)
    error = xr.DataArray(wrap(response - df["target"].to_numpy(float)), dims="trial", coords=coords)
    nts = df[[c for c in df.columns if c.startswith("non_target")]].to_numpy(float)
    with np.errstate(invalid="ignore"):  # NaN where a trial has fewer non-targets
        nontarget = xr.DataArray(wrap(response[:, None] - nts), dims=("trial", "item"))
    return error, nontarget


def memtoolbox_sd(kappa: float) -> float:
    """MemToolbox's sd (deg) for a kappa: the inverse of its sd2k (Fisher's A1inv of R = exp(-sd^2/2))."""

    return float(np.degrees(brentq(lambda s: a1inv(np.exp(-(s**2) / 2)) - kappa, 1e-4, 3.0)))


LL_BASIS = "gross-error bound 1.0; ours must also be >= theirs - 0.0005 (a maximum cannot be beaten; mixtur's EM stops short of it)"


def a1inv(r: float) -> float:
    """Fisher's (1993) approximation of the inverse of A(kappa) = I1/I0, as mixtur and MemToolbox use it."""
    if r < 0.53:
        return 2 * r + r**3 + 5 * r**5 / 6
    if r < 0.85:
        return -0.4 + 1.39 * r + 0.43 / (1 - r)
    return 1 / (r**3 - 4 * r**2 + 3 * r)


def kappa_step_gap(e: np.ndarray, w: float, kappa: float) -> float:
    """|mixtur's kappa step - the exact ML kappa step| at (w, kappa): why mixtur's K is not the ML kappa.

    mixtur (after Bays's JV10_fit) sets kappa = A1inv(R), R the responsibility-weighted
    resultant length about a free mean direction; the likelihood it reports fixes the mean
    at 0, whose ML step is kappa = A^-1(C), C the weighted mean cosine. The two differ when
    a participant's errors are biased (R > C), and then mixtur's K exceeds the ML kappa.
    """
    vm = np.exp(kappa * (np.cos(e) - 1)) / (2 * np.pi * i0e(kappa))
    r = w * vm / (w * vm + (1 - w) / (2 * np.pi))
    c = float((r * np.cos(e)).sum() / r.sum())
    resultant = float(np.hypot(c, (r * np.sin(e)).sum() / r.sum()))
    exact = brentq(lambda k: i1e(k) / i0e(k) - c, 1e-6, 1e6)
    return abs(a1inv(resultant) - exact)


def mixtur_rows(path: Path) -> list[dict]:
    error, nontarget = mixtur_trials(path)
    rows = []
    by_delay = fit_mixture(error, model="two", by=["id", "set_size", "delay"])
    for (i, d), (k, pu) in MIXTUR_TWO.items():
        fit = by_delay.sel(id=i, set_size=1, delay=d)
        cond = f"id={i} set_size=1 delay={d}ms; {fit['fit_status'].item()}"
        e = error.values[(error["id"].values == i) & (error["set_size"].values == 1) & (error["delay"].values == d)]
        gap = kappa_step_gap(e, float(fit["p_memory"]), float(fit["kappa"]))
        rows.append(
            row(
                "mixtur bays2009_full",
                cond,
                "K",
                float(fit["kappa"]),
                k,
                0.02 * k + gap,
                f"2% of K + {gap:.3f}, the gap between mixtur's kappa step and the ML step at our optimum",
            )
        )
        rows.append(row("mixtur bays2009_full", cond, "p_u", 1 - float(fit["p_memory"]), pu, 0.005, "3-decimal print + EM stopping"))
    two = fit_mixture(error, model="two", by=["id", "set_size"])
    several = np.flatnonzero(error["set_size"].values > 1)
    three = fit_mixture(error.isel(trial=several), nontarget.isel(trial=several), model="three", by=["id", "set_size"])
    for (i, k), (ll2, ll3) in MIXTUR_LL.items():
        fit2 = two.sel(id=i, set_size=k)
        rows.append(row("mixtur bays2009_full", f"id={i} set_size={k}; {fit2['fit_status'].item()}", "ll_2", float(fit2["log_likelihood"]), ll2, 1.0, LL_BASIS))
        # at set size 1 there is no non-target: mixtur's three-component fit is the two-component one
        ours3 = fit2 if k == 1 else three.sel(id=i, set_size=k)
        rows.append(
            row("mixtur bays2009_full", f"id={i} set_size={k}; {ours3['fit_status'].item()}", "ll_3", float(ours3["log_likelihood"]), ll3, 1.0, LL_BASIS)
        )
    return rows


def memtoolbox_rows(path: Path) -> list[dict]:
    from scipy.io import loadmat

    errors = np.radians(np.ravel(loadmat(str(path))["errors"]).astype(float))
    fit = fit_mixture(xr.DataArray(errors, dims="trial"), model="two")
    status = fit["fit_status"].item()
    ours = {"g": 1 - float(fit["p_memory"]), "sd": memtoolbox_sd(float(fit["kappa"]))}
    return [
        row(
            "MemToolbox MemDataset(1)",
            f"all {errors.size} trials; {status}",
            f"{name} ({'deg' if name == 'sd' else '1'})",
            ours[name],
            mapv,
            (hi - lo) / 2,
            "half width of the published 95% CI",
        )
        for name, (mapv, lo, hi) in MEMTOOLBOX_TWO.items()
    ]


def row(dataset: str, condition: str, parameter: str, ours: float, theirs: float, tolerance: float, basis: str) -> dict:
    source = MIXTUR_SOURCE if dataset.startswith("mixtur") else MEMTOOLBOX_SOURCE
    return {
        "dataset": dataset,
        "condition": condition,
        "parameter": parameter,
        "ours": f"{ours:.6g}",
        "theirs": theirs,
        "tolerance": f"{tolerance:.4g}",
        "source": f"{source}; tolerance: {basis}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mixtur", type=Path, required=True, help="mixtur's data/bays2009_full.rda")
    parser.add_argument("--memtoolbox", type=Path, required=True, help="MemToolbox's MemData/DataFiles/3000+trials_3items_SUBJ#1.mat")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "tests" / "data" / "mixture_reference_check.csv")
    args = parser.parse_args()
    rows = memtoolbox_rows(args.memtoolbox) + mixtur_rows(args.mixtur)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    bad = [r for r in rows if abs(float(r["ours"]) - float(r["theirs"])) > float(r["tolerance"])]
    print(f"{len(rows)} rows written to {args.out}; {len(bad)} outside tolerance")
    for r in bad:
        print("  ", r["dataset"], r["condition"], r["parameter"], r["ours"], r["theirs"], r["tolerance"])


if __name__ == "__main__":
    main()
