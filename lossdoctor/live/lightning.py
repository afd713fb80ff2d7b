"""A PyTorch Lightning callback: `Trainer(callbacks=[LossDoctor()])` diagnoses training live.

A thin adapter over `live.LiveDoctor`. Lightning is imported only when a `LossDoctor` is created.
It reads `trainer.callback_metrics` at the end of each training epoch (after that epoch's
validation), stops with `trainer.should_stop`, logs the verdict's severity through
`pl_module.log`, and keeps the best weights as a state-dict copy restored when training ends.
"""

from __future__ import annotations

from ..judge.codes import severity
from .core import CallbackOptions, CoreViews, adapter_class, callback_options, run_label, signature_of_options, torch_weights

class _LightningAdapter(CoreViews):
    """The Lightning side, mixed into `lightning.pytorch.Callback` when a LossDoctor is created."""

    def __init__(self, options: CallbackOptions | None = None, **keywords):
        super().__init__()
        options = options or callback_options(keywords)  # the class itself, made with keywords
        self._setup(options, options.core(None, framework="lightning"))
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


def LossDoctor(**options):  # noqa: N802 - a class to the user
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
    settings = callback_options(options)  # an unknown keyword fails here, before the framework is imported
    from lightning.pytorch.callbacks import Callback  # noqa: PLC0415 - the framework only when used

    cls = adapter_class(_LightningAdapter, Callback, LossDoctor.__doc__)
    return cls(settings)


LossDoctor.__signature__ = signature_of_options()


__all__ = ["LossDoctor"]
