"""What a sweep is: an experiment, grid axes, seeds and fixed values, checked before anything runs.

A grid axis is any declared parameter of the experiment (``delays``, ``trials``,
``model``, ...) or a parameter of the model's card (``J_plus``, ``tau_F``,
``hidden_size``, ...), passed through the experiment's ``option`` parameter. The
points are every combination of the axes' values, seeds last. A point's key is
a digest of its parameters, so a point keeps its key whatever else the grid holds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuromem.experiments.declare import parse_value

#: the most points (and seeds) one sweep may have: a typo of 0:99999999 is refused, not enumerated
MAX_POINTS = 100_000
#: the largest seed (as a run's ``--seed``)
MAX_SEED = 2**63 - 1

#: parameters a sweep sets itself (each point's result goes to the sweep's store)
RESERVED: tuple[str, ...] = ("out", "quiet")


@dataclass(frozen=True)
class Point:
    """One combination of the grid: its coordinates and the experiment's parameters."""

    coords: dict[str, Any]
    params: dict[str, Any]

    @property
    def key(self) -> str:
        text = json.dumps(self.params, sort_keys=True, default=str)
        return "p" + hashlib.sha1(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Sweep:
    """An experiment run at every point of a grid.

    Parameters
    ----------
    experiment : str
        A registered experiment (see ``neuromem list``).
    grid : mapping of str to sequence
        Axis name -> values, in the order the axes should have as dims.
    seeds : sequence of int, optional
        The ``seed`` axis (last). For an experiment that takes ``seeds`` (a list,
        e.g. ``fit``), all seeds go to every point together and run batched.
    fixed : mapping
        Other parameters of the experiment (or card parameters), the same at every point.
    """

    experiment: str
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    seeds: Sequence[int] | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def definition(self) -> dict[str, Any]:
        """The sweep as JSON-able data (stored with the results; equal definitions are the same sweep)."""
        return {
            "experiment": self.experiment,
            "grid": {k: list(v) for k, v in self.grid.items()},
            "seeds": None if self.seeds is None else [int(s) for s in self.seeds],
            "fixed": dict(self.fixed),
        }

    def axes(self) -> dict[str, list[Any]]:
        """The dims of the sweep's Dataset and their values (seeds last, unless batched in each point)."""
        axes = {k: list(v) for k, v in self.grid.items()}
        if self.seeds is not None and not self._batched_seeds():
            axes["seed"] = [int(s) for s in self.seeds]
        return axes

    def axis_units(self) -> dict[str, str]:
        """Units of each axis: the declared parameter's, else "1" (a seed, a count, a card value as given)."""
        declared = {p.name: p.units for p in self._experiment().params}
        return {name: declared.get(name) or "1" for name in self.axes()}

    def _batched_seeds(self) -> bool:
        return self.seeds is not None and "seeds" in _names(self._experiment())

    def _experiment(self) -> Any:
        from neuromem.experiments import get_experiment

        return get_experiment(self.experiment)

    def points(self) -> list[Point]:
        """Every point, checked against the experiment's declaration (``ValueError`` on the first bad one)."""
        experiment = self._experiment()
        self._check(experiment)
        axes = self.axes()
        count = math.prod(len(v) for v in axes.values())
        if count > MAX_POINTS:
            sizes = " x ".join(f"{len(v)} {k}" for k, v in axes.items())
            raise ValueError(f"sweep: {sizes} make {count} points; at most {MAX_POINTS} in one sweep (split it over several --out)")
        points = []
        for combination in itertools.product(*axes.values()):
            values = dict(zip(axes, combination))
            points.append(Point(values, _point_params(experiment, {**self.fixed, **values}, self)))
        return points

    def _check(self, experiment: Any) -> None:
        names = _names(experiment)
        for name in [*self.grid, *self.fixed]:
            if name in RESERVED:
                raise ValueError(f"sweep: {name!r} cannot be set; a sweep writes every point to its own store (--out of `neuromem sweep`)")
        for name, values in self.grid.items():
            if not isinstance(values, (list, tuple)) or not values:
                raise ValueError(f"sweep: grid axis {name!r} has values {values!r}; give a non-empty list")
            if len({json.dumps(v, sort_keys=True, default=str) for v in values}) != len(values):
                raise ValueError(f"sweep: grid axis {name!r} repeats a value ({list(values)}); each value once")
        if not self.grid and self.seeds is None:
            raise ValueError("sweep: give at least one grid axis (--grid NAME=V1,V2,...) or --seeds; one point is `neuromem run`")
        both = sorted(set(self.grid) & set(self.fixed))
        if both:
            raise ValueError(f"sweep: {both} is both a grid axis and a fixed value; give it once")
        if self.seeds is not None:
            if "seed" in self.grid or "seed" in self.fixed or "seeds" in self.grid or "seeds" in self.fixed:
                raise ValueError("sweep: give seeds with --seeds (the seed axis), not as a grid axis or fixed value")
            if "seed" not in names and "seeds" not in names:
                raise ValueError(f"sweep: experiment {self.experiment!r} takes no seed; leave out --seeds")
            if isinstance(self.seeds, (str, bytes)) or not isinstance(self.seeds, (list, tuple, range)):
                raise ValueError(f"sweep: seeds={self.seeds!r} is not allowed; give a list of seeds or FIRST:LAST")
            if len(self.seeds) > MAX_POINTS:
                raise ValueError(f"sweep: {len(self.seeds)} seeds are not allowed; at most {MAX_POINTS} in one sweep")
            if not self.seeds or any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED for s in self.seeds):
                raise ValueError(f"sweep: seeds={list(self.seeds)!r} is not allowed; give whole numbers from 0 to {MAX_SEED}")
            if len(set(self.seeds)) != len(self.seeds):
                raise ValueError(f"sweep: seeds={list(self.seeds)!r} repeat a seed; each seed once (one point each)")


def _names(experiment: Any) -> list[str]:
    return [p.name for p in experiment.params]


def _point_params(experiment: Any, values: Mapping[str, Any], sweep: Sweep) -> dict[str, Any]:
    """The experiment's keyword parameters at one point: declared ones converted, card parameters as options."""
    declared = {p.name: p for p in experiment.params}
    params: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for name, value in values.items():
        if name in declared:
            params[name] = _convert(declared[name], value)
        else:
            overrides[name] = value
    if sweep.seeds is not None:
        if "seeds" in declared:
            params["seeds"] = [int(s) for s in sweep.seeds]
    params["out"], params["quiet"] = None, True
    if "workers" in declared and "workers" not in values and _spiking(experiment, params):
        params["workers"] = 1  # the sweep's dask workers already take one core each
    if overrides:
        _check_overrides(experiment, experiment.resolve(params), overrides)
        params["option"] = list(params.get("option") or []) + [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    try:  # the experiment's own check of every value (types, ranges, the model's card, the task), as `neuromem run` does
        experiment.resolve(params)
    except ValueError as err:
        raise ValueError(f"sweep: at {_where(values)}: {err}") from None
    return params


def _where(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items()) or "every point"


def _spiking(experiment: Any, params: Mapping[str, Any]) -> bool:
    from neuromem.cards import load_card

    model = params.get("model", next((p.default for p in experiment.params if p.name == "model"), None))
    return isinstance(model, str) and model in _model_names() and load_card(model).family == "spiking" and not params.get("fitted")


def _model_names() -> list[str]:
    from neuromem.cards import list_models

    return list_models()


def _check_overrides(experiment: Any, params: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    from neuromem.cards import load_card

    names = _names(experiment)
    model = params.get("model")
    if "option" not in names or not isinstance(model, str):
        raise ValueError(
            f"sweep: {sorted(overrides)} are not parameters of experiment {experiment.name!r}; its parameters: {', '.join(n for n in names if n not in RESERVED)}"
        )
    card = load_card(model)
    unknown = sorted(set(overrides) - set(card.parameters))
    if unknown:
        raise ValueError(
            f"sweep: {unknown} are neither parameters of experiment {experiment.name!r} ({', '.join(n for n in names if n not in RESERVED)}) "
            f"nor of model {model!r} ({', '.join(card.parameters)})"
        )


def _convert(param: Any, value: Any) -> Any:
    """A grid or fixed value as the declared parameter takes it (one value of a ``many`` parameter is a list of one), checked by its declaration."""
    if param.many and value is not None and not isinstance(value, (list, tuple)):
        value = [value]
    try:
        return param.check(value)
    except ValueError as err:
        raise ValueError(f"sweep: {err}") from None


# --------------------------------------------------------------- text forms
def parse_values(name: str, text: str) -> list[Any]:
    """``"1.5,1.62,[0.5,1]"`` -> ``[1.5, 1.62, [0.5, 1]]``: comma-separated, each JSON or plain text."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    if depth != 0 or any(not p.strip() for p in parts):
        raise ValueError(f"sweep: --grid {name}={text!r} is not allowed; write NAME=V1,V2,... (a list value as [a,b])")
    return [parse_value(p.strip()) for p in parts]


def parse_assignment(option: str, text: str) -> tuple[str, str]:
    """``"J_plus=1.5,1.6"`` -> ``("J_plus", "1.5,1.6")``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise ValueError(f"sweep: {option} {text!r} is not allowed; write {option} NAME=VALUE")
    return name.strip().replace("-", "_"), value.strip()


def parse_seeds(text: str) -> list[int]:
    """``"1:16"`` -> 1, 2, ..., 16 (both ends included); ``"1,5,9"`` -> those."""
    try:
        if ":" in text:
            first, _, last = text.partition(":")
            seeds = range(int(first), int(last) + 1)  # counted before it is made a list
        else:
            seeds = [int(s) for s in text.split(",")]
    except ValueError:
        seeds = range(0)
    if len(seeds) > MAX_POINTS:
        raise ValueError(f"sweep: --seeds {text!r} makes {len(seeds)} seeds; at most {MAX_POINTS} in one sweep")
    if not seeds or min(seeds) < 0:
        raise ValueError(f"sweep: --seeds {text!r} is not allowed; write FIRST:LAST (both included, e.g. 1:16) or a list 1,5,9 of non-negative integers")
    return list(seeds)


def load_sweep_file(path: str | Path) -> Sweep:
    """A sweep from a TOML file (for long grids).

    A file looks like this::

        experiment = "working-memory"
        seeds = "1:16"              # or a list [1, 2, 3]
        [grid]
        J_plus = [1.5, 1.62, 1.7]
        delays = [[0.5, 1.0, 2.0]]  # one value of a list parameter is a list
        [fixed]
        trials = 4
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"sweep file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"sweep file {str(path)!r} is not valid TOML ({err})") from None
    unknown = sorted(set(data) - {"experiment", "grid", "seeds", "fixed"})
    if unknown or not isinstance(data.get("experiment"), str):
        raise ValueError(f'sweep file {str(path)!r}: needs experiment = "NAME" and may have [grid], [fixed], seeds; found {sorted(data)}')
    for table in ("grid", "fixed"):
        if not isinstance(data.get(table, {}), dict):
            raise ValueError(f"sweep file {str(path)!r}: {table} = {data[table]!r} is not allowed; write a table [{table}] of NAME = VALUE lines")
    for name, values in data.get("grid", {}).items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"sweep file {str(path)!r}: grid axis {name} = {values!r} is not allowed; give a non-empty list, e.g. {name} = [1, 2]")
    seeds = data.get("seeds")
    if isinstance(seeds, str):
        seeds = parse_seeds(seeds)
    elif seeds is not None and not isinstance(seeds, list):
        raise ValueError(f'sweep file {str(path)!r}: seeds = {seeds!r} is not allowed; write seeds = "1:16" or seeds = [1, 5, 9]')
    return Sweep(data["experiment"], dict(data.get("grid", {})), seeds, dict(data.get("fixed", {})))
