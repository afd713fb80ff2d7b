"""How sure the verdict is: high, medium or low, with the reasons, from the facts it rests on.

Each reason is a weakness an engineer would point out, with a weight: a loss too unsteady to
read (2), a move that only just clears or only just misses the bar for a trend (1), a fitted
move that the record overrules (1: a series that stopped setting new lows, or sits above its best), a
flat verdict on a window too noisy to show a move of the bar's size (1), a
validation series far sparser than the training series (1), a trend resting on fewer than 8
points (1/2: on the seeds' short real runs, few points alone barely lower the agreement with
the truth, unlike the others). Weights under 1 leave the verdict `high`, under 2 `medium`, else
`low`. `bench/accuracy.py` checks that the levels mean something on the seeds: agreement with
the truth is highest for `high` and lowest for `low`.
"""

from __future__ import annotations

import math

from .facts import Facts
from .trend import DEFAULT_SETTINGS, Trend, TrendSettings

LEVELS = ("high", "medium", "low")
BORDERLINE_Z = 1.5       # a trend within this factor of the z bar is borderline...
BORDERLINE_CHANGE = 1.5  # ...and so is one within this factor of the size bar
SPARSE = 0.2             # validation points per training point below this is sparse


WEIGHTS = {"unsteady": 2.0, "borderline": 1.0, "near_trend": 1.0, "record": 1.0, "unresolved": 1.0, "sparse_val": 1.0,
           "few_points": 0.5}


def assess(f: Facts, code: str, settings: TrendSettings = DEFAULT_SETTINGS) -> tuple[str, tuple]:
    """(`high`/`medium`/`low`, reasons as (kind, fields) items) for the verdict `code` on these facts."""
    if code == "non_finite":
        return "high", ()  # a NaN is a NaN
    if f.train.trend == "unknown":
        return "low", (("no_trend", {"key": f.train.key}),)
    reasons = []
    for t in (f.train, f.val):
        if t is None or t.trend == "unknown":
            continue
        if t.fit_points < f.settings.short_fit:
            reasons.append(("few_points", {"key": t.key, "points": t.fit_points}))
        edge = _doubt(t, settings)
        if edge:
            reasons.append((edge, {"key": t.key, "change": t.relative_change, "z": t.z_score,
                                   "resolvable": t.resolvable}))
    if f.val is not None and f.train.n_points and f.val.n_points / f.train.n_points < SPARSE:
        reasons.append(("sparse_val", {"key": f.val.key, "val_points": f.val.n_points,
                                       "train_points": f.train.n_points}))
    weight = sum(WEIGHTS[kind] for kind, _ in reasons)
    return LEVELS[0 if weight < 1 else 1 if weight < 2 else 2], tuple(reasons)


def _judged(fraction: float, scale: str) -> float:
    """A relative move back on the judged scale (log(1 + fraction) for log-scale trends), in size."""
    if not math.isfinite(fraction):
        return math.inf
    return abs(math.log1p(fraction)) if scale == "log" and fraction > -1 else abs(fraction)


def _doubt(t: Trend, s: TrendSettings) -> str | None:
    """Why one trend's verdict is in doubt, or None: `borderline` (it only just clears the bar),
    `near_trend` (a flat one only just misses it), `unsteady` (its window rises and falls),
    `record` (the fitted line and the record disagree), `unresolved` (too noisy to show a move of
    the bar's size)."""
    min_change, z_bar = s.min_change, s.z
    change = _judged(t.relative_change, t.scale)
    z = abs(t.z_score) if math.isfinite(t.z_score) else math.inf
    if t.trend in ("falling", "rising"):
        if z < BORDERLINE_Z * z_bar or change < BORDERLINE_CHANGE * min_change:
            return "borderline"
        return None
    if t.reason == "unsteady":
        return "unsteady"
    if t.reason in ("stalled", "stopped", "above_best"):
        return "record"  # the fitted line and the record disagree: the record decides, but it is a close call
    if t.reason == "small" and _judged(t.resolvable, t.scale) > min_change:
        return "unresolved"  # flat, but the window is too noisy for a move of the bar's size to show
    if change >= min_change / BORDERLINE_CHANGE and z >= z_bar:
        return "near_trend"
    return None
