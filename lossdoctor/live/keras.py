"""A Keras callback that diagnoses training live: `model.fit(..., callbacks=[LossDoctor()])`.

A thin adapter over `live.LiveDoctor`, which knows no framework. Keras is imported only when a
`LossDoctor` is created, so `import lossdoctor` never pays for it. Works with Keras 3 on any
backend; pass `base=tf.keras.callbacks.Callback` for a tf.keras (Keras 2) model.
"""

from __future__ import annotations

import inspect

from .core import BestWeights, CallbackOptions, CoreViews, adapter_class, callback_options, run_label, signature_of_options


class _LossDoctorMixin(CoreViews):
    """The callback's Keras side, independent of which Keras provides the base class."""

    def __init__(self, options: CallbackOptions | None = None, **keywords):
        super().__init__()
        options = options or callback_options(keywords)  # the class itself, made with keywords
        self._setup(options, options.core("loss"))
        self.best = BestWeights(self.core, lambda m: m.get_weights(), lambda m, w: m.set_weights(w))

    logs = property(lambda self: self.core.logs)
    best_weights = property(lambda self: self.best.saved)

    def on_train_begin(self, logs=None):
        self.core.reset()
        self.best.clear()
        self.core.run_name = run_label(getattr(self.model, "name", None), "keras")

    def on_epoch_end(self, epoch, logs=None):
        v = self.core.update(epoch + 1, logs if logs is not None else {})
        if v.new_best and self.restore_best_weights:
            self.best.keep(self.model)
        if v.message and self.verbose:
            print(f"\n{v.message}", flush=True)
        if v.stop:
            self.model.stop_training = True
            if self.verbose:
                print(self.core.say("Epoch {epoch}: LossDoctor: stopping training: {code}.", epoch=v.epoch,
                                    code=v.diagnosis.code), flush=True)

    def on_train_end(self, logs=None):
        d = self.core.finish(self.report_path, self.history_path)
        if self.verbose and d is not None:
            print(self.core.final_summary(), flush=True)
        # as EarlyStopping(restore_best_weights=True) does in Keras 3: at the end of training
        if self.restore_best_weights and self.best.restore(self.model) and self.verbose:
            print(self.core.say("LossDoctor: restored the weights of epoch {epoch}, the best validation epoch.",
                                epoch=self.core.best_epoch), flush=True)


def LossDoctor(*, base=None, **options):  # noqa: N802 - a class to the user
    """Diagnose training live from the epoch logs; optionally stop a run that is going nowhere.

    Args:
        train_key: the training series (default `loss`); val_key: the validation series
            (default `val_<train_key>`).
        min_epochs: diagnose from this epoch on (default 5); every: then every N epochs.
        stop_on: diagnosis codes that stop training (default `("non_finite", "diverging")`);
            add `"overfitting"` to stop an overfitting run.
        restore_best_weights: keep the weights of the best validation epoch and restore them
            when training ends, as EarlyStopping(restore_best_weights=True) does.
        report_path: write the annotated figure here at the end of training (.png/.svg/.pdf).
        history_path: write the history as JSON here at the end (readable by `lossdoctor diagnose`).
        window: judge the last N epochs instead of the last third.
        verbose: 0 silent; 1 one line whenever the announced diagnosis changes.
        budget: the largest share of training time spent diagnosing (default 1%): when a
            diagnosis every `every` epochs would cost more (tiny models, very long runs), it runs
            as often as the budget allows. NaN/inf is checked every epoch regardless and stops at
            once. None: diagnose every `every` epochs whatever it costs.
        confirm: a change of diagnosis is announced and acted on once this many diagnoses in a
            row agree (default 2), so one noisy epoch does not flip the verdict; NaN/inf at once.
        lang: the language of the printed lines and of the diagnoses' words (`en`, `zh`; default:
            LOSSDOCTOR_LANG, else the locale, else English).
        base: the Callback base class; by default `keras.callbacks.Callback` (Keras 3). Pass
            `tf.keras.callbacks.Callback` for a tf.keras model.

    The timeline is kept in `.diagnoses` (a list of `(epoch, Diagnosis)`), the latest in `.diagnosis`;
    only the latest keeps its history, forecast and timeline (see `Diagnosis.detached`).

    Example:
        >>> model.fit(x, y, validation_split=0.2, epochs=100,
        ...           callbacks=[LossDoctor(stop_on=("non_finite", "diverging", "overfitting"),
        ...                                 restore_best_weights=True, report_path="loss.png")])
    """
    settings = callback_options(options)  # an unknown keyword fails here, before Keras is imported
    if base is None:
        import keras  # noqa: PLC0415 - the framework only when the callback is used

        base = keras.callbacks.Callback
    adapter = adapter_class(_LossDoctorMixin, base, LossDoctor.__doc__)
    return adapter(settings)


LossDoctor.__signature__ = signature_of_options(inspect.Parameter("base", inspect.Parameter.KEYWORD_ONLY, default=None))


__all__ = ["LossDoctor"]
