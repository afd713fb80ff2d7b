"""From a `History` to a `Diagnosis`: pick the series, choose the window, fit trends, apply rules."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .advice import ADVICE
from .history import History, Series
from .errors import MissingSeriesError
from .keys import resolve_keys
from .rules import Facts, RuleSettings, chance_classes, classify
from .trend import DEFAULT_SETTINGS, Trend, TrendSettings, _json_number, fit_trend, median
from .words import fmt_epoch, fmt_value, reason_text, trend_line

SHORT_WINDOW = 8  # fewer points than this and a verdict is flagged as tentative
NOISY = 0.1  # epoch-to-epoch spread, as a fraction of the level, worth pointing out
ACCURACY_KEYS = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
                 "sparse_categorical_accuracy", "train_acc", "train_accuracy")


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """The verdict on a training history, with the numbers behind it.

    Attributes:
        code: stable diagnosis code (`learning`, `overfitting`, `data_problem`, `plateau`,
            `diverging`, `train_rising`, `non_finite`, `insufficient_data`).
        variant: which flavour of the code (e.g. `converged` or `stuck` for `plateau`).
        rule: id of the rule that decided it.
        title, summary: the verdict in a line, and why, in a few sentences.
        fixes: concrete actions, most effective first.
        evidence: the numbers that support the verdict, one line each.
        train, val: the trends (val is None without a validation series).
        window: first and last epoch of the analysis window.
        best_epoch, best_value: lowest validation loss (training loss when there is no
            validation series) and its 1-based epoch.
        epochs_since_best: how many epochs the last epoch is past the best.
        nonfinite: for each series that went NaN/inf, the first epoch it did.
        notes: what the reader and the key choice noticed.
        unit: the axis the numbers are on: `epoch`, or `step` for logs that carry only steps.
    """

    source: str
    format: str
    epochs: int
    window: tuple[float, float]
    train: Trend
    val: Trend | None
    code: str
    variant: str
    rule: str
    title: str
    summary: str
    fixes: tuple[str, ...]
    evidence: tuple[str, ...]
    best_epoch: float | None
    best_value: float | None
    best_key: str | None
    epochs_since_best: float | None
    nonfinite: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unit: str = "epoch"

    @property
    def ok(self) -> bool:
        """True for the healthy outcomes (still learning, converged)."""
        return self.code == "learning" or (self.code == "plateau" and self.variant == "converged")

    def to_dict(self) -> dict:
        """A JSON-ready dict; the schema is documented in README.md."""
        d = asdict(self)
        d["train"] = self.train.to_dict()
        d["val"] = self.val.to_dict() if self.val else None
        d["window"] = {"first_epoch": _epoch_number(self.window[0]),
                       "last_epoch": _epoch_number(self.window[1])}
        d["diagnosis"] = {k: d.pop(k) for k in ("code", "variant", "rule", "title", "summary",
                                                  "fixes", "evidence")}
        for k in ("best_epoch", "epochs_since_best"):
            d[k] = _epoch_number(d[k])
        d["best_value"] = _json_number(d["best_value"])
        d["fixes"] = d["diagnosis"]["fixes"]
        d["notes"] = list(self.notes)
        return d


def _epoch_number(v):
    if v is None or not math.isfinite(v):
        return None
    return int(round(v)) if abs(v - round(v)) < 1e-9 else round(float(v), 3)


def window_start(history_end: float, series: Series, window: float | None, min_points: int) -> float:
    """Where the analysis window of one series starts (values at positions > start are in it).

    By default the last third of training (`window` epochs if given); a series with fewer
    than `min_points` values there gets its latest `min_points` instead, so short runs and
    sparse evaluation logs still have something to fit, without stretching the other series.
    """
    span = float(window) if window else history_end / 3.0
    start = history_end - span
    xs = series.x[np.isfinite(series.x)]
    if len(xs) and np.sum(xs > start) < min_points:
        start = min(start, float(np.sort(xs)[-min(min_points, len(xs))]) - 1e-9)
    return start


def _window_first(series: list[Series], starts: list[float]) -> float:
    """The first epoch position any series has inside its window."""
    firsts = [float(s.x[s.x > st].min()) for s, st in zip(series, starts) if np.any(s.x > st)]
    return min(firsts) if firsts else min(starts)


def _in_window(s: Series, start: float) -> tuple[np.ndarray, np.ndarray]:
    m = s.x > start
    return s.x[m], s.y[m]


def first_nonfinite(s: Series) -> float | None:
    bad = ~np.isfinite(s.y)
    return float(s.x[np.argmax(bad)]) if bad.any() else None


def explosion_ratio(s: Series, start: float, above_start: bool) -> float:
    """Recent level over best value (1 when the best is not positive).

    With `above_start`, also 1 unless the level is worse than the first value: with no
    validation loss to confirm it, a loss that bounces above a lucky minimum but is still
    far below where it started has not exploded.
    """
    y = s.y[np.isfinite(s.y)]
    _, yw = _in_window(s, start)
    yw = yw[np.isfinite(yw)]
    if not len(y) or not len(yw) or y.min() <= 0:
        return 1.0
    level = median(yw)
    return level / float(y.min()) if level > y[0] or not above_start else 1.0


def _progress(s: Series, level: float) -> float:
    y = s.y[np.isfinite(s.y)]
    start = float(np.max(y[:3])) if len(y) else float("nan")
    return 1.0 - level / start if start > 0 and math.isfinite(level) else 0.0


def _recent_accuracy(history: History, start: float) -> float | None:
    key = next((k for k in ACCURACY_KEYS if k in history), None)
    if key is None:
        return None
    _, y = _in_window(history[key], start)
    y = y[np.isfinite(y)]
    return median(y) if len(y) else None


def _frozen(y: np.ndarray, s: RuleSettings) -> bool:
    y = y[np.isfinite(y)]
    if len(y) < 3:
        return False
    level = abs(median(y))
    return float(np.ptp(y)) <= s.frozen_spread * max(level, 1e-12)


def _val_stalled(val: Series | None, trend: Trend | None, end: float) -> bool:
    """No new best validation loss for max(2 epochs, a quarter of the validation window)."""
    if val is None or trend is None:
        return True
    best_epoch, _ = _best(val)
    if best_epoch is None:
        return True
    span = trend.last_epoch - trend.first_epoch if math.isfinite(trend.first_epoch) else 0.0
    return end - best_epoch >= max(2.0, span / 4.0)


def _above_best(val: Series | None, trend: Trend | None, end: float, s: RuleSettings) -> float | None:
    """How far the validation loss' fitted level now sits above its best, in noise units.

    None unless the best is well behind (see `RuleSettings.above_best_epochs`/`_share`) and the
    level is above it by at least `above_best_min`.
    """
    if val is None or trend is None or trend.trend == "unknown" or not trend.end_value > 0:
        return None
    best_epoch, best = _best(val)
    if best_epoch is None or not best or best <= 0:
        return None
    first = float(np.min(val.x[np.isfinite(val.x)]))
    if end - best_epoch < max(s.above_best_epochs, s.above_best_share * (end - first + 1)):
        return None
    excess = math.log(trend.end_value / best)
    if excess < math.log1p(s.above_best_min):
        return None
    return excess / max(math.log1p(trend.noise), 1e-12)


def _best(series: Series) -> tuple[float | None, float | None]:
    ok = np.isfinite(series.y)
    if not ok.any():
        return None, None
    i = int(np.argmin(np.where(ok, series.y, np.inf)))
    return float(series.x[i]), float(series.y[i])


def _train_above_val(train: Series, val: Series | None) -> float | None:
    """Fraction of epochs whose training loss is >10% above the validation loss."""
    if val is None or train.per_step or val.per_step:
        return None
    _, it, iv = np.intersect1d(train.x, val.x, return_indices=True)
    a, b = train.y[it], val.y[iv]
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 5:
        return None
    return float(np.mean(a[ok] > 1.1 * b[ok]))


def diagnose(history: History, train_key: str | None = None, val_key: str | None = None,
             window: float | None = None, settings: TrendSettings = DEFAULT_SETTINGS,
             rule_settings: RuleSettings = RuleSettings()) -> Diagnosis:
    """Diagnose a training history.

    Args:
        history: what a reader returned (or `History.from_dict(keras_history.history)`).
        train_key, val_key: the series to judge; chosen automatically when None.
        window: judge the last `window` epochs instead of the last third.
        settings, rule_settings: thresholds of the trend test and of the rules.

    Returns:
        A `Diagnosis`.

    Raises:
        MissingSeriesError: the requested series, or any training loss, is absent.
    """
    # absurd values (1e300 next to 1e-300) overflow harmlessly: the results are checked for finiteness
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _diagnose(history, train_key, val_key, window, settings, rule_settings)


def _diagnose(history, train_key, val_key, window, settings, rule_settings) -> Diagnosis:
    tkey, vkey, notes = resolve_keys(history, train_key, val_key)
    train, val = history[tkey], (history[vkey] if vkey else None)
    if not np.isfinite(train.x).any():
        raise MissingSeriesError(f"{tkey!r} has no values; was training stopped before the first epoch ended?")
    if val is not None and not np.isfinite(val.x).any():
        notes.append(f"{vkey!r} has no values; judged on {tkey!r} alone")
        vkey, val = None, None
    present = [s for s in (train, val) if s is not None]
    end = max(float(np.max(s.x[np.isfinite(s.x)])) for s in present)
    starts = [window_start(end, s, window, settings.window_points) for s in present]

    ttrend = fit_trend(train.x, train.y, key=tkey, settings=settings, window_start=starts[0])
    vtrend = fit_trend(val.x, val.y, key=vkey, settings=settings,
                       window_start=starts[1]) if val is not None else None
    notes += [f"{s.key!r} logged {s.duplicates} epoch(s) twice; kept the last value of each"
              for s in present if s.duplicates]
    for t in (ttrend, vtrend):
        if t is not None and t.trend != "unknown" and t.fit_points < SHORT_WINDOW:
            notes.append(f"{t.key!r} is judged on only {t.fit_points} points: so few that one bump can hide a "
                         "trend; treat the verdict as tentative, or train longer")
    if vtrend is not None and vtrend.trend == "unknown":
        notes.append(f"{vkey!r} has too few points in the window to judge; judged on {tkey!r} alone")

    nonfinite = {s.key: e for s in present if (e := first_nonfinite(s)) is not None}
    ratios = [explosion_ratio(s, st, above_start=val is None) for s, st in zip(present, starts)]
    level = ttrend.level
    facts = Facts(
        train=ttrend, val=vtrend, nonfinite=nonfinite,
        exploded=all(r >= rule_settings.explosion_factor for r in ratios),
        explosion=ratios[0],
        frozen=_frozen(_in_window(train, starts[0])[1], rule_settings),
        progress=max(_progress(s, t.level) for s, t in zip(present, (ttrend, vtrend)) if t is not None),
        chance_classes=chance_classes(level, _recent_accuracy(history, starts[0]), rule_settings),
        settings=rule_settings, val_stalled=_val_stalled(val, vtrend, end),
        train_above_val=_train_above_val(train, val),
        val_above_best=_above_best(val, vtrend, end, rule_settings))
    rule = classify(facts)

    best_series = val if val is not None and np.isfinite(val.y).any() else train
    best_epoch, best_value = _best(best_series)
    since = end - best_epoch if best_epoch is not None else None
    evidence = _evidence(facts, train, val, best_series.key, best_epoch, best_value, since)
    context = _context(facts, history, tkey, vkey, starts, end, best_epoch, best_value, since,
                       _best(train)[1], settings)
    advice = ADVICE[(rule.code, rule.variant)]
    unit = in_unit(history.x_unit)
    return Diagnosis(
        source=history.source, format=history.format, epochs=history.epochs,
        window=(_window_first(present, starts), end),
        train=ttrend, val=vtrend, code=rule.code, variant=rule.variant, rule=rule.id,
        title=advice.title, summary=unit(advice.summary.format(**context)),
        fixes=tuple(f.format(**context) for f in advice.fixes), evidence=tuple(map(unit, evidence)),
        best_epoch=best_epoch, best_value=best_value, best_key=best_series.key,
        epochs_since_best=since, nonfinite=nonfinite,
        notes=tuple([*history.notes, *notes]), unit=history.x_unit)


def in_unit(unit: str):
    """Rewrite 'epoch(s)' as 'step(s)' for logs whose axis is steps."""
    if unit == "epoch":
        return lambda text: text
    return lambda text: re.sub(r"\bepoch(s?)\b(?!=)", r"step\1", text)


def _evidence(facts: Facts, train: Series, val: Series | None, best_key: str,
              best_epoch, best_value, since) -> tuple[str, ...]:
    lines = [trend_line("train", facts.train)]
    if facts.val is not None:
        lines.append(trend_line("val", facts.val))
    else:
        lines.append("val loss: none logged")
    for key, epoch in facts.nonfinite.items():
        lines.append(f"{key} became NaN/inf at epoch {fmt_epoch(epoch)}")
    if best_epoch is not None:
        lines.append(f"best {best_key} {fmt_value(best_value)} at epoch {fmt_epoch(best_epoch)}"
                     f" ({fmt_epoch(since)} epoch(s) before the last)")
    if facts.exploded:
        lines.append(f"{train.key} sits {facts.explosion:.0f}x above its best value")
    frac = facts.train_above_val
    if frac is not None and frac > 0.8:
        lines.append(f"training loss >10% above validation loss in {frac:.0%} of epochs (part of it is "
                     "expected: Keras reports the training loss as a mean over the epoch, about half an epoch "
                     "behind the validation loss, and with dropout active)")
    if (facts.train.trend in ("flat", "falling") and not facts.exploded and not facts.nonfinite
            and not train.per_step and facts.train.noise > NOISY):
        lines.append(f"{train.key} oscillates by about {facts.train.noise:.0%} of its level from epoch to epoch: "
                     "very small batches or a learning rate near the edge of stability make steps noisy")
    if facts.chance_classes:
        k = facts.chance_classes
        lines.append(f"{train.key} level {fmt_value(facts.train.level)} = ln {k} "
                     f"({math.log(k):.4f}): chance level for {k} classes")
    return tuple(lines)


def _change(t: Trend | None) -> str:
    if t is None:
        return "no validation loss"
    if t.trend == "unknown":
        return "too few points"
    if t.reason == "unsteady":
        return f"{t.relative_change:+.1%} but unsteady"
    return f"{t.relative_change:+.1%}"


def _span(t: Trend | None) -> str:
    if t is None or not math.isfinite(t.first_epoch):
        return "?"
    return f"{fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)}"


def _context(facts: Facts, history: History, tkey, vkey, starts, end, best_epoch, best_value,
             since, best_train, settings: TrendSettings) -> dict:
    frac = facts.train_above_val
    k = facts.chance_classes
    nonfinite = "; ".join(f"{key} became NaN/inf at epoch {fmt_epoch(e)}"
                          for key, e in facts.nonfinite.items())
    return {
        "train_key": tkey, "val_key": vkey or "val_loss",
        "window_first": fmt_epoch(_window_first([history[tkey]] + ([history[vkey]] if vkey else []), starts)),
        "window_last": fmt_epoch(end),
        "train_change": _change(facts.train), "val_change": _change(facts.val),
        "train_window": _span(facts.train), "val_window": _span(facts.val),
        "val_trend": facts.val.trend if facts.val else "absent",
        "best_epoch": fmt_epoch(best_epoch), "best_val": fmt_value(best_value),
        "since_best": fmt_epoch(since), "best_train": fmt_value(best_train),
        "train_level": fmt_value(facts.train.level), "progress": f"{facts.progress:.0%}",
        "train_state": ("moves unsteadily, with no clear trend" if facts.train.reason == "unsteady"
                        else "has levelled off"),
        "train_noise": f"{facts.train.noise:.0%}" if math.isfinite(facts.train.noise) else "?",
        "val_now": fmt_value(facts.val.end_value) if facts.val else "?",
        "val_excess": (f"{facts.val.end_value / best_value - 1:.1%}" if facts.val and best_value
                       and math.isfinite(facts.val.end_value) else "?"),
        "explosion": f"{facts.explosion:.0f}",
        "classes": k or "", "chance_loss": f"{math.log(k):.4f}" if k else "",
        "nonfinite_what": (nonfinite + ".") if nonfinite else "",
        "train_above_val": (f" The training loss is also >10% above the validation loss in "
                            f"{frac:.0%} of epochs." if frac and frac > 0.8 else ""),
        "insufficient": f"{tkey!r} has {reason_text(facts.train)}.",
        "min_epochs": settings.min_points,
        "no_val_reason": ("no validation loss was logged" if facts.val is None else
                          f"the validation loss has only {facts.val.fit_points} point(s) to judge"),
        "validation_fix": ("Add a validation set so overfitting can be seen: model.fit(..., validation_split=0.2) "
                           "or validation_data=(x_val, y_val)." if facts.val is None else
                           "Evaluate more often (every epoch; eval_steps= in Hugging Face, val_check_interval= "
                           "in Lightning) so the validation trend can be judged."),
    }
