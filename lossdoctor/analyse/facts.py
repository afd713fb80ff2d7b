"""From a `History` to `Facts`: the numbers the rules test and the words describe. No sentences here.

`compute_facts` picks the series, places the analysis windows, fits the trends and measures
everything else the rules look at (best epoch, explosion, progress, stall, frozen, chance level,
train-above-val, non-finite values). Every threshold is a field of `RuleSettings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .checkpoint import Checkpoint, analyse, with_times
from ..core.errors import MissingSeriesError
from ..read.history import History, Series
from ..read.keys import resolve_keys
from .metric import MetricReading, read_metric
from .signals import Signals, paired, read_signals
from .trend import DEFAULT_SETTINGS, Trend, TrendSettings, _json_number, fit_trend, median
from ..core.i18n import t

ACCURACY_KEYS = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
                 "sparse_categorical_accuracy", "train_acc", "train_accuracy")


@dataclass(frozen=True, eq=False)
class RuleSettings:
    """Thresholds of the facts and the rules (the trend's own are in `TrendSettings`).

    Attributes:
        window_share: the analysis window is this share of training, the last part.
        explosion_factor: a loss whose recent level is this many times its best has exploded.
        recovered_share: a training loss whose last value is below this share of its peak in
            the window is coming back down, not blowing up.
        frozen_spread: a window whose values differ by less than this fraction is frozen.
        converged_progress: a plateau after the loss fell by at least this fraction of its
            start is convergence; less is a model that never learned.
        chance_tolerance: relative distance to ln K that counts as "at chance level".
        max_classes: chance levels ln 2 .. ln max_classes are considered.
        accuracy_tolerance, accuracy_tolerance_k: accuracy within max(tolerance, tolerance_k / K)
            of 1/K confirms a chance-level loss.
        stall_share, stall_epochs: a validation loss with no new best for this share of its
            window, and at least this many epochs, has stalled.
        above_best_sigmas, above_best_min: a validation loss whose fitted level now sits above its
            best by this many noise units and by at least this fraction has lost ground...
        above_best_epochs, above_best_share: ...when the best is at least this many epochs and
            this share of the run behind (a best that far back is not a passing dip).
        creep_change, creep_sigmas: a training loss too flat to call falling that still fell by
            this fraction over the window, by this many noise units, is learning slowly.
        train_above_ratio, train_above_share: the training loss above the validation loss by this
            ratio in more than this share of epochs is worth a note (dropout, an easier val set).
        min_paired_epochs: epochs both losses need before they are compared.
        noisy: an epoch-to-epoch noise above this fraction of the level is pointed out.
        short_fit: a trend resting on fewer points than this is called tentative.
    """

    window_share: float = 1 / 3
    explosion_factor: float = 10.0
    recovered_share: float = 0.5
    frozen_spread: float = 1e-4
    converged_progress: float = 0.15
    chance_tolerance: float = 0.01
    max_classes: int = 10
    accuracy_tolerance: float = 0.05
    accuracy_tolerance_k: float = 0.25
    stall_share: float = 0.25
    stall_epochs: float = 2.0
    above_best_sigmas: float = 3.0
    above_best_min: float = 0.05
    above_best_epochs: float = 2.0
    above_best_share: float = 0.2
    creep_change: float = 0.015
    creep_sigmas: float = 10.0
    train_above_ratio: float = 1.1
    train_above_share: float = 0.8
    min_paired_epochs: int = 5
    noisy: float = 0.1
    short_fit: int = 8


DEFAULT_RULES = RuleSettings()


@dataclass(frozen=True, eq=False)
class Facts:
    """Everything the rules look at and the words describe, computed once.

    Attributes:
        train, val: the trends (val None without a usable validation series).
        train_key, val_key: the series judged.
        window: first and last epoch position of the analysis window.
        nonfinite: key -> first non-finite epoch, for series that have one.
        best_key, best_epoch, best_value: lowest validation loss (training loss without
            validation) and where; since_best: last epoch minus best epoch.
        best_step: the training step logged with the best value, when the log has steps beside
            epochs (Hugging Face's `checkpoint-<step>`).
        best_train: the lowest training loss.
        train_jump: the training loss' fitted level now (the end of its current regime's line)
            over its best value: how far a loss that blew up in the last epochs has gone;
            train_off_peak: its last value over its highest in the window (well below 1: it is
            coming back down).
        exploded: every loss sits far above its best; explosion: recent level / best of the
            training loss.
        frozen: the training loss has not moved at all in the window.
        progress: the largest fraction a loss fell from its start to the window.
        chance_classes: K when the loss sits at ln K (and accuracy at 1/K, if logged).
        val_stalled: no new best validation loss for a while (see `RuleSettings.stall_*`).
        train_above_val: share of epochs whose training loss is above the validation loss.
        val_above_best: how far the validation loss sits above its best, in noise units.
        unit: `epoch`, or `step` for logs that carry only steps.
        train_per_step: the training loss was logged per step.
        notes: what the key choice and the windows noticed, as (kind, fields) items.
        checkpoint: the best epoch, the epochs as good as it, what came after (see `checkpoint`).
        metric: the validation metric beside the validation loss (see `metric`), if one is logged.
        signals: the learning rate, gradient norms, spikes, zero losses (see `signals`).
        recorded: what the log says about the weights kept (see `History.recorded`).
        settings: the thresholds used.
    """

    train: Trend
    val: Trend | None
    train_key: str = "loss"
    val_key: str | None = None
    window: tuple[float, float] = (math.nan, math.nan)
    nonfinite: dict = field(default_factory=dict)
    best_key: str | None = None
    best_epoch: float | None = None
    best_step: int | None = None
    best_value: float | None = None
    since_best: float | None = None
    best_train: float | None = None
    exploded: bool = False
    explosion: float = 1.0
    train_jump: float = 1.0
    train_off_peak: float = 1.0
    frozen: bool = False
    progress: float = 0.0
    chance_classes: int | None = None
    val_stalled: bool = True
    train_above_val: float | None = None
    val_above_best: float | None = None
    unit: str = "epoch"
    train_per_step: bool = False
    notes: tuple = ()
    checkpoint: Checkpoint | None = None
    metric: MetricReading | None = None
    signals: Signals = Signals()
    recorded: dict = field(default_factory=dict)
    settings: RuleSettings = DEFAULT_RULES

    @property
    def val_trend(self) -> str | None:
        """The validation trend, None when there is no usable validation series."""
        if self.val is None or self.val.trend == "unknown":
            return None
        return self.val.trend

    def to_dict(self) -> dict:
        """A JSON-ready dict of the facts (the trends are in the diagnosis beside it)."""
        skip = ("train", "val", "settings", "notes", "checkpoint", "metric", "signals")
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in skip}
        d["window"] = list(self.window)
        d["notes"] = [{"kind": kind, **fields} for kind, fields in self.notes]
        return {k: ([_json_number(x) for x in v] if isinstance(v, list) and k == "window" else _json_number(v))
                for k, v in d.items()}


def compute_facts(history: History, train_key: str | None = None, val_key: str | None = None,
                  window: float | None = None, settings: TrendSettings = DEFAULT_SETTINGS,
                  rules: RuleSettings = DEFAULT_RULES, classes: int | None = None) -> Facts:
    """The facts of a history: series chosen, windows placed, trends fitted, the rest measured.

    `classes`: the number of classes of a classifier, when known: chance level is then ln K for
    that K alone (any K), whether or not an accuracy is logged.

    Raises:
        MissingSeriesError: the requested series, or any training loss, is absent or empty.
    """
    tkey, vkey, key_notes = resolve_keys(history, train_key, val_key)
    notes = [("key", {"text": n}) for n in key_notes]
    train, val = history[tkey], (history[vkey] if vkey else None)
    if not np.isfinite(train.x).any():
        raise MissingSeriesError(t("{key} has no values; was training stopped before the first epoch ended?",
                                   key=repr(tkey)))
    if val is not None and not np.isfinite(val.x).any():
        notes.append(("val_empty", {"val_key": vkey, "train_key": tkey}))
        vkey, val = None, None
    present = [s for s in (train, val) if s is not None]
    end = max(float(np.max(s.x[np.isfinite(s.x)])) for s in present)
    starts = [window_start(end, s, window, settings.window_points, rules.window_share) for s in present]
    ttrend = fit_trend(train.x, train.y, key=tkey, settings=settings, window_start=starts[0])
    vtrend = (fit_trend(val.x, val.y, key=vkey, settings=settings, window_start=starts[1], held_out=True)
              if val is not None else None)
    notes += _trend_notes(present, (ttrend, vtrend), rules)
    best_series = val if val is not None and np.isfinite(val.y).any() else train
    best_epoch, best_value = best_point(best_series)
    ratios = [explosion_ratio(s, st, above_start=val is None) for s, st in zip(present, starts)]
    return Facts(
        train=ttrend, val=vtrend, train_key=tkey, val_key=vkey,
        window=(_window_first(present, starts), end),
        nonfinite={s.key: e for s in present if (e := first_nonfinite(s)) is not None},
        best_key=best_series.key, best_epoch=best_epoch, best_step=_step_at(history, best_epoch), best_value=best_value,
        since_best=end - best_epoch if best_epoch is not None else None,
        best_train=best_point(train)[1],
        exploded=all(r >= rules.explosion_factor for r in ratios), explosion=ratios[0],
        train_jump=_jump(ttrend, best_point(train)[1]), train_off_peak=_off_peak(train, starts[0]),
        frozen=_frozen(_in_window(train, starts[0])[1], rules),
        progress=max(_progress(s, t.level) for s, t in zip(present, (ttrend, vtrend)) if t is not None),
        chance_classes=chance_classes(ttrend.level, _recent_accuracy(history, starts[0]), rules, classes),
        val_stalled=_val_stalled(val, vtrend, end, rules),
        train_above_val=_train_above_val(train, val, rules),
        val_above_best=_above_best(val, vtrend, end, rules),
        unit=history.x_unit, train_per_step=train.per_step, notes=tuple(notes), settings=rules,
        checkpoint=with_times(_checkpoint(best_series, vtrend if best_series is val else ttrend), history.elapsed),
        metric=read_metric(history, vkey, best_epoch if best_series is val else None, rules.max_classes),
        signals=read_signals(history, train, val, ttrend.spikes), recorded=dict(history.recorded))


def _step_at(history: History, position: float | None) -> int | None:
    """The training step logged at a position on the epoch axis (Hugging Face names its
    checkpoints by it), when the log says."""
    s = history.steps
    if s is None or position is None:
        return None
    hit = np.nonzero(np.isclose(s.x, position, rtol=0, atol=1e-9))[0]
    return int(s.y[hit[-1]]) if len(hit) and np.isfinite(s.y[hit[-1]]) else None


def _checkpoint(s: Series, trend: Trend | None) -> Checkpoint | None:
    if trend is None:
        return None
    return analyse(s.x, s.y, s.key, trend.noise, trend.end_value)


def _trend_notes(present: list[Series], trends, rules: RuleSettings) -> list:
    notes = [("duplicates", {"key": s.key, "count": s.duplicates}) for s in present if s.duplicates]
    for tn in trends:
        if tn is not None and tn.trend != "unknown" and tn.fit_points < rules.short_fit:
            notes.append(("tentative", {"key": tn.key, "points": tn.fit_points}))
    val = trends[1]
    if val is not None and val.trend == "unknown":
        notes.append(("val_too_few", {"val_key": val.key, "train_key": trends[0].key}))
    return notes


def window_start(history_end: float, series: Series, window: float | None, min_points: int,
                 share: float = 1 / 3) -> float:
    """Where the analysis window of one series starts (values at positions > start are in it).

    By default the last `share` of training (`window` epochs if given); a series with fewer
    than `min_points` values there gets its latest `min_points` instead, so short runs and
    sparse evaluation logs still have something to fit, without stretching the other series.
    """
    span = float(window) if window else history_end * share
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


def best_point(series: Series) -> tuple[float | None, float | None]:
    """(epoch, value) of the lowest finite value, or (None, None)."""
    ok = np.isfinite(series.y)
    if not ok.any():
        return None, None
    i = int(np.argmin(np.where(ok, series.y, np.inf)))
    return float(series.x[i]), float(series.y[i])


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


def _jump(trend: Trend, best: float | None) -> float:
    """The fitted level now over the best value (1 when either is not a positive number)."""
    if best is None or not best > 0 or not trend.end_value > 0:
        return 1.0
    return trend.end_value / best


def _off_peak(s: Series, start: float) -> float:
    """The last finite value in the window over the window's highest (1 when there is none)."""
    _, y = _in_window(s, start)
    y = y[np.isfinite(y)]
    peak = float(np.max(y)) if len(y) else 0.0
    return float(y[-1]) / peak if peak > 0 else 1.0


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


def chance_classes(level: float, accuracy: float | None, s: RuleSettings, classes: int | None = None) -> int | None:
    """K when `level` is within tolerance of ln K and, if known, `accuracy` is near 1/K (only
    K = `classes` when the number of classes is given)."""
    if not math.isfinite(level) or level <= 0:
        return None
    for k in ([classes] if classes else range(2, s.max_classes + 1)):
        if abs(level - math.log(k)) <= s.chance_tolerance * math.log(k):
            if accuracy is None or abs(accuracy - 1.0 / k) <= max(s.accuracy_tolerance, s.accuracy_tolerance_k / k):
                return k
    return None


def _frozen(y: np.ndarray, s: RuleSettings) -> bool:
    y = y[np.isfinite(y)]
    if len(y) < 3:
        return False
    level = abs(median(y))
    return float(np.ptp(y)) <= s.frozen_spread * max(level, 1e-12)


def _val_stalled(val: Series | None, trend: Trend | None, end: float, s: RuleSettings) -> bool:
    """No new best validation loss for max(`stall_epochs`, `stall_share` of the validation window)."""
    if val is None or trend is None:
        return True
    best_epoch, _ = best_point(val)
    if best_epoch is None:
        return True
    span = trend.last_epoch - trend.first_epoch if math.isfinite(trend.first_epoch) else 0.0
    return end - best_epoch >= max(s.stall_epochs, span * s.stall_share)


def _above_best(val: Series | None, trend: Trend | None, end: float, s: RuleSettings) -> float | None:
    """How far the validation loss' fitted level now sits above its best, in noise units.

    None unless the best is well behind (see `RuleSettings.above_best_epochs`/`_share`) and the
    level is above it by at least `above_best_min`.
    """
    if val is None or trend is None or trend.trend == "unknown" or not trend.end_value > 0:
        return None
    best_epoch, best = best_point(val)
    if best_epoch is None or not best or best <= 0:
        return None
    first = float(np.min(val.x[np.isfinite(val.x)]))
    if end - best_epoch < max(s.above_best_epochs, s.above_best_share * (end - first + 1)):
        return None
    excess = math.log(trend.end_value / best)
    if excess < math.log1p(s.above_best_min):
        return None
    return excess / max(math.log1p(trend.noise), 1e-12)


def _train_above_val(train: Series, val: Series | None, s: RuleSettings) -> float | None:
    """Share of epochs whose training loss is above the validation loss by `train_above_ratio`."""
    pair = paired(train, val)
    if pair is None or len(pair[0]) < s.min_paired_epochs:
        return None
    a, b = pair
    return float(np.mean(a > s.train_above_ratio * b))
