"""Experiments declared once: parameters (type, default, units, help) -> CLI, Python API, provenance.

An :class:`Experiment` is a name, a one-line summary, a table of :class:`Param`
and a function. From that one declaration come the ``neuromem run <name>``
subcommand (only its own options; any other is an error), the Python call
``experiment(**parameters)`` (unknown names refused, defaults filled in) and the
``experiment`` / ``experiment_parameters`` attributes of every Dataset it returns.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

#: what an experiment function returns: {label: (Dataset, path or None)}
Written = dict[str, tuple[xr.Dataset, "Path | None"]]


@dataclass(frozen=True)
class Param:
    """One experiment parameter.

    ``type`` converts a CLI string (``float``, ``int``, ``str``); ``many`` takes one
    or more values (a list); ``flag`` is a boolean switch; ``units`` is shown in the
    help and stored in the provenance; ``default=None`` means "decided by the model
    or task" (the help says how).
    """

    name: str
    type: Callable[[str], Any] = str
    default: Any = None
    help: str = ""
    units: str = ""
    many: bool = False
    flag: bool = False
    choices: Sequence[Any] | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        units = f" ({self.units})" if self.units else ""
        shown = " ".join(map(str, self.default)) if isinstance(self.default, (list, tuple)) else self.default
        default = "" if self.flag or self.default is None else f" [default: {shown}]"
        return f"{self.help}{units}{default}"


@dataclass(frozen=True)
class Experiment:
    """A named experiment: its parameters and the function that runs it (``function(**params)``)."""

    name: str
    summary: str
    params: tuple[Param, ...]
    function: Callable[..., Written]
    report: Callable[[Written], list[str]] = field(default=lambda written: [])

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with every other parameter at its default; unknown names raise ``ValueError``."""
        known = [p.name for p in self.params]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"experiment {self.name!r} has no parameter(s) {unknown}; its parameters: {', '.join(known)}")
        resolved = {p.name: values.get(p.name, _copy(p.default)) for p in self.params}
        for p in self.params:
            if p.choices is not None and resolved[p.name] is not None:
                chosen = resolved[p.name] if p.many else [resolved[p.name]]
                bad = [v for v in chosen if v not in p.choices]
                if bad:
                    raise ValueError(f"{p.name}={resolved[p.name]!r} is not allowed; choose from {list(p.choices)}")
        return resolved

    def __call__(self, **values: Any) -> Written:
        """Run with ``values`` (the rest at their defaults); every Dataset says which experiment made it."""
        from neuromem.outputs import claims
        from neuromem.results import save

        resolved = self.resolve(values)
        with claims():  # the files the function claims stay locked until saved (a second identical run stops at once)
            written = self.function(**resolved)
            stamp = json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in resolved.items()}, sort_keys=True, default=str)
            for ds, path in written.values():
                ds.attrs["experiment"] = self.name
                ds.attrs["experiment_parameters"] = stamp
                if path is not None:
                    save(ds, path)
                    shutil.rmtree(checkpoint_for(path), ignore_errors=True)  # finished: its batches are no longer needed
        return written

    # ------------------------------------------------------------------ CLI
    def add_parser(self, sub: Any) -> argparse.ArgumentParser:
        """The ``neuromem run <name>`` subcommand: this experiment's options only."""
        parser = sub.add_parser(self.name, help=self.summary, description=self.summary)
        for p in self.params:
            if p.flag:
                parser.add_argument(p.option, dest=p.name, action="store_true", default=argparse.SUPPRESS, help=p.describe())
            else:
                parser.add_argument(
                    p.option, dest=p.name, type=p.type, nargs="+" if p.many else None, default=argparse.SUPPRESS, help=p.describe(), metavar=p.name.upper()
                )
        parser.set_defaults(experiment=self)
        return parser


def parse_value(text: str) -> Any:
    """``text`` as JSON (numbers, lists, true/false), or as plain text when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def checkpoint_for(path: str | Path) -> Path:
    """The hidden folder beside ``path`` that keeps a run's finished batches until the result is saved."""
    path = Path(path)
    return path.with_name(f".{path.stem}.partial")


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value
