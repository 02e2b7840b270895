"""Model cards: one TOML file per published model under ``models/``.

A card names the implementation (``module:Class``), the model family, the
citation and the published parameters. Quantities are strings with a unit
(``"0.381 nS"``) so the card reads like the paper; dimensionless numbers are
plain numbers.
"""

from __future__ import annotations

import importlib
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from neuromem.registry import Registry
from neuromem.units import DIMENSIONS, measure, parse_quantity, quantity

__all__ = [
    "MODELS",
    "ModelCard",
    "card_from_toml",
    "card_parameters",
    "check_task",
    "list_models",
    "load_card",
    "load_model",
    "parse_quantity",
    "sized_model_kwargs",
    "sized_options",
]

#: a card's ``tasks`` entry meaning "every task that defines an encoding for artificial models"
ANY_ENCODED_TASK = "*"


@dataclass(frozen=True)
class ModelCard:
    """The contents of one ``models/<name>.toml`` file."""

    name: str
    family: str
    implementation: str
    title: str
    references: str
    tasks: tuple[str, ...]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    #: lab protocols the model is probed with (``neuromem run stdp``, ...): not registered tasks
    protocols: tuple[str, ...] = ()
    sizes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tables: Mapping[str, Any] = field(default_factory=dict)  # any other top-level table (receptors, STP sets, ...)


def _card_dir() -> Path:
    # Installed wheel: cards are packaged as neuromem/_cards. Source tree or
    # editable install: they are the top-level models/ folder.
    packaged = resources.files("neuromem") / "_cards"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "models"


def card_from_toml(path: str | os.PathLike, name: str | None = None) -> ModelCard:
    """Read a card file; ``name`` defaults to the file's stem."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"model card {str(path)!r} cannot be read: {err}") from None
    missing = [k for k in ("family", "implementation", "title", "references") if k not in raw]
    if missing:
        raise ValueError(f"model card {str(path)!r} lacks {missing}")
    return ModelCard(
        name=name or path.stem,
        family=raw["family"],
        implementation=raw["implementation"],
        title=raw["title"],
        references=raw["references"],
        tasks=tuple(raw.get("tasks", ())),
        protocols=tuple(raw.get("protocols", ())),
        parameters=raw.get("parameters", {}),
        sizes=raw.get("sizes", {}),
        tables={k: v for k, v in raw.items() if isinstance(v, dict) and k not in ("parameters", "sizes")},
    )


def _as_card(name: str, obj: Any) -> ModelCard:
    # a plug-in's entry point gives a ModelCard, or the path of a card file
    if isinstance(obj, ModelCard):
        if obj.name != name:
            raise ValueError(f"its card says name={obj.name!r}, the entry point {name!r}")
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return card_from_toml(obj, name)
    raise ValueError(f"it is {obj!r}, neither a ModelCard nor the path of a card TOML")


MODELS: Registry[ModelCard] = Registry("model", "neuromem.models", _as_card)
for _path in sorted(_card_dir().glob("*.toml")):
    MODELS.register(_path.stem, card_from_toml(_path))


def list_models() -> list[str]:
    """Names of the model cards: those shipped with neuromem and those of plug-ins."""
    return MODELS.names()


def load_card(name: str) -> ModelCard:
    """The card of model ``name``; an unknown name raises ``ValueError`` listing the known ones."""
    return MODELS.get(name)


def runs_task(card: ModelCard, task_cls: type) -> bool:
    """Whether the card runs tasks of class ``task_cls``: it lists the task, or ``"*"`` and the task has an encoding."""
    return task_cls.name in card.tasks or (ANY_ENCODED_TASK in card.tasks and task_cls.has_encoding())


def check_task(card: ModelCard, task: Any) -> None:
    """Refuse to run a task the card does not list in its ``tasks`` (``"*"``: any task with an encoding)."""
    name = task.name
    if runs_task(card, type(task)):
        return
    listed = [t for t in card.tasks if t != ANY_ENCODED_TASK]
    also = " and any task with an encoding for artificial models" if ANY_ENCODED_TASK in card.tasks else ""
    raise ValueError(f"model {card.name!r} does not run task {name!r}: its card lists tasks {listed}{also}")


def load_model(name: str, **options: Any) -> Any:
    """Build the model described by card ``name``.

    Parameters
    ----------
    name : str
        Card name, e.g. ``"compte2000"`` (see :func:`list_models`).
    **options
        Passed to the implementation's ``from_card`` (e.g. ``size="scaled"``,
        ``device="cpp_standalone"``, or parameter overrides).

    Raises
    ------
    ValueError
        If the card is unknown, or the simulator the model needs (its class's
        ``requires``: (module, extra) pairs) is not installed.
    """
    card = load_card(name)
    return model_class(name).from_card(card, **options)


def model_class(name: str) -> Any:
    """The implementation class of card ``name``, after checking that what it ``requires`` is installed."""
    card = load_card(name)
    module_name, _, class_name = card.implementation.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"model {name!r}: its implementation {card.implementation!r} cannot be imported ({err})") from None
    for module, extra in getattr(cls, "requires", ()):
        try:
            importlib.import_module(module)
        except ImportError:
            raise ValueError(f"model {name!r} needs {module}, which is not installed: pip install 'neuromem[{extra}]'") from None
    return cls


def card_parameters(card: ModelCard, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The card's parameters with ``overrides``, each checked by :func:`check_override`; a name the card does not have raises ``ValueError``."""
    unknown = set(overrides) - set(card.parameters)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for model {card.name!r}; card parameters: {', '.join(card.parameters)}")
    return {**card.parameters, **{k: check_override(card, k, v, card.parameters[k]) for k, v in overrides.items()}}


#: an override may be at most this many times the card's value (a typo of 1e308 or 1e8 neurons is refused)
OVERRIDE_FACTOR = 1000.0


def check_override(card: ModelCard, name: str, value: Any, reference: Any) -> Any:
    """``value`` for parameter ``name`` of ``card``, whose own value is ``reference``; else ``ValueError``.

    The one rule for every card parameter, from the card itself (its value declares the
    parameter): the same kind (a quantity of the same dimension, a whole number, a number,
    a switch, text), finite, of the card value's sign (a card value < 0: either sign), and at
    most :data:`OVERRIDE_FACTOR` times its magnitude. A model's own checks (a probability in
    [0, 1], ...) come after.
    """
    where = f" (a parameter of model {card.name!r}; the card's is {reference!r})"
    shown = f"parameter {name}={value!r} is not allowed"
    if isinstance(reference, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{shown}; it is a switch: true or false{where}")
        return value
    if isinstance(reference, str):
        measured = measure(reference)
        if measured is None:  # a text parameter (a rule's name, a mode)
            if not isinstance(value, str):
                raise ValueError(f"{shown}; it takes text{where}")
            return value
        try:
            si = quantity(name, value, measured[1])
        except ValueError as err:
            raise ValueError(f"{err}{where}") from None
        _check_magnitude(shown, si, measured[0], f" {DIMENSIONS[measured[1]]}", where)
        return value
    if isinstance(reference, (int, float)):
        whole = isinstance(reference, int)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
            raise ValueError(f"{shown}; it must be a {'whole number' if whole else 'number'}{where}")
        _check_magnitude(shown, value, reference, "", where)
        return value
    if type(value) is not type(reference):
        raise ValueError(f"{shown}; it must be a {type(reference).__name__} like the card's{where}")
    return value


def _check_magnitude(shown: str, value: float, reference: float, unit: str, where: str) -> None:
    limit = OVERRIDE_FACTOR * abs(reference)
    low = 0.0 if reference > 0 else -limit
    if not math.isfinite(value) or (reference != 0 and not low <= value <= limit):
        allowed = "finite" if reference == 0 else f"finite and from {low:g} to {limit:g}{unit}"
        raise ValueError(f"{shown}; it must be {allowed}{where}")


def sized_options(card: ModelCard, size: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with those that override a value of the card's ``[sizes.<size>]`` table (``N_E``, ...)
    checked by :func:`check_override`; a size the card does not define raises ``ValueError``."""
    if size not in card.sizes:
        raise ValueError(f"size={size!r} is not allowed; the {card.name} card defines {sorted(card.sizes)}")
    return {k: check_override(card, k, v, card.sizes[size][k]) if k in card.sizes[size] else v for k, v in options.items()}


def sized_model_kwargs(card: ModelCard, size: str, options: Mapping[str, Any], constructor: set[str]) -> dict[str, Any]:
    """Constructor keywords for a model with named ``[sizes]``: the size's values, the
    constructor ``options``, ``parameters`` (card values with any other option as an override),
    ``name`` and ``references``. Unknown sizes and parameters raise ``ValueError``.
    """
    options = sized_options(card, size, options)
    parameters = card_parameters(card, {k: v for k, v in options.items() if k not in constructor})
    return {
        **card.sizes[size],
        **{k: v for k, v in options.items() if k in constructor},
        "parameters": parameters,
        "name": card.name,
        "references": card.references,
    }
