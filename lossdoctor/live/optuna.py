"""Optuna: prune a trial on the diagnosis of its own history, not on its rank among the others.

    import optuna, lossdoctor.optuna as ld

    def objective(trial):
        model = build(trial)
        for epoch in range(1, 51):
            loss, val_loss = train_one_epoch(model), evaluate(model)
            if ld.report(trial, epoch, {"loss": loss, "val_loss": val_loss}):
                raise optuna.TrialPruned()
        return val_loss

    study = optuna.create_study(storage="sqlite:///sweep.db", pruner=ld.LossDoctorPruner(optuna.pruners.MedianPruner()))

`report` sends the validation loss through `trial.report` (what every Optuna pruner reads) and the
training loss into the trial's user attributes, so that the whole history lives in the study's
storage: workers on several machines sharing one database see the same history and decide
alike (the pruner keeps no state of its own). `LossDoctorPruner` diagnoses that history at each
report and prunes a trial whose diagnosis is in `prune_on` (by default: a NaN, a diverging loss, a
loss frozen or stuck at chance, a validation loss that keeps rising while the training loss
falls or has stopped falling, a model that never generalised); otherwise it defers to the pruner it wraps (ranking still
applies to healthy trials), or keeps the trial. Why a trial was pruned goes into its user
attributes (`lossdoctor_code`, `lossdoctor_variant`, `lossdoctor_step`, `lossdoctor_reason`),
which `study.trials_dataframe()` and optuna-dashboard show.

After (or during) the sweep, `lossdoctor report 'optuna:sqlite:///sweep.db?study=NAME' -o sweep.html`
diagnoses every trial into the sweep's page and table; `diagnose_study(study)` does it from Python.

optuna is imported only here, and only when this module is used (`pip install 'lossdoctor[optuna]'`).
"""

from __future__ import annotations

import math
import warnings

from ..core.errors import LossDoctorError
from ..core.i18n import t
from .core import as_float
from ..read.optunastudy import TRAIN_PREFIX, VAL_MISSING, trial_history

__all__ = ["DEFAULT_PRUNE_ON", "LossDoctorPruner", "diagnose_study", "report", "trial_history"]
DEFAULT_PRUNE_ON = ("non_finite", "diverging", "plateau/chance", "plateau/frozen", "overfitting/val_rising",
                    "overfitting/late", "overfitting/never_generalised")


def report(trial, step: int, logs: dict, val_key: str = "val_loss", train_key: str = "loss") -> bool:
    """Report one epoch's losses to the trial; True when the trial should be pruned now.

    Args:
        trial: the `optuna.Trial` being run.
        step: the epoch (or step) number, increasing.
        logs: the epoch's values (a Keras `logs` dict, a Lightning `callback_metrics`, your own).
        val_key, train_key: their names in `logs`.
    """
    val, train = as_float(logs.get(val_key)), as_float(logs.get(train_key))
    if train is not None:
        trial.set_user_attr(f"{TRAIN_PREFIX}{int(step)}", train if math.isfinite(train) else str(train))
    if val is not None:
        trial.report(val, int(step))
    elif train is not None:  # no validation loss: the pruner judges the training loss alone
        trial.report(train, int(step))
        trial.set_user_attr(VAL_MISSING, True)
    return trial.should_prune()



def diagnose_study(study, options=None):
    """Diagnose every trial of a study (any storage, in memory too): a `batch.Batch`, most urgent
    first, one row per trial named by its number and parameters. For a study in a database or a
    journal file, `lossdoctor.report("optuna:sqlite:///sweep.db?study=NAME", html="sweep.html")`
    writes the sweep's page and table as the command line does."""
    from ..run.batch import diagnose_loaded  # noqa: PLC0415
    from ..run.options import Options  # noqa: PLC0415
    from ..read.optunastudy import trial_name  # noqa: PLC0415

    items = [(f"<optuna trial {tr.number}>", trial_name(tr), (lambda tr=tr: trial_history(tr)))
             for tr in study.get_trials(deepcopy=False)]
    return diagnose_loaded(items, options or Options())[0]


def prunes(prune_on, code: str, variant: str) -> bool:
    return code in prune_on or f"{code}/{variant}" in prune_on


def stopping_diagnosis(history, stop_on):
    """The diagnosis of a trial's history when its code, or code/variant, is in `stop_on`, else
    None: decided on the short path, its words written only for a trial that stops (the pruner's
    and the stopper's one judgement)."""
    from ..judge.diagnosis import decide  # noqa: PLC0415

    v = decide(history)
    return v.explain(history, lang="en") if prunes(stop_on, v.code, v.variant) else None


def abstaining(who: str, trial, err: Exception) -> str:
    """The one warning a pruner or stopper gives when it cannot diagnose a trial (it never breaks
    the sweep: it abstains for such trials)."""
    reason = str(err) if isinstance(err, LossDoctorError) else f"{type(err).__name__}: {err}"
    return t("{who}: trial {n} could not be diagnosed ({reason}); abstaining for such trials", who=who, n=trial,
             reason=reason)


def LossDoctorPruner(wrapped=None, prune_on=DEFAULT_PRUNE_ON, min_steps: int = 5):  # noqa: N802 - a class to the user
    """An `optuna.pruners.BasePruner` that prunes a trial on its own diagnosis.

    Args:
        wrapped: another pruner that decides for the trials the diagnosis keeps (e.g.
            `MedianPruner()`), as `PatientPruner` wraps one; None keeps them.
        prune_on: the codes, or `code/variant`, that prune (see the README's table of codes).
        min_steps: reports before the first diagnosis (a NaN prunes at once).
    """
    import optuna  # noqa: PLC0415 - the framework only when used

    class _LossDoctorPruner(optuna.pruners.BasePruner):
        def __init__(self):
            self.wrapped, self.prune_on, self.min_steps = wrapped, tuple(prune_on), min_steps
            self._warned = False

        def prune(self, study, trial) -> bool:
            values = trial.intermediate_values
            last = values[max(values)] if values else None
            if values and (len(values) >= self.min_steps or (last is not None and not math.isfinite(last))):
                try:
                    if self._judge(study, trial):
                        return True
                except Exception as err:  # a pruner must never break the study: abstain, and say so once
                    if not self._warned:
                        self._warned = True
                        warnings.warn(abstaining("LossDoctorPruner", trial.number, err), stacklevel=2)
            return self.wrapped.prune(study, trial) if self.wrapped is not None else False

        def _judge(self, study, trial) -> bool:
            d = stopping_diagnosis(trial_history(trial), self.prune_on)
            if d is None:
                return False
            step = max(trial.intermediate_values)
            for key, value in (("lossdoctor_code", d.code), ("lossdoctor_variant", d.variant),
                               ("lossdoctor_step", int(step)), ("lossdoctor_reason", d.title)):
                study._storage.set_trial_user_attr(trial._trial_id, key, value)
            return True

    return _LossDoctorPruner()
