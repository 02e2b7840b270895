"""Representational similarity of the remembered item across models (RSA, with rsatoolbox).

For each model, the state during a window (the delay) is averaged over the trials whose
remembered angle falls in each of ``n_bins`` bins: one activity pattern per bin. The
representational dissimilarity matrix (RDM, correlation distance between bins' patterns)
does not depend on how many units a model has or what they are, so a ring's angle bins, an
LSTM's hidden units and a Transformer's residual stream can be compared (Kriegeskorte et al.
2008, Front Syst Neurosci 2:4).

Each model's trials are split into ``groups`` disjoint groups, one RDM per group. Two models
are compared group by group (the mean comparison of a group of one with a group of the other;
a model with itself: its distinct groups), so every comparison is between RDMs of equally many
trials, as noisy as those of its noise ceiling: rsatoolbox's ``boot_noise_ceiling`` over the
model's groups (lower bound: each group's RDM against the mean of the others; upper: against
the mean of all). Needs the optional
``rsatoolbox`` (``pip install neuromem[states]``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from neuromem.analysis.states import _angle_target, population


def _rsatoolbox() -> tuple:
    try:
        from rsatoolbox.data import Dataset
        from rsatoolbox.inference import boot_noise_ceiling
        from rsatoolbox.rdm import calc_rdm, compare, concat
    except ImportError:
        raise ValueError("representational similarity needs rsatoolbox, an optional extra: pip install 'neuromem[states]'") from None
    return Dataset, calc_rdm, compare, concat, boot_noise_ceiling


def condition_patterns(ds: xr.Dataset, state: str, *, start: float, stop: float, target: str = "target", n_bins: int = 8, groups: int = 1) -> xr.DataArray:
    """Mean state over ``start <= time <= stop`` and over the trials of each angle bin (and trial group).

    Returns
    -------
    xarray.DataArray
        (group, angle_bin, feature); trials are dealt to the groups in turn within each bin.
    """
    X = population(ds, state)
    window = (X["time"] >= start) & (X["time"] <= stop)
    if not bool(window.any()):
        raise ValueError(f"start={start!r} s and stop={stop!r} s hold no time step of {state!r}")
    mean = np.nan_to_num(X.where(window, drop=True).mean("time").transpose("trial", "feature").values)
    theta = np.mod(_angle_target(ds, target), 2 * np.pi)
    bins = np.minimum((theta / (2 * np.pi) * n_bins).astype(int), n_bins - 1)
    out = np.full((groups, n_bins, mean.shape[1]), np.nan)
    for b in range(n_bins):
        members = np.flatnonzero(bins == b)
        if members.size < groups:
            raise ValueError(
                f"angle bin {b} of {n_bins} holds {members.size} trials of {ds.attrs.get('model', 'this model')}; need at least {groups} (more trials or fewer bins)"
            )
        for g in range(groups):
            out[g, b] = mean[members[g::groups]].mean(0)
    centres = (np.arange(n_bins) + 0.5) * 2 * np.pi / n_bins
    return xr.DataArray(
        out,
        dims=("group", "angle_bin", "feature"),
        coords={"angle_bin": ("angle_bin", centres, {"units": "rad", "long_name": "centre of the remembered angle's bin"})},
        attrs={"state": state, "units": ds[state].attrs.get("units", "1")},
    )


def representational_similarity(
    results: Mapping[str, tuple[xr.Dataset, str, float, float]], *, n_bins: int = 8, groups: int = 4, method: str = "corr"
) -> xr.Dataset:
    """Compare the models' RDMs of the remembered angle, with each model's noise ceiling.

    Parameters
    ----------
    results : mapping
        ``{label: (Dataset, state, start, stop)}``: each model's results, the state to read and
        the window (s) to average it over (e.g. its delay).
    n_bins : int
        Bins of the remembered angle (the RDM's conditions).
    groups : int
        Disjoint trial groups per model (its noise ceiling; its RDM is their mean).
    method : str
        rsatoolbox's RDM comparison (``"corr"``, ``"cosine"``, ``"spearman"``, ``"tau-a"``...).

    Returns
    -------
    xarray.Dataset
        ``rdm`` (model, angle_bin, angle_bin_2) (correlation distance, all trials); ``similarity``
        (model, model_2): the mean comparison of their trial groups' RDMs (on the diagonal: a
        model's distinct groups, its split-group reliability); ``ceiling_lower`` and
        ``ceiling_upper`` (model).
    """
    Dataset, calc_rdm, compare, concat, boot_noise_ceiling = _rsatoolbox()
    labels = list(results)
    if len(labels) < 1:
        raise ValueError("give at least one model's results")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 2:
        raise ValueError(f"groups={groups!r} is not allowed; it must be a whole number >= 2 (a model's noise ceiling compares its groups)")
    rdms, grouped, lower, upper = [], [], [], []
    for label in labels:
        ds, state, start, stop = results[label]
        patterns = condition_patterns(ds, state, start=start, stop=stop, n_bins=n_bins, groups=groups)
        per_group = [
            calc_rdm(Dataset(patterns.isel(group=g).values, obs_descriptors={"conds": np.arange(n_bins)}), method="correlation") for g in range(groups)
        ]
        all_groups = concat(per_group)
        low, high = boot_noise_ceiling(all_groups, method=method)
        lower.append(float(low))
        upper.append(float(high))
        whole = calc_rdm(Dataset(patterns.mean("group").values, obs_descriptors={"conds": np.arange(n_bins)}), method="correlation")
        rdms.append(whole.get_matrices()[0])
        grouped.append(all_groups)
    similarity = np.array([[_group_similarity(a, b, a is b, compare, method) for b in grouped] for a in grouped])
    centres = (np.arange(n_bins) + 0.5) * 2 * np.pi / n_bins
    angle = {"units": "rad", "long_name": "centre of the remembered angle's bin"}
    return xr.Dataset(
        {
            "rdm": (("model", "angle_bin", "angle_bin_2"), np.array(rdms), {"units": "1", "long_name": "correlation distance between the bins' mean patterns"}),
            "similarity": (("model", "model_2"), similarity, {"units": "1", "long_name": f"RDM comparison ({method})"}),
            "ceiling_lower": ("model", np.array(lower), {"units": "1", "long_name": "noise ceiling, lower bound (leave one trial group out)"}),
            "ceiling_upper": ("model", np.array(upper), {"units": "1", "long_name": "noise ceiling, upper bound"}),
        },
        coords={"model": labels, "model_2": labels, "angle_bin": ("angle_bin", centres, angle), "angle_bin_2": ("angle_bin_2", centres, angle)},
        attrs={"method": method, "n_bins": n_bins, "groups": groups},
    )


def _group_similarity(a: object, b: object, same: bool, compare: object, method: str) -> float:
    """Mean comparison of each group RDM of ``a`` with each of ``b`` (for one model with itself, distinct groups only)."""
    values = compare(a, b, method=method)  # (groups of a, groups of b)
    if same:
        values = values[~np.eye(values.shape[0], dtype=bool)]
    return float(np.mean(values))
