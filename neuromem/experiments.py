"""Named experiments: what ``neuromem run <experiment>`` and ``experiments/*.py`` call."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

import xarray as xr

from neuromem.cards import load_model
from neuromem.results import save
from neuromem.runner import combine
from neuromem.tasks import get_task
from neuromem.tasks.base import check_positive_int

EXPERIMENTS: dict[str, str] = {
    "working-memory": "delayed estimation of an angle after a delay (error and its variance vs delay)",
}


def working_memory(
    *,
    model: str = "compte2000",
    delays: Sequence[float] = (0.5, 1.0, 2.0, 3.0),
    trials_per_delay: int = 20,
    seed: int = 1,
    size: str = "scaled",
    device: str = "cpp_standalone",
    trials_per_run: int = 8,
    threads: int = 0,
    record_spikes: bool = True,
    out: str | Path | None = "results",
    progress: bool = True,
) -> tuple[xr.Dataset, Path | None]:
    """Delayed estimation on a working-memory model; save the Dataset under ``out``.

    Returns
    -------
    (Dataset, path)
        The result and the netCDF file written (``None`` when ``out`` is None).
    """
    trials_per_delay = check_positive_int("trials_per_delay", trials_per_delay)
    task = get_task("delayed-estimation", delays=list(delays))
    net = load_model(model, size=size, device=device, trials_per_run=trials_per_run, threads=threads, record_spikes=record_spikes)
    trials = task.trials(trials_per_delay * len(task.delays), seed)
    path = None if out is None else Path(out) / f"working-memory_{model}_{size}_seed{seed}.nc"
    # Finished batches are kept here, so an interrupted run resumes where it stopped.
    checkpoint = None if path is None else path.with_name(f".{path.stem}.partial")
    responses = net.run(trials, seed=seed, progress=progress, checkpoint=checkpoint)
    ds = combine(task, trials, responses)
    ds.attrs["size"] = size
    if path is not None:
        save(ds, path)
        shutil.rmtree(checkpoint, ignore_errors=True)
    return ds, path
