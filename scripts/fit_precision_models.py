"""Fit the three cognitive models of continuous report to van den Berg et al. (2012) by maximum likelihood.

Fits the cards ``models/zhang_luck2008.toml``, ``models/bays2014.toml`` and ``models/vandenberg2012.toml``
(models in ``neuromem.cognitive.precision``) to people's errors, and prints the values written there.

Models
------
* Slots plus averaging: Zhang W, Luck SJ (2008) Discrete fixed-resolution representations in visual
  working memory. Nature 453:233-235.
* Population-coding resource: Bays PM (2014) Noise in neural populations accounts for errors in working
  memory. J Neurosci 34:3632-3645.
* Variable precision: van den Berg R, Shin H, Chou W-C, George R, Ma WJ (2012) Variability in encoding
  precision accounts for visual short-term memory limitations. PNAS 109:8780-8785.

Data
----
The colour-wheel experiment of van den Berg et al. (2012) (supplementary experiment, ``exp`` = 3,
"ExpS3"): 13 subjects x 864 trials, 108 per subject at each set size 1-8, 11232 trials, all subjects'
trials pooled (one parameter set per model). Read from benchmark BM4.5 of the BenchmarksWM package
(https://github.com/joschadutli/BenchmarksWM, commit 556bafd7d19ef1df3fdc115f6c38acbc640bd9e6,
``BenchmarksWM.Data/BM4.5.ErrorDistributionDE/vandenberg_et_al_2012_color_long.dat``, sha256
14f319f96b87b69d0fb8e5d94b1a4a81857f200bb4c5151291bbab6cc8923e4e) with the reader of
``scripts/make_set_size_reference.py`` (column meanings there). The 180 colours are stored as even
angles 2-360; error = report - target of the cued item, rad, wrapped to [-pi, pi). The errors lie on a
2-deg lattice; the likelihoods below are densities (rad^-1) at the observed errors.

Likelihoods (no swaps in these models)
---------------------------------------
* Slots + averaging (integer K, slot_sd): P(guess) = 1 - min(1, K/N); with N <= K the cued item holds
  floor(K/N) slots, or one more with probability (K mod N)/N; an item with n slots is von Mises with
  circular s.d. slot_sd / sqrt(n) (``sd_to_kappa``). This is the approximation of MemToolbox's
  SlotsPlusAveragingModel: the simulated model (``SlotsAveraging``) takes the circular mean of n von
  Mises samples exactly, which is not exactly von Mises nor exactly slot_sd / sqrt(n) wide (close for
  narrow slots: see N = 1, 2 in the table). K by profile over 1..8, slot_sd by a bounded scalar search.
* Variable precision: p(e | N) = E_J[VM(e; 0, kappa(J))], J ~ Gamma(shape = Jbar / tau, scale = tau),
  Jbar = j1bar N^-alpha; the expectation by the quadrature of ``neuromem.analysis.mixture``
  (``vp_kappas``, ``_LOG_WEIGHTS``); (j1bar, alpha, tau) jointly over all set sizes, L-BFGS-B from 12
  starts.
* Population resource, large-population limit of Bays (2014): the spike count n ~ Poisson(gain / N);
  given n > 0 the (maximum-likelihood = population-vector) decode is the angle of the sum of n unit
  vectors at preferred angles drawn from the normalised tuning, von Mises(target, tuning_kappa); n = 0
  gives a uniform guess. Given the resultant length R of the n vectors the decoded angle is exactly von
  Mises(0, tuning_kappa R) (the joint density of the angles depends on them only through R and the
  resultant's direction), so p_n(e) = E_R[VM(e; 0, tuning_kappa R_n)]: R_n is simulated (20000 walks
  with common random numbers across tuning_kappa, 100 quantile nodes per n, n <= 560) and the density is
  mixed over Poisson(gain / N). gain is maximised for each tuning_kappa of a log grid (0.1-100), then
  tuning_kappa is refined by a bounded search. A fresh table twice as large changes -log L by < 0.2.
  ``n_neurons`` stays 200 as in the card: the simulated model has 200 discrete neurons (preferred angles
  1.8 deg apart), which approximates this limit.

AIC = 2 k + 2 (-log L) with k = 2 (slots: K, slot_sd), 2 (gain, tuning_kappa; n_neurons fixed), 3.
The check simulates each model with its (rounded) card values through ``run_task`` (40000 trials, 5000
per set size, seed 0) and applies ``precision_by_set_size``; the data's circular s.d. is sqrt(-2 ln R)
of the pooled errors per set size. The simulated s.d. carries Monte Carlo error of ~0.5 deg at small
and ~1 deg at large s.d.

Usage::

    python scripts/fit_precision_models.py SOURCE [--commit SHA]

(about 4 minutes on 2 cores; SOURCE as for ``scripts/make_set_size_reference.py``).

Output of the run on 2026-12-06::

    data: ExpS3 of vandenberg_et_al_2012_color_long.dat (commit 556bafd7d19ef1df3fdc115f6c38acbc640bd9e6, sha256 14f319f96b87b69d0fb8e5d94b1a4a81857f200bb4c5151291bbab6cc8923e4e)
      11232 trials, 13 subjects, set sizes [1, 2, 3, 4, 5, 6, 7, 8], pooled over subjects

    slots + averaging: profile -log L by K (slot_sd deg):
      K=1: 14328.5 (16.3), K=2: 13070.5 (23.9), K=3: 12801.4 (30.6), K=4: 12961.1 (38.9), K=5: 13105.5 (46.1), K=6: 13263.2 (54.2), K=7: 13314.2 (59.8), K=8: 13335.9 (64.9)
    population resource: profile -log L by tuning_kappa (gain):
      0.1: 14935.5 (400), 0.158: 13436.0 (400), 0.251: 13028.1 (284), 0.398: 13021.0 (115), 0.631: 12996.0 (47.7), 1: 12914.2 (20.9), 1.58: 12698.5 (10.9), 2.51: 12471.1 (7.18), 3.98: 12403.9 (5.39), 6.31: 12550.7 (4.26), 10: 12895.0 (3.43), 15.8: 13396.9 (2.78), 25.1: 14018.5 (2.26), 39.8: 14726.5 (1.84), 63.1: 15482.5 (1.49), 100: 16240.7 (1.2)

    fits (maximum likelihood, 11232 trials; density of the error in rad^-1):
      model                      parameters                                              -log L       AIC    dAIC
      slots + averaging          K = 3, slot_sd = 30.58 deg                             12801.4   25606.9   892.1
      population resource        gain = 5.64, tuning_kappa = 3.664                      12400.3   24804.7    89.9
      variable precision         j1bar = 25.95, alpha = 0.941, tau = 16.92              12354.4   24714.8     0.0
      (k = 2, 2, 3 free parameters; resource -log L with a fresh Monte Carlo table of twice the size: 12400.4)

    card values:
      zhang_luck2008: slots = 3, slot_sd = '30.6 deg'
      bays2014: gain = 5.64, tuning_kappa = 3.66, n_neurons = 200
      vandenberg2012: j1bar = 25.9, alpha = 0.94, tau = 16.9

    circular s.d. (deg) by set size: data (pooled) vs each model simulated with its card values (40000 trials, seed 0;
    in brackets the value from the fitted likelihood)
       N     n   data           slots      resource            VP
       1  1404   18.2     17.8 ( 17.7)   16.2 ( 16.2)   17.5 ( 17.3)
       2  1404   27.4     26.0 ( 26.4)   29.5 ( 29.8)   32.4 ( 31.2)
       3  1404   36.7     30.6 ( 30.6)   41.5 ( 41.5)   40.9 ( 41.7)
       4  1404   47.6     53.1 ( 53.1)   51.0 ( 50.7)   50.3 ( 49.8)
       5  1404   53.2     65.8 ( 65.5)   57.0 ( 57.9)   55.7 ( 56.2)
       6  1404   68.7     75.7 ( 74.1)   64.5 ( 63.9)   60.4 ( 61.5)
       7  1404   73.6     80.2 ( 80.6)   67.9 ( 68.9)   66.2 ( 66.0)
       8  1404   72.9     85.0 ( 85.9)   72.8 ( 73.2)   70.4 ( 69.8)

    two-component mixture (Zhang & Luck 2008) fitted per set size: p_memory / s.d. (deg)
       N         data          slots     resource           VP
       1 0.98 / 16.6    1.00 / 17.8  0.99 / 14.9  0.97 / 14.2
       2 0.94 / 20.9    1.00 / 25.8  0.92 / 20.3  0.89 / 20.3
       3 0.86 / 22.6    1.00 / 30.6  0.83 / 23.1  0.82 / 23.6
       4 0.77 / 24.8    0.75 / 30.9  0.74 / 25.5  0.74 / 26.8
       5 0.70 / 24.4    0.60 / 31.4  0.67 / 25.5  0.68 / 27.3
       6 0.53 / 28.0    0.48 / 30.5  0.59 / 26.8  0.64 / 29.4
       7 0.46 / 24.0    0.43 / 30.1  0.55 / 27.2  0.57 / 30.0
       8 0.49 / 26.8    0.38 / 30.1  0.49 / 26.1  0.52 / 28.4
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from scipy.optimize import minimize, minimize_scalar
from scipy.special import i0e, i1e, logsumexp
from scipy.stats import poisson

from neuromem.analysis.mixture import _LOG_WEIGHTS, fit_mixture, vp_kappas
from neuromem.analysis.set_size import precision_by_set_size
from neuromem.circular import sd_to_kappa
from neuromem.cognitive.precision import PopulationResource, SlotsAveraging, VariablePrecision
from neuromem.runner import run_task
from neuromem.tasks import get_task

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_set_size_reference as bm45  # noqa: E402  (the trial reader shared with the set-size reference)

COLOUR_FILE = "vandenberg_et_al_2012_color_long.dat"
EXPERIMENT = "ExpS3"  # exp code 3: colour, colour wheel (the paper's supplementary experiment)
#: what the source documents for ExpS3: 13 subjects x 864 trials, 108 per set size 1-8
EXPECTED_SUBJECTS, EXPECTED_PER_SUBJECT = 13, 864
LOG_2PI = np.log(2 * np.pi)
#: slot counts searched (a grid: K is a whole number)
SLOT_COUNTS = range(1, 9)
#: population model: gain range searched, Poisson counts kept, tuning concentrations of the grid
GAIN_RANGE = (0.1, 400.0)
N_MAX = 560  # P(n > 560 | mean 400) < 1e-11
KAPPA_GRID = np.geomspace(0.1, 100.0, 16)
#: Monte Carlo size of the resultant-length tables (paths) and quantile nodes per spike count
N_PATHS, N_NODES = 20000, 100
#: trials simulated per model for the check (spread evenly over the set sizes)
N_CHECK = 40000


def wrap(x: np.ndarray) -> np.ndarray:
    """Angles (rad) onto [-pi, pi)."""
    return (np.asarray(x, dtype=float) + np.pi) % (2 * np.pi) - np.pi


def log_vm(cos_e: np.ndarray, kappa: np.ndarray | float) -> np.ndarray:
    """log VM(e; 0, kappa) from cos(e) (exponentially scaled I0: finite at any kappa; kappa 0 is uniform)."""
    return kappa * (cos_e - 1.0) - LOG_2PI - np.log(i0e(kappa))


def mean_cos(kappa: np.ndarray | float) -> np.ndarray:
    """E[cos e] = I1(kappa)/I0(kappa) of a von Mises."""
    return i1e(kappa) / i0e(kappa)


def circ_sd(r: np.ndarray | float) -> np.ndarray:
    """Circular s.d. sqrt(-2 ln R) from the mean resultant length R."""
    return np.sqrt(-2.0 * np.log(r))


# ---------------------------------------------------------------------------------------------
# data


@dataclass
class Data:
    """Errors of the colour-wheel experiment, as counts of each distinct error per set size (the errors lie on a 2-deg lattice)."""

    error: np.ndarray  # (trial,) rad in [-pi, pi)
    set_size: np.ndarray  # (trial,)
    subject: np.ndarray  # (trial,)
    sizes: np.ndarray = field(init=False)  # (S,) set sizes
    cos_u: np.ndarray = field(init=False)  # (U,) cos of the distinct errors
    counts: np.ndarray = field(init=False)  # (S, U) trials with that error at that set size

    def __post_init__(self) -> None:
        self.sizes = np.unique(self.set_size)
        values, index = np.unique(np.round(self.error, 9), return_inverse=True)
        self.cos_u = np.cos(values)
        self.counts = np.zeros((self.sizes.size, values.size))
        np.add.at(self.counts, (np.searchsorted(self.sizes, self.set_size), index), 1.0)

    @property
    def n(self) -> int:
        return int(self.error.size)

    def nll(self, log_p: np.ndarray) -> float:
        """-log L from log densities (S, U) of each distinct error at each set size."""
        return -float(np.sum(self.counts * log_p))


def load_data(source: Path, commit: str) -> tuple[Data, str]:
    """The ExpS3 trials (through ``make_set_size_reference``'s reader) and the colour file's sha256; counts checked."""
    raw = bm45.read_raw(source, commit)
    digest = hashlib.sha256(raw[COLOUR_FILE]).hexdigest()
    trials = bm45.load_trials(raw)
    part = trials[trials["experiment"] == EXPERIMENT].reset_index(drop=True)
    error, _ = bm45.errors(part)
    error = wrap(error)  # the reader wraps to (-pi, pi]
    per_subject = part.groupby("id").size()
    per_cell = part.groupby(["id", "setsize"]).size()
    problems = []
    if per_subject.size != EXPECTED_SUBJECTS or (per_subject != EXPECTED_PER_SUBJECT).any():
        problems.append(f"{per_subject.size} subjects with {sorted(set(per_subject))} trials")
    if sorted(part["setsize"].unique()) != list(range(1, 9)) or (per_cell != EXPECTED_PER_SUBJECT // 8).any():
        problems.append("set sizes are not 1-8 with 108 trials each per subject")
    if (part["exp"] != 3).any() or (part[["stim1", "response"]].to_numpy() % 2 != 0).any():
        problems.append("not exp 3 or values off the 2-deg lattice")
    if problems:
        raise ValueError("ExpS3 does not match its documentation: " + "; ".join(problems))
    return Data(error, part["setsize"].to_numpy(int), part["id"].to_numpy(int)), digest


# ---------------------------------------------------------------------------------------------
# slots plus averaging


def slots_mixture(slots: int, n_items: int, slot_sd: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(P(guess), weights, kappas) of the cued item's error: one or two von Mises components and a uniform guess.

    With N <= K the item holds floor(K/N) slots, or one more with probability (K mod N)/N; with N > K
    it holds one slot with probability K/N. An item with n slots has circular s.d. slot_sd / sqrt(n)
    (MemToolbox's SlotsPlusAveragingModel; the simulated model averages the n samples exactly).
    """
    p_memory = min(1.0, slots / n_items)
    base, extra = (slots // n_items, (slots % n_items) / n_items) if n_items <= slots else (1, 0.0)
    kappas = sd_to_kappa(slot_sd / np.sqrt([base, base + 1]))
    return 1.0 - p_memory, p_memory * np.array([1.0 - extra, extra]), kappas


def slots_log_p(data: Data, slots: int, slot_sd: float) -> np.ndarray:
    rows = []
    for n_items in data.sizes:
        guess, w, k = slots_mixture(slots, int(n_items), slot_sd)
        parts = [np.log(wi) + log_vm(data.cos_u, ki) for wi, ki in zip(w, k) if wi > 0]
        if guess > 0:
            parts.append(np.full(data.cos_u.shape, np.log(guess) - LOG_2PI))
        rows.append(logsumexp(parts, axis=0))
    return np.array(rows)


def slots_mean_cos(slots: int, slot_sd: float, sizes: np.ndarray) -> np.ndarray:
    out = []
    for n_items in sizes:
        _, w, k = slots_mixture(slots, int(n_items), slot_sd)
        out.append(float(np.sum(w * mean_cos(k))))
    return np.array(out)


def fit_slots(data: Data) -> dict:
    """Profile likelihood over K = 1..8, slot_sd by a log grid then a bounded scalar search."""
    grid = np.radians(np.geomspace(2.0, 150.0, 60))
    profile = {}
    for slots in SLOT_COUNTS:

        def nll(log_sd: float, slots: int = slots) -> float:
            return data.nll(slots_log_p(data, slots, float(np.exp(log_sd))))

        coarse = np.array([nll(np.log(s)) for s in grid])
        i = int(np.argmin(coarse))
        lo, hi = np.log(grid[max(i - 1, 0)]), np.log(grid[min(i + 1, grid.size - 1)])
        res = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
        profile[slots] = (float(np.exp(res.x)), float(res.fun))
    slots = min(profile, key=lambda k: profile[k][1])
    return {"slots": slots, "slot_sd": profile[slots][0], "nll": profile[slots][1], "k": 2, "profile": profile}


# ---------------------------------------------------------------------------------------------
# variable precision


def vp_log_p(data: Data, j1bar: float, alpha: float, tau: float) -> np.ndarray:
    rows = []
    for n_items in data.sizes:
        kappa = vp_kappas(j1bar * float(n_items) ** -alpha, tau)
        rows.append(logsumexp(log_vm(data.cos_u[:, None], kappa[None, :]) + _LOG_WEIGHTS, axis=1))
    return np.array(rows)


def vp_mean_cos(j1bar: float, alpha: float, tau: float, sizes: np.ndarray) -> np.ndarray:
    return np.array([float(np.exp(_LOG_WEIGHTS) @ mean_cos(vp_kappas(j1bar * float(n) ** -alpha, tau))) for n in sizes])


def fit_vp(data: Data) -> dict:
    """Joint fit of (j1bar, alpha, tau) on (log j1bar, alpha, log tau), L-BFGS-B from a grid of starts."""

    def nll(u: np.ndarray) -> float:
        return data.nll(vp_log_p(data, float(np.exp(u[0])), float(u[1]), float(np.exp(u[2]))))

    bounds = [(np.log(0.1), np.log(1e4)), (0.0, 5.0), (np.log(0.01), np.log(1e4))]
    best = None
    for j1 in (5.0, 20.0, 80.0):
        for alpha in (0.5, 1.5):
            for tau in (2.0, 20.0):
                res = minimize(nll, np.array([np.log(j1), alpha, np.log(tau)]), method="L-BFGS-B", bounds=bounds)
                if best is None or res.fun < best.fun:
                    best = res
    j1bar, alpha, tau = float(np.exp(best.x[0])), float(best.x[1]), float(np.exp(best.x[2]))
    return {"j1bar": j1bar, "alpha": alpha, "tau": tau, "nll": float(best.fun), "k": 3, "converged": bool(best.success)}


# ---------------------------------------------------------------------------------------------
# population resource (Bays 2014), large-population limit


def resultant_nodes(kappa: float, n_max: int = N_MAX, n_paths: int = N_PATHS, n_nodes: int = N_NODES, seed: int = 1) -> np.ndarray:
    """(n_max + 1, n_nodes): quantiles of the length R_n of the sum of n unit vectors at von Mises(0, kappa) angles.

    Row n holds the R_n at probabilities (q + 1/2) / n_nodes from ``n_paths`` simulated walks (row 0 is
    R = 0). The angles are drawn by inverting the von Mises CDF (a table of 2^14 points) at uniforms
    from one seed, so every kappa sees the same uniforms (common random numbers: the likelihood is
    smooth in kappa).
    """
    theta = np.linspace(-np.pi, np.pi, 2**14 + 1)
    pdf = np.exp(kappa * (np.cos(theta) - 1.0))
    cdf = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2)])
    cdf /= cdf[-1]
    rng = np.random.default_rng(seed)
    length = np.empty((n_paths, n_max), dtype=np.float32)
    for start in range(0, n_paths, 2000):
        u = rng.random((min(2000, n_paths - start), n_max))
        length[start : start + u.shape[0]] = np.abs(np.cumsum(np.exp(1j * np.interp(u, cdf, theta)), axis=1))
    nodes = np.quantile(length, (np.arange(n_nodes) + 0.5) / n_nodes, axis=0).T
    return np.vstack([np.zeros((1, n_nodes)), nodes]).astype(float)


def resource_log_dens(data: Data, kappa: float, nodes: np.ndarray) -> np.ndarray:
    """(n_max + 1, U): log density of the decoded error given n spikes.

    Given n spikes and their resultant length R, the decoded angle is von Mises(0, kappa R): the
    joint density of the n angles is exp(kappa R cos psi) / (2 pi I0(kappa))^n times a function of R
    alone. So p_n(e) = E_R[VM(e; 0, kappa R_n)], averaged over the quantile nodes (n = 0: uniform).
    """
    lv = log_vm(data.cos_u[None, :, None], kappa * nodes[:, None, :])
    return logsumexp(lv, axis=2) - np.log(nodes.shape[1])


def resource_log_p(data: Data, gain: float, log_dens: np.ndarray) -> np.ndarray:
    n = np.arange(log_dens.shape[0])
    log_pois = poisson.logpmf(n[None, :], gain / data.sizes[:, None])  # (S, n)
    return logsumexp(log_pois[:, :, None] + log_dens[None, :, :], axis=1)


def resource_mean_cos(gain: float, kappa: float, nodes: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    n = np.arange(nodes.shape[0])
    per_n = mean_cos(kappa * nodes).mean(axis=1)
    return poisson.pmf(n[None, :], gain / sizes[:, None]) @ per_n


def profile_gain(data: Data, kappa: float, **table: int) -> tuple[float, float, np.ndarray]:
    """(gain, -log L, nodes) at the best gain for one tuning concentration."""
    nodes = resultant_nodes(kappa, **table)
    log_dens = resource_log_dens(data, kappa, nodes)

    def nll(log_gain: float) -> float:
        return data.nll(resource_log_p(data, float(np.exp(log_gain)), log_dens))

    grid = np.geomspace(*GAIN_RANGE, 40)
    coarse = np.array([nll(np.log(g)) for g in grid])
    i = int(np.argmin(coarse))
    lo, hi = np.log(grid[max(i - 1, 0)]), np.log(grid[min(i + 1, grid.size - 1)])
    res = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(res.x)), float(res.fun), nodes


def fit_resource(data: Data) -> dict:
    """Profile likelihood over a log grid of tuning_kappa (gain maximised at each), then a bounded search around the best."""
    grid = {float(k): profile_gain(data, float(k))[:2] for k in KAPPA_GRID}
    ks = np.array(list(grid))
    i = int(np.argmin([v[1] for v in grid.values()]))
    lo, hi = np.log(ks[max(i - 1, 0)]), np.log(ks[min(i + 1, ks.size - 1)])
    res = minimize_scalar(lambda lk: profile_gain(data, float(np.exp(lk)))[1], bounds=(lo, hi), method="bounded", options={"xatol": 2e-3})
    kappa = float(np.exp(res.x))
    gain, nll, nodes = profile_gain(data, kappa)
    # Monte Carlo check: a fresh, larger table (other uniforms, twice the paths and nodes) at the optimum
    big = resultant_nodes(kappa, n_paths=2 * N_PATHS, n_nodes=2 * N_NODES, seed=2)
    nll_big = data.nll(resource_log_p(data, gain, resource_log_dens(data, kappa, big)))
    return {
        "gain": gain,
        "tuning_kappa": kappa,
        "nll": nll,
        "k": 2,
        "nll_mc_check": nll_big,
        "at_bound": bool(gain > 0.99 * GAIN_RANGE[1] or kappa in (KAPPA_GRID[0], KAPPA_GRID[-1])),
        "profile": grid,
        "nodes": nodes,
    }


# ---------------------------------------------------------------------------------------------
# check by simulation


def card_values(slots: dict, resource: dict, vp: dict) -> dict[str, dict]:
    """The values written into the cards (rounded)."""
    return {
        "zhang_luck2008": {"slots": int(slots["slots"]), "slot_sd": f"{np.degrees(slots['slot_sd']):.1f} deg"},
        "bays2014": {"gain": float(f"{resource['gain']:.3g}"), "tuning_kappa": float(f"{resource['tuning_kappa']:.3g}"), "n_neurons": 200},
        "vandenberg2012": {"j1bar": float(f"{vp['j1bar']:.3g}"), "alpha": round(vp["alpha"], 2), "tau": float(f"{vp['tau']:.3g}")},
    }


def simulate(cards: dict[str, dict], sizes: list[int]) -> dict[str, object]:
    """precision_by_set_size of each model run with its card values on the data's set sizes (seed 0)."""
    task = get_task("delayed-estimation", set_sizes=sizes, delays=[1.0])
    classes = {"zhang_luck2008": SlotsAveraging, "bays2014": PopulationResource, "vandenberg2012": VariablePrecision}
    out = {}
    for card, values in cards.items():
        result = run_task(classes[card](values, name=card), task, N_CHECK, seed=0, progress=False)
        out[card] = precision_by_set_size(result).isel(delay=0)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="BenchmarksWM folder, checkout or git directory")
    parser.add_argument("--commit", default=bm45.COMMIT, help="commit to read from a git directory (default: %(default)s)")
    args = parser.parse_args(argv)

    data, digest = load_data(args.source, args.commit)
    sizes = [int(s) for s in data.sizes]
    print(f"data: {EXPERIMENT} of {COLOUR_FILE} (commit {args.commit}, sha256 {digest})")
    print(f"  {data.n} trials, {np.unique(data.subject).size} subjects, set sizes {sizes}, pooled over subjects")

    slots = fit_slots(data)
    vp = fit_vp(data)
    resource = fit_resource(data)

    print("\nslots + averaging: profile -log L by K (slot_sd deg):")
    print("  " + ", ".join(f"K={k}: {nll:.1f} ({np.degrees(sd):.1f})" for k, (sd, nll) in slots["profile"].items()))
    print("population resource: profile -log L by tuning_kappa (gain):")
    print("  " + ", ".join(f"{k:.3g}: {nll:.1f} ({g:.3g})" for k, (g, nll) in resource["profile"].items()))

    print(f"\nfits (maximum likelihood, {data.n} trials; density of the error in rad^-1):")
    print(f"  {'model':<26} {'parameters':<52} {'-log L':>9} {'AIC':>9} {'dAIC':>7}")
    rows = [
        ("slots + averaging", f"K = {slots['slots']}, slot_sd = {np.degrees(slots['slot_sd']):.2f} deg", slots),
        ("population resource", f"gain = {resource['gain']:.2f}, tuning_kappa = {resource['tuning_kappa']:.3f}", resource),
        ("variable precision", f"j1bar = {vp['j1bar']:.2f}, alpha = {vp['alpha']:.3f}, tau = {vp['tau']:.2f}", vp),
    ]
    aic = {name: 2 * fit["k"] + 2 * fit["nll"] for name, _, fit in rows}
    for name, text, fit in rows:
        print(f"  {name:<26} {text:<52} {fit['nll']:9.1f} {aic[name]:9.1f} {aic[name] - min(aic.values()):7.1f}")
    print(f"  (k = 2, 2, 3 free parameters; resource -log L with a fresh Monte Carlo table of twice the size: {resource['nll_mc_check']:.1f})")
    if resource["at_bound"]:
        print("  warning: the population fit is at the edge of its search range")
    if not vp["converged"]:
        print("  warning: the variable-precision optimiser did not report convergence")

    cards = card_values(slots, resource, vp)
    print("\ncard values:")
    for card, values in cards.items():
        print(f"  {card}: " + ", ".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in values.items()))

    # circular s.d. and two-component mixture: data, model simulated with the card values, model's fitted density
    sim = simulate(cards, sizes)
    lik = {
        "zhang_luck2008": slots_mean_cos(slots["slots"], slots["slot_sd"], data.sizes),
        "bays2014": resource_mean_cos(resource["gain"], resource["tuning_kappa"], resource["nodes"], data.sizes),
        "vandenberg2012": vp_mean_cos(vp["j1bar"], vp["alpha"], vp["tau"], data.sizes),
    }
    err = xr.DataArray(data.error, dims="trial", coords={"set_size": ("trial", data.set_size)})
    two = fit_mixture(err, model="two", by=["set_size"])
    print(f"\ncircular s.d. (deg) by set size: data (pooled) vs each model simulated with its card values ({N_CHECK} trials, seed 0;")
    print("in brackets the value from the fitted likelihood)")
    print(f"  {'N':>2} {'n':>5} {'data':>6}   {'slots':>13} {'resource':>13} {'VP':>13}")
    for i, n_items in enumerate(sizes):
        e = data.error[data.set_size == n_items]
        sd_data = np.degrees(circ_sd(np.abs(np.mean(np.exp(1j * e)))))
        cells = [f"{np.degrees(float(sim[c]['circular_sd'].sel(set_size=n_items))):6.1f} ({np.degrees(circ_sd(lik[c][i])):5.1f})" for c in cards]
        print(f"  {n_items:>2} {e.size:>5} {sd_data:6.1f}   " + " ".join(f"{c:>13}" for c in cells))
    print("\ntwo-component mixture (Zhang & Luck 2008) fitted per set size: p_memory / s.d. (deg)")
    print(f"  {'N':>2} {'data':>12}   {'slots':>12} {'resource':>12} {'VP':>12}")
    for n_items in sizes:
        d = two.sel(set_size=n_items)
        cells = [f"{float(sim[c]['p_memory'].sel(set_size=n_items)):.2f} / {np.degrees(float(sim[c]['sd'].sel(set_size=n_items))):4.1f}" for c in cards]
        print(f"  {n_items:>2} {float(d['p_memory']):.2f} / {np.degrees(float(d['sd'])):4.1f}   " + " ".join(f"{c:>12}" for c in cells))


if __name__ == "__main__":
    main()
