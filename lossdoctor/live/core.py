"""Live diagnosis during training, with no framework in sight: the core every callback adapts.

A framework adapter (Keras, and any other) feeds `LiveDoctor.update(epoch, logs)` once per epoch
and acts on the `Verdict` it returns: keep the weights of a new best epoch, print the line, stop
training. Everything else lives here: collecting the logs, the NaN check, the time budget, the
schedule, the stability of what is announced, the stop decision and the files written at the end.
"""

from __future__ import annotations

import inspect
import json
import math
import time
import warnings
from dataclasses import dataclass
from collections.abc import Callable, Mapping

import numpy as np

from ..judge.codes import DEFAULT_STOP_ON
from ..judge.diagnosis import Diagnosis, diagnose
from ..read.history import History
from ..core.i18n import check, language, t
from ..words import best_note

# codes that are announced (and acted on) the first time they are seen: the run is lost
URGENT = ("non_finite",)
# what diagnosing may cost in all, whatever the budget's share: less than a second of any run
FREE_SECONDS = 0.25


@dataclass(frozen=True, eq=False)
class Verdict:
    """What one epoch's update says the adapter should do.

    Attributes:
        epoch: the 1-based epoch.
        diagnosis: the diagnosis made at this epoch, or None when none was due (schedule, budget).
        changed: the announced diagnosis changed at this epoch (see `message`).
        message: the line to print when it changed, in the style of Keras' callbacks.
        stop: training should stop now.
        new_best: this epoch set a new best validation loss: keep its weights.
    """

    epoch: int
    diagnosis: Diagnosis | None = None
    changed: bool = False
    message: str | None = None
    stop: bool = False
    new_best: bool = False


def as_float(value) -> float | None:
    """A logged value as a float, or None for what is not one real number.

    None, text, booleans, complex numbers, arrays or tensors of more than one element, dicts and
    integers beyond the float range are not recorded (a warning-free skip, never an exception).
    """
    if value is None or isinstance(value, (bool, str, bytes, complex)):
        return None
    if hasattr(value, "shape"):  # numpy scalars and arrays, framework tensors
        try:
            arr = np.asarray(value)
        except Exception:
            return None
        if arr.size != 1 or arr.dtype.kind not in "fiu":
            return None
        value = arr.reshape(()).item()
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


class LiveDoctor:
    """Collects per-epoch logs, diagnoses them within a time budget, and decides what to announce.

    Args:
        train_key: the training series; None: the first of the usual names the logs carry
            (`loss`, `train_loss`, `train_loss_epoch`, ...). val_key: the validation series
            (default: its twin, `val_<train_key>`, `val_loss`, `eval_loss`, ...).
        min_epochs: diagnose from this epoch on; every: then every N epochs.
        stop_on: diagnosis codes that stop training.
        window: judge the last N epochs instead of the last third.
        budget: the largest share of training time spent diagnosing (None: no limit).
        confirm: a change of diagnosis is announced (and acted on) only after this many
            diagnoses in a row agree on it, so one noisy epoch does not flip the verdict; the
            first diagnosis and `non_finite` are announced at once.
        clock: seconds, monotonic (for tests).
        framework: who feeds it (`keras`, `lightning`, `huggingface`): the history's format is
            `<framework>-callback`.
        point: what one update is called in the printed line (`Epoch`, or `Evaluation`).
        lang: the language of its words (`en`, `zh`; default: LOSSDOCTOR_LANG, else the locale).
    """

    def __init__(self, train_key: str = "loss", val_key: str | None = None, min_epochs: int = 5,
                 every: int = 1, stop_on=DEFAULT_STOP_ON, window: float | None = None,
                 budget: float | None = 0.01, confirm: int = 2,
                 clock: Callable[[], float] = time.perf_counter, framework: str = "keras",
                 point: str = "Epoch", lang: str | None = None):
        if every < 1 or min_epochs < 1 or confirm < 1:
            raise ValueError(t("LossDoctor: every, min_epochs and confirm must be at least 1"))
        if budget is not None and not 0 < budget <= 1:
            raise ValueError(t("LossDoctor: budget is a share of training time, in (0, 1], or None"))
        from ..judge.codes import NAMES  # noqa: PLC0415

        unknown = [c for c in (stop_on or ()) if c not in NAMES]
        if unknown or isinstance(stop_on, str):
            raise ValueError(t("LossDoctor: unknown stop_on code(s) {codes}; choose from {names} (a tuple, e.g. "
                               "stop_on=('non_finite', 'overfitting'))", codes=", ".join(map(repr, unknown or [stop_on])),
                               names=", ".join(NAMES)))
        self.lang = check(lang)
        self.train_key, self.val_key = train_key, val_key
        self._val_guess: str | None = None
        self.min_epochs, self.every, self.window = min_epochs, every, window
        self.stop_on = tuple(stop_on or ())
        self.budget, self.confirm, self._clock = budget, confirm, clock
        self.framework, self.point = framework, point
        self.run_name = f"<{framework} run>"  # what reports and figures call the run; adapters name it
        self.reset()

    @property
    def monitored_val_key(self) -> str:
        if self.val_key:
            return self.val_key
        if self._val_guess:
            return self._val_guess
        return f"val_{self.train_key}"

    def _resolve_keys(self, values: dict) -> None:
        """Pick the series not given as for files: the training series once, the validation series
        as soon as one shows (validation may start later: `check_val_every_n_epoch`, resumed runs)."""
        if self.val_key or self._val_guess or not values or values.keys() <= self._keys_seen:
            return
        self._keys_seen |= values.keys()
        from ..core.errors import MissingSeriesError  # noqa: PLC0415
        from ..read.keys import resolve_keys  # noqa: PLC0415

        try:
            tkey, vkey, _ = resolve_keys(History.from_dict({k: [v] for k, v in values.items()}), self.train_key,
                                         None)
        except MissingSeriesError:
            return
        self.train_key, self._val_guess = self.train_key or tkey, vkey

    def reset(self) -> None:
        """Forget everything: a new training run starts."""
        # by update number (1-based), only what was logged: a value missing at an update (evaluation
        # every N epochs, a resumed run, a key that appears late) is absent, never NaN
        self._values: dict[str, dict[int, float]] = {}
        self._positions: dict[int, float] = {}       # where each update sits on the epoch axis
        self._times: dict[int, float] = {}           # seconds since the start at each update
        self.diagnoses: list[tuple[int, Diagnosis]] = []
        self.diagnosis: Diagnosis | None = None      # the latest diagnosis made
        self.announced: Diagnosis | None = None      # the latest diagnosis announced
        self.announcements: list[tuple[int, Diagnosis]] = []  # the timeline people see
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None
        self.best_value = math.inf
        self._pending: list[tuple[str, str]] = []
        self._keys_seen: set[str] = set()
        self._last = 0                               # the latest update number recorded
        self._warned: set[str] = set()
        self._started = self._clock()
        self._spent = 0.0
        self._last_cost = 1e-3

    # -- the per-epoch step ------------------------------------------------------------------
    def update(self, epoch: int, logs, position: float | None = None) -> Verdict:
        """Record update `epoch`'s logs (1-based) and say what to do. Never raises.

        `position` places the values on the epoch axis when it is not `epoch` itself (Hugging
        Face evaluates at fractional epochs).
        """
        start = self._clock()
        try:
            with language(self.lang):
                return self._update(epoch, logs, start, position)
        except Exception as err:  # never break training
            self.warn_once(f"error:{type(err).__name__}", self.say(
                "LossDoctor: epoch {epoch} could not be recorded ({error}); training goes on.", epoch=epoch,
                error=f"{type(err).__name__}: {err}"))
            return Verdict(epoch)
        finally:
            self._spent += self._clock() - start

    def say(self, message: str, /, **values) -> str:
        """A message in the callback's language."""
        with language(self.lang):
            return t(message, **values)

    def _update(self, epoch: int, logs, start: float, position: float | None) -> Verdict:
        if not isinstance(logs, Mapping):
            self.warn_once("logs", t("LossDoctor: the epoch logs are a {type}, not a dict; nothing recorded.",
                                     type=type(logs).__name__))
            return Verdict(epoch)
        values = self._record(epoch, logs, position)
        self._resolve_keys(values)
        new_best = self._track_best(epoch, values)
        nonfinite = any(k in values and not math.isfinite(values[k])
                        for k in (self.train_key, self.monitored_val_key))
        due = self.updates >= self.min_epochs and epoch % self.every == 0 and self._within_budget(start)
        if not (nonfinite or due):
            return Verdict(epoch, new_best=new_best)
        d = self._diagnose_timed(epoch)
        if d is None:
            return Verdict(epoch, new_best=new_best)
        changed = self._confirm(d)
        if changed:
            self.announcements.append((epoch, d))
        stop = changed and self.announced.code in self.stop_on and self.stopped_epoch is None
        if stop:
            self.stopped_epoch = epoch
        point = t("Evaluation") if self.point == "Evaluation" else t("Epoch")
        message = (t("{point} {epoch}: LossDoctor: [{code}] {title}{best}", point=point, epoch=epoch, code=d.code,
                     title=d.title, best=best_suffix(d)) if changed else None)
        return Verdict(epoch, d, changed, message, stop, new_best)

    @property
    def logs(self) -> dict[str, list[float]]:
        """The values logged so far, per key in update order, as Keras' `History.history` has them
        (a key logged at some updates only has fewer values)."""
        return {k: [v[n] for n in sorted(v)] for k, v in self._values.items()}

    @property
    def positions(self) -> list[float]:
        """Where each recorded update sits on the epoch axis, in order."""
        return [self._positions[n] for n in sorted(self._positions)]

    @property
    def updates(self) -> int:
        """How many updates were recorded (a resumed run counts from its first recorded epoch)."""
        return len(self._positions)

    def _record(self, n: int, logs: Mapping, position: float | None = None) -> dict[str, float]:
        if self._positions and n <= self._last:  # logged again, or rewound: later updates go
            self._forget_from(n)
        self._last = n
        self._positions[n] = float(n) if position is None or not math.isfinite(position) else float(position)
        self._times[n] = self._clock() - self._started
        values = {}
        for k, v in logs.items():
            f = as_float(v)
            if f is None or not isinstance(k, str):
                continue
            self._values.setdefault(k, {})[n] = f
            values[k] = f
        return values

    def _forget_from(self, n: int) -> None:
        """Drop the updates after `n`; update `n` itself keeps what the new logs do not replace."""
        for d in (self._positions, self._times, *self._values.values()):
            for m in [m for m in d if m > n]:
                del d[m]
        self._values = {k: v for k, v in self._values.items() if v}

    def _track_best(self, n: int, values: dict[str, float]) -> bool:
        v = values.get(self.monitored_val_key)
        if v is not None and math.isfinite(v) and v < self.best_value:
            self.best_value, self.best_epoch = v, n
            return True
        return False

    def _within_budget(self, now: float) -> bool:
        """Diagnose now unless that would take more than `budget` of the training time so far, or
        more than `FREE_SECONDS` in all for a run so fast that its share pays for no diagnosis (a
        tiny model whose epochs take milliseconds would otherwise never be diagnosed, nor stopped)."""
        if self.budget is None:
            return True
        return self._spent + self._last_cost <= max(self.budget * (now - self._started), FREE_SECONDS)

    def _confirm(self, d: Diagnosis) -> bool:
        """Announce `d` once `confirm` diagnoses in a row agree on its code and variant (more for
        the verdicts in `codes.LIVE_EXTRA_CONFIRM`, which agree on the code)."""
        from ..judge.codes import LIVE_EXTRA_CONFIRM  # noqa: PLC0415

        key = (d.code, d.variant)
        if self.announced is not None and key == (self.announced.code, self.announced.variant):
            self._pending = []
            self.announced = d
            return False
        extra = LIVE_EXTRA_CONFIRM.get(key, 0)
        same = (lambda p: p[0] == key[0]) if extra else (lambda p: p == key)
        self._pending = [p for p in self._pending if same(p)] + [key]
        first = self.announced is None and not extra
        if first or len(self._pending) >= self.confirm + extra or d.code in URGENT:
            self._pending = []
            self.announced = d
            return True
        return False

    # -- diagnosis ----------------------------------------------------------------------------
    def _diagnose_timed(self, n: int) -> Diagnosis | None:
        start = self._clock()
        try:
            return self._diagnose(n)
        finally:
            self._last_cost = self._clock() - start

    def _diagnose(self, n: int) -> Diagnosis | None:
        if not self._check_keys():
            return None
        try:
            vkey = self.monitored_val_key if self.monitored_val_key in self._values else None
            d = diagnose(self.history(), self.train_key, vkey, self.window)
        except Exception as err:  # never break training
            self.warn_once(f"error:{type(err).__name__}", t("LossDoctor: diagnosis failed at epoch {epoch} ({error}); "
                                                             "training goes on.", epoch=n,
                                                             error=f"{type(err).__name__}: {err}"))
            return None
        if self.diagnoses:  # only the latest keeps its history (for a notebook panel): memory stays linear
            m, previous = self.diagnoses[-1]
            self.diagnoses[-1] = (m, previous.detached())  # (its forecast and timeline are not computed now)
        self.diagnoses.append((n, d))
        self.diagnosis = d
        return d

    def _check_keys(self) -> bool:
        keys = ", ".join(self._values) or t("none")
        if self.train_key not in self._values:
            self.warn_once("train", t("LossDoctor: no {key} in the epoch logs (available: {keys}); pass train_key= to "
                                      "diagnose another series.", key=repr(self.train_key), keys=keys))
            return False
        if self.monitored_val_key not in self._values:
            self.warn_once("val", t("LossDoctor: no {key} in the epoch logs (available: {keys}); pass validation data "
                                    "to training to see overfitting. Diagnosing on {train_key} alone.",
                                    key=repr(self.monitored_val_key), keys=keys, train_key=repr(self.train_key)))
        return True

    def history(self) -> History:
        """What has been recorded so far, as a `History`."""
        from ..read.history import Series  # noqa: PLC0415

        def series(key: str, values: dict[int, float]) -> Series:
            ns = sorted(values)
            return Series(key, [self._positions[n] for n in ns], [values[n] for n in ns])

        elapsed = series("elapsed", self._times) if len(self._times) >= 2 else None
        return History({k: series(k, v) for k, v in self._values.items() if v}, source=self.run_name,
                       format=f"{self.framework}-callback", elapsed=elapsed)

    # -- the end of training -----------------------------------------------------------------
    def finish(self, report_path: str | None = None, history_path: str | None = None) -> Diagnosis | None:
        """The final diagnosis (made now if the last epoch has none), and the files asked for."""
        with language(self.lang):
            n = max(self._values.get(self.train_key) or {0: 0})
            if n and (not self.diagnoses or self.diagnoses[-1][0] != n):
                self._diagnose_timed(n)
            if history_path:
                self._safely(t("writing the history"), lambda: self._write_history(history_path))
            if report_path and self.diagnosis is not None:
                self._safely(t("writing the report"), lambda: self._write_report(report_path))
        return self.diagnosis

    def final_summary(self) -> str:
        """What the callback prints when training ends, in its language ('' without a diagnosis)."""
        with language(self.lang):
            return summary(self.diagnosis)

    def warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            from ..core.safe import printable  # noqa: PLC0415

            warnings.warn(printable(message), stacklevel=4)

    def _safely(self, what: str, fn) -> None:
        try:
            fn()
        except Exception as err:
            warnings.warn(t("LossDoctor: {what} failed ({error}).", what=what, error=f"{type(err).__name__}: {err}"),
                          stacklevel=4)

    def _write_history(self, path: str) -> None:
        from ..core.atomic import write_text  # noqa: PLC0415
        # one value per update, as json.dump(history.history) writes them: NaN/Infinity tokens for
        # non-finite values (a finding), null where the update logged no value (missing)
        ns = sorted(self._positions)
        write_text(path, json.dumps({k: [vs.get(n) for n in ns] for k, vs in self._values.items()}))

    def _write_report(self, path: str) -> None:
        from ..show.plot import render_figure  # noqa: PLC0415
        render_figure(self.history(), self.diagnosis, path)


def run_label(name, framework: str) -> str:
    """What a callback's reports call its run: the model's or run's own name (`sequential_3`,
    `lightning_logs`, the Trainer's run_name), else `<framework run>`."""
    from ..core.safe import printable  # noqa: PLC0415

    text = str(name).strip() if isinstance(name, str) and name.strip() else ""
    return printable(text.rstrip("/").split("/")[-1][:80]) if text else f"<{framework} run>"


def summary(d: Diagnosis | None) -> str:
    """The final summary a callback prints at the end of training ('' without a diagnosis)."""
    if d is None:
        return ""
    from ..show.render import final_summary  # noqa: PLC0415

    return final_summary(d)


def best_suffix(d: Diagnosis) -> str:
    """' (best val_loss 0.2913 at epoch 12)', or '' without a best epoch."""
    note = best_note(d.best_key, d.best_value, d.best_epoch, d.unit)
    return f" ({note})" if note else ""


class BestWeights:
    """The weights of the best validation epoch, kept on each new best and put back at the end.

    `get(model)` copies the weights out and `put(model, weights)` loads them; a failure in
    either becomes one warning through `core`, never an exception in training.
    """

    def __init__(self, core: LiveDoctor, get: Callable, put: Callable):
        self.core, self._get, self._put = core, get, put
        self.saved = None

    def clear(self) -> None:
        self.saved = None

    def keep(self, model) -> None:
        try:
            self.saved = self._get(model)
        except Exception as err:  # never break training
            self.core.warn_once("weights", self.core.say("LossDoctor: keeping the best weights failed ({error}).",
                                                         error=err))

    def restore(self, model) -> bool:
        """Load the kept weights into `model`; True when it did."""
        if self.saved is None or model is None:
            return False
        try:
            self._put(model, self.saved)
        except Exception as err:  # never break training
            self.core.warn_once("restore", self.core.say("LossDoctor: restoring the best weights failed ({error}).",
                                                         error=err))
            return False
        return True


def torch_weights(core: LiveDoctor) -> BestWeights:
    """Best weights of a torch module, as a deep copy of its state dict."""
    import copy  # noqa: PLC0415

    return BestWeights(core, lambda m: copy.deepcopy(m.state_dict()), lambda m, s: m.load_state_dict(s))


@dataclass(frozen=True)
class CallbackOptions:
    """The parameters of every framework's `LossDoctor` callback, declared once (the adapters take
    them as keywords and pass them here; `lossdoctor.keras.LossDoctor` documents each).

    `train_key` and `val_key` left None take the framework's usual names."""

    train_key: str | None = None
    val_key: str | None = None
    min_epochs: int = 5
    every: int = 1
    stop_on: tuple = DEFAULT_STOP_ON
    restore_best_weights: bool = False
    report_path: str | None = None
    history_path: str | None = None
    window: float | None = None
    verbose: int = 1
    budget: float | None = 0.01
    confirm: int = 2
    lang: str | None = None

    def core(self, train_key: str | None, val_key: str | None = None, **framework) -> LiveDoctor:
        """The live core for these options; `train_key`, `val_key`: the framework's defaults."""
        return LiveDoctor(self.train_key or train_key, self.val_key or val_key, self.min_epochs, self.every,
                          self.stop_on, self.window, self.budget, self.confirm, lang=self.lang, **framework)


def callback_options(options: dict) -> CallbackOptions:
    """The options a `LossDoctor(...)` call gave; a keyword it does not take is a TypeError that
    names the ones it does (raised before the framework is imported)."""
    from dataclasses import fields  # noqa: PLC0415

    names = [f.name for f in fields(CallbackOptions)]
    unknown = [k for k in options if k not in names]
    if unknown:
        raise TypeError(t("LossDoctor() got an unexpected keyword argument {names}; it takes {known}",
                          names=", ".join(map(repr, unknown)), known=", ".join(names)))
    return CallbackOptions(**options)


def signature_of_options(*extra: inspect.Parameter) -> inspect.Signature:
    """The keyword signature an adapter shows (`help(LossDoctor)`): the options, then its own."""
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in inspect.signature(CallbackOptions).parameters.values()]
    return inspect.Signature(params + list(extra))


class CoreViews:
    """The core's state, under the names EarlyStopping users know, for every framework adapter."""

    def _setup(self, options: CallbackOptions, core: LiveDoctor) -> None:
        self.core, self.options = core, options
        self.restore_best_weights = options.restore_best_weights
        self.report_path, self.history_path, self.verbose = options.report_path, options.history_path, options.verbose

    diagnosis = property(lambda self: self.core.diagnosis)
    diagnoses = property(lambda self: self.core.diagnoses)
    stopped_epoch = property(lambda self: self.core.stopped_epoch)
    best_epoch = property(lambda self: self.core.best_epoch)


_ADAPTERS: dict = {}


def adapter_class(adapter: type, base: type, doc: str | None) -> type:
    """The framework's callback class: `adapter` mixed into the framework's `base`, made once."""
    key = (adapter, base)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = type("LossDoctor", (adapter, base), {"__doc__": doc})
    return _ADAPTERS[key]
