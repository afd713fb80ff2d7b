"""The evidence: which items a diagnosis shows (from its facts) and the sentence of each; the notes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..analyse.facts import Facts
from ..core.i18n import N_, t as t_, tr
from .numbers import _at_list, epoch_list, fmt_duration, fmt_epoch, fmt_share, fmt_value, sep, unit_word, units_word
from .trends import trend_line, trend_word


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
