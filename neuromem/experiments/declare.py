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
import math
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
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
    #: the allowed range of a number (of each item, for ``many``); ``None``: unbounded on that side
    minimum: float | None = None
    maximum: float | None = None
    #: ``minimum`` itself is not allowed (``> minimum``)
    exclusive_minimum: bool = False
    #: ``None`` is allowed even with another default (``out=None``: keep the results in memory, write no file)
    nullable: bool = False
    #: for ``many``: each value at most once (a repeated seed, delay or list length would be run and counted twice)
    unique: bool = True

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any) -> Any:
        """``value`` as this parameter takes it, or ``ValueError`` naming the parameter, the value and what is allowed.

        The one check of every value, whatever its source (CLI, Python, sweep grid, TOML): type
        (a whole number is not a bool or 1.5; a number is finite), range, choices, and a list for
        ``many`` (a string there is refused, never iterated letter by letter). ``None`` is "decided
        by the model or task" where the default is ``None``.
        """
        if value is None and (self.default is None or self.nullable) and not self.flag:
            return None
        if self.flag:
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{self.name}={value!r} is not allowed; it is a switch: true or false")
            return bool(value)
        if not self.many:
            return self._check_one(value, value)
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
            raise ValueError(f"{self.name}={value!r} is not allowed; it takes a list of {self._kind(plural=True)}, e.g. {self.name}=[{self._example()}]")
        if len(value) == 0:
            raise ValueError(f"{self.name}=[] is not allowed; give at least one value")
        checked = [self._check_one(v, value) for v in value]
        twice = sorted({v for v in checked if checked.count(v) > 1}, key=str) if self.unique else []
        if twice:
            raise ValueError(f"{self.name}={checked} is not allowed; {twice} given more than once")
        return checked

    def _check_one(self, item: Any, whole: Any) -> Any:
        shown = f"{self.name}={_show(whole, self.units)}"
        each = "each value " if self.many else ""
        if self.type is int:
            if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)):
                raise ValueError(f"{shown} is not allowed; {each or 'it '}must be a whole number{self._range()}")
            item = int(item)
        elif self.type is float:
            if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, float, np.integer, np.floating)) or not math.isfinite(item):
                raise ValueError(f"{shown} is not allowed; {each or 'it '}must be a finite number{self._range()}")
            item = float(item)
        elif self.type is str:
            if not isinstance(item, str):
                raise ValueError(f"{shown} is not allowed; {each or 'it '}must be text")
        else:  # a plug-in's own converter: what it returns is the value
            try:
                item = self.type(item)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{shown} is not allowed ({err})") from None
        if self.choices is not None and item not in self.choices:
            raise ValueError(f"{shown} is not allowed; choose {'each ' if self.many else ''}from {list(self.choices)}")
        low_ok = self.minimum is None or (item > self.minimum if self.exclusive_minimum else item >= self.minimum)
        if not low_ok or (self.maximum is not None and item > self.maximum):
            raise ValueError(f"{shown} is not allowed; {each or 'it '}must be{self._range()}")
        return item

    def allowed(self) -> str:
        """What values are allowed, as the error messages say it: the choices, or the range with units ("" if any)."""
        if self.choices is not None:
            return f"one of {list(self.choices)}"
        return self._range().strip()

    def _range(self) -> str:
        unit = f" {self.units}" if self.units else ""
        low = None if self.minimum is None else f"{'>' if self.exclusive_minimum else '>='} {_number(self.minimum)}{unit}"
        high = None if self.maximum is None else f"<= {_number(self.maximum)}{unit}"
        if low and high:
            return f" {low} and {high}"
        return f" {low or high}" if low or high else ""

    def _kind(self, plural: bool = False) -> str:
        kinds = {int: ("whole number", "whole numbers"), float: ("number", "numbers"), str: ("text", "texts")}
        return kinds.get(self.type, ("value", "values"))[plural]

    def _example(self) -> str:
        if isinstance(self.default, (list, tuple)) and self.default:
            return ", ".join(map(json.dumps, self.default[:2]))
        return {int: "1", float: "0.5", str: '"a"'}.get(self.type, "...")

    def shown_default(self) -> str:
        """The default as a reader wants it: floats to 10 significant digits (30, not 29.999999999999996)."""

        def one(v: Any) -> str:
            return format(v, ".10g") if isinstance(v, float) else str(v)

        return " ".join(map(one, self.default)) if isinstance(self.default, (list, tuple)) else one(self.default)

    def describe(self) -> str:
        units = f" ({self.units})" if self.units else ""
        default = "" if self.flag or self.default is None else f" [default: {self.shown_default()}]"
        return f"{self.help}{units}{default}"


@dataclass(frozen=True)
class Experiment:
    """A named experiment: its parameters and the function that runs it (``function(**params)``)."""

    name: str
    summary: str
    params: tuple[Param, ...]
    function: Callable[..., Written]
    report: Callable[[Written], list[str]] = field(default=lambda written: [])
    #: ``check(resolved, given)`` checks what depends on several values (the model's card and
    #: options, the task's parameters) without running anything; ``given``: the names the caller
    #: set (not defaults); ``ValueError`` names the input
    check: Callable[[dict[str, Any], set[str]], None] | None = None

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with every other parameter at its default; unknown names raise ``ValueError``."""
        known = [p.name for p in self.params]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"experiment {self.name!r} has no parameter(s) {unknown}; its parameters: {', '.join(known)}")
        resolved = {p.name: p.check(values[p.name]) if p.name in values else _copy(p.default) for p in self.params}
        if self.check is not None:
            self.check(resolved, set(values))  # what depends on several values (a model's card, a task's conditions), before any work
        return resolved

    def __call__(self, **values: Any) -> Written:
        """Run with ``values`` (the rest at their defaults); every Dataset says which experiment made it."""
        from neuromem import interrupts
        from neuromem.outputs import claims, run_parameters
        from neuromem.results import save

        resolved = self.resolve(values)
        stamp = json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in resolved.items()}, sort_keys=True, default=str)
        # the files the function claims stay locked until saved (a second identical run stops at once), and a file
        # another run with other parameters wrote is refused before any work (never replaced silently)
        with claims(), run_parameters(json.loads(stamp), experiment=self.name):
            written = self.function(**resolved)
            if interrupts.received():  # a signal a library swallowed (a simulator's "stop"): the result is partial
                raise interrupts.Interrupted(interrupts.received())
            with interrupts.deferred():  # every file of the run is written whole, or none is (a signal waits)
                self._save(written, stamp, save)
        return written

    def _save(self, written: Written, stamp: str, save: Callable[..., Any]) -> None:
        for ds, path in written.values():
            ds.attrs["experiment"] = self.name
            ds.attrs["experiment_parameters"] = stamp
            if path is not None:
                save(ds, path)
                shutil.rmtree(checkpoint_for(path), ignore_errors=True)  # finished: its batches are no longer needed

    # ------------------------------------------------------------------ CLI
    def add_parser(self, sub: Any) -> argparse.ArgumentParser:
        """The ``neuromem run <name>`` subcommand: this experiment's options only."""
        parser = sub.add_parser(self.name, help=self.summary, description=self.summary)
        for p in self.params:
            if p.flag:
                parser.add_argument(p.option, dest=p.name, action=_OnceTrue, nargs=0, default=argparse.SUPPRESS, help=p.describe())
            else:
                parser.add_argument(
                    p.option,
                    dest=p.name,
                    type=p.type,
                    nargs="+" if p.many else None,
                    action=_Once,
                    default=argparse.SUPPRESS,
                    help=p.describe(),
                    metavar=p.name.upper(),
                )
        parser.set_defaults(experiment=self)
        return parser


class _Once(argparse.Action):
    """An option given twice is refused: argparse would keep the last silently."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        if hasattr(namespace, self.dest):
            parser.error(f"{option_string} is given twice ({getattr(namespace, self.dest)!r}, then {values!r}); give it once")
        setattr(namespace, self.dest, values)


class _OnceTrue(_Once):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        super().__call__(parser, namespace, True, option_string)


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


def _number(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


def _show(value: Any, units: str) -> str:
    shown = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return f"{shown} {units}" if units and not isinstance(value, str) else shown


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value
