"""The confidence, the timeline and the codes' short names."""

from __future__ import annotations

from ..core.i18n import N_, t as t_, tr
from .numbers import fmt_epoch, fmt_share, sep, times, units_word
from .trends import trend_word


def confidence_reason(kind: str, v: dict, unit: str = "epoch") -> str:
    """One reason the verdict is less than sure, in plain words."""
    if kind == "few_points":
        return t_("{key} is judged on only {points} points", key=v["key"], points=v["points"])
    if kind == "borderline":
        return t_("{key}'s move ({change}, {z} noise units) only just clears the bar for a trend", key=v["key"],
                  change=f"{v['change']:+.1%}", z=times(v["z"]))
    if kind == "unresolved":
        return t_("{key} is too noisy over its window to show a move under {size}: flat here means no clear move",
                  key=v["key"], size=fmt_share(v["resolvable"]))
    if kind == "record":
        return t_("{key}'s fitted line moves {change}, but its record of new lows reads otherwise", key=v["key"],
                  change=f"{v['change']:+.1%}")
    if kind == "near_trend":
        return t_("{key} moves {change}: just short of what counts as a trend", key=v["key"],
                  change=f"{v['change']:+.1%}")
    if kind == "unsteady":
        return t_("{key} moves {change} but too unsteadily to read", key=v["key"], change=f"{v['change']:+.1%}")
    if kind == "sparse_val":
        return t_("{key} has {val_points} points in the window against {train_points} of the training loss",
                  key=v["key"], val_points=v["val_points"], train_points=v["train_points"])
    if kind == "no_trend":
        return t_("{key} has too few points for a trend", key=v["key"])
    raise ValueError(f"no words for a confidence reason of kind {kind!r}")


def confidence_text(level: str, reasons: tuple, unit: str = "epoch") -> str:
    """'Confidence: medium (loss is judged on only 6 points).'"""
    word = tr(LEVEL_WORDS.get(level, level))
    if not reasons:
        return t_("Confidence: {level}.", level=word)
    return t_("Confidence: {level} ({reasons}).", level=word,
              reasons=sep().join(confidence_reason(k, v, unit) for k, v in reasons))


LEVEL_WORDS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}


def phase_text(p, unit: str = "epoch") -> str:
    """'epochs 1-12 both falling (learning)'."""
    span = dict(units=units_word(unit), first=fmt_epoch(p.first_epoch), last=fmt_epoch(p.last_epoch),
                code=code_name(p.code))
    if p.val is None:
        return t_("{units} {first}-{last} loss {train} ({code})", train=trend_word(p.train), **span)
    if p.train == p.val:
        return t_("{units} {first}-{last} both {train} ({code})", train=trend_word(p.train), **span)
    return t_("{units} {first}-{last} train {train}, val {val} ({code})", train=trend_word(p.train),
              val=trend_word(p.val), **span)


CODE_NAMES = {"learning": N_("learning"), "overfitting": N_("overfitting"), "data_problem": N_("data problem"),
              "plateau": N_("plateau"), "diverging": N_("diverging"), "train_rising": N_("train rising"),
              "non_finite": N_("non finite"), "insufficient_data": N_("insufficient data")}


def code_name(code: str) -> str:
    """A diagnosis code in words ('data problem'), in the language in force (the code itself stays)."""
    return tr(CODE_NAMES.get(code, code.replace("_", " ")))


def timeline_text(phases, unit: str = "epoch", label: bool = True) -> str:
    """The run in phases, in one sentence ('Timeline: ...' with `label`)."""
    if not phases:
        return ""
    text = t_("{phases}.", phases=sep().join(phase_text(p, unit) for p in phases))
    return t_("Timeline: {text}", text=text) if label else text
