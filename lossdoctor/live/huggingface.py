"""A Hugging Face `Trainer` callback: `Trainer(..., callbacks=[LossDoctor()])` diagnoses training live.

A thin adapter over `live.LiveDoctor`; transformers is imported only when a `LossDoctor` is created.
`Trainer` works in steps with fractional epochs: every evaluation (`on_evaluate`) is one point,
placed at `state.epoch`, with the mean training loss logged since the one before (`on_log`); with
no evaluation at all, every training-loss log is a point. It stops with
`control.should_training_stop`, keeps the best weights as a state-dict copy restored when
training ends, and adds the final diagnosis to `state.log_history` (so it is saved in
`trainer_state.json` with the next checkpoint).
"""

from __future__ import annotations

import math

from .core import (CallbackOptions, CoreViews, adapter_class, as_float, callback_options, run_label, signature_of_options,
                   torch_weights)

class _TrainerAdapter(CoreViews):
    """The Hugging Face side, mixed into `transformers.TrainerCallback` when a LossDoctor is created."""

    def __init__(self, options: CallbackOptions | None = None, **keywords):
        super().__init__()
        options = options or callback_options(keywords)  # the class itself, made with keywords
        self._setup(options, options.core("loss", "eval_loss", framework="huggingface", point="Evaluation"))
        self.best = torch_weights(self.core)
        self._train: list[float] = []
        self._n = 0
        self._training = False  # evaluate() after train() is not part of the run

    def on_train_begin(self, args, state, control, **kwargs):
        self.core.reset()
        self.best.clear()
        self.core.run_name = run_label(getattr(args, "run_name", None) or getattr(args, "output_dir", None),
                                       "huggingface")
        self._train, self._n, self._training = [], 0, True

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not self._training:
            return
        value = as_float((logs or {}).get(self.core.train_key))
        if value is None:
            return
        self._train.append(value)
        if getattr(args, "eval_strategy", "no") == "no":  # IntervalStrategy is a str enum
            self._update(state, control, {}, kwargs.get("model"))

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if not self._training:
            return
        self._update(state, control, dict(metrics or {}), kwargs.get("model"))

    def _update(self, state, control, metrics: dict, model) -> None:
        logs = dict(metrics)
        if self._train:
            finite = [v for v in self._train if math.isfinite(v)]
            logs[self.core.train_key] = (sum(finite) / len(finite)) if len(finite) == len(self._train) else math.nan
        self._train = []
        self._n += 1
        v = self.core.update(self._n, logs, position=as_float(getattr(state, "epoch", None)))
        if v.new_best and self.restore_best_weights and model is not None:
            self.best.keep(model)
        if v.message and self.verbose:
            where = self.core.say("(epoch {epoch}, step {step})", epoch=f"{state.epoch:.2f}", step=state.global_step)
            print(f"\n{v.message} {where}", flush=True)
        if v.stop:
            control.should_training_stop = True
            if self.verbose:
                print(self.core.say("LossDoctor: stopping training at step {step}: {code}.", step=state.global_step,
                                    code=v.diagnosis.code), flush=True)

    def on_train_end(self, args, state, control, **kwargs):
        self._training = False
        d = self.core.finish(self.report_path, self.history_path)
        if self.verbose and d is not None:
            print(self.core.final_summary(), flush=True)
        if d is not None:
            fc = d.forecast
            state.log_history.append({"lossdoctor_code": d.code, "lossdoctor_variant": d.variant,
                                      "lossdoctor_title": d.title,
                                      "lossdoctor_more_epochs_help": fc.more_epochs_help if fc else None,
                                      "lossdoctor_expected_loss": fc.expected_loss if fc else None,
                                      "step": state.global_step})
        if self.restore_best_weights and self.best.restore(kwargs.get("model")) and self.verbose:
            print(self.core.say("LossDoctor: restored the weights of evaluation {n}, the best one.",
                                n=self.core.best_epoch), flush=True)


def LossDoctor(**options):  # noqa: N802 - a class to the user
    """Diagnose a Hugging Face `Trainer` run live; optionally stop a run that is going nowhere.

    Args:
        train_key: the training loss in the logs (default `loss`); val_key: the evaluation
            loss (default `eval_loss`). Evaluate regularly (`eval_strategy="epoch"` or `"steps"`)
            to see overfitting.
        min_epochs: diagnose from this many evaluations on. The other arguments are those of
            `lossdoctor.keras.LossDoctor`; `restore_best_weights` keeps a copy of the model's
            state dict at the best evaluation and loads it when training ends.

    Example:
        >>> Trainer(model=model, args=args, train_dataset=train, eval_dataset=val,
        ...         callbacks=[LossDoctor(stop_on=("non_finite", "diverging", "overfitting"))])
    """
    settings = callback_options(options)  # an unknown keyword fails here, before the framework is imported
    from transformers import TrainerCallback  # noqa: PLC0415 - the framework only when used

    cls = adapter_class(_TrainerAdapter, TrainerCallback, LossDoctor.__doc__)
    return cls(settings)


LossDoctor.__signature__ = signature_of_options()


__all__ = ["LossDoctor"]
