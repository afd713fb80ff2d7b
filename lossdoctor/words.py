"""Sentences about trends, made from a `Trend`'s numbers and reason code (facts stay in `trend`).

Every renderer (text, Markdown, figure, callback) takes its trend wording from here, so one
sentence exists once and always agrees with the numbers beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .apis import api_words
from .facts import Facts
from .i18n import N_, t as t_, tp, tr
from .trend import DEFAULT_SETTINGS, Trend


def unit_word(unit: str) -> str:
    """'epoch' or 'step', in the language in force."""
    return tp("unit", "step") if unit == "step" else tp("unit", "epoch")


def units_word(unit: str) -> str:
    """'epochs' or 'steps', in the language in force."""
    return tp("unit", "steps") if unit == "step" else tp("unit", "epochs")


def sep() -> str:
    """The separator of clauses in a list ('; ')."""
    return tr("; ")


def epoch_number(v):
    """An epoch position for JSON: an int when it is one, else rounded to 3 decimals; None if unknown."""
    if v is None or not math.isfinite(v):
        return None
    return int(round(v)) if abs(v - round(v)) < 1e-9 else round(float(v), 3)


def fmt_epoch(v: float | None) -> str:
    """An epoch position as Keras prints it: an integer when it is one."""
    n = epoch_number(v)
    return "?" if n is None else str(n)


def fmt_value(v: float | None) -> str:
    """A loss value with four significant digits."""
    if v is None or not math.isfinite(v):
        return str(v)
    return f"{v:.4g}"


def fmt_share(v: float) -> str:
    """A fraction as a percentage with two significant digits: 3.2%, 0.041%."""
    if not math.isfinite(v):
        return "?"
    return f"{100 * v:.2g}%" if abs(v) < 0.1 else f"{v:.0%}"


def times(z: float) -> str:
    """How many standard errors a move is, as a short phrase."""
    z = abs(z)
    return f"{z:.1f}" if z < 100 else t_("more than 100")


def reason_text(tn: Trend, unit: str = "epoch") -> str:
    """Why the trend is what it is, in a clause that agrees with the numbers."""
    if tn.reason == "too_few":
        return t_("only {n} finite point(s); at least {need} are needed to call a trend", n=tn.n_points,
                  need=DEFAULT_SETTINGS.min_points)
    move = t_("{change} over {units} {first}-{last}", change=f"{tn.relative_change:+.1%}", units=units_word(unit),
              first=fmt_epoch(tn.first_epoch), last=fmt_epoch(tn.last_epoch))
    if tn.reason == "unsteady":
        return t_("moves {move}, but it jumps by about {noise} from {unit} to {unit}, so the move is only "
                  "{z} noise units: too unsteady to call a trend", move=move, noise=fmt_share(tn.noise),
                  unit=unit_word(unit), z=times(tn.z_score))
    if tn.reason == "small":
        return t_("moves only {move}: too little to matter", move=move)
    if tn.reason == "stalled":
        return t_("moves {move}, but sets no new low: stalled", move=move)
    if tn.reason == "stopped":
        return t_("moves {move}, but its latest {unit}s set no new best beyond its noise: it has stopped "
                  "improving", move=move, unit=unit_word(unit))
    if tn.reason == "above_best":
        return t_("moves {move}, and sits well above its best: climbing away from it", move=move)
    return t_("{trend} {move}, {z} times its noise", trend=trend_word(tn.trend), move=move, z=times(tn.z_score))


TREND_WORDS = {"falling": N_("falling"), "rising": N_("rising"), "flat": N_("flat"), "unknown": N_("unknown"),
               "absent": N_("absent")}


def trend_word(trend: str) -> str:
    """'falling', 'rising', 'flat', 'unknown', in the language in force (the JSON keeps the code)."""
    return tr(TREND_WORDS.get(trend, trend))


def series_label(series: str) -> str:
    return t_("train loss") if series == "train" else t_("val loss")


def trend_line(label: str, tn: Trend, unit: str = "epoch") -> str:
    """One evidence line: the verdict, the fitted move, the noise it is judged against."""
    if tn.trend == "unknown":
        return t_("{label} ({key}): unknown, {reason}", label=series_label(label), key=tn.key,
                  reason=reason_text(tn, unit))
    regime = ""
    if math.isfinite(tn.regime_start) and tn.regime_start > tn.first_epoch:
        regime = t_("; its current regime began at {unit} {epoch}", unit=unit_word(unit),
                    epoch=fmt_epoch(tn.regime_start))
    spikes = ""
    if tn.spikes:
        spikes = t_("; one-{unit} spike(s) left out at {unit} {epochs}", unit=unit_word(unit),
                    epochs=", ".join(fmt_epoch(s) for s in tn.spikes[:5]))
    return t_("{label} ({key}): {trend}, fitted {start} -> {end} over {units} {first}-{last} ({change}; noise "
              "{noise} per {unit}, the move is {z} times its standard error; p={p}){regime}{spikes}{jump}",
              label=series_label(label), key=tn.key, trend=trend_word(tn.trend), start=fmt_value(tn.start_value),
              end=fmt_value(tn.end_value), units=units_word(unit), first=fmt_epoch(tn.first_epoch),
              last=fmt_epoch(tn.last_epoch), change=f"{tn.relative_change:+.1%}", noise=fmt_share(tn.noise),
              unit=unit_word(unit), z=times(tn.z_score), p=f"{tn.p_value:.2g}", regime=regime, spikes=spikes,
              jump=_jump(tn, unit) + _record_clause(tn, unit))


def _record_clause(tn: Trend, unit: str = "epoch") -> str:
    """Why the record overrules the fitted move (reasons `stalled`, `stopped`, `above_best`)."""
    if tn.reason == "stalled":
        return t_("; but no point inside the window set a new low: it has stalled, not fallen")
    if tn.reason == "stopped":
        since = (t_("{unit} {epoch}", unit=unit_word(unit), epoch=fmt_epoch(tn.last_best))
                 if math.isfinite(tn.last_best) else t_("its first {unit}", unit=unit_word(unit)))
        return t_("; but no value since {since} beat the best before it by more than its noise: it has stopped "
                  "improving", since=since)
    if tn.reason == "above_best":
        return t_("; its fitted level now sits well above its best, which lies before the window: it has climbed "
                  "away from it")
    return ""


def _jump(tn: Trend, unit: str) -> str:
    if not tn.last_jump:
        return ""
    return t_("; the last {unit} jumped {jump} above the trend of the ones before it: one point, left out until "
              "the next {units} confirm it", unit=unit_word(unit), jump=f"{tn.last_jump:+.0%}", units=units_word(unit))


# -- evidence: structured items, and their sentences -------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: what kind it is and the numbers it carries (JSON-ready)."""

    kind: str
    fields: dict

    def to_dict(self) -> dict:
        return {"kind": self.kind, **{k: _plain(v) for k, v in self.fields.items()}}


def _plain(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def evidence_items(f: Facts) -> tuple[Evidence, ...]:
    """The evidence behind a diagnosis, as items that every renderer words alike."""
    items = [Evidence("trend", {"series": "train", "key": f.train.key})]
    items.append(Evidence("trend", {"series": "val", "key": f.val.key}) if f.val is not None
                 else Evidence("no_val", {}))
    items += [Evidence("nonfinite", {"key": k, "epoch": e}) for k, e in f.nonfinite.items()]
    if f.best_epoch is not None:
        items.append(Evidence("best", {"key": f.best_key, "value": f.best_value, "epoch": f.best_epoch,
                                       "since": f.since_best}))
    c = f.checkpoint
    if c is not None and c.epochs_after_best > 0:
        items.append(Evidence("as_good", {"key": c.key, "band": c.band, "epochs": list(c.equivalent_epochs),
                                          "final": c.final_as_good, "worse_by": c.worse_by}))
    if c is not None and c.epochs_after_best >= 2:
        items.append(Evidence("cost", {"key": c.key, "onset": c.onset_epoch, "after": c.epochs_after_best,
                                       "share": c.share_after_best, "patience": c.patience, "stop": c.stop_epoch,
                                       "restored": c.restored_epoch, "saved": c.epochs_saved,
                                       "seconds": c.seconds_after_best, "total": c.seconds_total,
                                       "seconds_saved": c.seconds_saved}))
    if f.exploded:
        items.append(Evidence("exploded", {"key": f.train.key, "factor": f.explosion}))
    s = f.settings
    if f.train_above_val is not None and f.train_above_val > s.train_above_share:
        items.append(Evidence("train_above_val", {"share": f.train_above_val, "ratio": s.train_above_ratio}))
    if (f.train.trend in ("flat", "falling") and not f.exploded and not f.nonfinite
            and not f.train_per_step and f.train.noise > s.noisy):
        items.append(Evidence("oscillates", {"key": f.train.key, "noise": f.train.noise}))
    items += _signal_items(f)
    if f.chance_classes:
        items.append(Evidence("chance", {"key": f.train.key, "level": f.train.level, "classes": f.chance_classes}))
    return tuple(items)


def _signal_items(f: Facts) -> list:
    g, key = f.signals, f.train.key
    items = []
    if g.lr_key and g.lr_now is not None:
        items.append(Evidence("learning_rate", {"key": g.lr_key, "now": g.lr_now, "peak": g.lr_peak,
                                                "decayed": g.lr_decayed}))
    if g.grad_state:
        items.append(Evidence("gradients", {"key": g.grad_key, "state": g.grad_state, "ratio": g.grad_ratio}))
    if g.spike_pattern:
        items.append(Evidence("spikes", {"key": key, "pattern": g.spike_pattern, "at": list(g.spikes),
                                         "period": g.spike_period}))
    if g.zero_loss:
        items.append(Evidence("zero_loss", {"key": key, "at": list(g.zero_loss)}))
    return items


SPIKE_WHY = {
    "recurring": N_("the learning rate is near the edge of stability: lower it about 2x, or clip the gradients"),
    "periodic": N_("a schedule's restarts, or a data pipeline that repeats the same hard batches"),
    "epoch_boundary": N_("the last, smaller batch of each epoch, or the reshuffling between epochs"),
}


def _at_list(at: list) -> str:
    return ", ".join(fmt_epoch(s) for s in at[:6]) + (", ..." if len(at) > 6 else "")


def signal_text(e: Evidence, u: str = "epoch") -> str | None:
    """The sentence for a finding beyond the trends (None for other kinds)."""
    v = e.fields
    if e.kind == "learning_rate":
        if v["decayed"]:
            return t_("{key} {now} at the last {unit} (peak {peak}): decayed to almost nothing", key=v["key"],
                      now=f"{v['now']:.2g}", unit=unit_word(u), peak=f"{v['peak']:.2g}")
        return t_("{key} {now} at the last {unit} (peak {peak})", key=v["key"], now=f"{v['now']:.2g}",
                  unit=unit_word(u), peak=f"{v['peak']:.2g}")
    if e.kind == "gradients":
        if v["state"] == "exploding":
            return t_("{key} is exploding: its recent level is {ratio}x its median over the run", key=v["key"],
                      ratio=f"{v['ratio']:.0f}")
        return t_("{key} is vanishing: its recent level is {share} of its start", key=v["key"],
                  share=fmt_share(v["ratio"]))
    if e.kind == "spikes":
        fields = dict(key=v["key"], unit=unit_word(u), at=_at_list(v["at"]), why=tr(SPIKE_WHY[v["pattern"]]))
        if v["pattern"] == "recurring":
            return t_("{key} spiked {n} times ({unit} {at}), each time recovering: {why}", n=len(v["at"]), **fields)
        if v["pattern"] == "epoch_boundary":
            return t_("{key} spikes at epoch boundaries ({unit} {at}), each time recovering: {why}", **fields)
        return t_("{key} spikes every {period} {units} ({unit} {at}), each time recovering: {why}",
                  period=fmt_epoch(round(v["period"] or 0, 1)), units=units_word(u), **fields)
    if e.kind == "zero_loss":
        return t_("{key} is exactly 0 at {unit} {at}: labels masked out (e.g. all -100) or empty batches "
                  "contribute nothing", key=v["key"], unit=unit_word(u), at=_at_list(v["at"]))
    return None


def evidence_text(e: Evidence, f: Facts) -> str:
    """The sentence for one evidence item."""
    u, v = f.unit, e.fields
    if e.kind == "trend":
        return trend_line(v["series"], f.train if v["series"] == "train" else f.val, u)
    if e.kind == "no_val":
        return t_("val loss: none logged")
    if e.kind == "nonfinite":
        return nonfinite_text(v["key"], v["epoch"], u)
    if e.kind == "best":
        return best_line(v["key"], v["value"], v["epoch"], v["since"], u)
    if e.kind == "as_good":
        return as_good_text(v, u)
    if e.kind == "cost":
        return cost_text(v, u)
    if e.kind == "exploded":
        return t_("{key} sits {factor}x above its best value", key=v["key"], factor=f"{v['factor']:.0f}")
    if e.kind == "train_above_val":
        return t_("training loss >{ratio} above validation loss in {share} of {units} (part of it is expected: a "
                  "training loss averaged over the epoch's batches, as Keras and most training loops report it, lags "
                  "the validation loss measured at the epoch's end by about half an epoch, and dropout is active in "
                  "training)", ratio=f"{v['ratio'] - 1:.0%}",
                  share=f"{v['share']:.0%}", units=units_word(u))
    if e.kind == "oscillates":
        return t_("{key} oscillates by about {noise} of its level from {unit} to {unit}: very small batches or a "
                  "learning rate near the edge of stability make steps noisy", key=v["key"],
                  noise=f"{v['noise']:.0%}", unit=unit_word(u))
    said = signal_text(e, u)
    if said is not None:
        return said
    if e.kind == "chance":
        k = v["classes"]
        return t_("{key} level {level} = ln {k} ({ln_k}): chance level for {k} classes", key=v["key"],
                  level=fmt_value(v["level"]), k=k, ln_k=f"{math.log(k):.4f}")
    raise ValueError(f"no words for evidence of kind {e.kind!r}")


def epoch_list(epochs: list, most: int = 8) -> str:
    """'3-5, 8, 11-12': runs of consecutive whole epochs joined, the rest listed (at most `most` items)."""
    parts, run = [], []
    for e in epochs:
        if run and isinstance(e, int) and isinstance(run[-1], int) and e == run[-1] + 1:
            run.append(e)
            continue
        if run:
            parts.append(fmt_epoch(run[0]) if len(run) == 1 else f"{fmt_epoch(run[0])}-{fmt_epoch(run[-1])}")
        run = [e]
    if run:
        parts.append(fmt_epoch(run[0]) if len(run) == 1 else f"{fmt_epoch(run[0])}-{fmt_epoch(run[-1])}")
    more = t_(" and {n} more", n=len(parts) - most) if len(parts) > most else ""
    return ", ".join(parts[:most]) + more


def as_good_text(v: dict, u: str = "epoch") -> str:
    """Which epochs are as good as the best, and whether the final one is."""
    fields = dict(key=v["key"], band=fmt_value(v["band"]), unit=unit_word(u), epochs=epoch_list(v["epochs"]))
    if v["final"]:
        return t_("{key} within its noise of the best (up to {band}) at {unit} {epochs}: the final weights are "
                  "as good as the best", **fields)
    if v["worse_by"] >= 9:  # "9,302 times the best" reads; "930239340% above" does not
        return t_("{key} within its noise of the best (up to {band}) at {unit} {epochs}; the last {unit} is not, "
                  "its fitted level is {times} times the best", times=f"{1 + v['worse_by']:,.0f}", **fields)
    return t_("{key} within its noise of the best (up to {band}) at {unit} {epochs}; the last {unit} is not, "
              "its fitted level sits {worse} above the best", worse=fmt_share(v["worse_by"]), **fields)


def cost_text(v: dict, u: str = "epoch") -> str:
    """When progress stopped, what the epochs after the best cost, and the early stopping that saves them."""
    text = t_("{key} first came within its noise of its best at {unit} {onset}; the {after} {unit}(s) after its "
              "best ({share} of training) did not improve it", key=v["key"], unit=unit_word(u),
              onset=fmt_epoch(v["onset"]), after=fmt_epoch(v["after"]), share=f"{v['share']:.0%}")
    if v.get("seconds"):
        text += t_(" and took {time} of the run's {total}", time=fmt_duration(v["seconds"]),
                   total=fmt_duration(v["total"]))
    if v["patience"] is not None:
        text += t_("; early stopping with patience {patience} (best weights restored) would have stopped at {unit} "
                   "{stop} with the weights of {unit} {restored}, {saved} {unit}(s) sooner", patience=v["patience"],
                   unit=unit_word(u), stop=fmt_epoch(v["stop"]), restored=fmt_epoch(v["restored"]),
                   saved=fmt_epoch(v["saved"]))
        if v.get("seconds_saved"):
            text += t_(" (about {time})", time=fmt_duration(v["seconds_saved"]))
    return text


def fmt_duration(seconds: float) -> str:
    """'45 s', '12 min', '2.4 h': wall-clock time with two significant digits."""
    if seconds < 60:
        return t_("{n} s", n=f"{seconds:.2g}")
    if seconds < 3600:
        return t_("{n} min", n=f"{seconds / 60:.2g}")
    return t_("{n} h", n=f"{seconds / 3600:.2g}")


def best_line(key: str, value: float, epoch: float, since: float, unit: str = "epoch") -> str:
    """'best val_loss 0.2913 at epoch 12 (3 epoch(s) before the last)': written once, here."""
    return t_("best {key} {value} at {unit} {epoch} ({since} {unit}(s) before the last)", key=key,
              value=fmt_value(value), unit=unit_word(unit), epoch=fmt_epoch(epoch), since=fmt_epoch(since))


def best_note(key: str | None, value: float | None, epoch: float | None, unit: str = "epoch") -> str:
    """'best val_loss 0.2913 at epoch 12' (empty without a best epoch): the short form, written once."""
    if epoch is None:
        return ""
    return t_("best {key} {value} at {unit} {epoch}", key=key, value=fmt_value(value), unit=unit_word(unit),
              epoch=fmt_epoch(epoch))


def nonfinite_text(key: str, epoch: float, unit: str = "epoch") -> str:
    """'loss became NaN/inf at epoch 7'."""
    return t_("{key} became NaN/inf at {unit} {epoch}", key=key, unit=unit_word(unit), epoch=fmt_epoch(epoch))


def note_text(kind: str, v: dict, unit: str = "epoch") -> str:
    """The sentence for one note the analysis made."""
    if kind == "key":
        return v["text"]  # written in the language in force when the keys were chosen
    if kind == "val_empty":
        return t_("{val_key} has no values; judged on {train_key} alone", val_key=repr(v["val_key"]),
                  train_key=repr(v["train_key"]))
    if kind == "duplicates":
        return t_("{key} logged {count} {unit}(s) twice; kept the last value of each", key=repr(v["key"]),
                  count=v["count"], unit=unit_word(unit))
    if kind == "tentative":
        return t_("{key} is judged on only {points} points: so few that one bump can hide a trend; treat the "
                  "verdict as tentative, or train longer", key=repr(v["key"]), points=v["points"])
    if kind == "val_too_few":
        return t_("{val_key} has too few points in the window to judge; judged on {train_key} alone",
                  val_key=repr(v["val_key"]), train_key=repr(v["train_key"]))
    raise ValueError(f"no words for a note of kind {kind!r}")


# -- the placeholders of the advice templates -----------------------------------------------------

def change_text(t: Trend | None) -> str:
    """A trend's move for a summary: '-12.3%', '+40.0% but unsteady', or why there is none."""
    if t is None:
        return t_("no validation loss")
    if t.trend == "unknown":
        return t_("too few points")
    if t.reason == "unsteady":
        return t_("{change} but unsteady", change=f"{t.relative_change:+.1%}")
    if t.reason == "stalled":
        return t_("{change} fitted, but no new low", change=f"{t.relative_change:+.1%}")
    if t.reason == "stopped":
        return t_("{change} fitted, but no recent new best", change=f"{t.relative_change:+.1%}")
    return f"{t.relative_change:+.1%}"


def span_text(t: Trend | None) -> str:
    if t is None or not math.isfinite(t.first_epoch):
        return "?"
    return f"{fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)}"


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


# -- the forecast ----------------------------------------------------------------------------------

# -- one-line forms, for the figure's box and the sweep page ------------------------------------------

def evidence_line(d) -> str:
    """The evidence in one line: both trends over the window, and the best epoch."""
    def part(tn):
        if tn is None:
            return t_("no validation loss")
        if tn.key in d.nonfinite and tn.trend == "unknown":
            return f"{tn.key} NaN/inf"
        if tn.trend == "unknown":
            return t_("{key} unknown (too few points)", key=tn.key)
        return f"{tn.key} {trend_word(tn.trend)} {tn.relative_change:+.1%}"
    u = d.unit
    line = t_("{train}, {val} over {units} {first}-{last}", train=part(d.train), val=part(d.val), units=units_word(u),
             first=fmt_epoch(d.window[0]), last=fmt_epoch(d.window[1]))
    if d.nonfinite:
        line += t_("; NaN/inf from {unit} {epoch}", unit=unit_word(u), epoch=fmt_epoch(min(d.nonfinite.values())))
    if d.best_epoch is not None:
        line += sep() + best_note(d.best_key, d.best_value, d.best_epoch, u)
    return line


def forecast_line(fc, unit: str = "epoch") -> str:
    """The forecast in one line (the figure's box)."""
    u = unit
    if fc.model == "none" and fc.more_epochs_help is None:
        return t_("More {units}: cannot tell ({reason}): best {key} near {best}", units=units_word(u),
                 reason=reason_word(fc.reason), key=fc.key, best=fmt_value(fc.best_so_far))
    if fc.model == "none":
        return t_("More {units} will not help ({reason}): best {key} stays {best}", units=units_word(u),
                 reason=reason_word(fc.reason), key=fc.key, best=fmt_value(fc.best_so_far))
    verdict = {True: t_("More {units} help", units=units_word(u)),
               False: t_("More {units} bring little", units=units_word(u)),
               None: t_("More {units} may bring a little", units=units_word(u))}[fc.more_epochs_help]
    if fc.reason == "still_falling":
        verdict = t_("More {units} help a little", units=units_word(u))
    return t_("{verdict}: best {key} about {expected} by {unit} {horizon} ({gain}; 80%: {low}-{high})",
             verdict=verdict, key=fc.key, expected=fmt_value(fc.expected_loss), unit=unit_word(u),
             horizon=fmt_epoch(fc.horizon_epochs), gain=fmt_share(-fc.gain) if fc.gain > 0 else t_("no better"),
             low=fmt_value(fc.expected_loss_low), high=fmt_value(fc.expected_loss_high))


FORECAST_REASON_WORDS = {"levelled_off": N_("levelled off"), "oscillating": N_("oscillating"), "too_few": N_("too few"),
                "horizon_reached": N_("horizon reached"), "not_past_best": N_("within the noise of the best")}


def reason_word(reason: str) -> str:
    """A forecast's reason in a word or two: a diagnosis code's name, or its own."""
    return tr(FORECAST_REASON_WORDS[reason]) if reason in FORECAST_REASON_WORDS else code_name(reason)


def forecast_word(more_epochs_help: bool | None) -> str:
    """Whether more epochs help, in a word or two (the sweep page's forecast column)."""
    return {True: t_("helps"), False: t_("no gain"), None: t_("unclear")}[more_epochs_help]


_NO_HELP_WHY = {
    "overfitting": N_("the model is overfitting (the validation loss is past its best)"),
    "diverging": N_("training is diverging"),
    "non_finite": N_("the loss became NaN/inf"),
    "train_rising": N_("the training loss is rising"),
    "levelled_off": N_("the loss has levelled off near its first logged value"),
    "oscillating": N_("the loss oscillates without progress"),
    "not_past_best": N_("the validation loss stopped improving, but its last value is within its noise of the best"),
}


def forecast_text(fc, unit: str = "epoch") -> str:
    """What more epochs would bring, in a sentence that agrees with the forecast's numbers."""
    if fc is not None and fc.reason == "horizon_reached":
        return t_("The forecast horizon, {unit} {horizon}, is not past the last {unit}, {last}: nothing to forecast.",
                  unit=unit_word(unit), horizon=fmt_epoch(fc.horizon_epochs), last=fmt_epoch(fc.last_epoch))
    if fc is None or fc.expected_loss is None:
        return t_("Too few points to say what more {units} would bring.", units=units_word(unit))
    common = dict(unit=unit_word(unit), units=units_word(unit), horizon=fmt_epoch(fc.horizon_epochs), key=fc.key,
                  best=fmt_value(fc.best_so_far), low=fmt_value(fc.expected_loss_low),
                  high=fmt_value(fc.expected_loss_high))
    if fc.model == "none" and fc.more_epochs_help is None:
        return t_("Whether more {units} help cannot be told: {why}. Up to {unit} {horizon}, the best {key} is "
                  "expected near its best so far, {best} (80% interval {low}-{high}).",
                  why=tr(_NO_HELP_WHY[fc.reason]), **common)
    if fc.model == "none":
        return t_("More {units} will not help: {why}. Up to {unit} {horizon}, the best {key} is expected to stay at "
                  "its best so far, {best} (80% interval {low}-{high}).", why=tr(_NO_HELP_WHY[fc.reason]), **common)
    reach = t_("up to {unit} {horizon}, {key} is expected to reach about {expected} (80% interval {low}-{high}), "
               "{gain} below its best so far, {best}", expected=fmt_value(fc.expected_loss), gain=fmt_share(fc.gain),
               **common)
    fit = t_("an exponential fit") if fc.model == "exponential" else t_("a power-law fit")
    if fc.asymptote is not None:
        fit = (t_("an exponential fit levelling off near {asymptote}", asymptote=fmt_value(fc.asymptote))
               if fc.model == "exponential" else
               t_("a power-law fit levelling off near {asymptote}", asymptote=fmt_value(fc.asymptote)))
    if fc.reason == "still_falling":
        return t_("More {units} help, a little: {key} is still falling, but the fitted curve levels off: {reach} "
                  "({fit}).", units=units_word(unit), key=fc.key, reach=reach, fit=fit)
    if fc.more_epochs_help:
        if fc.epochs_to_90 is not None and math.isfinite(fc.epochs_to_90):
            fit += t_("; 90% of the fitted gain comes within about {n} more {units}",
                      n=fmt_epoch(round(fc.epochs_to_90)), units=units_word(unit))
        return t_("More {units} help: {reach} ({fit}).", units=units_word(unit), reach=reach, fit=fit)
    if fc.more_epochs_help is False:
        return t_("More {units} would bring little: {reach} ({fit}).", units=units_word(unit), reach=reach, fit=fit)
    return t_("More {units} may bring a little: {reach} ({fit}); too close to call.", units=units_word(unit),
              reach=reach, fit=fit)


# -- confidence ------------------------------------------------------------------------------------

def confidence_reason(kind: str, v: dict, unit: str = "epoch") -> str:
    """One reason the verdict is less than sure, in plain words."""
    if kind == "few_points":
        return t_("{key} is judged on only {points} points", key=v["key"], points=v["points"])
    if kind == "borderline":
        return t_("{key}'s move ({change}, {z} noise units) only just clears the bar for a trend", key=v["key"],
                  change=f"{v['change']:+.1%}", z=times(v["z"]))
    if kind == "unresolved":
        return t_("{key} is too noisy over its window to show a move under {size}: flat here means no clear move",
                  key=v["key"], size=fmt_share(v["resolvable"]))
    if kind == "record":
        return t_("{key}'s fitted line moves {change}, but its record of new lows reads otherwise", key=v["key"],
                  change=f"{v['change']:+.1%}")
    if kind == "near_trend":
        return t_("{key} moves {change}: just short of what counts as a trend", key=v["key"],
                  change=f"{v['change']:+.1%}")
    if kind == "unsteady":
        return t_("{key} moves {change} but too unsteadily to read", key=v["key"], change=f"{v['change']:+.1%}")
    if kind == "sparse_val":
        return t_("{key} has {val_points} points in the window against {train_points} of the training loss",
                  key=v["key"], val_points=v["val_points"], train_points=v["train_points"])
    if kind == "no_trend":
        return t_("{key} has too few points for a trend", key=v["key"])
    raise ValueError(f"no words for a confidence reason of kind {kind!r}")


def confidence_text(level: str, reasons: tuple, unit: str = "epoch") -> str:
    """'Confidence: medium (loss is judged on only 6 points).'"""
    word = tr(LEVEL_WORDS.get(level, level))
    if not reasons:
        return t_("Confidence: {level}.", level=word)
    return t_("Confidence: {level} ({reasons}).", level=word,
              reasons=sep().join(confidence_reason(k, v, unit) for k, v in reasons))


LEVEL_WORDS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}


# -- the timeline ----------------------------------------------------------------------------------

def phase_text(p, unit: str = "epoch") -> str:
    """'epochs 1-12 both falling (learning)'."""
    span = dict(units=units_word(unit), first=fmt_epoch(p.first_epoch), last=fmt_epoch(p.last_epoch),
                code=code_name(p.code))
    if p.val is None:
        return t_("{units} {first}-{last} loss {train} ({code})", train=trend_word(p.train), **span)
    if p.train == p.val:
        return t_("{units} {first}-{last} both {train} ({code})", train=trend_word(p.train), **span)
    return t_("{units} {first}-{last} train {train}, val {val} ({code})", train=trend_word(p.train),
              val=trend_word(p.val), **span)


CODE_NAMES = {"learning": N_("learning"), "overfitting": N_("overfitting"), "data_problem": N_("data problem"),
              "plateau": N_("plateau"), "diverging": N_("diverging"), "train_rising": N_("train rising"),
              "non_finite": N_("non finite"), "insufficient_data": N_("insufficient data")}


def code_name(code: str) -> str:
    """A diagnosis code in words ('data problem'), in the language in force (the code itself stays)."""
    return tr(CODE_NAMES.get(code, code.replace("_", " ")))


def timeline_text(phases, unit: str = "epoch", label: bool = True) -> str:
    """The run in phases, in one sentence ('Timeline: ...' with `label`)."""
    if not phases:
        return ""
    text = t_("{phases}.", phases=sep().join(phase_text(p, unit) for p in phases))
    return t_("Timeline: {text}", text=text) if label else text
