"""Metrics that set a model's curve beside people's, and their ceilings from split halves of subjects.

A metric compares one curve (a model's, or half of the subjects' mean) with a
per-subject human table ``(subject, x)``. The same metric applied to people
against people gives the ceiling (Brain-Score's split-half consistency): the
subjects are split at random into two halves ``n_splits`` times (seeded), the
metric compares one half's mean with the other half, and the median over the
splits is the ceiling. Each metric says how its ceiling is corrected and how a
raw value is normalised by it:

* :class:`ShapeR2` -- does the model's curve have people's shape? Signed r^2 of
  the model's curve against the human mean curve. A split-half correlation is
  corrected to the whole sample with Spearman-Brown, 2r / (1 + r); that value is
  a reliability (a fraction of variance), so the normalised score is
  r^2 / reliability, not (r / reliability)^2 (the squared-ceiling error that
  Brain-Score corrected in 2025).
* :class:`Closeness` -- how close is it, in units of how much people differ?
  exp(-d^2 / 2), d^2 the mean over x of ((model - human mean) / between-subject
  s.d.)^2: 1 for the human mean itself, 0.61 for a curve as far from the mean as
  a typical person. Two halves' means differ by d^2 ~ 4/n while the population's
  curve differs from the whole sample's mean by 1/n, so the ceiling is the halves'
  d^2 divided by 4 (the whole-sample correction, as Spearman-Brown is for r):
  exp(-d^2_halves / 8).

Both normalise as (raw - chance) / (ceiling - chance), chance 0; the table keeps
the raw and the unclipped values beside the score clipped to [0, 1].

Where the source publishes only group means ``m`` with standard errors ``s`` per
condition (each condition its own cells or sessions, so their errors are
independent), there are no subjects to split, and each metric gives the value a
curve equal to the true means would reach (:meth:`Metric.group_ceiling`):

* :class:`ShapeR2` -- the reliability of the means across conditions. The
  observed spread of the means, var(m), is the true spread plus the error
  variance mean(s^2), so 1 - mean(s^2) / var(m) is the expected r^2 of the true
  curve with the observed one in large samples; at a handful of conditions that
  ratio is biased, so the ceiling is the mean r^2 of the observed curve shrunk to
  the true spread against 200 seeded draws around it (measured on generated data:
  within 0.04 of the true expected r^2 at 10 or more conditions and reliability
  above 0.5; low by up to 0.09 at 6 conditions and reliability 0.6).
* :class:`SEMCloseness` -- exp(-NMSE / 2), NMSE the mean over conditions of
  ((curve - m) / s)^2 (the criterion Pfister & Gerstner 2006 fit STDP rules with).
  For the true means NMSE is a chi-square with p degrees of freedom over p, so its
  expected value is (1 + 1/p)^(-p/2) (the chi-square's moment-generating function).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

#: splits of subjects for a ceiling (the median over them is taken)
N_SPLITS = 10
#: seeded draws of group means behind :meth:`ShapeR2.group_ceiling`
GROUP_DRAWS = 200


def spearman_brown(r: float | np.ndarray) -> float | np.ndarray:
    """Reliability of the whole sample from the correlation ``r`` of two halves: 2r / (1 + r)."""
    r = np.asarray(r, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # r = -1: halves exactly opposed, no reliability (NaN)
        return np.where(r > -1, 2 * r / (1 + r), np.nan)


def pearson_r(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r over the points where both are finite (NaN with < 3 points or a constant curve)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):  # a spread below float precision: r is NaN, said by the caller
        return float(np.corrcoef(a[ok], b[ok])[0, 1])


def halves(n_subjects: int, n_splits: int = N_SPLITS, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_splits`` random splits of ``range(n_subjects)`` into two halves (seeded: the same splits every time)."""
    if n_subjects < 4:
        raise ValueError(f"a split-half ceiling needs at least 4 subjects; the reference has {n_subjects}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_splits):
        order = rng.permutation(n_subjects)
        out.append((order[: n_subjects // 2], order[n_subjects // 2 : 2 * (n_subjects // 2)]))
    return out


class Metric:
    """Compares a curve with a per-subject human table; subclasses define :meth:`raw` and :meth:`between_halves`."""

    name: ClassVar[str] = ""
    long_name: ClassVar[str] = ""
    #: the raw value of a model with no relation to the data
    chance: ClassVar[float] = 0.0
    #: points a curve needs for this metric
    min_points: ClassVar[int] = 1
    #: whether it is defined on group means with standard errors (:meth:`raw_group`, :meth:`group_ceiling`)
    group_means: ClassVar[bool] = False
    #: whether it measures a distance to people's values (so the model's values must be people's measure)
    same_measure: ClassVar[bool] = False

    def raw(self, curve: np.ndarray, human: np.ndarray) -> float:
        """The metric of ``curve`` (x,) against ``human`` (subject, x)."""
        raise NotImplementedError

    def between_halves(self, half_a: np.ndarray, half_b: np.ndarray, human: np.ndarray) -> float:
        """The metric of one half's mean against the other half (``human`` is every subject), corrected to the whole sample."""
        return self.raw(np.nanmean(half_a, axis=0), half_b)

    def ceiling(self, human: np.ndarray, n_splits: int = N_SPLITS, seed: int = 0) -> tuple[float, np.ndarray]:
        """Median over ``n_splits`` seeded split halves of the subjects, and the value of every split."""
        values = np.array([self.between_halves(human[a], human[b], human) for a, b in halves(len(human), n_splits, seed)])
        return float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan"), values

    def raw_group(self, curve: np.ndarray, mean: np.ndarray, sem: np.ndarray) -> float:
        """The metric of ``curve`` against group means ``mean`` with standard errors ``sem`` (no subjects)."""
        raise ValueError(f"metric {self.name!r} needs people's data per subject; the reference gives group means only")

    def group_ceiling(self, mean: np.ndarray, sem: np.ndarray) -> float:
        """The value a curve equal to the true means would reach, given the published standard errors (closed form)."""
        raise ValueError(f"metric {self.name!r} needs people's data per subject; the reference gives group means only")

    def normalise(self, raw: float, ceiling: float) -> float:
        """(raw - chance) / (ceiling - chance): unclipped (the table clips a copy to [0, 1])."""
        if not np.isfinite(ceiling) or ceiling <= self.chance:
            return float("nan")
        return (raw - self.chance) / (ceiling - self.chance)


class ShapeR2(Metric):
    """Signed r^2 between the model's curve and the human mean curve (a reversed curve scores below 0)."""

    name = "shape_r2"
    long_name = "signed r^2 of the model's curve against the human mean curve"
    min_points = 3
    group_means = True

    def raw(self, curve: np.ndarray, human: np.ndarray) -> float:
        r = pearson_r(curve, np.nanmean(human, axis=0))
        return float(np.sign(r) * r**2)

    def between_halves(self, half_a: np.ndarray, half_b: np.ndarray, human: np.ndarray) -> float:
        # the halves' correlation estimates the reliability of a half; Spearman-Brown gives the whole sample's
        return float(spearman_brown(pearson_r(np.nanmean(half_a, axis=0), np.nanmean(half_b, axis=0))))

    def raw_group(self, curve: np.ndarray, mean: np.ndarray, sem: np.ndarray) -> float:
        r = pearson_r(curve, mean)
        return float(np.sign(r) * r**2)

    def group_ceiling(self, mean: np.ndarray, sem: np.ndarray, draws: int = GROUP_DRAWS, seed: int = 0) -> float:
        ok = np.isfinite(mean) & np.isfinite(sem)
        if ok.sum() < 3:
            return float("nan")
        mean, sem = mean[ok], sem[ok]
        # observed spread = true spread + error variance; the true curve is estimated by shrinking the observed one
        # to the true spread, and its r^2 with drawn observations averaged (a ratio of variances is biased at few x)
        spread = np.var(mean, ddof=1)
        true_spread = spread - np.mean(sem**2)
        if not true_spread > 0:
            return 0.0
        centre = mean.mean()
        truth = centre + np.sqrt(true_spread / spread) * (mean - centre)
        rng = np.random.default_rng(seed)
        return float(np.mean([self.raw_group(truth, truth + rng.standard_normal(truth.size) * sem, sem) for _ in range(draws)]))


class Closeness(Metric):
    """exp(-d^2/2), d^2 the mean squared distance from the human mean in between-subject s.d. at each x."""

    name = "closeness"
    long_name = "exp(-d^2/2), d = RMS distance from the human mean in between-subject s.d."
    same_measure = True

    @staticmethod
    def _d2(curve: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.asarray(curve, float) - mean) / sd
        z = z[~np.isnan(z)]  # NaN: no value there (or everyone and the model agree exactly); +-inf: a miss where people agree
        return float(np.mean(z**2)) if z.size else float("nan")

    def raw(self, curve: np.ndarray, human: np.ndarray) -> float:
        return float(np.exp(-self._d2(curve, np.nanmean(human, axis=0), np.nanstd(human, axis=0, ddof=1)) / 2))

    def between_halves(self, half_a: np.ndarray, half_b: np.ndarray, human: np.ndarray) -> float:
        # two means of n/2 subjects differ by 4/n in d^2, a perfect model from the whole mean by 1/n: divide by 4
        d2 = self._d2(np.nanmean(half_a, axis=0), np.nanmean(half_b, axis=0), np.nanstd(human, axis=0, ddof=1))
        return float(np.exp(-d2 / 4 / 2))


class SEMCloseness(Metric):
    """exp(-NMSE/2), NMSE the mean squared distance from the human mean in its standard errors.

    The closeness for group means (no between-subject s.d. is published); for data
    per subject use :class:`Closeness`."""

    name = "closeness_sem"
    long_name = "exp(-NMSE/2), NMSE = mean squared distance from the human mean in its standard errors"
    group_means = True
    same_measure = True

    def raw_group(self, curve: np.ndarray, mean: np.ndarray, sem: np.ndarray) -> float:
        return float(np.exp(-(distance_from_mean(curve, mean, sem) ** 2) / 2))

    def group_ceiling(self, mean: np.ndarray, sem: np.ndarray) -> float:
        p = int(np.sum(np.isfinite(mean) & np.isfinite(sem)))
        return float((1.0 + 1.0 / p) ** (-p / 2)) if p else float("nan")

    def raw(self, curve: np.ndarray, human: np.ndarray) -> float:
        raise ValueError("closeness_sem is for group means; for people's data per subject use Closeness")

    def ceiling(self, human: np.ndarray, n_splits: int = N_SPLITS, seed: int = 0) -> tuple[float, np.ndarray]:
        raise ValueError("closeness_sem is for group means; for people's data per subject use Closeness")


def distance_from_mean(curve: np.ndarray, mean: np.ndarray, sem: np.ndarray) -> float:
    """RMS over x of (curve - mean) / sem: how many standard errors of people's mean the curve is away (NaN points left out)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.asarray(curve, float) - mean) / sem
    z = z[~np.isnan(z)]
    return float(np.sqrt(np.mean(z**2))) if z.size else float("nan")


def distance_in_se(curve: np.ndarray, human: np.ndarray) -> float:
    """RMS over x of (curve - human mean) / s.e.m. of the human mean, for people's data per subject ``(subject, x)``."""
    n = np.sum(np.isfinite(human), axis=0)
    return distance_from_mean(curve, np.nanmean(human, axis=0), np.nanstd(human, axis=0, ddof=1) / np.sqrt(n))


METRICS: dict[str, type[Metric]] = {cls.name: cls for cls in (ShapeR2, Closeness, SEMCloseness)}
