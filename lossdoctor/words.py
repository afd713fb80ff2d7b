"""Sentences about trends, made from a `Trend`'s numbers and reason code (facts stay in `trend`).

Every renderer (text, Markdown, figure, callback) takes its trend wording from here, so one
sentence exists once and always agrees with the numbers beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .apis import api_words
from .facts import Facts
from .trend import DEFAULT_SETTINGS, Trend


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
    return f"{z:.1f}" if z < 100 else "more than 100"


def reason_text(t: Trend, unit: str = "epoch") -> str:
    """Why the trend is what it is, in a clause that agrees with the numbers."""
    if t.reason == "too_few":
        return (f"only {t.n_points} finite point(s); at least {DEFAULT_SETTINGS.min_points} are needed "
                "to call a trend")
    move = f"{t.relative_change:+.1%} over {unit}s {fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)}"
    noise = fmt_share(t.noise)
    if t.reason == "unsteady":
        return (f"moves {move}, but it jumps by about {noise} from {unit} to {unit}, "
                f"so the move is only {times(t.z_score)} noise units: too unsteady to call a trend")
    if t.reason == "small":
        return f"moves only {move}: too little to matter"
    return f"{t.trend} {move}, {times(t.z_score)} times its noise"


def trend_line(label: str, t: Trend, unit: str = "epoch") -> str:
    """One evidence line: the verdict, the fitted move, the noise it is judged against."""
    if t.trend == "unknown":
        return f"{label} loss ({t.key}): unknown, {reason_text(t, unit)}"
    regime = ""
    if math.isfinite(t.regime_start) and t.regime_start > t.first_epoch:
        regime = f"; its current regime began at {unit} {fmt_epoch(t.regime_start)}"
    spikes = ""
    if t.spikes:
        spikes = f"; one-{unit} spike(s) left out at {unit} " + ", ".join(fmt_epoch(s) for s in t.spikes[:5])
    return (f"{label} loss ({t.key}): {t.trend}, fitted {fmt_value(t.start_value)} -> {fmt_value(t.end_value)} "
            f"over {unit}s {fmt_epoch(t.first_epoch)}-{fmt_epoch(t.last_epoch)} ({t.relative_change:+.1%}; "
            f"noise {fmt_share(t.noise)} per {unit}, the move is {times(t.z_score)} times its standard error; "
            f"p={t.p_value:.2g}){regime}{spikes}{_jump(t, unit)}")


def _jump(t: Trend, unit: str) -> str:
    if not t.last_jump:
        return ""
    return (f"; the last {unit} jumped {t.last_jump:+.0%} above the trend of the ones before it: "
            f"one point, left out until the next {unit}s confirm it")


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
                                       "restored": c.restored_epoch, "saved": c.epochs_saved}))
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
    "recurring": "the learning rate is near the edge of stability: lower it about 2x, or clip the gradients",
    "periodic": "a schedule's restarts, or a data pipeline that repeats the same hard batches",
    "epoch_boundary": "the last, smaller batch of each epoch, or the reshuffling between epochs",
}


def signal_text(e: Evidence, u: str = "epoch") -> str | None:
    """The sentence for a finding beyond the trends (None for other kinds)."""
    v = e.fields
    if e.kind == "learning_rate":
        text = f"{v['key']} {v['now']:.2g} at the last {u} (peak {v['peak']:.2g})"
        return text + (": decayed to almost nothing" if v["decayed"] else "")
    if e.kind == "gradients":
        if v["state"] == "exploding":
            return f"{v['key']} is exploding: its recent level is {v['ratio']:.0f}x its median over the run"
        return f"{v['key']} is vanishing: its recent level is {fmt_share(v['ratio'])} of its start"
    if e.kind == "spikes":
        at = ", ".join(fmt_epoch(s) for s in v["at"][:6]) + (", ..." if len(v["at"]) > 6 else "")
        what = {"recurring": f"spiked {len(v['at'])} times", "epoch_boundary": "spikes at epoch boundaries",
                "periodic": f"spikes every {fmt_epoch(round(v['period'] or 0, 1))} {u}s"}[v["pattern"]]
        return f"{v['key']} {what} ({u} {at}), each time recovering: {SPIKE_WHY[v['pattern']]}"
    if e.kind == "zero_loss":
        at = ", ".join(fmt_epoch(s) for s in v["at"][:6]) + (", ..." if len(v["at"]) > 6 else "")
        return (f"{v['key']} is exactly 0 at {u} {at}: labels masked out (e.g. all -100) or empty batches "
                "contribute nothing")
    return None


def evidence_text(e: Evidence, f: Facts) -> str:
    """The sentence for one evidence item."""
    u, v = f.unit, e.fields
    if e.kind == "trend":
        return trend_line(v["series"], f.train if v["series"] == "train" else f.val, u)
    if e.kind == "no_val":
        return "val loss: none logged"
    if e.kind == "nonfinite":
        return f"{v['key']} became NaN/inf at {u} {fmt_epoch(v['epoch'])}"
    if e.kind == "best":
        return best_line(v["key"], v["value"], v["epoch"], v["since"], u)
    if e.kind == "as_good":
        return as_good_text(v, u)
    if e.kind == "cost":
        return cost_text(v, u)
    if e.kind == "exploded":
        return f"{v['key']} sits {v['factor']:.0f}x above its best value"
    if e.kind == "train_above_val":
        return (f"training loss >{v['ratio'] - 1:.0%} above validation loss in {v['share']:.0%} of {u}s "
                "(part of it is expected: Keras reports the training loss as a mean over the epoch, about "
                "half an epoch behind the validation loss, and with dropout active)")
    if e.kind == "oscillates":
        return (f"{v['key']} oscillates by about {v['noise']:.0%} of its level from {u} to {u}: very small "
                "batches or a learning rate near the edge of stability make steps noisy")
    said = signal_text(e, u)
    if said is not None:
        return said
    if e.kind == "chance":
        k = v["classes"]
        return f"{v['key']} level {fmt_value(v['level'])} = ln {k} ({math.log(k):.4f}): chance level for {k} classes"
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
    more = f" and {len(parts) - most} more" if len(parts) > most else ""
    return ", ".join(parts[:most]) + more


def as_good_text(v: dict, u: str = "epoch") -> str:
    """Which epochs are as good as the best, and whether the final one is."""
    head = (f"{v['key']} within its noise of the best (up to {fmt_value(v['band'])}) at {u} "
            f"{epoch_list(v['epochs'])}")
    if v["final"]:
        return head + f": the final weights are as good as the best"
    return head + f"; the last {u} is not, its fitted level sits {fmt_share(v['worse_by'])} above the best"


def cost_text(v: dict, u: str = "epoch") -> str:
    """When progress stopped, what the epochs after the best cost, and the early stopping that saves them."""
    text = (f"{v['key']} first came within its noise of its best at {u} {fmt_epoch(v['onset'])}; the "
            f"{fmt_epoch(v['after'])} {u}(s) after its best ({v['share']:.0%} of training) did not improve it")
    if v["patience"] is not None:
        text += (f"; early stopping with patience {v['patience']} (best weights restored) would have stopped "
                 f"at {u} {fmt_epoch(v['stop'])} with the weights of {u} {fmt_epoch(v['restored'])}, "
                 f"{fmt_epoch(v['saved'])} {u}(s) sooner")
    return text


def best_line(key: str, value: float, epoch: float, since: float, unit: str = "epoch") -> str:
    """'best val_loss 0.2913 at epoch 12 (3 epoch(s) before the last)': written once, here."""
    return (f"best {key} {fmt_value(value)} at {unit} {fmt_epoch(epoch)} "
            f"({fmt_epoch(since)} {unit}(s) before the last)")


def best_note(key: str | None, value: float | None, epoch: float | None, unit: str = "epoch") -> str:
    """'best val_loss 0.2913 at epoch 12' (empty without a best epoch): the short form, written once."""
    if epoch is None:
        return ""
    return f"best {key} {fmt_value(value)} at {unit} {fmt_epoch(epoch)}"


def note_text(kind: str, v: dict, unit: str = "epoch") -> str:
    """The sentence for one note the analysis made."""
    if kind == "key":
        return v["text"]
    if kind == "val_empty":
        return f"{v['val_key']!r} has no values; judged on {v['train_key']!r} alone"
    if kind == "duplicates":
        return f"{v['key']!r} logged {v['count']} {unit}(s) twice; kept the last value of each"
    if kind == "tentative":
        return (f"{v['key']!r} is judged on only {v['points']} points: so few that one bump can hide a "
                "trend; treat the verdict as tentative, or train longer")
    if kind == "val_too_few":
        return f"{v['val_key']!r} has too few points in the window to judge; judged on {v['train_key']!r} alone"
    raise ValueError(f"no words for a note of kind {kind!r}")


# -- the placeholders of the advice templates -----------------------------------------------------

def change_text(t: Trend | None) -> str:
    """A trend's move for a summary: '-12.3%', '+40.0% but unsteady', or why there is none."""
    if t is None:
        return "no validation loss"
    if t.trend == "unknown":
        return "too few points"
    if t.reason == "unsteady":
        return f"{t.relative_change:+.1%} but unsteady"
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
        return {"lr_by_3": "", "lr_by_10": "", "lr_key": "the learning rate", "lr_now": "?", "lr_peak": "?",
                "lr_share": "?", "lr_floor": "?"}
    now = g.lr_now
    return {"lr_by_3": f", from {now:.2g} to about {now / 3:.2g}", "lr_by_10": f": from {now:.2g} to {now / 10:.2g}",
            "lr_key": g.lr_key, "lr_now": f"{now:.2g}", "lr_peak": f"{g.lr_peak:.2g}",
            "lr_share": fmt_share(now / g.lr_peak), "lr_floor": f"{g.lr_peak / 100:.2g}"}


def _keep_best(f: Facts) -> str:
    """What to do with this run's weights: keep the final ones when they are as good as the best."""
    c, u = f.checkpoint, f.unit
    if c is not None and c.final_as_good:
        return f"the final weights are as good as the best (within the noise), so keep them"
    return f"keep the checkpoint of {u} {fmt_epoch(f.best_epoch)}"


def context(f: Facts, min_points: int = 5, framework: str = "generic") -> dict:
    """Every placeholder an advice template may use, filled from the facts, in `framework`'s API."""
    u = f.unit
    k = f.chance_classes
    frac = f.train_above_val
    nonfinite = "; ".join(f"{key} became NaN/inf at {u} {fmt_epoch(e)}" for key, e in f.nonfinite.items())
    val_end = f.val.end_value if f.val else math.nan
    return {
        "epoch": u, "epochs": f"{u}s",
        "train_key": f.train_key, "val_key": f.val_key or "val_loss",
        "window_first": fmt_epoch(f.window[0]), "window_last": fmt_epoch(f.window[1]),
        "train_change": change_text(f.train), "val_change": change_text(f.val),
        "train_window": span_text(f.train), "val_window": span_text(f.val),
        "val_trend": f.val.trend if f.val else "absent",
        "best_epoch": fmt_epoch(f.best_epoch), "best_val": fmt_value(f.best_value),
        "since_best": fmt_epoch(f.since_best), "best_train": fmt_value(f.best_train),
        "train_level": fmt_value(f.train.level), "progress": f"{f.progress:.1%}" if f.progress > 0.99 else f"{f.progress:.0%}",
        "train_state": ("moves unsteadily, with no clear trend" if f.train.reason == "unsteady"
                        else "has levelled off"),
        "train_noise": f"{f.train.noise:.0%}" if math.isfinite(f.train.noise) else "?",
        "val_noise": f"{f.val.noise:.0%}" if f.val is not None and math.isfinite(f.val.noise) else "?",
        "val_now": fmt_value(val_end),
        "val_excess": (f"{val_end / f.best_value - 1:.1%}" if f.best_value and math.isfinite(val_end) else "?"),
        "explosion": f"{f.explosion:.0f}",
        "train_jump": f"{f.train_jump:.0f}", "train_now": fmt_value(f.train.end_value),
        "classes": k or "", "chance_loss": f"{math.log(k):.4f}" if k else "",
        "nonfinite_what": (nonfinite + ".") if nonfinite else "",
        "train_above_val": (f" The training loss is also >{f.settings.train_above_ratio - 1:.0%} above the "
                            f"validation loss in {frac:.0%} of {u}s." if frac and frac > f.settings.train_above_share
                            else ""),
        "insufficient": f"{f.train_key!r} has {reason_text(f.train, u)}.",
        "min_epochs": min_points,
        "no_val_reason": ("no validation loss was logged" if f.val is None else
                          f"the validation loss has only {f.val.fit_points} point(s) to judge"),
        "validation_fix": ("Add a validation set so overfitting can be seen: {api_add_val}." if f.val is None else
                           "Evaluate more often ({api_eval_more}) so the validation trend can be judged."),
        "keep_best": _keep_best(f),
        **_lr_words(f),
        **_metric_words(f),
        **api_words(framework, f.val_key, f.checkpoint.patience if f.checkpoint else None,
                    f.metric.key if f.metric else None, f.metric.higher_is_better if f.metric else True),
    }


# -- the forecast ----------------------------------------------------------------------------------

_NO_HELP_WHY = {
    "overfitting": "the model is overfitting (the validation loss is past its best)",
    "diverging": "training is diverging",
    "non_finite": "the loss became NaN/inf",
    "train_rising": "the training loss is rising",
    "levelled_off": "the loss has levelled off without learning",
    "oscillating": "the loss oscillates without progress",
}


def forecast_text(fc, unit: str = "epoch") -> str:
    """What more epochs would bring, in a sentence that agrees with the forecast's numbers."""
    if fc is not None and fc.reason == "horizon_reached":
        return (f"The forecast horizon, {unit} {fmt_epoch(fc.horizon_epochs)}, is not past the last "
                f"{unit}, {fmt_epoch(fc.last_epoch)}: nothing to forecast.")
    if fc is None or fc.expected_loss is None:
        return f"Too few points to say what more {unit}s would bring."
    horizon = f"{unit} {fmt_epoch(fc.horizon_epochs)}"
    best = f"its best so far, {fmt_value(fc.best_so_far)}"
    if fc.model == "none":
        return (f"More {unit}s will not help: {_NO_HELP_WHY[fc.reason]}. Up to {horizon}, the best "
                f"{fc.key} is expected to stay at {best} (80% interval {fmt_value(fc.expected_loss_low)}"
                f"-{fmt_value(fc.expected_loss_high)}).")
    reach = (f"up to {horizon}, {fc.key} is expected to reach about {fmt_value(fc.expected_loss)} "
             f"(80% interval {fmt_value(fc.expected_loss_low)}-{fmt_value(fc.expected_loss_high)}), "
             f"{fmt_share(fc.gain)} below {best}")
    fit = f"{'an exponential' if fc.model == 'exponential' else 'a power-law'} fit"
    if fc.asymptote is not None:
        fit += f" levelling off near {fmt_value(fc.asymptote)}"
    if fc.reason == "still_falling":
        return (f"More {unit}s help, a little: {fc.key} is still falling, but the fitted curve levels off: "
                f"{reach} ({fit}).")
    if fc.more_epochs_help:
        soon = ""
        if fc.epochs_to_90 is not None and math.isfinite(fc.epochs_to_90):
            soon = f"; 90% of the fitted gain comes within about {fmt_epoch(round(fc.epochs_to_90))} more {unit}s"
        return f"More {unit}s help: {reach} ({fit}{soon})."
    if fc.more_epochs_help is False:
        return f"More {unit}s would bring little: {reach} ({fit})."
    return f"More {unit}s may bring a little: {reach} ({fit}); too close to call."


# -- confidence ------------------------------------------------------------------------------------

def confidence_reason(kind: str, v: dict, unit: str = "epoch") -> str:
    """One reason the verdict is less than sure, in plain words."""
    if kind == "few_points":
        return f"{v['key']} is judged on only {v['points']} points"
    if kind == "borderline":
        return (f"{v['key']}'s move ({v['change']:+.1%}, {times(v['z'])} noise units) only just clears the bar "
                "for a trend")
    if kind == "near_trend":
        return f"{v['key']} moves {v['change']:+.1%}: just short of what counts as a trend"
    if kind == "unsteady":
        return f"{v['key']} moves {v['change']:+.1%} but too unsteadily to read"
    if kind == "sparse_val":
        return (f"{v['key']} has {v['val_points']} points in the window against {v['train_points']} of the "
                "training loss")
    if kind == "no_trend":
        return f"{v['key']} has too few points for a trend"
    raise ValueError(f"no words for a confidence reason of kind {kind!r}")


def confidence_text(level: str, reasons: tuple, unit: str = "epoch") -> str:
    """'Confidence: medium (loss is judged on only 6 points).'"""
    if not reasons:
        return f"Confidence: {level}."
    return f"Confidence: {level} ({'; '.join(confidence_reason(k, v, unit) for k, v in reasons)})."


# -- the timeline ----------------------------------------------------------------------------------

def phase_text(p, unit: str = "epoch") -> str:
    """'epochs 1-12 both falling (learning)'."""
    span = f"{unit}s {fmt_epoch(p.first_epoch)}-{fmt_epoch(p.last_epoch)}"
    if p.val is None:
        reading = f"loss {p.train}"
    elif p.train == p.val:
        reading = f"both {p.train}"
    else:
        reading = f"train {p.train}, val {p.val}"
    return f"{span} {reading} ({p.code.replace('_', ' ')})"


def timeline_text(phases, unit: str = "epoch", label: bool = True) -> str:
    """The run in phases, in one sentence ('Timeline: ...' with `label`)."""
    if not phases:
        return ""
    return ("Timeline: " if label else "") + "; ".join(phase_text(p, unit) for p in phases) + "."
