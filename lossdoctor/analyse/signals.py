"""What else the log says, beyond the two trends: the learning rate, gradient norms, spikes, a loss
of exactly 0, a validation loss that is the training loss. Numbers only; words are in `words/`.

- Learning rate (Keras `learning_rate`/`lr`, Hugging Face `learning_rate`, Lightning `lr-*`):
  its value now and its peak, so that a fix can give a number ("from 1e-3 to about 3e-4"), and
  a schedule that has decayed to almost nothing can be named as the cause of a plateau.
- Gradient norms (Hugging Face `grad_norm`, `gradient_norm`, ...): exploding (the recent level
  ten times the run's median or more) or vanishing (a thousandth of its start or less).
- Spikes: one-point jumps that recovered (the trend leaves them out), classified as recurring
  (three or more: a learning rate near the edge of stability), periodic (evenly spaced: a
  schedule's restarts or a data pipeline that repeats) or at epoch boundaries (step logs: the
  last, smaller batch of an epoch, or reshuffling).
- A loss of exactly 0 (labels masked out, an empty batch) and a validation loss identical to
  the training loss epoch after epoch (the validation data is the training data, or the
  evaluation logs the wrong number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..read.history import History, Series

LR_KEYS = ("learning_rate", "lr", "lr-Adam", "lr-SGD", "lr-AdamW", "learning-rate", "train/learning_rate")
GRAD_KEYS = ("grad_norm", "gradient_norm", "train/grad_norm", "grad-norm", "global_grad_norm")
DECAYED = 0.01      # a learning rate below 1% of its peak has decayed to almost nothing
EXPLODING = 10.0    # recent gradient norm 10x its median: exploding
VANISHING = 1e-3    # recent gradient norm a thousandth of its start: vanishing
RECURRING = 3       # three spikes or more recur
IDENTICAL = 1e-7    # relative difference under which two losses are the same number


@dataclass(frozen=True, eq=False)
class Signals:
    """The findings beyond the trends (the JSON fields under `signals`).

    Attributes:
        lr_key, lr_now, lr_peak: the learning rate logged, its last value and its highest.
        lr_decayed: it sits below 1% of its peak.
        grad_key, grad_state: the gradient norm logged, and `exploding`, `vanishing` or None.
        grad_ratio: its recent level over its median (exploding) or its start (vanishing).
        spikes: epoch positions of the training loss' one-point spikes that recovered.
        spike_pattern: `recurring`, `periodic`, `epoch_boundary` or None.
        spike_period: the spacing of periodic spikes.
        zero_loss: epoch positions where the training loss is exactly 0.
        val_is_train: the validation loss equals the training loss in (nearly) every epoch.
    """

    lr_key: str | None = None
    lr_now: float | None = None
    lr_peak: float | None = None
    lr_decayed: bool = False
    grad_key: str | None = None
    grad_state: str | None = None
    grad_ratio: float | None = None
    spikes: tuple = ()
    spike_pattern: str | None = None
    spike_period: float | None = None
    zero_loss: tuple = ()
    val_is_train: bool = False

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["spikes"], d["zero_loss"] = list(self.spikes), list(self.zero_loss)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _finite(s: Series) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(s.x) & np.isfinite(s.y)
    return s.x[ok], s.y[ok]


def _first_key(history: History, keys, prefix: str | None = None) -> str | None:
    found = next((k for k in keys if k in history), None)
    if found is None and prefix:
        found = next((k for k in history.keys if k.startswith(prefix)), None)
    return found


def read_signals(history: History, train: Series, val: Series | None, spikes: tuple) -> Signals:
    """Everything above, from the history and the training loss' spikes (from its trend)."""
    lr = _learning_rate(history)
    grad = _gradients(history)
    pattern, period = classify_spikes(spikes, train.per_step)
    zero = tuple(float(x) for x, y in zip(train.x, train.y) if y == 0.0)
    return Signals(*lr, *grad, tuple(spikes), pattern, period, zero, _same(train, val))


def _learning_rate(history: History) -> tuple:
    key = _first_key(history, LR_KEYS, prefix="lr-")
    if key is None:
        return None, None, None, False
    _, y = _finite(history[key])
    y = y[y > 0]
    if not len(y):
        return key, None, None, False
    now, peak = float(y[-1]), float(np.max(y))
    return key, now, peak, now < DECAYED * peak


def _gradients(history: History) -> tuple:
    key = _first_key(history, GRAD_KEYS)
    if key is None:
        return None, None, None
    _, y = _finite(history[key])
    y = y[y >= 0]
    if len(y) < 6:
        return key, None, None
    recent = float(np.median(y[-max(3, len(y) // 10):]))
    middle, start = float(np.median(y)), float(np.median(y[: max(3, len(y) // 10)]))
    if middle > 0 and recent >= EXPLODING * middle:
        return key, "exploding", recent / middle
    if start > 0 and recent <= VANISHING * start:
        return key, "vanishing", recent / start
    return key, None, None


def classify_spikes(spikes: tuple, per_step: bool) -> tuple[str | None, float | None]:
    """(`epoch_boundary` | `periodic` | `recurring` | None, period) of a run's spikes."""
    if per_step and len(spikes) >= 2:
        frac = np.array([s - math.floor(s) for s in spikes])
        if np.mean((frac < 0.05) | (frac > 0.95)) >= 0.75:
            return "epoch_boundary", None
    if len(spikes) < RECURRING:
        return None, None
    gaps = np.diff(np.asarray(spikes, dtype=float))
    if len(gaps) >= 2 and np.std(gaps) <= 0.15 * np.mean(gaps):
        return "periodic", float(np.mean(gaps))
    return "recurring", None


def paired(train: Series, val: Series | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The training and validation losses of the epochs both logged with finite values (None for
    step-level series, which do not pair epoch by epoch)."""
    if val is None or train.per_step or val.per_step:
        return None
    _, it, iv = np.intersect1d(train.x, val.x, return_indices=True)
    a, b = train.y[it], val.y[iv]
    ok = np.isfinite(a) & np.isfinite(b)
    return a[ok], b[ok]


def _same(train: Series, val: Series | None) -> bool:
    """The validation loss is the training loss, number for number, in 90% or more of the paired epochs."""
    pair = paired(train, val)
    if pair is None or len(pair[0]) < 3:
        return False
    a, b = pair
    same = np.abs(a - b) <= IDENTICAL * np.maximum(np.abs(b), 1e-12)
    return bool(np.mean(same) >= 0.9)
