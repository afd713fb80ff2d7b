"""Sentences about trends, made from a `Trend`'s numbers and reason code (facts stay in `trend`)."""

from __future__ import annotations

import math

from ..core.i18n import N_, t as t_, tr
from ..analyse.trend import DEFAULT_SETTINGS, Trend
from .numbers import fmt_epoch, fmt_share, fmt_value, times, unit_word, units_word


def reason_text(tn: Trend, unit: str = "epoch") -> str:
    """Why the trend is what it is, in a clause that agrees with the numbers."""
    if tn.reason == "too_few":
        return t_("only {n} finite point(s); at least {need} are needed to call a trend", n=tn.n_points,
                  need=DEFAULT_SETTINGS.min_points)
    move = t_("{change} over {units} {first}-{last}", change=f"{tn.relative_change:+.1%}", units=units_word(unit),
              first=fmt_epoch(tn.first_epoch), last=fmt_epoch(tn.last_epoch))
    if tn.reason == "unsteady":
        return t_("moves {move}, but it jumps by about {noise} from {unit} to {unit}, so the move is only "
                  "{z} noise units: too unsteady to call a trend", move=move, noise=fmt_share(tn.noise),
                  unit=unit_word(unit), z=times(tn.z_score))
    if tn.reason == "small":
        return t_("moves only {move}: too little to matter", move=move)
    if tn.reason == "stalled":
        return t_("moves {move}, but sets no new low: stalled", move=move)
    if tn.reason == "stopped":
        return t_("moves {move}, but its latest {unit}s set no new best beyond its noise: it has stopped "
                  "improving", move=move, unit=unit_word(unit))
    if tn.reason == "above_best":
        return t_("moves {move}, and sits well above its best: climbing away from it", move=move)
    return t_("{trend} {move}, {z} times its noise", trend=trend_word(tn.trend), move=move, z=times(tn.z_score))


TREND_WORDS = {"falling": N_("falling"), "rising": N_("rising"), "flat": N_("flat"), "unknown": N_("unknown"),
               "absent": N_("absent")}


def trend_word(trend: str) -> str:
    """'falling', 'rising', 'flat', 'unknown', in the language in force (the JSON keeps the code)."""
    return tr(TREND_WORDS.get(trend, trend))


def series_label(series: str) -> str:
    return t_("train loss") if series == "train" else t_("val loss")


def trend_line(label: str, tn: Trend, unit: str = "epoch") -> str:
    """One evidence line: the verdict, the fitted move, the noise it is judged against."""
    if tn.trend == "unknown":
        return t_("{label} ({key}): unknown, {reason}", label=series_label(label), key=tn.key,
                  reason=reason_text(tn, unit))
    regime = ""
    if math.isfinite(tn.regime_start) and tn.regime_start > tn.first_epoch:
        regime = t_("; its current regime began at {unit} {epoch}", unit=unit_word(unit),
                    epoch=fmt_epoch(tn.regime_start))
    spikes = ""
    if tn.spikes:
        spikes = t_("; one-{unit} spike(s) left out at {unit} {epochs}", unit=unit_word(unit),
                    epochs=", ".join(fmt_epoch(s) for s in tn.spikes[:5]))
    return t_("{label} ({key}): {trend}, fitted {start} -> {end} over {units} {first}-{last} ({change}; noise "
              "{noise} per {unit}, the move is {z} times its standard error; p={p}){regime}{spikes}{jump}",
              label=series_label(label), key=tn.key, trend=trend_word(tn.trend), start=fmt_value(tn.start_value),
              end=fmt_value(tn.end_value), units=units_word(unit), first=fmt_epoch(tn.first_epoch),
              last=fmt_epoch(tn.last_epoch), change=f"{tn.relative_change:+.1%}", noise=fmt_share(tn.noise),
              unit=unit_word(unit), z=times(tn.z_score), p=f"{tn.p_value:.2g}", regime=regime, spikes=spikes,
              jump=_jump(tn, unit) + _record_clause(tn, unit))


def _record_clause(tn: Trend, unit: str = "epoch") -> str:
    """Why the record overrules the fitted move (reasons `stalled`, `stopped`, `above_best`)."""
    if tn.reason == "stalled":
        return t_("; but no point inside the window set a new low: it has stalled, not fallen")
    if tn.reason == "stopped":
        since = (t_("{unit} {epoch}", unit=unit_word(unit), epoch=fmt_epoch(tn.last_best))
                 if math.isfinite(tn.last_best) else t_("its first {unit}", unit=unit_word(unit)))
        return t_("; but no value since {since} beat the best before it by more than its noise: it has stopped "
                  "improving", since=since)
    if tn.reason == "above_best":
        return t_("; its fitted level now sits well above its best, which lies before the window: it has climbed "
                  "away from it")
    return ""


def _jump(tn: Trend, unit: str) -> str:
    if not tn.last_jump:
        return ""
    return t_("; the last {unit} jumped {jump} above the trend of the ones before it: one point, left out until "
              "the next {units} confirm it", unit=unit_word(unit), jump=f"{tn.last_jump:+.0%}", units=units_word(unit))


def change_text(t: Trend | None) -> str:
    """A trend's move for a summary: '-12.3%', '+40.0% but unsteady', or why there is none."""
    if t is None:
        return t_("no validation loss")
    if t.trend == "unknown":
        return t_("too few points")
    if t.reason == "unsteady":
        return t_("{change} but unsteady", change=f"{t.relative_change:+.1%}")
    if t.reason == "stalled":
        return t_("{change} fitted, but no new low", change=f"{t.relative_change:+.1%}")
    if t.reason == "stopped":
        return t_("{change} fitted, but no recent new best", change=f"{t.relative_change:+.1%}")
    return f"{t.relative_change:+.1%}"


def span_text(t: Trend | None) -> str:
    if t is None or not math.isfinite(t.first_epoch):
        return "?"
    return f"{fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)}"
