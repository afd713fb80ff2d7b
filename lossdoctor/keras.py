"""A Keras callback that diagnoses training live: `model.fit(..., callbacks=[LossDoctor()])`.

Keras is imported only when a `LossDoctor` is created, so `import lossdoctor` never pays for it.
Works with Keras 3 on any backend; pass `base=tf.keras.callbacks.Callback` for a tf.keras (Keras 2)
model.
"""

from __future__ import annotations

import json
import math
import time
import warnings

from .diagnose import Diagnosis, diagnose, fmt_epoch, fmt_value
from .history import History

_CLASSES: dict = {}


class _LossDoctorMixin:
    """The callback's behaviour, independent of which Keras provides the base class."""

    def __init__(self, train_key: str = "loss", val_key: str | None = None, min_epochs: int = 5,
                 every: int = 1, stop_on=("non_finite", "diverging"), restore_best_weights: bool = False,
                 report_path: str | None = None, history_path: str | None = None, window: float | None = None,
                 verbose: int = 1, budget: float | None = 0.01):
        super().__init__()
        if every < 1 or min_epochs < 1:
            raise ValueError("LossDoctor: every and min_epochs must be at least 1")
        if budget is not None and not 0 < budget <= 1:
            raise ValueError("LossDoctor: budget is a share of training time, in (0, 1], or None")
        self.budget = budget
        self._clock = time.perf_counter
        self.train_key, self.val_key = train_key, val_key
        self.min_epochs, self.every, self.window = min_epochs, every, window
        self.stop_on = tuple(stop_on or ())
        self.restore_best_weights = restore_best_weights
        self.report_path, self.history_path, self.verbose = report_path, history_path, verbose
        self._reset()

    def _reset(self) -> None:
        self.logs: dict[str, list[float]] = {}
        self.diagnoses: list[tuple[int, Diagnosis]] = []
        self.diagnosis: Diagnosis | None = None
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None
        self.best_value = math.inf
        self.best_weights = None
        self._warned: set[str] = set()
        self._started = self._clock()
        self._spent = 0.0       # seconds spent in this callback
        self._last_cost = 1e-3  # seconds the last diagnosis took (a first guess until one is measured)

    # -- Keras hooks -----------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        start = self._clock()
        n = epoch + 1
        logs = logs or {}
        self._record(n, logs)
        if self._nonfinite(logs):
            self._diagnose_safely(n)  # at once, whatever the schedule: the run is lost from here
        elif n >= self.min_epochs and n % self.every == 0 and self._within_budget(start):
            self._diagnose_safely(n)
        self._spent += self._clock() - start

    def _nonfinite(self, logs: dict) -> bool:
        for key in (self.train_key, self._monitored_val_key()):
            try:
                if key in logs and not math.isfinite(float(logs[key])):
                    return True
            except (TypeError, ValueError):
                continue
        return False

    def _within_budget(self, now: float) -> bool:
        """Diagnose now unless that would take more than `budget` of the training time so far."""
        if self.budget is None:
            return True
        return self._spent + self._last_cost <= self.budget * (now - self._started)

    def on_train_end(self, logs=None):
        n = len(self.logs.get(self.train_key, ()))
        if n and (not self.diagnoses or self.diagnoses[-1][0] != n):
            self._diagnose_safely(n, announce=False)
        if self.history_path:
            self._safely("writing the history", self._write_history)
        if self.report_path and self.diagnosis is not None:
            self._safely("writing the report", self._write_report)

    # -- bookkeeping -----------------------------------------------------------------------
    def _record(self, n: int, logs: dict) -> None:
        for k, v in logs.items():
            try:
                value = float(v)
            except (TypeError, ValueError):
                continue
            series = self.logs.setdefault(k, [])
            series.extend([math.nan] * (n - 1 - len(series)))  # keys that appear late
            series.append(value)
        vkey = self._monitored_val_key()
        if vkey and vkey in logs:
            value = float(logs[vkey])
            if math.isfinite(value) and value < self.best_value:
                self.best_value, self.best_epoch = value, n
                if self.restore_best_weights:
                    self.best_weights = self.model.get_weights()

    def _monitored_val_key(self) -> str | None:
        return self.val_key or f"val_{self.train_key}"

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, stacklevel=3)

    def _check_keys(self) -> bool:
        keys = ", ".join(self.logs) or "none"
        if self.train_key not in self.logs:
            self._warn_once("train", f"LossDoctor: no {self.train_key!r} in the epoch logs (available: {keys}); "
                                     "pass train_key= to diagnose another series.")
            return False
        if self._monitored_val_key() not in self.logs:
            self._warn_once("val", f"LossDoctor: no {self._monitored_val_key()!r} in the epoch logs "
                                   f"(available: {keys}); pass validation_data= or validation_split=0.2 to fit() "
                                   f"to see overfitting. Diagnosing on {self.train_key!r} alone.")
        return True

    # -- diagnosis ------------------------------------------------------------------------
    def _history(self) -> History:
        n = max(len(v) for v in self.logs.values())
        return History.from_dict({k: v + [math.nan] * (n - len(v)) for k, v in self.logs.items()},
                                 source="<LossDoctor callback>", format="keras-callback")

    def _diagnose_safely(self, n: int, announce: bool = True) -> None:
        start = self._clock()
        try:
            self._diagnose(n, announce)
        finally:
            self._last_cost = self._clock() - start

    def _diagnose(self, n: int, announce: bool) -> None:
        try:
            if not self._check_keys():
                return
            vkey = self._monitored_val_key() if self._monitored_val_key() in self.logs else None
            d = diagnose(self._history(), self.train_key, vkey, self.window)
        except Exception as err:  # never break training
            self._warn_once(f"error:{type(err).__name__}", f"LossDoctor: diagnosis failed at epoch {n} "
                            f"({type(err).__name__}: {err}); training goes on.")
            return
        changed = self.diagnosis is None or (d.code, d.variant) != (self.diagnosis.code, self.diagnosis.variant)
        self.diagnoses.append((n, d))
        self.diagnosis = d
        if changed and announce and self.verbose:
            print(f"\nEpoch {n}: LossDoctor: [{d.code}] {d.title}{self._best_note(d)}", flush=True)
        if announce and d.code in self.stop_on:
            self._stop(n, d)

    def _best_note(self, d: Diagnosis) -> str:
        if d.best_epoch is None:
            return ""
        return f" (best {d.best_key} {fmt_value(d.best_value)} at epoch {fmt_epoch(d.best_epoch)})"

    def _stop(self, n: int, d: Diagnosis) -> None:
        self.model.stop_training = True
        self.stopped_epoch = n
        restored = ""
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
            restored = f"; restored the weights of epoch {self.best_epoch}"
        if self.verbose:
            print(f"Epoch {n}: LossDoctor: stopping training: {d.code}{restored}.", flush=True)

    # -- files ------------------------------------------------------------------------------
    def _safely(self, what: str, fn) -> None:
        try:
            fn()
        except Exception as err:
            warnings.warn(f"LossDoctor: {what} failed ({type(err).__name__}: {err}).", stacklevel=3)

    def _write_history(self) -> None:
        from .atomic import write_text  # noqa: PLC0415
        # Python's json writes NaN/Infinity tokens, as json.dump(history.history) does; lossdoctor reads them
        write_text(self.history_path, json.dumps({k: [float(v) for v in vs] for k, vs in self.logs.items()}))

    def _write_report(self) -> None:
        from .plot import render_figure  # noqa: PLC0415
        render_figure(self._history(), self.diagnosis, self.report_path)


def _callback_class(base):
    if base not in _CLASSES:
        _CLASSES[base] = type("LossDoctor", (_LossDoctorMixin, base), {"__doc__": LossDoctor.__doc__})
    return _CLASSES[base]


def LossDoctor(*args, base=None, **kwargs):  # noqa: N802 - reads as a class, like livelossplot's PlotLossesKeras
    """Diagnose training live from the epoch logs; optionally stop a run that is going nowhere.

    Args:
        train_key: the training series (default `loss`); val_key: the validation series
            (default `val_<train_key>`).
        min_epochs: diagnose from this epoch on (default 5); every: then every N epochs.
        stop_on: diagnosis codes that stop training (default `("non_finite", "diverging")`);
            add `"overfitting"` to stop an overfitting run.
        restore_best_weights: when stopping, restore the weights of the best validation epoch,
            as EarlyStopping(restore_best_weights=True) does.
        report_path: write the annotated figure here at the end of training (.png/.svg/.pdf).
        history_path: write the history as JSON here at the end (readable by `lossdoctor diagnose`).
        window: judge the last N epochs instead of the last third.
        verbose: 0 silent; 1 one line whenever the diagnosis changes.
        budget: the largest share of training time spent diagnosing (default 1%): when a
            diagnosis every `every` epochs would cost more (tiny models, very long runs), it runs
            as often as the budget allows. NaN/inf is checked every epoch regardless and stops at
            once. None: diagnose every `every` epochs whatever it costs.
        base: the Callback base class; by default `keras.callbacks.Callback` (Keras 3). Pass
            `tf.keras.callbacks.Callback` for a tf.keras model.

    The timeline is kept in `.diagnoses` (a list of `(epoch, Diagnosis)`), the latest in `.diagnosis`.

    Example:
        >>> model.fit(x, y, validation_split=0.2, epochs=100,
        ...           callbacks=[LossDoctor(stop_on=("non_finite", "diverging", "overfitting"),
        ...                                 restore_best_weights=True, report_path="loss.png")])
    """
    if base is None:
        import keras  # noqa: PLC0415 - the framework only when the callback is used

        base = keras.callbacks.Callback
    return _callback_class(base)(*args, **kwargs)


__all__ = ["LossDoctor"]
