"""Sentences about trends, made from a `Trend`'s numbers and reason code (facts stay in `trend`).

Every renderer (text, Markdown, figure, callback) takes its trend wording from here, so one
sentence exists once and always agrees with the numbers beside it.
"""

from __future__ import annotations

import math

from .trend import Trend


def fmt_epoch(v: float | None) -> str:
    """An epoch position as Keras prints it: an integer when it is one."""
    if v is None or not math.isfinite(v):
        return "?"
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else str(round(float(v), 3))


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


def reason_text(t: Trend, unit: str = "epoch") -> str:
    """Why the trend is what it is, in a clause that agrees with the numbers."""
    if t.reason == "too_few":
        return f"only {t.n_points} finite point(s); at least 5 are needed to call a trend"
    move = f"{t.relative_change:+.1%} over {unit}s {fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)}"
    noise = fmt_share(t.noise)
    if t.reason == "unsteady":
        return (f"moves {move}, but it jumps by about {noise} from {unit} to {unit}, "
                f"so the move is only {abs(t.z_score):.1f} noise units: too unsteady to call a trend")
    if t.reason == "small":
        return f"moves only {move}: too little to matter"
    return f"{t.trend} {move}, {abs(t.z_score):.1f} times its noise"


def trend_line(label: str, t: Trend, unit: str = "epoch") -> str:
    """One evidence line: the verdict, the fitted move, the noise it is judged against."""
    if t.trend == "unknown":
        return f"{label} loss ({t.key}): unknown, {reason_text(t, unit)}"
    regime = ""
    if math.isfinite(t.regime_start) and t.regime_start > t.first_epoch:
        regime = f"; its current regime began at {unit} {fmt_epoch(t.regime_start)}"
    spikes = ""
    if t.spikes:
        spikes = f"; one-{unit} spike(s) left out at {unit} " + ", ".join(fmt_epoch(s) for s in t.spikes[:5])
    return (f"{label} loss ({t.key}): {t.trend}, fitted {fmt_value(t.start_value)} -> {fmt_value(t.end_value)} "
            f"over {unit}s {fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)} ({t.relative_change:+.1%}; "
            f"noise {fmt_share(t.noise)} per {unit}, the move is {abs(t.z_score):.1f} times its standard error; "
            f"p={t.p_value:.2g}){regime}{spikes}{_jump(t, unit)}")


def _jump(t: Trend, unit: str) -> str:
    if not t.last_jump:
        return ""
    return (f"; the last {unit} jumped {t.last_jump:+.0%} above the trend of the ones before it: "
            f"one point, left out until the next {unit}s confirm it")
