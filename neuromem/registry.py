"""Registries of tasks, models and experiments, filled by neuromem and by entry points.

A lab adds its own from its own package, with no edit to neuromem, by declaring
entry points in its ``pyproject.toml``::

    [project.entry-points."neuromem.tasks"]
    odd-one-out = "mylab.tasks:OddOneOut"            # a Task subclass
    [project.entry-points."neuromem.models"]
    my_net = "mylab.models:CARD"                     # a ModelCard, or the path of a card TOML
    [project.entry-points."neuromem.experiments"]
    odd-one-out = "mylab.experiments:ODD_ONE_OUT"    # an Experiment

Entry points are read once, the first time a registry is asked for its names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named objects of one kind: built-ins registered in code, plug-ins from an entry-point group.

    Parameters
    ----------
    kind : str
        What is registered ("task", "model", "experiment"), used in messages.
    group : str
        Entry-point group read for plug-ins.
    convert : callable, optional
        Applied to each loaded entry point (e.g. a card path into a card).
    """

    def __init__(self, kind: str, group: str, convert: Callable[[str, Any], T] | None = None) -> None:
        self.kind = kind
        self.group = group
        self._convert = convert or (lambda name, obj: obj)
        self._items: dict[str, T] = {}
        self._sources: dict[str, str] = {}
        self._loaded = False

    def register(self, name: str, obj: T, source: str = "neuromem") -> T:
        """Add ``obj`` under ``name``; a second object under a taken name is refused."""
        if name in self._items and self._items[name] is not obj:
            raise ValueError(f"{self.kind} {name!r} is registered twice ({self._sources[name]} and {source})")
        self._items[name] = obj
        self._sources[name] = source
        return obj

    def _load_entry_points(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for ep in entry_points(group=self.group):
            source = f"entry point {ep.value}"
            try:
                obj = self._convert(ep.name, ep.load())
            except Exception as err:  # a broken plug-in must not hide the others
                raise ValueError(f"{self.kind} plug-in {ep.name!r} ({ep.value}) cannot be loaded: {err}") from err
            self.register(ep.name, obj, source)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._load_entry_points()
        return sorted(self._items)

    def get(self, name: str) -> T:
        """The object named ``name``; an unknown name raises ``ValueError`` listing the known ones."""
        self._load_entry_points()
        try:
            return self._items[name]
        except KeyError:
            raise ValueError(f"{self.kind}={name!r} is unknown; known {self.kind}s: {', '.join(self.names()) or 'none'}") from None

    def source(self, name: str) -> str:
        """Where ``name`` came from ("neuromem" or the entry point)."""
        self.get(name)
        return self._sources[name]

    def __contains__(self, name: object) -> bool:
        self._load_entry_points()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
