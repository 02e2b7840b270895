"""Card values as Brian2 quantities, and per-run seeds that fit Brian2's integers."""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

from neuromem.cards import parse_quantity


def to_brian(name: str, value: Any, dimensionless: bool = False) -> Any:
    """Card value -> Brian2 quantity; ``"14.4 deg"`` becomes radians (a float).

    Raises ``ValueError`` naming the parameter when a unit is missing, unknown,
    or given to a parameter that is a plain number.
    """
    import brian2

    if dimensionless:
        if isinstance(value, str):
            raise ValueError(f"parameter {name}={value!r} must be a plain number, without a unit")
        return value
    if not isinstance(value, str):
        raise ValueError(f"parameter {name}={value!r} needs a unit, e.g. '{value} ms'")
    number, unit = parse_quantity(value)
    if unit == "deg":
        return math.radians(number)
    try:
        return number * getattr(brian2, {"s": "second"}.get(unit, unit))
    except AttributeError:
        raise ValueError(f"parameter {name}={value!r}: {unit!r} is not a Brian2 unit") from None


def card_quantities(parameters: Mapping[str, Any], dimensionless: Iterable[str]) -> dict[str, Any]:
    """Convert every card parameter; names in ``dimensionless`` stay plain numbers."""
    plain = set(dimensionless)
    return {k: to_brian(k, v, k in plain) for k, v in parameters.items()}


def batch_seed_of(seq: np.random.SeedSequence) -> int:
    """A seed for one run's simulator RNG that fits Brian2's 32-bit signed ``integer``."""
    return int(seq.generate_state(1, dtype=np.uint32)[0] >> 1)
