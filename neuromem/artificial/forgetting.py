"""Two kinds of forgetting in artificial models, as forgetting curves.

* **In activity** (:func:`in_activity`): a model fitted on ``retention`` trials
  holds the studied patterns in its hidden state; it is tested with more patterns
  and longer delays than it was trained on. Its curve is
  :func:`~neuromem.analysis.forgetting.forgetting_curve`, as for the spiking network.
* **In weights** (:func:`in_weights`): items are learned one after another by
  training (cue -> whole pattern, nothing shown beforehand, so only the weights can
  hold the item); after each new item every earlier item is tested. Recall against
  the number of items learned since is the curve of catastrophic interference
  (McCloskey & Cohen 1989; Ratcliff 1990).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from neuromem.artificial.base import ArtificialModel, resolve_torch_device, torch_backend
from neuromem.artificial.encoding import decode, encode, n_steps, sizes
from neuromem.artificial.fitting import _seed_list, training_step
from neuromem.results import provenance
from neuromem.runner import combine
from neuromem.tasks.retention import Retention
from neuromem.validation import check_positive_int

_ITEM_TIMING = {"fixation": 0.0, "study": 0.02, "gap": 0.0, "test": 0.1, "test_gap": 0.0}


def in_activity(model: ArtificialModel, task: Retention, n_trials: int, *, seed: int = 0, fitted_seed: int | None = None) -> xr.Dataset:
    """Run a model fitted on retention on new ``task`` trials: the scored trial-level Dataset, whose
    curve is :func:`neuromem.analysis.forgetting.forgetting_curve` (as for the spiking network)."""
    trials = task.trials(check_positive_int("n_trials", n_trials), seed)
    return combine(task, trials, model.run(trials, fitted_seed=fitted_seed))


def _item_trials(task: Retention, patterns: np.ndarray, item: int, n: int, rng: np.random.Generator) -> xr.Dataset:
    """``n`` one-pattern trials of item ``item`` with fresh random cues (subsets of its pattern)."""
    trials = task.trials(n, rng)
    pat = np.broadcast_to(patterns[item], trials["pattern"].shape[:1] + patterns[item].shape).copy()
    active = np.flatnonzero(patterns[item])
    cue = np.zeros_like(pat)
    for k in range(n):
        cue[k, rng.choice(active, size=task.n_cued, replace=False)] = 1
    trials["pattern"] = (("trial", "item", "feature"), pat[:, None, :], trials["pattern"].attrs)
    trials["cue"] = (("trial", "item", "feature"), cue[:, None, :], trials["cue"].attrs)
    return trials


def in_weights(
    model: ArtificialModel,
    *,
    seeds: Sequence[int] = (1,),
    n_items: int = 8,
    steps_per_item: int = 100,
    n_features: int = 20,
    coding_level: float = 0.25,
    cue_fraction: float = 0.5,
    n_test: int = 32,
    progress: bool = False,
) -> xr.Dataset:
    """Learn ``n_items`` patterns one after another; test every earlier item after each.

    Returns
    -------
    xarray.Dataset
        ``overlap_matrix`` (seed, trained_through, item): recall overlap of each item
        after training on items 0..trained_through (NaN for items not yet learned);
        ``overlap`` and ``overlap_sem`` (test_delay = 0, lag): mean over seeds and items by the
        number of items learned since; ``training_steps`` (lag).
    """
    import torch
    from tqdm.auto import tqdm

    seeds = _seed_list(seeds)
    n_items = check_positive_int("n_items", n_items)
    steps_per_item = check_positive_int("steps_per_item", steps_per_item)
    task = Retention(n_patterns=1, n_features=n_features, coding_level=coding_level, cue_fraction=cue_fraction, test_delays=[0.0], timing=_ITEM_TIMING)
    p = model._validated()
    device = resolve_torch_device(model.device)
    n_in, n_out = sizes(task.trials(1, 0))
    params = model.init_params(seeds, n_in, n_out, device)
    opt = torch.optim.Adam(list(params.values()), lr=p["learning_rate"])
    # each seed's items: fixed random patterns drawn from the seed
    patterns = []
    for s in seeds:
        rng = np.random.default_rng([s, 7])
        pats = np.zeros((n_items, n_features), np.int8)
        for k in range(n_items):
            pats[k, rng.choice(n_features, size=task.n_active, replace=False)] = 1
        patterns.append(pats)
    T = n_steps(task.trials(1, 0), p["dt"])

    def stacked_batch(item: int, n: int, key: int) -> tuple[list[xr.Dataset], Any]:
        trials = [_item_trials(task, patterns[a], item, n, np.random.default_rng([s, key, item])) for a, s in enumerate(seeds)]
        enc = [encode(t, p["dt"], T, show_study=False) for t in trials]
        tensors = [torch.as_tensor(np.stack([getattr(e, f) for e in enc]), device=device) for f in ("x", "y", "mask", "write")]
        return trials, tensors

    overlap = np.full((len(seeds), n_items, n_items), np.nan)
    bar = tqdm(total=n_items * steps_per_item, desc=f"{model.name}: items learned in turn", disable=not progress)
    for item in range(n_items):
        for step in range(steps_per_item):
            _, batch = stacked_batch(item, p["batch_size"], step)
            training_step(model, params, opt, tuple(batch), "bce", None, p["grad_clip"])
            bar.update(1)
        with torch.no_grad():
            for old in range(item + 1):
                trials, (x, _, _, write) = stacked_batch(old, n_test, 10**6 + old)
                out = model.forward(params, x, write, None).cpu().numpy()
                for a in range(len(seeds)):
                    scores = task.score(trials[a], decode(trials[a], out[a], p["dt"]))
                    overlap[a, item, old] = float(scores["overlap"].mean())
    bar.close()
    lags = np.arange(n_items)
    by_lag = [overlap[:, np.arange(lag, n_items), np.arange(0, n_items - lag)].ravel() for lag in lags]
    mean = np.array([v.mean() for v in by_lag])
    sem = np.array([v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan for v in by_lag])
    ds = xr.Dataset(
        {
            "overlap_matrix": (
                ("seed", "trained_through", "item"),
                overlap,
                {"units": "1", "long_name": "recall overlap of each item after learning items 0..trained_through"},
            ),
            # (test_delay, lag) as in the task's forgetting_curve: items are tested right after training
            "overlap": (("test_delay", "lag"), mean[None], {"units": "1", "long_name": "mean recall overlap"}),
            "overlap_sem": (("test_delay", "lag"), sem[None], {"units": "1", "long_name": "s.e.m. of the recall overlap"}),
            "n_tests": ("lag", np.array([v.size for v in by_lag]), {"units": "1", "long_name": "(seed, item) pairs averaged"}),
            "training_steps": ("lag", lags * steps_per_item, {"units": "1", "long_name": "optimiser steps on later items"}),
        },
        coords={
            "seed": seeds,
            "trained_through": lags,
            "item": lags,
            "test_delay": ("test_delay", [0.0], {"units": "s", "long_name": "delay from the last study to the test"}),
            "lag": ("lag", lags, {"units": "1", "long_name": "items learned after this one"}),
        },
    )
    ds.attrs.update(
        provenance(
            title=f"In-weights forgetting of {model.name}: items learned one after another",
            model=model.name,
            model_family=model.family,
            task="retention",
            parameters={
                "model_parameters": model.parameters,
                "n_items": n_items,
                "steps_per_item": steps_per_item,
                "task_parameters": task.get_params(),
                "seeds": seeds,
                "n_test": n_test,
            },
            seed=seeds[0],
            backend=torch_backend(device),
            references=model.references + "; McCloskey M, Cohen NJ (1989) Psychol Learn Motiv 24:109-165; Ratcliff R (1990) Psychol Rev 97:285-308",
        )
    )
    ds.attrs["forgetting"] = "in-weights"
    return ds
