"""Turning the cells and values found in logs into floats."""

from __future__ import annotations
from ..core.i18n import t

import functools
import math
import re

# a number as logs print it: thousands separators, exponents, a percent sign, nan and inf
NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+(?![\d])|\d{1,30})(?:\.\d{0,30})?(?:[eE][-+]?\d{1,3})?%?|[-+]?(?:nan|inf)(?![a-z])"

MISSING = {"", "na", "n/a", "none", "null", "-"}
SPECIAL = {"nan": math.nan, "-nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
           "infinity": math.inf, "-infinity": -math.inf}


def to_float(value) -> float | None:
    """A float, NaN/inf for the tokens that mean them, or None for missing/non-numeric values."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # an integer beyond the largest float
            return math.copysign(math.inf, value)
    if isinstance(value, float):
        return value
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


def json_numbers():
    """`parse_int`/`parse_float` hooks for json.loads that never fail on a huge number (an
    integer of thousands of digits would exceed Python's int-conversion limit), and the list of
    literals that overflowed to infinity (for a note)."""
    overflowed: list[str] = []

    def parse_float(s: str) -> float:
        v = float(s)
        if math.isinf(v):
            overflowed.append(s if len(s) <= 20 else s[:17] + "...")
        return v

    def parse_int(s: str):
        return int(s) if len(s) <= 300 else parse_float(s)
    return parse_int, parse_float, overflowed


def overflow_note(overflowed: list[str]) -> list[str]:
    if not overflowed:
        return []
    return [t("{n} number(s) in the file (e.g. {example}) are beyond the largest float (1.8e308) and read as "
              "infinity: the value overflowed when it was written", n=len(overflowed), example=overflowed[0])]


def is_number(value) -> bool:
    return to_float(value) is not None


@functools.cache
def _wrapped() -> re.Pattern:
    """A value printed inside its wrapper: `tensor(0.4123)`, `tensor(0.41, device='cuda:0')`,
    `np.float64(0.41)` (compiled on first use: this module is imported on every run)."""
    return re.compile(r"(?<![\w.])(?:tensor|(?:np|numpy)\.(?:float|int)(?:16|32|64)|Array|array)\([ \t]{0,4}(" + NUMBER
                      + r")[ \t]{0,4}(?:,[^()\n]{0,120})?\)")


def unwrapped(text: str) -> str:
    """`text` with each value printed inside a tensor or numpy wrapper written as the bare value."""
    if "(" not in text or not ("tensor(" in text or ".float" in text or ".int" in text or "rray(" in text):
        return text
    return _wrapped().sub(r"\1", text)
