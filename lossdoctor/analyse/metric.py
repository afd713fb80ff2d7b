"""The task metric beside the loss: which way is better, where it peaked, and what it says the loss does not.

A validation loss can rise while the validation accuracy still improves: with cross-entropy, a
model grows over-confident on the examples it gets wrong (their loss grows without bound) while
it gets more of them right. Then the checkpoint to keep is the metric's best, not the loss'. And
a validation accuracy that sits at chance (1/K) for the whole run says the model never
generalised: no checkpoint can fix that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..read.history import History
from .regime import noise_sigma

# Name fragments of common metrics, by which way is better (matched on the key without its prefix).
HIGHER = ("accuracy", "acc", "auc", "f1", "precision", "recall", "map", "iou", "dice", "bleu", "rouge",
          "r2", "top_k", "matthews", "mcc", "kappa", "exact_match", "em")
LOWER = ("wer", "cer", "mae", "mse", "rmse", "perplexity", "error", "mape", "ter")
ACCURACY = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")
PREFIXES = ("val_", "eval_", "valid_", "validation_", "test_", "val/", "valid/", "validation/", "test/")


@dataclass(frozen=True, eq=False)
class MetricReading:
    """The validation metric read beside the validation loss (the JSON fields under `metric`).

    Attributes:
        key: the metric's series; higher_is_better: which way is better.
        best_epoch, best_value: where it was best.
        at_loss_best: its value at the validation loss' best epoch; now: its last value.
        noise: its epoch-to-epoch noise (in its own units).
        better_after_loss_best: it kept improving after the loss' best epoch, by more than its
            noise: the model is over-confident, not worse.
        chance_classes: K when it sat at chance (1/K, an accuracy) in 90% or more of the epochs.
    """

    key: str
    higher_is_better: bool
    best_epoch: float
    best_value: float
    at_loss_best: float | None
    now: float
    noise: float
    better_after_loss_best: bool = False
    chance_classes: int | None = None

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in self.__dict__.items()}


def direction(key: str) -> bool | None:
    """True when higher is better for this metric name, False when lower is, None when unknown."""
    name = key.lower()
    for p in PREFIXES:
        if name.startswith(p):
            name = name[len(p):]
            break
    parts = set(name.replace("/", "_").replace("-", "_").split("_"))
    if "loss" in parts:
        return None
    if parts & set(LOWER):
        return False
    if parts & set(HIGHER) or name in HIGHER:
        return True
    return None


def validation_metric(history: History, val_key: str | None) -> str | None:
    """The validation metric logged beside `val_key`: an accuracy first, then any known metric."""
    if not val_key:
        return None
    prefix = next((p for p in PREFIXES if val_key.startswith(p)), None)
    if prefix is None:
        return None
    keys = [k for k in history.keys if k.startswith(prefix) and k != val_key and direction(k) is not None]
    accuracy = [k for k in keys if k[len(prefix):] in ACCURACY]
    return (accuracy or keys or [None])[0]


def read_metric(history: History, val_key: str | None, loss_best_epoch: float | None,
                max_classes: int = 10) -> MetricReading | None:
    """The metric beside the validation loss, or None when none is logged."""
    key = validation_metric(history, val_key)
    if key is None:
        return None
    s = history[key]
    ok = np.isfinite(s.x) & np.isfinite(s.y)
    x, y = s.x[ok], s.y[ok]
    if len(y) < 3:
        return None
    higher = bool(direction(key))
    i = int(np.argmax(y) if higher else np.argmin(y))
    noise = noise_sigma(y, floor=0.0)
    at_best = None
    if loss_best_epoch is not None:
        j = np.nonzero(np.isclose(x, loss_best_epoch))[0]
        at_best = float(y[j[0]]) if len(j) else None
    better = False
    if at_best is not None and x[i] > loss_best_epoch:
        gain = (y[i] - at_best) if higher else (at_best - y[i])
        better = bool(gain > max(2.0 * noise, 0.005 * abs(at_best)) and (
            (y[-1] - at_best) if higher else (at_best - y[-1])) > 0)
    chance = _chance(key, y, max_classes) if higher else None
    return MetricReading(key, higher, float(x[i]), float(y[i]), at_best, float(y[-1]), noise, better, chance)


def _chance(key: str, y: np.ndarray, max_classes: int) -> int | None:
    """K when an accuracy sat at 1/K (within half a percent point) in 90% or more of the epochs."""
    if not any(key.lower().endswith(a) for a in ACCURACY):
        return None
    for k in range(2, max_classes + 1):
        if np.mean(np.abs(y - 1.0 / k) <= 0.005) >= 0.9:
            return k
    return None
