"""Numbers, epochs, units and durations as the reports print them."""

from __future__ import annotations

import math

from ..core.i18n import t as t_, tp, tr


def unit_word(unit: str) -> str:
    """'epoch' or 'step', in the language in force."""
    return tp("unit", "step") if unit == "step" else tp("unit", "epoch")


def units_word(unit: str) -> str:
    """'epochs' or 'steps', in the language in force."""
    return tp("unit", "steps") if unit == "step" else tp("unit", "epochs")


def sep() -> str:
    """The separator of clauses in a list ('; ')."""
    return tr("; ")


def epoch_number(v):
    """An epoch position for JSON: an int when it is one, else rounded to 3 decimals; None if unknown."""
    if v is None or not math.isfinite(v):
        return None
    return int(round(v)) if abs(v - round(v)) < 1e-9 else round(float(v), 3)


def fmt_epoch(v: float | None) -> str:
    """An epoch position as Keras prints it: an integer when it is one."""
    n = epoch_number(v)
    return "?" if n is None else str(n)


def fmt_value(v: float | None) -> str:
    """A loss value with four significant digits."""
    if v is None or not math.isfinite(v):
        return str(v)
    return f"{v:.4g}"


def fmt_share(v: float) -> str:
    """A fraction as a percentage with two significant digits: 3.2%, 0.041%."""
    if not math.isfinite(v):
        return "?"
    return f"{100 * v:.2g}%" if abs(v) < 0.1 else f"{v:.0%}"


def times(z: float) -> str:
    """How many standard errors a move is, as a short phrase."""
    z = abs(z)
    return f"{z:.1f}" if z < 100 else t_("more than 100")


def _at_list(at: list) -> str:
    return ", ".join(fmt_epoch(s) for s in at[:6]) + (", ..." if len(at) > 6 else "")


def epoch_list(epochs: list, most: int = 8) -> str:
    """'3-5, 8, 11-12': runs of consecutive whole epochs joined, the rest listed (at most `most` items)."""
    parts, run = [], []
    for e in epochs:
        if run and isinstance(e, int) and isinstance(run[-1], int) and e == run[-1] + 1:
            run.append(e)
            continue
        if run:
            parts.append(fmt_epoch(run[0]) if len(run) == 1 else f"{fmt_epoch(run[0])}-{fmt_epoch(run[-1])}")
        run = [e]
    if run:
        parts.append(fmt_epoch(run[0]) if len(run) == 1 else f"{fmt_epoch(run[0])}-{fmt_epoch(run[-1])}")
    more = t_(" and {n} more", n=len(parts) - most) if len(parts) > most else ""
    return ", ".join(parts[:most]) + more


def fmt_duration(seconds: float) -> str:
    """'45 s', '12 min', '2.4 h': wall-clock time with two significant digits."""
    if seconds < 60:
        return t_("{n} s", n=f"{seconds:.2g}")
    if seconds < 3600:
        return t_("{n} min", n=f"{seconds / 60:.2g}")
    return t_("{n} h", n=f"{seconds / 3600:.2g}")
