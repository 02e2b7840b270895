"""One zarr store per sweep: each point written as soon as it finishes, opened as one lazy Dataset.

Layout (zarr format 3, a folder)::

    S.zarr/zarr.json                root group; attrs: the sweep definition, its axes and point keys
    S.zarr/points/<key>/<part>/     one xarray group per Dataset a point returned ("trials", ...)
    S.zarr/failed/<key>/            a group whose attrs hold the error of a point that raised

A point is written under a hidden name inside the store and renamed into place
when complete (a rename is atomic), so an interrupted sweep never leaves half a
point where :func:`open_sweep` would read it. Only the process that runs the
sweep writes (the workers send their Datasets back), and a lock file keeps a
second sweep out of the same store.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

#: attribute of the root group that marks a folder as a neuromem sweep
MARK = "neuromem_sweep"

#: attributes that say when and how fast one run went, not what it computed: kept in
#: each point's group, left out of the sweep's Dataset (same seeds and grid, identical Dataset)
RUN_SPECIFIC: tuple[str, ...] = ("created", "build_seconds", "simulation_seconds")


class SweepStore:
    """The folder of one sweep (see the module docstring)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    # ------------------------------------------------------------ writing
    @contextmanager
    def locked(self) -> Iterator[SweepStore]:
        """Hold the store's lock for the block; a second sweep into the same store is refused at once."""
        from filelock import FileLock, Timeout

        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"out={str(self.path)!r} is a file; a sweep store is a folder (e.g. S.zarr)")
        if self.path.is_dir() and not (self.path / "zarr.json").exists() and any(p.name != ".lock" for p in self.path.iterdir()):
            raise ValueError(f"out={str(self.path)!r} is a folder with other files in it, not a sweep store; give a new or empty folder (e.g. S.zarr)")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / ".lock").touch()
        except OSError as err:
            raise ValueError(f"out={str(self.path)!r} cannot be written ({err.strerror}); give a folder you can write to") from None
        lock = FileLock(str(self.path / ".lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise ValueError(f"out={str(self.path)!r} is in use by another sweep (its lock is held); wait for it to finish or give another --out") from None
        try:
            shutil.rmtree(self.path / ".incoming", ignore_errors=True)  # halves of points a killed sweep was writing
            yield self
        finally:
            # an interrupt can land while a point is being written: leave no half of it behind
            shutil.rmtree(self.path / ".incoming", ignore_errors=True)
            lock.release()

    def start(self, definition: Mapping[str, Any], axes: Mapping[str, Sequence[Any]], units: Mapping[str, str], keys: Sequence[str]) -> None:
        """Create the store for this sweep, or check that the store holds this same sweep."""
        import zarr

        wanted = json.dumps(definition, sort_keys=True)
        if (self.path / "zarr.json").exists():
            held = zarr.open_group(str(self.path), mode="r").attrs.get(MARK)
            if held is None:
                raise ValueError(f"out={str(self.path)!r} is a zarr store but not a neuromem sweep; give another --out")
            if held != wanted:
                raise ValueError(f"out={str(self.path)!r} holds another sweep ({held}); to run this one give another --out")
            return
        root = zarr.open_group(str(self.path), mode="a")
        root.attrs.update({MARK: wanted, "axes": json.dumps(axes), "axis_units": json.dumps(units), "keys": list(keys)})
        for name in ("points", "failed"):
            root.require_group(name)

    def done(self) -> set[str]:
        """Keys of the points already written."""
        folder = self.path / "points"
        return {p.name for p in folder.iterdir() if (p / "zarr.json").exists()} if folder.is_dir() else set()

    def write(self, key: str, parts: Mapping[str, xr.Dataset]) -> None:
        """Write one point's Datasets, all at once (renamed into place when complete)."""
        tmp = self._incoming(key)
        import zarr

        zarr.open_group(str(tmp), mode="w")
        with warnings.catch_warnings():
            # fixed-length text (a condition label) has no Zarr v3 spec yet; zarr-python reads back what it wrote
            warnings.filterwarnings("ignore", message="The data type .* does not have a Zarr V3 specification")
            for part, ds in parts.items():
                ds.to_zarr(str(tmp), group=part, mode="w", consolidated=False)
        self._place(tmp, self.path / "points" / key)
        shutil.rmtree(self.path / "failed" / key, ignore_errors=True)

    def write_failure(self, key: str, params: Mapping[str, Any], error: str, trace: str) -> None:
        """Record that a point raised (what, and where); the sweep goes on and a rerun tries it again."""
        import zarr

        tmp = self._incoming(key)
        zarr.open_group(str(tmp), mode="w").attrs.update({"error": error, "traceback": trace, "parameters": json.dumps(params, default=str)})
        self._place(tmp, self.path / "failed" / key)

    def _incoming(self, key: str) -> Path:
        tmp = self.path / ".incoming" / f"{key}-{uuid.uuid4().hex[:8]}"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        return tmp

    @staticmethod
    def _place(tmp: Path, final: Path) -> None:
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)

    # ------------------------------------------------------------ reading
    def failures(self) -> dict[str, dict[str, Any]]:
        """{key: attrs of its failure record} for the points that raised and have not succeeded since."""
        import zarr

        folder = self.path / "failed"
        if not folder.is_dir():
            return {}
        return {p.name: dict(zarr.open_group(str(p), mode="r").attrs) for p in folder.iterdir() if (p / "zarr.json").exists()}


def _check_same_dims(path: Path, points: dict[str, xr.Dataset]) -> None:
    """Refuse points whose variables have different dims: combined, the one without a dim would be copied along it
    (a cued report's error repeated at every position of a whole report), a silent wrong result."""
    seen: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key, ds in points.items():
        for name, var in ds.data_vars.items():
            first = seen.setdefault(name, (key, var.dims))
            if first[1] != var.dims:
                raise ValueError(
                    f"sweep {str(path)!r}: variable {name!r} has dims {first[1]} at point {first[0]} but {var.dims} at point {key}; "
                    "a grid axis changes what is measured (e.g. report or set_sizes), so the points cannot be set side by side: "
                    "open each point's group with xr.open_zarr, or sweep that parameter in separate sweeps"
                )


def open_sweep(path: str | os.PathLike, part: str | None = None) -> xr.Dataset:
    """The Dataset of a sweep: the grid axes as leading dims, lazily read (dask arrays).

    Parameters
    ----------
    path : path
        The sweep's store (``--out`` of ``neuromem sweep``).
    part : str, optional
        Which Dataset of each point ("trials", "curve", "paired-pulse", ...);
        needed only when the experiment returns several.

    Returns
    -------
    xarray.Dataset
        Every variable of the points with the grid dims in front; ``point_status``
        ("ok", "failed" or "missing"), ``point_error`` and ``point_key`` per point.
        Missing and failed points are NaN. A dim without coordinates whose
        length differs between points (spikes) is padded with NaN to the
        longest. The attributes are those all points share (but not
        :data:`RUN_SPECIFIC`), plus ``sweep`` (the definition) and ``sweep_axes``. Each point's own attributes are in its
        group: ``xr.open_zarr(path, group="points/<point_key>/<part>")``.
    """
    try:
        import zarr
    except ImportError:
        raise ValueError("opening a sweep needs zarr, which is not installed: pip install 'neuromem[sweep]'") from None

    store = SweepStore(path)
    if not (store.path / "zarr.json").exists():
        raise ValueError(f"{str(store.path)!r} is not a sweep store (no zarr.json); give the --out of `neuromem sweep`")
    attrs = zarr.open_group(str(store.path), mode="r").attrs
    if MARK not in attrs:
        raise ValueError(f"{str(store.path)!r} is a zarr store but not a neuromem sweep")
    try:
        axes: dict[str, list[Any]] = json.loads(attrs["axes"])
        units: dict[str, str] = json.loads(attrs["axis_units"])
        keys: list[str] = list(attrs["keys"])
    except (KeyError, TypeError, ValueError) as err:  # a damaged store: name it, not a raw JSON error
        raise ValueError(f"sweep store {str(store.path)!r} is damaged ({type(err).__name__}: {err}); run the sweep again into a new --out") from None
    done, failures = store.done(), store.failures()
    if not done:
        raise ValueError(f"sweep {str(store.path)!r} has no finished point yet")
    part = _part(store.path, done, part)
    points = {k: xr.open_zarr(str(store.path), group=f"points/{k}/{part}", consolidated=False) for k in keys if k in done}
    if not points:
        raise ValueError(f"sweep {str(store.path)!r} has no finished point yet")
    _check_same_dims(store.path, points)
    padded = _pad_ragged(points)
    blank = next(iter(padded.values())).map(lambda v: v.astype(float) * np.nan if v.dtype.kind in "iufcb" else v.where(False), keep_attrs=True)
    ordered = [padded.get(k, blank) for k in keys]
    shape = [len(v) for v in axes.values()]
    combined = xr.combine_nested(
        _nest(ordered, shape), concat_dim=list(axes), data_vars="all", coords="different", compat="equals", join="outer", combine_attrs="override"
    )
    combined = combined.transpose(*axes, ...).assign_coords(
        {name: (name, _labels(values), {"units": units[name], "long_name": f"sweep axis {name}"}) for name, values in axes.items()}
    )
    status = ["ok" if k in done else "failed" if k in failures else "missing" for k in keys]
    errors = [failures[k]["error"] if s == "failed" else "" for k, s in zip(keys, status)]
    for name, values, text in (
        ("point_status", status, "ok, failed or missing"),
        ("point_error", errors, "error of a failed point"),
        ("point_key", keys, "group of the point in the store"),
    ):
        combined[name] = (list(axes), np.array(values, dtype=str).reshape(shape), {"units": "1", "long_name": text})
    combined.attrs = {**_shared_attrs(list(points.values())), "sweep": attrs[MARK], "sweep_axes": json.dumps(list(axes))}
    return combined


def _shared_attrs(points: Sequence[xr.Dataset]) -> dict[str, Any]:
    """The attributes every point has with the same value (what differs is in each point's group)."""
    first = points[0].attrs
    return {
        k: v
        for k, v in first.items()
        if k not in RUN_SPECIFIC and all(k in ds.attrs and json.dumps(ds.attrs[k], default=str) == json.dumps(v, default=str) for ds in points[1:])
    }


def _part(path: Path, done: set[str], part: str | None) -> str:
    parts = sorted({p.name for k in done for p in (path / "points" / k).iterdir() if p.is_dir()})
    if part is None and len(parts) == 1:
        return parts[0]
    if part not in parts:
        raise ValueError(f"part={part!r} is not allowed; this sweep's points hold {parts}")
    return part


def _pad_ragged(points: Mapping[str, xr.Dataset]) -> dict[str, xr.Dataset]:
    """Pad dims without coordinates (spikes, ...) to their longest length among the points."""
    longest: dict[str, int] = {}
    for ds in points.values():
        for dim, n in ds.sizes.items():
            if dim not in ds.indexes:
                longest[dim] = max(longest.get(dim, 0), n)
    out = {}
    for key, ds in points.items():
        short = {dim: (0, longest[dim] - n) for dim, n in ds.sizes.items() if dim in longest and n < longest[dim]}
        out[key] = ds.pad(short, keep_attrs=True) if short else ds
    return out


def _nest(items: list[Any], shape: Sequence[int]) -> list[Any]:
    if len(shape) <= 1:
        return items
    step = math.prod(shape[1:])
    return [_nest(items[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _labels(values: Sequence[Any]) -> np.ndarray:
    """Coordinate values of an axis: numbers stay numbers; lists and mixed values become their JSON text."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values)
    if all(isinstance(v, str) for v in values):
        return np.asarray(values, dtype=str)
    return np.asarray([json.dumps(v) for v in values], dtype=str)
