"""Results schema, provenance, and netCDF save/load.

Every result in neuromem is an :class:`xarray.Dataset` that describes itself:
each data variable carries ``units`` (UDUNITS strings) and ``long_name``, and the
global attributes say which model ran which task, with which parameters, seed and
software (see ``docs/architecture.md``, "Results").
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neuromem._version import __version__
from neuromem.outputs import RUN_ATTR, atomic_write, current_run

#: Global attributes every result Dataset must carry.
REQUIRED_ATTRS: tuple[str, ...] = ("title", "model", "model_family", "task", "parameters", "seed", "backend", "neuromem_version", "created", "references")

#: ``model_family`` values of neuromem's own models; a plug-in may name its own family
#: (any lower-case word: letters, digits, ``-``, ``_``).
MODEL_FAMILIES: tuple[str, ...] = ("spiking", "rate", "lstm", "keyvalue", "transformer", "cognitive", "reference", "none")


def _family_ok(family: object) -> bool:
    return isinstance(family, str) and family != "" and family.replace("-", "").replace("_", "").isalnum() and family == family.lower()


#: Attribute values netCDF can store.
_ATTR_TYPES = (str, int, float, np.integer, np.floating, np.ndarray, list, tuple)


class SchemaError(ValueError):
    """A Dataset does not follow the neuromem results schema."""


class ResultFileError(FileNotFoundError, ValueError):
    """A path given as a result file is missing, a folder, or not a readable netCDF file.

    Also a ``FileNotFoundError`` (what ``load`` raised for a missing file before)
    and a ``ValueError`` (a user's input: the CLI reports it in one line).
    """


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in the 'parameters' JSON attribute")


def provenance(
    *, title: str, model: str, model_family: str, task: str, parameters: Mapping[str, Any], seed: int, backend: str, references: str
) -> dict[str, Any]:
    """Build the global attributes that make a result say how it was made.

    Parameters
    ----------
    title : str
        One line describing the Dataset.
    model, task : str
        Registry names of the model and the task (``"none"`` where not applicable).
    model_family : str
        One of :data:`MODEL_FAMILIES`.
    parameters : mapping
        Everything needed to rerun; stored as a JSON string (netCDF rejects dicts).
    seed : int
        Seed of the run.
    backend : str
        Simulator and version, e.g. ``"brian2 2.9.0 cpp_standalone"``.
    references : str
        Citations of the model and task.

    Returns
    -------
    dict
        Attributes ready to assign to ``Dataset.attrs``.
    """
    if not _family_ok(model_family):
        raise ValueError(f"model_family={model_family!r} is not allowed; use a lower-case word such as {MODEL_FAMILIES}")
    return {
        "title": title,
        "model": model,
        "model_family": model_family,
        "task": task,
        "parameters": json.dumps(dict(parameters), sort_keys=True, default=_json_default),
        "seed": int(seed),
        "backend": backend,
        "neuromem_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "references": references,
    }


def schema_problems(ds: xr.Dataset) -> list[str]:
    """List every way ``ds`` departs from the results schema (empty if none)."""
    problems: list[str] = []
    for name in REQUIRED_ATTRS:
        if name not in ds.attrs:
            problems.append(f"global attribute {name!r} is missing")
    family = ds.attrs.get("model_family")
    if family is not None and not _family_ok(family):
        problems.append(f"global attribute 'model_family'={family!r} is not a lower-case word such as {MODEL_FAMILIES}")
    if "parameters" in ds.attrs:
        try:
            json.loads(ds.attrs["parameters"])
        except (TypeError, ValueError):
            problems.append("global attribute 'parameters' is not a JSON string")
    for key, value in ds.attrs.items():
        if isinstance(value, bool) or value is None or not isinstance(value, _ATTR_TYPES):
            problems.append(f"global attribute {key!r} has type {type(value).__name__}, which netCDF cannot store (use str, int, float or an array)")
    for name, var in ds.data_vars.items():
        for attr in ("units", "long_name"):
            if attr not in var.attrs:
                problems.append(f"data variable {name!r} has no {attr!r} attribute")
    for name, coord in ds.coords.items():
        if np.issubdtype(coord.dtype, np.floating) and "units" not in coord.attrs:
            problems.append(f"coordinate {name!r} has no 'units' attribute")
    return problems


def validate(ds: xr.Dataset) -> xr.Dataset:
    """Raise :class:`SchemaError` naming every missing field; return ``ds`` if it is valid."""
    problems = schema_problems(ds)
    if problems:
        raise SchemaError("Dataset does not follow the neuromem results schema:\n  - " + "\n  - ".join(problems))
    return ds


def save(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Validate and write ``ds`` to netCDF (h5netcdf), atomically.

    The file is written under a temporary name in the target folder and renamed
    into place only once complete, so an interrupted write never leaves a
    truncated file under the final name.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    validate(ds)
    run = current_run()
    if run is not None and RUN_ATTR not in ds.attrs:  # every file a run writes says which run (see outputs.check_same_run)
        ds = ds.assign_attrs({RUN_ATTR: json.dumps(run, sort_keys=True)})
    if ds.nbytes > _IN_MEMORY_UP_TO:  # too big to hold twice: HDF5 writes the file itself
        return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf", encoding=compression(ds)))
    # encoded in memory first, then written as bytes: a full disk is then a plain OSError that
    # atomic_write reports in one line, not an error deep inside HDF5 (which could crash the process)
    with _local_scheduler():  # under a distributed client xarray would take a cluster lock named after the in-memory target
        data = ds.compute().to_netcdf(engine="h5netcdf", encoding=compression(ds))
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _local_scheduler() -> contextlib.AbstractContextManager:
    try:
        import dask
    except ImportError:  # a core install: no dask, no distributed client
        return contextlib.nullcontext()
    return dask.config.set(scheduler="synchronous")


#: Datasets up to this size are encoded in memory before they are written (see :func:`save`)
_IN_MEMORY_UP_TO = 2e9


#: numeric arrays at least this long are written deflate-compressed (smaller ones gain nothing)
_COMPRESS_FROM = 1024


def compression(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """netCDF encodings: every numeric array of ``ds`` with ``_COMPRESS_FROM`` or more values deflated,
    and every integer array stored in the smallest integer type that holds its values.

    Both lossless (zlib level 4 after the HDF5 byte shuffle; an int64 index that fits in 16 bits is
    written as int16): a file reads back with the same values, in any netCDF-4 reader (integers in
    the stored type). Floating-point arrays keep their type: spike times and rates are not exact in
    fewer bits. Spike times, trial and neuron indices shrink most (the README's main job: 12.1 MB
    written plain, 5.4 MB so); ``benchmarks/result_files.py`` measures it.
    """
    deflate = {"zlib": True, "complevel": 4, "shuffle": True}
    encodings: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        encoding: dict[str, Any] = {}
        if var.size >= _COMPRESS_FROM and (np.issubdtype(var.dtype, np.number) or var.dtype == bool):
            encoding.update(deflate)
        # index coordinates keep their type (pandas indexes of int16 behave differently in alignment)
        if np.issubdtype(var.dtype, np.signedinteger) and var.size and name not in ds.dims:
            encoding["dtype"] = smallest_integer_type(np.asarray(var.values))
        if encoding:
            encodings[str(name)] = encoding
    return encodings


def smallest_integer_type(values: np.ndarray) -> np.dtype:
    """The smallest signed integer type that holds every value of ``values`` (signed integers) exactly."""
    low, high = int(values.min()), int(values.max())
    fits = [t for t in map(np.dtype, ("int8", "int16", "int32")) if t.itemsize < values.dtype.itemsize and np.iinfo(t).min <= low and high <= np.iinfo(t).max]
    return fits[0] if fits else values.dtype


def load(path: str | os.PathLike) -> xr.Dataset:
    """Read a result file into memory and validate it against the schema.

    Raises
    ------
    ResultFileError
        If ``path`` is missing, a folder (a sweep store: use :func:`open_sweep`)
        or not a readable netCDF file (truncated, another format).
    SchemaError
        Naming each missing or malformed field.
    """
    path = Path(path)
    if not path.exists():
        raise ResultFileError(f"no result file at {path}")
    if path.is_dir():
        raise ResultFileError(f"{path} is a folder, not a result file (a sweep store is read with neuromem.results.open_sweep)")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            ds = ds.load()
    except (OSError, ValueError, TypeError) as err:  # h5py/netCDF say "unable to open", "not a netCDF file", ...
        raise ResultFileError(f"{path} is not a readable netCDF result file ({type(err).__name__}: {str(err).splitlines()[0][:120]})") from None
    try:
        return validate(ds)
    except SchemaError as err:
        raise SchemaError(f"{path}: {err}") from None


def parameters(ds: xr.Dataset) -> dict[str, Any]:
    """Decode the ``parameters`` attribute of a result Dataset."""
    return json.loads(ds.attrs["parameters"])


def open_sweep(path: str | os.PathLike, part: str | None = None) -> xr.Dataset:
    """The Dataset of a sweep store (``neuromem sweep --out``), grid axes as leading dims, read lazily.

    See :func:`neuromem.sweep.store.open_sweep` (needs ``pip install 'neuromem[sweep]'``).
    """
    from neuromem.sweep.store import open_sweep as _open

    return _open(path, part)
