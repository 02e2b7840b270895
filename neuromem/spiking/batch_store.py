"""Finished batches of a spiking run on disk, so an interrupted run resumes where it stopped."""

from __future__ import annotations

import hashlib
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import xarray as xr

from neuromem.outputs import atomic_write, stale_parts


def run_digest(key: str, seed: int, trials: xr.Dataset) -> str:
    """A digest of the run: model key, seed and every value of the trials."""
    digest = hashlib.sha1(f"{key}|{int(seed)}".encode())
    for name in sorted(trials.variables):
        values = np.asarray(trials[name].values)
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(values).tobytes() if values.dtype != object else repr(values.tolist()).encode())
    return digest.hexdigest()


class BatchStore:
    """One ``.npz`` file per finished batch (named arrays), written atomically.

    The folder is stamped with the run's digest; a folder holding another run's
    batches is refused rather than mixed in. A batch file that cannot be read
    (cut short by a kill during a write on a file system without atomic rename)
    is removed with a warning and simulated again; ``.part`` files of writes that
    were killed (their writer's pid is gone, see :func:`neuromem.outputs.stale_parts`)
    are removed when the store opens.
    """

    def __init__(self, folder: str | os.PathLike, digest: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = self.folder / "run_key.txt"
        if stamp.exists() and stamp.read_text() != digest:
            raise ValueError(
                f"checkpoint={str(self.folder)!r} holds batches of a different run (other parameters, trials or seed); remove it or choose another folder"
            )
        stamp.write_text(digest)
        for part in stale_parts(self.folder):
            part.unlink(missing_ok=True)
            warnings.warn(f"removed {part}, a batch whose write was killed; it is simulated again", stacklevel=2)

    def _path(self, batch: int) -> Path:
        return self.folder / f"batch_{batch:05d}.npz"

    def load(self, batch: int) -> dict[str, np.ndarray] | None:
        """The arrays of ``batch``, or ``None`` if it is not (readably) there."""
        path = self._path(batch)
        if not path.exists():
            return None
        try:
            with np.load(path) as f:
                return {k: f[k] for k in f.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
            warnings.warn(f"batch file {path} cannot be read ({type(err).__name__}); it is removed and the batch simulated again", stacklevel=2)
            path.unlink(missing_ok=True)
            return None

    def save(self, batch: int, arrays: dict[str, np.ndarray]) -> None:
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:  # a file object: np.savez would append .npz to a name
                np.savez(fh, **arrays)

        atomic_write(self._path(batch), write)
