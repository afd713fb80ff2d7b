"""The placeholders of the advice templates: the numbers and names a fix or a summary quotes."""

from __future__ import annotations

import math

from .apis import api_words
from ..analyse.facts import Facts
from ..core.i18n import t as t_, tr
from .numbers import fmt_epoch, fmt_share, fmt_value, sep, unit_word, units_word
from .trends import change_text, reason_text, span_text, trend_word
from .evidence import nonfinite_text


def _metric_words(f: Facts) -> dict:
    m = f.metric
    if m is None:
        return {"metric_key": "", "metric_best": "", "metric_best_epoch": "", "metric_at_loss_best": "",
                "metric_now": "", "metric_chance": ""}
    k = m.chance_classes
    return {"metric_key": m.key, "metric_best": fmt_value(m.best_value), "metric_best_epoch": fmt_epoch(m.best_epoch),
            "metric_at_loss_best": fmt_value(m.at_loss_best), "metric_now": fmt_value(m.now),
            "metric_chance": f"1/{k} = {1 / k:.3f}" if k else ""}


def _lr_words(f: Facts) -> dict:
    """The learning rate's numbers for the fixes, when the log carries it."""
    g = f.signals
    if g.lr_now is None:
        return {"lr_by_3": "", "lr_by_10": "", "lr_key": t_("the learning rate"), "lr_now": "?", "lr_peak": "?",
                "lr_share": "?", "lr_floor": "?"}
    now = g.lr_now
    return {"lr_by_3": t_(", from {now} to about {to}", now=f"{now:.2g}", to=f"{now / 3:.2g}"),
            "lr_by_10": t_(": from {now} to {to}", now=f"{now:.2g}", to=f"{now / 10:.2g}"),
            "lr_key": g.lr_key, "lr_now": f"{now:.2g}", "lr_peak": f"{g.lr_peak:.2g}",
            "lr_share": fmt_share(now / g.lr_peak), "lr_floor": f"{g.lr_peak / 100:.2g}"}


def _keep_best(f: Facts, framework: str = "generic") -> str:
    """What to do with this run's weights: keep the final ones when they are as good as the best.
    The epoch is said in the framework's own numbering where it differs (Lightning counts from 0;
    Hugging Face names checkpoints by step)."""
    c, u = f.checkpoint, f.unit
    said = _recorded_best(f)
    if said:
        return said
    if c is not None and c.final_as_good:
        return t_("the final weights are as good as the best (within the noise), so keep them")
    e = f.best_epoch
    if framework == "huggingface" and f.best_step is not None:
        return t_("keep checkpoint-{step} (the evaluation at step {step}, {unit} {epoch}): the Trainer names its "
                  "checkpoints by step, and has it where save_steps matches eval_steps", step=f.best_step,
                  unit=unit_word(u), epoch=fmt_epoch(e))
    if framework == "lightning" and u == "epoch" and e is not None and math.isfinite(e) and e == round(e):
        return t_("keep the checkpoint of {unit} {epoch}: Lightning counts from 0, so its file is named "
                  "epoch={zero}-step=<N>.ckpt", unit=unit_word(u), epoch=fmt_epoch(e), zero=int(e) - 1)
    return t_("keep the checkpoint of {unit} {epoch}", unit=unit_word(u), epoch=fmt_epoch(e))


def _recorded_best(f: Facts) -> str | None:
    """The weights the log says were kept (EarlyStopping's restore, the Trainer's best checkpoint),
    beside lossdoctor's own best epoch."""
    r, u = f.recorded, f.unit
    if r.get("restored_epoch") is not None:
        if f.best_epoch is not None and int(r["restored_epoch"]) == round(f.best_epoch):
            return t_("EarlyStopping already restored the weights of {unit} {epoch}, the best one (the log says so): "
                      "keep them", unit=unit_word(u), epoch=r["restored_epoch"])
        return t_("the log says EarlyStopping restored the weights of {unit} {restored}, while the best {key} was at "
                  "{unit} {best}: keep the checkpoint of {unit} {best}", unit=unit_word(u),
                  restored=r["restored_epoch"], key=f.best_key, best=fmt_epoch(f.best_epoch))
    if r.get("best_checkpoint"):
        at = (t_(", {unit} {epoch}", unit=unit_word(u), epoch=fmt_epoch(r["best_epoch"]))
              if r.get("best_epoch") is not None else "")
        return t_("keep {checkpoint}{at}, the checkpoint the Trainer recorded as its best (best_metric {metric}; "
                  "load_best_model_at_end=True loads it)", checkpoint=r["best_checkpoint"], at=at,
                  metric=fmt_value(r["best_metric"]))
    return None


def context(f: Facts, min_points: int = 5, framework: str = "generic") -> dict:
    """Every placeholder an advice template may use, filled from the facts, in `framework`'s API."""
    u = f.unit
    k = f.chance_classes
    frac = f.train_above_val
    nonfinite = sep().join(nonfinite_text(key, e, u) for key, e in f.nonfinite.items())
    val_end = f.val.end_value if f.val else math.nan
    return {
        "epoch": unit_word(u), "epochs": units_word(u),
        "train_key": f.train_key, "val_key": f.val_key or "val_loss",
        "window_first": fmt_epoch(f.window[0]), "window_last": fmt_epoch(f.window[1]),
        "train_change": change_text(f.train), "val_change": change_text(f.val),
        "train_window": span_text(f.train), "val_window": span_text(f.val),
        "val_trend": trend_word(f.val.trend if f.val else "absent"),
        "best_epoch": fmt_epoch(f.best_epoch), "best_val": fmt_value(f.best_value),
        "since_best": fmt_epoch(f.since_best), "best_train": fmt_value(f.best_train),
        "train_level": fmt_value(f.train.level), "progress": f"{f.progress:.1%}" if f.progress > 0.99 else f"{f.progress:.0%}",
        "train_state": (t_("moves unsteadily, with no clear trend") if f.train.reason == "unsteady"
                        else t_("has levelled off")),
        "train_noise": f"{f.train.noise:.0%}" if math.isfinite(f.train.noise) else "?",
        "val_noise": f"{f.val.noise:.0%}" if f.val is not None and math.isfinite(f.val.noise) else "?",
        "val_now": fmt_value(val_end),
        "val_excess": (f"{val_end / f.best_value - 1:.1%}" if f.best_value and math.isfinite(val_end) else "?"),
        "explosion": f"{f.explosion:.0f}",
        "train_jump": f"{f.train_jump:.0f}", "train_now": fmt_value(f.train.end_value),
        "classes": k or "", "chance_loss": f"{math.log(k):.4f}" if k else "",
        "nonfinite_what": t_("{what}.", what=nonfinite) if nonfinite else "",
        "train_above_val": (t_(" The training loss is also >{ratio} above the validation loss in {share} of {units}.",
                               ratio=f"{f.settings.train_above_ratio - 1:.0%}", share=f"{frac:.0%}", units=units_word(u))
                            if frac and frac > f.settings.train_above_share else ""),
        "insufficient": t_("{key} has {reason}.", key=repr(f.train_key), reason=reason_text(f.train, u)),
        "min_epochs": min_points,
        "no_val_reason": (t_("no validation loss was logged") if f.val is None else
                          t_("the validation loss has only {n} point(s) to judge", n=f.val.fit_points)),
        "validation_fix": (tr("Add a validation set so overfitting can be seen: {api_add_val}.") if f.val is None else
                           tr("Evaluate more often ({api_eval_more}) so the validation trend can be judged.")),
        "keep_best": _keep_best(f, framework),
        **_lr_words(f),
        **_metric_words(f),
        **api_words(framework, f.val_key, f.checkpoint.patience if f.checkpoint else None,
                    f.metric.key if f.metric else None, f.metric.higher_is_better if f.metric else True),
    }
