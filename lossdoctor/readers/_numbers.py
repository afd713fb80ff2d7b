"""Turning the cells and values found in logs into floats."""

from __future__ import annotations

import math

MISSING = {"", "na", "n/a", "none", "null", "-"}
SPECIAL = {"nan": math.nan, "-nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
           "infinity": math.inf, "-infinity": -math.inf}


def to_float(value) -> float | None:
    """A float, NaN/inf for the tokens that mean them, or None for missing/non-numeric values."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        s = value.strip().strip('"').lower()
        if s in MISSING:
            return None
        if s in SPECIAL:
            return SPECIAL[s]
        try:
            return float(s.rstrip("%"))
        except ValueError:
            return None
    return None


def is_number(value) -> bool:
    return to_float(value) is not None
