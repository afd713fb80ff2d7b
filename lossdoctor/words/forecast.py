"""What more epochs would bring, in words that agree with the forecast's numbers."""

from __future__ import annotations

import math

from ..core.i18n import N_, t as t_, tr
from .numbers import fmt_epoch, fmt_share, fmt_value, unit_word, units_word
from .status import code_name


def forecast_line(fc, unit: str = "epoch") -> str:
    """The forecast in one line (the figure's box)."""
    u = unit
    if fc.model == "none" and fc.more_epochs_help is None:
        return t_("More {units}: cannot tell ({reason}): best {key} near {best}", units=units_word(u),
                 reason=reason_word(fc.reason), key=fc.key, best=fmt_value(fc.best_so_far))
    if fc.model == "none":
        return t_("More {units} will not help ({reason}): best {key} stays {best}", units=units_word(u),
                 reason=reason_word(fc.reason), key=fc.key, best=fmt_value(fc.best_so_far))
    verdict = {True: t_("More {units} help", units=units_word(u)),
               False: t_("More {units} bring little", units=units_word(u)),
               None: t_("More {units} may bring a little", units=units_word(u))}[fc.more_epochs_help]
    if fc.reason == "still_falling":
        verdict = t_("More {units} help a little", units=units_word(u))
    return t_("{verdict}: best {key} about {expected} by {unit} {horizon} ({gain}; 80%: {low}-{high})",
             verdict=verdict, key=fc.key, expected=fmt_value(fc.expected_loss), unit=unit_word(u),
             horizon=fmt_epoch(fc.horizon_epochs), gain=fmt_share(-fc.gain) if fc.gain > 0 else t_("no better"),
             low=fmt_value(fc.expected_loss_low), high=fmt_value(fc.expected_loss_high))


FORECAST_REASON_WORDS = {"levelled_off": N_("levelled off"), "oscillating": N_("oscillating"), "too_few": N_("too few"),
                "horizon_reached": N_("horizon reached"), "not_past_best": N_("within the noise of the best")}


def reason_word(reason: str) -> str:
    """A forecast's reason in a word or two: a diagnosis code's name, or its own."""
    return tr(FORECAST_REASON_WORDS[reason]) if reason in FORECAST_REASON_WORDS else code_name(reason)


def forecast_word(more_epochs_help: bool | None) -> str:
    """Whether more epochs help, in a word or two (the sweep page's forecast column)."""
    return {True: t_("helps"), False: t_("no gain"), None: t_("unclear")}[more_epochs_help]


_NO_HELP_WHY = {
    "overfitting": N_("the model is overfitting (the validation loss is past its best)"),
    "diverging": N_("training is diverging"),
    "non_finite": N_("the loss became NaN/inf"),
    "train_rising": N_("the training loss is rising"),
    "levelled_off": N_("the loss has levelled off near its first logged value"),
    "oscillating": N_("the loss oscillates without progress"),
    "not_past_best": N_("the validation loss stopped improving, but its last value is within its noise of the best"),
}


def forecast_text(fc, unit: str = "epoch") -> str:
    """What more epochs would bring, in a sentence that agrees with the forecast's numbers."""
    if fc is not None and fc.reason == "horizon_reached":
        return t_("The forecast horizon, {unit} {horizon}, is not past the last {unit}, {last}: nothing to forecast.",
                  unit=unit_word(unit), horizon=fmt_epoch(fc.horizon_epochs), last=fmt_epoch(fc.last_epoch))
    if fc is None or fc.expected_loss is None:
        return t_("Too few points to say what more {units} would bring.", units=units_word(unit))
    common = dict(unit=unit_word(unit), units=units_word(unit), horizon=fmt_epoch(fc.horizon_epochs), key=fc.key,
                  best=fmt_value(fc.best_so_far), low=fmt_value(fc.expected_loss_low),
                  high=fmt_value(fc.expected_loss_high))
    if fc.model == "none" and fc.more_epochs_help is None:
        return t_("Whether more {units} help cannot be told: {why}. Up to {unit} {horizon}, the best {key} is "
                  "expected near its best so far, {best} (80% interval {low}-{high}).",
                  why=tr(_NO_HELP_WHY[fc.reason]), **common)
    if fc.model == "none":
        return t_("More {units} will not help: {why}. Up to {unit} {horizon}, the best {key} is expected to stay at "
                  "its best so far, {best} (80% interval {low}-{high}).", why=tr(_NO_HELP_WHY[fc.reason]), **common)
    reach = t_("up to {unit} {horizon}, {key} is expected to reach about {expected} (80% interval {low}-{high}), "
               "{gain} below its best so far, {best}", expected=fmt_value(fc.expected_loss), gain=fmt_share(fc.gain),
               **common)
    fit = t_("an exponential fit") if fc.model == "exponential" else t_("a power-law fit")
    if fc.asymptote is not None:
        fit = (t_("an exponential fit levelling off near {asymptote}", asymptote=fmt_value(fc.asymptote))
               if fc.model == "exponential" else
               t_("a power-law fit levelling off near {asymptote}", asymptote=fmt_value(fc.asymptote)))
    if fc.reason == "still_falling":
        return t_("More {units} help, a little: {key} is still falling, but the fitted curve levels off: {reach} "
                  "({fit}).", units=units_word(unit), key=fc.key, reach=reach, fit=fit)
    if fc.more_epochs_help:
        if fc.epochs_to_90 is not None and math.isfinite(fc.epochs_to_90):
            fit += t_("; 90% of the fitted gain comes within about {n} more {units}",
                      n=fmt_epoch(round(fc.epochs_to_90)), units=units_word(unit))
        return t_("More {units} help: {reach} ({fit}).", units=units_word(unit), reach=reach, fit=fit)
    if fc.more_epochs_help is False:
        return t_("More {units} would bring little: {reach} ({fit}).", units=units_word(unit), reach=reach, fit=fit)
    return t_("More {units} may bring a little: {reach} ({fit}); too close to call.", units=units_word(unit),
              reach=reach, fit=fit)
