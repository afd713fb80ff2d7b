"""A PyTorch Lightning callback: `Trainer(callbacks=[LossDoctor()])` diagnoses training live.

A thin adapter over `live.LiveDoctor`. Lightning is imported only when a `LossDoctor` is created.
It reads `trainer.callback_metrics` at the end of each training epoch (after that epoch's
validation), stops with `trainer.should_stop`, logs the verdict's severity through
`pl_module.log`, and keeps the best weights as a state-dict copy restored when training ends.
"""

from __future__ import annotations

from .codes import severity
from .live import CoreViews, LiveDoctor, adapter_class, run_label, torch_weights

class _LightningAdapter(CoreViews):
    """The Lightning side, mixed into `lightning.pytorch.Callback` when a LossDoctor is created."""

    def __init__(self, train_key, val_key, min_epochs, every, stop_on, restore_best_weights, report_path,
                 history_path, window, verbose, budget, confirm, lang=None):
        super().__init__()
        self.core = LiveDoctor(train_key, val_key, min_epochs, every, stop_on, window, budget, confirm,
                               framework="lightning", lang=lang)
        self.restore_best_weights = restore_best_weights
        self.report_path, self.history_path, self.verbose = report_path, history_path, verbose
        self.best = torch_weights(self.core)

    def on_fit_start(self, trainer, pl_module):
        self.core.reset()
        self.best.clear()
        logger = getattr(trainer, "logger", None)
        self.core.run_name = run_label(getattr(logger, "name", None) or type(pl_module).__name__, "lightning")

    def on_train_epoch_end(self, trainer, pl_module):
        if getattr(trainer, "sanity_checking", False):
            return
        v = self.core.update(trainer.current_epoch + 1, dict(trainer.callback_metrics))
        if v.new_best and self.restore_best_weights:
            self.best.keep(pl_module)
        if v.message and self.verbose:
            _info(v.message)
        if v.diagnosis is not None and getattr(trainer, "logger", None) is not None:
            self._log(pl_module, v.diagnosis)
        if v.stop:
            trainer.should_stop = True
            if self.verbose:
                _info(self.core.say("Epoch {epoch}: LossDoctor: stopping training: {code}.", epoch=v.epoch,
                                    code=v.diagnosis.code))

    def on_train_end(self, trainer, pl_module):
        d = self.core.finish(self.report_path, self.history_path)
        if self.verbose and d is not None:
            _info(self.core.final_summary())
        if self.restore_best_weights and self.best.restore(pl_module) and self.verbose:
            _info(self.core.say("LossDoctor: restored the weights of epoch {epoch}, the best validation epoch.",
                                epoch=self.core.best_epoch))

    def _log(self, pl_module, d) -> None:
        try:  # the verdict as numbers the loggers can chart: 0 is the most urgent code
            pl_module.log("lossdoctor/severity", float(severity(d.code)), logger=True, prog_bar=False)
            pl_module.log("lossdoctor/healthy", float(d.ok), logger=True, prog_bar=False)
        except Exception as err:  # a hook where logging is not allowed must not break training
            self.core.warn_once("log", self.core.say("LossDoctor: logging the verdict failed ({error}).", error=err))


def _info(message: str) -> None:
    from lightning.pytorch.utilities import rank_zero_info  # noqa: PLC0415

    rank_zero_info(message)


def LossDoctor(train_key: str | None = None, val_key: str | None = None, min_epochs: int = 5,  # noqa: N802
               every: int = 1, stop_on=("non_finite", "diverging"), restore_best_weights: bool = False,
               report_path: str | None = None, history_path: str | None = None, window: float | None = None,
               verbose: int = 1, budget: float | None = 0.01, confirm: int = 2, lang: str | None = None):
    """Diagnose a Lightning run live; optionally stop a run that is going nowhere.

    Args:
        train_key, val_key: the series in `trainer.callback_metrics`; by default the usual names
            (`train_loss`, `train_loss_epoch`, `loss`; `val_loss`, ...). Log them with
            `self.log("train_loss", loss, on_epoch=True)` and `self.log("val_loss", ...)`.
        The other arguments are those of `lossdoctor.keras.LossDoctor`; `restore_best_weights`
        keeps a copy of the module's state dict at the best validation epoch and loads it when
        training ends.

    Example:
        >>> trainer = lightning.Trainer(max_epochs=50, callbacks=[LossDoctor(stop_on=("non_finite", "overfitting"))])
    """
    from lightning.pytorch.callbacks import Callback  # noqa: PLC0415 - the framework only when used

    cls = adapter_class(_LightningAdapter, Callback, LossDoctor.__doc__)
    return cls(train_key, val_key, min_epochs, every, stop_on, restore_best_weights, report_path, history_path,
               window, verbose, budget, confirm, lang)


__all__ = ["LossDoctor"]
