"""Model cards: one TOML file per published model under ``models/``.

A card names the implementation (``module:Class``), the model family, the
citation and the published parameters. Quantities are strings with a unit
(``"0.381 nS"``) so the card reads like the paper; dimensionless numbers are
plain numbers.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)\s*$")


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
    sizes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tables: Mapping[str, Any] = field(default_factory=dict)  # any other top-level table (receptors, STP sets, ...)


def parse_quantity(text: str) -> tuple[float, str]:
    """Split ``"0.381 nS"`` into ``(0.381, "nS")``.

    Raises
    ------
    ValueError
        If ``text`` is not a number followed by a unit name.
    """
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a quantity like '0.381 nS' (a number, a space, a unit)")
    return float(match.group(1)), match.group(2)


def _card_dir() -> Path:
    # Installed wheel: cards are packaged as neuromem/_cards. Source tree or
    # editable install: they are the top-level models/ folder.
    packaged = resources.files("neuromem") / "_cards"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "models"


def list_models() -> list[str]:
    """Names of the model cards that ship with neuromem."""
    return sorted(p.stem for p in _card_dir().glob("*.toml"))


def load_card(name: str) -> ModelCard:
    """Read the card of model ``name``.

    Raises
    ------
    ValueError
        If there is no card of that name (the message lists the known ones).
    """
    path = _card_dir() / f"{name}.toml"
    if not path.is_file():
        raise ValueError(f"model={name!r} is unknown; known models: {', '.join(list_models()) or 'none'}")
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    return ModelCard(
        name=name,
        family=raw["family"],
        implementation=raw["implementation"],
        title=raw["title"],
        references=raw["references"],
        tasks=tuple(raw.get("tasks", ())),
        parameters=raw.get("parameters", {}),
        sizes=raw.get("sizes", {}),
        tables={k: v for k, v in raw.items() if isinstance(v, dict) and k not in ("parameters", "sizes")},
    )


def load_model(name: str, **options: Any) -> Any:
    """Build the model described by card ``name``.

    Parameters
    ----------
    name : str
        Card name, e.g. ``"compte2000"`` (see :func:`list_models`).
    **options
        Passed to the implementation's ``from_card`` (e.g. ``size="scaled"``,
        ``device="cpp_standalone"``, or parameter overrides).
    """
    card = load_card(name)
    module_name, _, class_name = card.implementation.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_card(card, **options)


def card_parameters(card: ModelCard, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The card's parameters with ``overrides``; a name the card does not have raises ``ValueError``."""
    unknown = set(overrides) - set(card.parameters)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {sorted(unknown)} for model {card.name!r}; "
            f"card parameters: {', '.join(card.parameters)}"
        )
    return {**card.parameters, **overrides}


def sized_model_kwargs(card: ModelCard, size: str, options: Mapping[str, Any], constructor: set[str]) -> dict[str, Any]:
    """Constructor keywords for a model with named ``[sizes]``: the size's values, the
    constructor ``options``, ``parameters`` (card values with any other option as an override),
    ``name`` and ``references``. Unknown sizes and parameters raise ``ValueError``.
    """
    if size not in card.sizes:
        raise ValueError(f"size={size!r} is not allowed; the {card.name} card defines {sorted(card.sizes)}")
    parameters = card_parameters(card, {k: v for k, v in options.items() if k not in constructor})
    return {
        **card.sizes[size],
        **{k: v for k, v in options.items() if k in constructor},
        "parameters": parameters,
        "name": card.name,
        "references": card.references,
    }
