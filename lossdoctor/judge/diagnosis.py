"""From a `History` to a `Diagnosis`: the facts (`analyse.facts`), the rule that fits (`rules`), then its words (`words`)."""

from __future__ import annotations

import math

import re
from dataclasses import dataclass, field

import numpy as np

from ..words.advice import ADVICE
from ..words.apis import framework_of
from .codes import is_healthy
from ..analyse.confidence import assess
from ..analyse.facts import DEFAULT_RULES, Facts, RuleSettings, compute_facts
from ..analyse.forecast import Forecast, forecast
from ..read.history import History
from ..core.i18n import current, language, t, tr
from .rules import classify, trend_code
from ..core.safe import printable
from ..analyse.timeline import timeline
from ..analyse.trend import DEFAULT_SETTINGS, Trend, TrendSettings, _json_number
from ..words import Evidence, context, epoch_number, evidence_items, evidence_text, note_text


# The notebook panel is a renderer of the `show` stage; a diagnosis finds it by name when a notebook
# asks for it, so the judgement imports nothing from the stages that show it.
PANEL = "lossdoctor.show.html:diagnosis_html"


def renderer(path: str):
    """The function at `module:name`, imported on first use."""
    from importlib import import_module  # noqa: PLC0415

    module, name = path.split(":")
    return getattr(import_module(module), name)


class Later:
    """An analysis to run when it is first read: a module-level function and its arguments (so a
    diagnosis sent to another process carries the recipe, not a closure)."""

    __slots__ = ("func", "args")

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __call__(self):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self.func(*self.args)

    def __reduce__(self):
        return Later, (self.func, *self.args)


class _Lazy:
    """A field that may be given as a `Later`: computed on first read and kept. The timeline and
    the forecast are read by the reports that show them, not by a sweep's table or a callback's
    live check, which then never pay for them."""

    def __init__(self, default):
        self.default = default

    def __set_name__(self, owner, name):
        self.slot = "_later_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.default
        value = obj.__dict__.get(self.slot, self.default)
        if isinstance(value, Later):
            value = value()
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.slot] = value


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """The verdict on a training history, with the numbers behind it.

    Attributes:
        code: stable diagnosis code (`learning`, `overfitting`, `data_problem`, `plateau`,
            `diverging`, `train_rising`, `non_finite`, `insufficient_data`).
        variant: which flavour of the code (e.g. `converged` or `stuck` for `plateau`).
        rule: id of the rule that decided it.
        title, summary: the verdict in a line, and why, in a few sentences.
        fixes: concrete actions, most effective first.
        evidence: the numbers that support the verdict, one line each.
        train, val: the trends (val is None without a validation series).
        window: first and last epoch of the analysis window.
        best_epoch, best_value: lowest validation loss (training loss when there is no
            validation series) and its 1-based epoch.
        epochs_since_best: how many epochs the last epoch is past the best.
        nonfinite: for each series that went NaN/inf, the first epoch it did.
        notes: what the reader and the key choice noticed.
        unit: the axis the numbers are on: `epoch`, or `step` for logs that carry only steps.
        facts: the numbers the rules tested (see `facts.Facts`).
        evidence_items: the evidence as structured items (kind and numbers), one per line of `evidence`.
        forecast: what more epochs would bring (see `forecast.Forecast`).
        confidence: how sure the verdict is: `high`, `medium` or `low`.
        confidence_reasons: why it is less than sure, as (kind, fields) items (see `confidence`).
        timeline: the run in phases, each with the pair of readings and its code (see `timeline`).
        history: the history diagnosed (for the figure of the notebook panel; not in the JSON).
        lang: the language its words are written in (`en`, `zh`; not in the JSON).
    """

    source: str
    format: str
    epochs: int
    window: tuple[float, float]
    train: Trend
    val: Trend | None
    code: str
    variant: str
    rule: str
    title: str
    summary: str
    fixes: tuple[str, ...]
    evidence: tuple[str, ...]
    best_epoch: float | None
    best_value: float | None
    best_key: str | None
    epochs_since_best: float | None
    nonfinite: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unit: str = "epoch"
    facts: Facts | None = None
    evidence_items: tuple[Evidence, ...] = ()
    forecast: Forecast | None = _Lazy(None)
    confidence: str = "high"
    confidence_reasons: tuple = ()
    timeline: tuple = _Lazy(())
    history: History | None = field(default=None, repr=False)
    lang: str = "en"

    @property
    def ok(self) -> bool:
        """True for the healthy outcomes (still learning, converged)."""
        return is_healthy(self.code, self.variant)

    def detached(self) -> Diagnosis:
        """This diagnosis without its history: what a long live run keeps of its earlier epochs
        (memory stays linear in the epochs). A forecast or timeline already computed stays; one
        never read is not computed now, and reads as None or ()."""
        state = {k: v for k, v in self.__dict__.items() if not isinstance(v, Later)}
        state["history"] = None
        copy = object.__new__(Diagnosis)
        copy.__dict__.update(state)
        return copy

    def _repr_html_(self) -> str:
        """The panel a notebook shows for a diagnosis: the verdict, the figure, the evidence, the fixes."""
        with language(self.lang):
            return renderer(PANEL)(self, self.history)

    def to_dict(self) -> dict:
        """A JSON-ready dict; the schema is documented in README.md."""
        skip = ("facts", "evidence_items", "train", "val", "forecast", "confidence_reasons", "timeline", "history",
                "lang")
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in skip}
        d["nonfinite"], d["fixes"], d["evidence"] = dict(self.nonfinite), list(self.fixes), list(self.evidence)
        d["train"] = self.train.to_dict()
        d["val"] = self.val.to_dict() if self.val else None
        d["window"] = {"first_epoch": epoch_number(self.window[0]),
                       "last_epoch": epoch_number(self.window[1])}
        d["diagnosis"] = {k: d.pop(k) for k in ("code", "variant", "rule", "title", "summary",
                                                  "fixes", "evidence")}
        d["diagnosis"]["evidence_items"] = [e.to_dict() for e in self.evidence_items]
        for k in ("best_epoch", "epochs_since_best"):
            d[k] = epoch_number(d[k])
        d["best_value"] = _json_number(d["best_value"])
        d["fixes"] = d["diagnosis"]["fixes"]
        d["notes"] = list(self.notes)
        d["facts"] = self.facts.to_dict() if self.facts else None
        d["forecast"] = self.forecast.to_dict() if self.forecast else None
        c = self.facts.checkpoint if self.facts else None
        d["checkpoint"] = c.to_dict() if c else None
        d["confidence_reasons"] = [{"kind": k, **{f: _json_number(x) for f, x in v.items()}}
                                   for k, v in self.confidence_reasons]
        d["timeline"] = [p.to_dict() for p in self.timeline]
        m = self.facts.metric if self.facts else None
        d["metric"] = m.to_dict() if m else None
        d["signals"] = self.facts.signals.to_dict() if self.facts else None
        d["recorded"] = dict(self.facts.recorded) if self.facts else {}
        return d


def _keras_history(logs: dict, epochs) -> History:
    """Keras' `History`: its `epoch` list (0-based) places the values of a resumed fit
    (`initial_epoch=10` starts at epoch 11)."""
    from dataclasses import replace  # noqa: PLC0415

    from ..read.history import Series  # noqa: PLC0415

    h = History.from_dict({k: list(v) for k, v in logs.items()}, "<Keras History>", "keras-json")
    first = epochs[0] if isinstance(epochs, list) and epochs and isinstance(epochs[0], int) else 0
    if not first:
        return h
    return replace(h, series={k: Series(k, s.x + first, s.y) for k, s in h.series.items()})


def _missing_validation(row: dict) -> dict:
    """A DataFrame row with NaN in `val_<name>` beside a finite `<name>`: that epoch was not
    evaluated (pandas fills missing cells with NaN), so the value is missing, not non-finite."""
    for k, v in row.items():
        if k.startswith("val_") and v is not None and math.isnan(v):
            twin = row.get(k[4:])
            if twin is not None and math.isfinite(twin):
                row[k] = None
    return row


def as_history(obj) -> History:
    """A `History` from what people have in hand after training: a `History` already, Keras'
    `History` object (`model.fit(...)`'s return value), a dict of per-epoch lists, or a pandas
    DataFrame (e.g. `pd.read_csv("history.csv")`, an `epoch` column is read as the epochs).

    Raises:
        HistoryFormatError: anything else, with what to pass instead.
    """
    from ..core.errors import HistoryFormatError  # noqa: PLC0415

    if isinstance(obj, History):
        return obj
    logs = getattr(obj, "history", None)
    if isinstance(logs, dict) and hasattr(obj, "epoch"):  # keras.callbacks.History
        return _keras_history(logs, getattr(obj, "epoch", None))
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # a pandas DataFrame
        from ..read._numbers import to_float  # noqa: PLC0415
        from ..read.records import records_to_history  # noqa: PLC0415

        rows = [_missing_validation({str(k): to_float(v) for k, v in row.items()}) for row in obj.to_dict("records")]
        return records_to_history(rows, "<DataFrame>", "dataframe")
    if isinstance(obj, dict):
        return History.from_dict({str(k): list(v) for k, v in obj.items()})
    raise HistoryFormatError(t("cannot diagnose a {type}; pass what model.fit() returned, a dict of per-epoch lists, "
                               "a pandas DataFrame or lossdoctor.load_history(path)", type=type(obj).__name__))


def diagnose(history: History, train_key: str | None = None, val_key: str | None = None,
             window: float | None = None, settings: TrendSettings = DEFAULT_SETTINGS,
             rule_settings: RuleSettings = DEFAULT_RULES, horizon: float | None = None,
             classes: int | None = None, lang: str | None = None) -> Diagnosis:
    """Diagnose a training history.

    Args:
        history: a `History` (what a reader returned), or what `as_history` takes: Keras'
            `History` from `model.fit()`, a dict of per-epoch lists, a pandas DataFrame.
        train_key, val_key: the series to judge; chosen automatically when None.
        window: judge the last `window` epochs instead of the last third.
        settings, rule_settings: thresholds of the trend and of the facts and rules.
        horizon: the epoch the forecast looks to (default: three times the epochs so far).
        classes: a classifier's number of classes, when known (chance level ln K for that K).
        lang: the language of the words (`en`, `zh`); default: the one in force (LOSSDOCTOR_LANG,
            else the locale, else English). Codes, keys and numbers are the same in every language.

    Returns:
        A `Diagnosis`.

    Raises:
        MissingSeriesError: the requested series, or any training loss, is absent.
    """
    history = as_history(history)
    with language(lang):  # the key notes are written while the facts are made: in this language too
        return decide(history, train_key, val_key, window, settings, rule_settings, classes).explain(history, horizon)


@dataclass(frozen=True, eq=False)
class Decision:
    """The decision alone, without its words: what a pruner, a stopper or a sweep's table needs.

    Attributes:
        code, variant: as in `Diagnosis`.
        rule: the id of the rule that decided.
        facts: the numbers it rests on.
        settings: the trend thresholds it was judged with.
    """

    code: str
    variant: str
    rule: str
    facts: Facts
    settings: TrendSettings = DEFAULT_SETTINGS

    def explain(self, history: History, horizon: float | None = None, lang: str | None = None) -> Diagnosis:
        """The full diagnosis of this decision (the words, the evidence, the forecast), as
        `diagnose` gives it; `history` is the one decided on."""
        with language(lang), np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return explain(self.facts, as_history(history), self.settings, horizon)


def decide(history: History, train_key: str | None = None, val_key: str | None = None,
           window: float | None = None, settings: TrendSettings = DEFAULT_SETTINGS,
           rule_settings: RuleSettings = DEFAULT_RULES, classes: int | None = None) -> Decision:
    """The code and variant `diagnose` would give, without writing its words: the short path of
    pruners, stoppers and live checks, which need the words only when they act.

    Takes the arguments of `diagnose`, less `horizon` and `lang`.
    """
    history = as_history(history)
    # absurd values (1e300 next to 1e-300) overflow harmlessly: the results are checked for finiteness
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        facts = compute_facts(history, train_key, val_key, window, settings, rule_settings, classes)
    rule = classify(facts)
    return Decision(rule.code, rule.variant, rule.id, facts, settings)


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_fixes(templates, ctx: dict) -> tuple[str, ...]:
    """The fixes with their placeholders filled; a fix whose API has no spelling in this framework
    (an empty entry, e.g. CNN pooling for a Hugging Face model) is left out."""
    out = []
    for template in templates:
        names = PLACEHOLDER.findall(template)
        if any(n.startswith("api_") and not ctx.get(n) for n in names):
            continue
        text = tr(template).format(**ctx)
        out.append(text.format(**ctx) if "{api_" in text else text)  # validation_fix holds API placeholders
    return tuple(out)


def forecast_of(facts: Facts, history: History, code: str, variant: str,
                horizon: float | None = None) -> Forecast:
    """The forecast of the validation loss (the training loss without one) for this diagnosis."""
    trend = facts.val if facts.val_trend is not None else facts.train
    s = history[trend.key]
    within = facts.checkpoint is not None and facts.checkpoint.final_as_good
    return forecast(s.x, s.y, trend.key, code, variant, horizon, trend.noise, trend.trend == "falling",
                    within_noise=within)


def timeline_of(facts: Facts, history: History, settings: TrendSettings) -> tuple:
    """The run in phases, the last read as the verdict reads its window."""
    return timeline(history, facts.train_key, facts.val_key if facts.val_trend else None, settings,
                    now=(facts.window[0], facts.train.trend, facts.val_trend), code_of=trend_code)


def explain(facts: Facts, history: History, settings: TrendSettings = DEFAULT_SETTINGS,
            horizon: float | None = None) -> Diagnosis:
    """The diagnosis of these facts: the deciding rule, and its words in the log's framework."""
    rule = classify(facts)
    advice = ADVICE[(rule.code, rule.variant)]
    ctx = context(facts, settings.min_points, framework_of(history.format))
    items = evidence_items(facts)
    level, reasons = assess(facts, rule.code, settings)
    notes = [*history.notes, *(note_text(kind, fields, facts.unit) for kind, fields in facts.notes)]
    return Diagnosis(
        source=history.source, format=history.format, epochs=history.epochs, window=facts.window,
        train=facts.train, val=facts.val, code=rule.code, variant=rule.variant, rule=rule.id,
        title=printable(tr(advice.title).format(**ctx)), summary=printable(tr(advice.summary).format(**ctx)),
        fixes=tuple(printable(f) for f in fill_fixes(advice.fixes, ctx)),
        evidence=tuple(evidence_text(e, facts) for e in items),
        best_epoch=facts.best_epoch, best_value=facts.best_value, best_key=facts.best_key,
        epochs_since_best=facts.since_best, nonfinite=facts.nonfinite, notes=tuple(notes),
        unit=history.x_unit, facts=facts, evidence_items=items,
        forecast=Later(forecast_of, facts, history, rule.code, rule.variant, horizon),
        confidence=level, confidence_reasons=reasons, history=history, lang=current(),
        timeline=Later(timeline_of, facts, history, settings))
