"""Ray Tune: stop a trial on the diagnosis of its own result stream, beside any scheduler.

    from ray import tune
    from lossdoctor.ray import LossDoctorStopper

    stopper = LossDoctorStopper()          # reads `loss` and `val_loss` from each reported result
    tuner = tune.Tuner(train_fn, param_space=space,
                       tune_config=tune.TuneConfig(scheduler=tune.schedulers.ASHAScheduler(metric="val_loss", mode="min")),
                       run_config=tune.RunConfig(stop=stopper))
    results = tuner.fit()
    stopper.reasons                        # {trial_id: {"code", "variant", "iteration", "reason"}}

The stopper runs in Tune's driver: it keeps each trial's losses as the results arrive and stops a
trial whose diagnosis is in `stop_on` (the same default as the Optuna pruner: a NaN, a diverging
loss, a loss frozen or stuck at chance, a validation loss rising while the training loss falls, a
model that never generalised). ray is imported only here (`pip install 'lossdoctor[ray]'`).
"""

from __future__ import annotations

import math
import warnings

from ..read.history import History, Series
from .core import as_float
from .optuna import DEFAULT_PRUNE_ON, abstaining, stopping_diagnosis



def LossDoctorStopper(train_key: str = "loss", val_key: str = "val_loss", stop_on=DEFAULT_PRUNE_ON,  # noqa: N802
                      min_results: int = 5):
    """A `ray.tune.Stopper` that stops a trial on its own diagnosis.

    Args:
        train_key, val_key: the training and validation loss in the reported results.
        stop_on: the codes, or `code/variant`, that stop a trial.
        min_results: results before the first diagnosis (a NaN stops at once).
    """
    from ray.tune import Stopper  # noqa: PLC0415 - the framework only when used

    class _LossDoctorStopper(Stopper):
        def __init__(self):
            self.runs: dict[str, dict[str, list]] = {}
            self.reasons: dict[str, dict] = {}
            self._warned = False

        def __call__(self, trial_id: str, result: dict) -> bool:
            run = self.runs.setdefault(trial_id, {"x": [], "train": [], "val": []})
            step = as_float(result.get("training_iteration")) or float(len(run["x"]) + 1)
            train, val = as_float(result.get(train_key)), as_float(result.get(val_key))
            if train is None and val is None:
                return False
            run["x"].append(step)
            run["train"].append(train)
            run["val"].append(val)
            last = [v for v in (train, val) if v is not None]
            if len(run["x"]) < min_results and all(math.isfinite(v) for v in last):
                return False
            try:
                return self._judge(trial_id, run)
            except Exception as err:  # a stopper must never break the experiment: abstain, and say so once
                if not self._warned:
                    self._warned = True
                    warnings.warn(abstaining("LossDoctorStopper", trial_id, err), stacklevel=2)
                return False

        def _judge(self, trial_id: str, run: dict) -> bool:
            series = {}
            for key, values in (("loss", run["train"]), ("val_loss", run["val"])):
                points = [(x, v) for x, v in zip(run["x"], values) if v is not None]
                if points:
                    series[key] = Series(key, [x for x, _ in points], [v for _, v in points])
            if "loss" not in series:  # only a validation loss reported: judged alone
                series = {"loss": Series("loss", series["val_loss"].x, series["val_loss"].y)}
            d = stopping_diagnosis(History(series, source=f"<ray trial {trial_id}>", format="ray"), stop_on)
            if d is None:
                return False
            self.reasons[trial_id] = {"code": d.code, "variant": d.variant, "iteration": int(run["x"][-1]),
                                      "reason": d.title}
            return True

        def stop_all(self) -> bool:
            return False

    return _LossDoctorStopper()
