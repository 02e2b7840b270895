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
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuromem.experiments.declare import parse_value

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
            if not self.seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
                raise ValueError(f"sweep: seeds={list(self.seeds)!r} is not allowed; give non-negative integers")


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
    if "workers" in declared and "workers" not in values:
        params["workers"] = 1  # the sweep's dask workers already take one core each
    resolved = experiment.resolve(params)  # unknown names and choices, as the CLI would say them
    if overrides:
        _check_overrides(experiment, resolved, overrides)
        params["option"] = list(resolved["option"] or []) + [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    return params


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
    """A grid or fixed value as the declared parameter takes it (lists for ``many``)."""
    if value is None:
        return None
    try:
        if param.flag:
            if not isinstance(value, bool):
                raise TypeError
            return value
        if param.many:
            return [param.type(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        if isinstance(value, (list, tuple, dict)):
            raise TypeError
        return param.type(value)
    except (TypeError, ValueError):
        what = {int: ("an integer", "integers"), float: ("a number", "numbers"), str: ("text", "texts")}.get(param.type, ("a value", "values"))
        kind = "true or false" if param.flag else f"a list of {what[1]}" if param.many else what[0]
        raise ValueError(f"sweep: {param.name}={value!r} is not allowed; {param.name} takes {kind}") from None


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
            seeds = list(range(int(first), int(last) + 1))
        else:
            seeds = [int(s) for s in text.split(",")]
    except ValueError:
        seeds = []
    if not seeds or min(seeds) < 0:
        raise ValueError(f"sweep: --seeds {text!r} is not allowed; write FIRST:LAST (both included, e.g. 1:16) or a list 1,5,9 of non-negative integers")
    return seeds


def load_sweep_file(path: str | Path) -> Sweep:
    """A sweep from a TOML file (for long grids)::

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
    seeds = data.get("seeds")
    if isinstance(seeds, str):
        seeds = parse_seeds(seeds)
    return Sweep(data["experiment"], dict(data.get("grid", {})), seeds, dict(data.get("fixed", {})))
