"""Card values as Brian2 quantities, and per-run seeds that fit Brian2's integers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neuromem.units import quantity

#: the Brian2 unit of each dimension of :mod:`neuromem.units` (SI values are multiplied by it)
_BRIAN_UNIT = {
    "time": "second",
    "voltage": "volt",
    "conductance": "siemens",
    "capacitance": "farad",
    "current": "amp",
    "frequency": "hertz",
    "resistance": "ohm",
    "concentration": "mmolar",
}


def to_brian(name: str, value: Any, dimension: str | None) -> Any:
    """Card value -> Brian2 quantity of ``dimension`` (angles: radians as a float; ``None``: a plain number).

    Raises ``ValueError`` naming the parameter, the value and the dimension expected.
    """
    si = quantity(name, value, dimension)
    if dimension in (None, "dimensionless", "angle"):
        return si
    import brian2

    unit = getattr(brian2, _BRIAN_UNIT[dimension])
    # concentration: SI is mol/m^3 = mM
    return si * unit


def card_quantities(parameters: Mapping[str, Any], dimensions: Mapping[str, str]) -> dict[str, Any]:
    """Convert every card parameter with its declared dimension (undeclared: a plain number)."""
    return {k: to_brian(k, v, dimensions.get(k)) for k, v in parameters.items()}


def batch_seed_of(seq: np.random.SeedSequence) -> int:
    """A seed for one run's simulator RNG that fits Brian2's 32-bit signed ``integer``."""
    return int(seq.generate_state(1, dtype=np.uint32)[0] >> 1)
