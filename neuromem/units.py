"""One parser for quantities in model cards and overrides, with dimension checks.

Cards write quantities as the paper does, ``"0.381 nS"``. Every model declares
the physical dimension each of its parameters must have (a table
``{parameter: dimension}``); :func:`quantity` parses a value, converts it to SI
and refuses a value of another dimension, naming the parameter, the value and
the dimension expected. A parameter absent from the table is a plain number.
The parser needs no simulator: the spiking side wraps the SI value in the
Brian2 unit of the same dimension (:mod:`neuromem.spiking.card_values`), the
artificial side uses the SI float.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)\s*$")

_PREFIX = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}
#: SI base symbol of each dimension (what a value is converted to)
DIMENSIONS: dict[str, str] = {
    "time": "s",
    "voltage": "V",
    "conductance": "S",
    "capacitance": "F",
    "current": "A",
    "frequency": "Hz",
    "resistance": "ohm",
    "concentration": "mol/m^3",
    "angle": "rad",
    "dimensionless": "1",
}
_BASE = {"s": "time", "V": "voltage", "S": "conductance", "F": "capacitance", "A": "current", "Hz": "frequency", "ohm": "resistance", "Ohm": "resistance"}
_UNITS: dict[str, tuple[float, str]] = {p + b: (f, d) for b, d in _BASE.items() for p, f in _PREFIX.items()}
_UNITS.update(
    {
        "second": (1.0, "time"),
        "msecond": (1e-3, "time"),
        "mM": (1.0, "concentration"),
        "M": (1e3, "concentration"),
        "rad": (1.0, "angle"),
        "deg": (math.pi / 180, "angle"),
    }
)


def parse_quantity(text: str) -> tuple[float, str]:
    """Split ``"0.381 nS"`` into ``(0.381, "nS")``; anything else raises ``ValueError``."""
    match = _QUANTITY.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a quantity like '0.381 nS' (a number, a space, a unit)")
    return float(match.group(1)), match.group(2)


def measure(text: str) -> tuple[float, str] | None:
    """``"0.381 nS"`` -> ``(3.81e-10, "conductance")``; ``None`` if ``text`` is not a quantity with a known unit."""
    try:
        number, unit = parse_quantity(text)
    except ValueError:
        return None
    if unit not in _UNITS:
        return None
    factor, dimension = _UNITS[unit]
    return number * factor, dimension


def quantity(name: str, value: Any, dimension: str | None) -> float:
    """The SI value of parameter ``name``, checked against its ``dimension``.

    ``dimension=None`` or ``"dimensionless"`` expects a plain number (no unit).
    Angles come back in radians.

    Raises
    ------
    ValueError
        Naming the parameter, the value and the dimension expected, when the
        unit is missing, unknown or of another dimension.
    """
    if dimension in (None, "dimensionless"):
        if isinstance(value, str):
            raise ValueError(f"parameter {name}={value!r} is not allowed; it must be a plain number, without a unit")
        return value
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension {dimension!r} of parameter {name} is unknown; known: {sorted(DIMENSIONS)}")
    if not isinstance(value, str):
        raise ValueError(
            f"parameter {name}={value!r} is not allowed; it needs a unit of {dimension} ({DIMENSIONS[dimension]}), e.g. '{value} {DIMENSIONS[dimension]}'"
        )
    try:
        number, unit = parse_quantity(value)
    except ValueError:
        raise ValueError(f"parameter {name}={value!r} is not allowed; it must be a quantity of {dimension} like '1.5 {DIMENSIONS[dimension]}'") from None
    if not math.isfinite(number):
        raise ValueError(f"parameter {name}={value!r} is not allowed; it must be finite")
    if unit not in _UNITS:
        raise ValueError(f"parameter {name}={value!r} is not allowed; {unit!r} is not a unit of {dimension} (e.g. {DIMENSIONS[dimension]})")
    factor, found = _UNITS[unit]
    if found != dimension:
        raise ValueError(f"parameter {name}={value!r} is not allowed; it is a {found}, but {name} must be a {dimension} (e.g. {DIMENSIONS[dimension]})")
    return number * factor


def quantities(parameters: Mapping[str, Any], dimensions: Mapping[str, str]) -> dict[str, Any]:
    """Every parameter through :func:`quantity` with its declared dimension (absent: a plain number)."""
    return {k: quantity(k, v, dimensions.get(k)) for k, v in parameters.items()}


def dimension_table(**groups: tuple[str, ...]) -> dict[str, str]:
    """``dimension_table(time=("tau", "dt"), voltage=("V_thr",))`` -> ``{"tau": "time", ...}``."""
    table = {}
    for dimension, names in groups.items():
        if dimension not in DIMENSIONS:
            raise ValueError(f"dimension {dimension!r} is unknown; known: {sorted(DIMENSIONS)}")
        table.update(dict.fromkeys(names, dimension))
    return table
