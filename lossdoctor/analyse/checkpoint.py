"""The best epoch read as an engineer reads it: which epochs are as good, when progress stopped,
what the epochs after it cost, and the early stopping that would have saved them.

The best value of a noisy validation loss is partly luck: every epoch within the run's own noise
of it (two noise units, on the log scale) is as good. When the last epoch is among them, the
final weights are as good as the best and nobody needs to go back to an earlier checkpoint.
Progress stopped at the first epoch that reached that band; the epochs after the best bought
nothing. Keras' `EarlyStopping(patience=p, restore_best_weights=True)` is replayed on the
series for p = 3..10 (a smaller one stops runs on one noisy epoch): the smallest patience whose
restored weights are as good as the best is the one to use next time, and it says where the
run would have stopped.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

BAND_SIGMAS = 2.0
MIN_PATIENCE, MAX_PATIENCE = 3, 10  # below 3, one noisy epoch stops a run that is still improving


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """The best epoch and what surrounds it (the JSON fields under `checkpoint`).

    Attributes:
        key: the series (the validation loss, or the training loss without one).
        best_epoch, best_value: where the series was lowest, and its value there.
        band: the highest value as good as the best (best x exp(2 noise units)).
        equivalent_epochs: the epochs whose value is within the band (the best among them).
        final_as_good: the last epoch is within the band: its weights are as good as the best.
        onset_epoch: the first epoch in the band: where progress stopped.
        epochs_after_best: epochs trained after the best one; share_after_best: their share of
            the epochs trained.
        worse_by: how far the fitted level now sits above the best, as a fraction (0 when below).
        patience: the smallest EarlyStopping patience (3 to 10) whose restored weights are as good
            as the best (None: none of them stops this run early); stop_epoch: where it stops;
            restored_epoch: whose weights it restores; epochs_saved: epochs it would not have trained.
        seconds_total, seconds_after_best, seconds_saved: the same in wall-clock seconds, when the
            log carries times (None otherwise): the whole run, after the best, and what the early
            stopping would have saved.
    """

    key: str
    best_epoch: float
    best_value: float
    band: float
    equivalent_epochs: tuple
    final_as_good: bool
    onset_epoch: float
    epochs_after_best: float
    share_after_best: float
    worse_by: float
    patience: int | None = None
    stop_epoch: float | None = None
    restored_epoch: float | None = None
    epochs_saved: float | None = None
    seconds_total: float | None = None
    seconds_after_best: float | None = None
    seconds_saved: float | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["equivalent_epochs"] = list(self.equivalent_epochs)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def early_stopping(y: np.ndarray, patience: int) -> tuple[int, int] | None:
    """(stop index, restored index) of Keras' EarlyStopping(patience, restore_best_weights=True), or None.

    An epoch improves when its value is below the best so far; training stops once `patience`
    epochs in a row have not improved, and the weights of the best epoch so far are put back.
    """
    best, best_i, wait = math.inf, 0, 0
    for i, v in enumerate(y):
        if v < best:
            best, best_i, wait = v, i, 0
        else:
            wait += 1
            if wait >= patience:
                return i, best_i
    return None


def analyse(x: np.ndarray, y: np.ndarray, key: str, noise: float, level_now: float) -> Checkpoint | None:
    """The checkpoint analysis of one series (epoch positions `x`, values `y`), None without values.

    Args:
        noise: the series' epoch-to-epoch noise, as a fraction of its level.
        level_now: the fitted level at the last epoch (the trend's end value).
    """
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = np.asarray(x, dtype=float)[ok], np.asarray(y, dtype=float)[ok]
    if len(y) == 0:
        return None
    i = int(np.argmin(y))
    best = float(y[i])
    sigma = math.log1p(noise) if math.isfinite(noise) and noise > 0 else 0.0
    # noise of any size (a log of 1e300 and 1e-300) keeps the band a number: exp() capped, never an overflow
    band = best * math.exp(min(BAND_SIGMAS * sigma, 700.0)) if best > 0 else best + BAND_SIGMAS * abs(best) * sigma
    if not math.isfinite(band):
        band = math.inf
    inside = y <= band
    equivalent = tuple(_number(v) for v in x[inside])
    last, first = float(x[-1]), float(x[0])
    # training starts at position 0 (epoch 1 ends at 1.0): a series first logged later (Hugging Face
    # evaluates after hundreds of steps) still shares its last epochs with the whole run
    trained = last if last > 0 else max(last - first + 1.0, 1.0)
    after = last - float(x[i])
    worse = level_now / best - 1.0 if best > 0 and math.isfinite(level_now) else 0.0
    stop = _patience(x, y, band)
    return Checkpoint(key, _number(x[i]), best, band, equivalent, bool(inside[-1]), _number(x[inside][0]),
                      _number(after), after / trained, max(worse, 0.0), *stop)


def _patience(x: np.ndarray, y: np.ndarray, band: float) -> tuple:
    """(patience, stop epoch, restored epoch, epochs saved) of the best early stopping, or Nones."""
    for p in range(MIN_PATIENCE, MAX_PATIENCE + 1):
        hit = early_stopping(y, p)
        if hit is None:
            return None, None, None, None
        stop, restored = hit
        if y[restored] <= band:
            return p, _number(x[stop]), _number(x[restored]), _number(x[-1] - x[stop])
    return None, None, None, None


def with_times(c: Checkpoint | None, elapsed) -> Checkpoint | None:
    """`c` with its wall-clock costs, read from `elapsed` (a series of seconds since the start)."""
    if c is None or elapsed is None:
        return c
    x, y = elapsed.x, elapsed.y
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return c
    x, y = x[ok], y[ok]
    total = float(y[-1])
    if total <= 0:
        return c
    since = lambda epoch: total - float(np.interp(epoch, x, y))  # noqa: E731 - seconds from `epoch` to the end
    saved = since(c.stop_epoch) if c.stop_epoch is not None else None
    return replace(c, seconds_total=total, seconds_after_best=max(0.0, since(c.best_epoch)), seconds_saved=saved)


def _number(v) -> float | int:
    v = float(v)
    return int(round(v)) if abs(v - round(v)) < 1e-9 else v
