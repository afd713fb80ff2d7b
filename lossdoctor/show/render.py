"""Diagnosis to text, JSON and Markdown. No terminal or plotting library is needed here."""

from __future__ import annotations

import functools
import json
import re
import textwrap

from ..judge.diagnosis import Diagnosis
from ..analyse.trend import Trend
from ..core.i18n import language, t
from ..core.safe import md, md_code, printable
from ..words import (best_line, confidence_text, fmt_epoch, forecast_text, reason_text, timeline_text, trend_word,
                    unit_word, units_word)

WIDTH = 88
_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3000-\u303f\uff00-\uffef"  # CJK characters and punctuation
_CLOSING = set("，。；：、！？）」』》〉】,.;:!?)")
_OPENING = set("（「『《〈【")


def _wrap(text: str, indent: str = "  ", first: str | None = None) -> str:
    first = first if first is not None else indent
    if text.isascii():
        return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=indent)
    return _wrap_wide(text, first, indent)


@functools.cache
def _atoms() -> re.Pattern:
    """One CJK character, a run of other non-blank characters, or blanks (compiled on first use:
    2 ms that an English report never needs)."""
    return re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+|\\s+")


def _wide_tokens(text: str) -> list[str]:
    """Break points for Chinese text: each character, each Latin word, each space; a closing mark
    stays with what precedes it and an opening one with what follows."""
    tokens: list[str] = []
    for atom in _atoms().findall(text):
        if tokens and not atom.isspace() and (atom[0] in _CLOSING or tokens[-1][-1] in _OPENING):
            tokens[-1] += atom
        else:
            tokens.append(atom)
    return tokens


def _wrap_wide(text: str, first: str, indent: str, width: int = WIDTH) -> str:
    """Fill to WIDTH terminal columns where Chinese characters take two and a line may break
    between any two of them (punctuation stays with the character before it)."""
    lines, line = [], first
    for token in _wide_tokens(text):
        if token.isspace():
            token = " "
        if display_width(line) + display_width(token) > width and line.strip():
            lines.append(line.rstrip())
            line = indent
            if token == " ":
                continue
        line += token
    lines.append(line.rstrip())
    return "\n".join(lines)


def in_its_language(render):
    """A renderer of one diagnosis writes in the diagnosis' language (`diagnose(h, lang="zh")` then
    `to_text(d)` has Chinese headings too), whatever the language in force around the call."""
    @functools.wraps(render)
    def call(d, *args, **kwargs):
        with language(getattr(d, "lang", None)):
            return render(d, *args, **kwargs)
    return call


def headline(d: Diagnosis) -> str:
    """`[code] Title`: the one line a log or a live callback prints."""
    return f"[{d.code}] {d.title}"


def context_line(d: Diagnosis) -> str:
    return t("{source} ({format}, {epochs} {units}; judged on {units} {first}-{last})", source=d.source,
             format=d.format, epochs=d.epochs, units=units_word(d.unit), first=fmt_epoch(d.window[0]),
             last=fmt_epoch(d.window[1]))


@in_its_language
def to_text(d: Diagnosis) -> str:
    """A short terminal report: the verdict first, then the evidence, then the fixes."""
    out = [headline(d), _wrap(context_line(d)), "", _wrap(d.summary),
           _wrap(confidence_text(d.confidence, d.confidence_reasons, d.unit)), "", t("Evidence:")]
    out += [_wrap(e, "    ", "  - ") for e in d.evidence]
    if d.timeline:
        out += ["", t("Timeline:"), _wrap(timeline_text(d.timeline, d.unit, label=False))]
    if d.forecast is not None:
        out += ["", t("More {units}:", units=units_word(d.unit)), _wrap(forecast_text(d.forecast, d.unit))]
    out += ["", t("What to do:")]
    out += [_wrap(f, "     ", f"  {i}. ") for i, f in enumerate(d.fixes, 1)]
    if d.notes:
        out += ["", t("Notes:")] + [_wrap(n, "    ", "  - ") for n in d.notes]
    return "\n".join(out) + "\n"


@in_its_language
def final_summary(d: Diagnosis) -> str:
    """What a callback prints when training ends: the verdict, and what more epochs would bring."""
    lines = [t("LossDoctor, end of training: {headline}", headline=headline(d))]
    if d.timeline:
        lines.append(_wrap(timeline_text(d.timeline, d.unit)))
    if d.forecast is not None:
        lines.append(_wrap(forecast_text(d.forecast, d.unit)))
    return "\n".join(lines)


def to_json(d: Diagnosis, indent: int | None = 2) -> str:
    """The diagnosis as a JSON object (schema in README.md); NaN/inf become null."""
    return json.dumps(d.to_dict(), indent=indent, allow_nan=False)


def _trend_row(label: str, tn: Trend | None, unit: str = "epoch") -> str:
    if tn is None:
        none = t("none logged")
        return f"| {label} | - | {none} | | | |"
    if tn.trend == "unknown":
        return f"| {label} | {md_code(tn.key)} | {trend_word('unknown')} | | | {md(reason_text(tn, unit))} |"
    return (f"| {label} | {md_code(tn.key)} | **{trend_word(tn.trend)}** | {tn.relative_change:+.1%} | "
            f"{tn.slope:+.3g} [{tn.slope_low:+.3g}, {tn.slope_high:+.3g}] | {tn.p_value:.2g} |")


@in_its_language
def to_markdown(d: Diagnosis, image: str | None = None, heading: str = "##") -> str:
    """A Markdown summary for a CI job summary or a pull request comment."""
    units = units_word(d.unit)
    out = [f"{heading} lossdoctor: {md(d.title)}", "",
           f"`{d.code}` · {md_code(d.source)} · " + t("{epochs} {units} · judged on {units} {first}–{last}",
                                                     epochs=d.epochs, units=units, first=fmt_epoch(d.window[0]),
                                                     last=fmt_epoch(d.window[1])),
           "", md(d.summary), "", md(confidence_text(d.confidence, d.confidence_reasons, d.unit)), ""]
    if image:
        alt = t("loss curves with lossdoctor's diagnosis")
        out += [f"![{alt}]({image})", ""]
    out += [t("| series | key | trend | change over window | slope/{unit} [95% CI] | p |",
              unit=unit_word(d.unit)),
            "|---|---|---|---|---|---|",
            _trend_row(t("train"), d.train, d.unit), _trend_row(t("validation"), d.val, d.unit), ""]
    if d.best_epoch is not None:
        line = best_line(md_code(d.best_key), d.best_value, d.best_epoch, d.epochs_since_best, d.unit)
        out += [line[0].upper() + line[1:] + ".", ""]
    # the trends are in the table above and the best epoch in the line before: the rest of the evidence
    extra = [text for item, text in zip(d.evidence_items, d.evidence)
             if item.kind not in ("trend", "no_val", "best")]
    out += [f"- {md(e)}" for e in extra] + ([""] if extra else [])
    if d.timeline:
        out += [md(timeline_text(d.timeline, d.unit)), ""]
    if d.forecast is not None:
        out += [f"{heading}# " + t("More {units}", units=units), "", md(forecast_text(d.forecast, d.unit)), ""]
    out += [f"{heading}# " + t("What to do"), ""] + [f"{i}. {md(f)}" for i, f in enumerate(d.fixes, 1)] + [""]
    if d.notes:
        out += [f"{heading}# " + t("Notes"), ""] + [f"- {md(n)}" for n in d.notes] + [""]
    return "\n".join(out)


def _csv(rows: list[list[str]]) -> str:
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


CSV_HEADER = ["run", "epochs", "train_trend", "val_trend", "code", "variant", "best_epoch", "best_value",
              "train_change", "val_change", "title", "error"]


def _csv_row(name: str, d: Diagnosis | None, error: str | None = None) -> list[str]:
    if d is None:
        return [name, "", "", "", "error", "", "", "", "", "", "", error or ""]
    def change(t):
        return "" if t is None or t.trend == "unknown" else f"{t.relative_change:.4f}"
    return [name, str(d.epochs), d.train.trend, d.val.trend if d.val else "", d.code, d.variant,
            fmt_epoch(d.best_epoch) if d.best_epoch is not None else "",
            "" if d.best_value is None else f"{d.best_value:.6g}", change(d.train), change(d.val), d.title, ""]


@in_its_language
def to_csv(d: Diagnosis) -> str:
    """One header row and one row: the sweep table's columns, for a single run."""
    return _csv([CSV_HEADER, _csv_row(d.source, d)])


def batch_to_csv(batch) -> str:
    """The sweep table as CSV: one row per run, most urgent first, unreadable runs with their error."""
    return _csv([CSV_HEADER] + [_csv_row(r.name, r.diagnosis, r.error) for r in batch.results])


RENDERERS = {"text": to_text, "json": lambda d: to_json(d) + "\n", "markdown": to_markdown, "csv": to_csv}



# -- batches --------------------------------------------------------------------------------

def batch_cells(r) -> list[str]:
    """One run's row of the sweep table (run, epochs, train, val, code, best epoch, diagnosis or error)."""
    if r.diagnosis is None:
        return [printable(r.name), "", "", "", "error", "", printable(r.error or "")]
    d = r.diagnosis
    val = trend_word(d.val.trend) if d.val else "-"
    best = "" if d.best_epoch is None else fmt_epoch(d.best_epoch)
    return [printable(r.name), str(d.epochs), trend_word(d.train.trend), val, d.code, best, d.title]


def batch_header() -> list[str]:
    """The sweep table's headings (text and Markdown; the CSV keeps its column names)."""
    return [t("run"), t("epochs"), t("train"), t("val"), t("code"), t("best"), t("diagnosis")]


def display_width(s: str) -> int:
    """Columns a string takes in a terminal: wide (CJK) characters take two."""
    import unicodedata  # noqa: PLC0415

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _ljust(s: str, width: int) -> str:
    return s + " " * max(0, width - display_width(s))


def _shorten_left(s: str, width: int) -> str:
    if display_width(s) <= width:
        return s
    while display_width(s) > width - 3:
        s = s[1:]
    return "..." + s


def summary_line(batch) -> str:
    parts = [f"{n} {code}" for code, n in sorted(batch.summary.items(), key=lambda kv: (-kv[1], kv[0]))]
    skipped = getattr(batch, "skipped", 0)
    tail = t(" ({n} file(s) that are not training logs skipped)", n=skipped) if skipped else ""
    if len(batch.results) == 1:
        return t("1 run: {counts}", counts=", ".join(parts)) + tail
    return t("{n} runs: {counts}", n=len(batch.results), counts=", ".join(parts)) + tail


def batch_to_text(batch, width: int = 140) -> str:
    """One row per run (most urgent first, unreadable last), then a summary of codes."""
    rows = [batch_cells(r) for r in batch.results]
    rows = [[_shorten_left(c[0], 48), *c[1:]] for c in rows]
    widths = [max([display_width(batch_header()[i])] + [display_width(r[i]) for r in rows]) for i in range(6)]
    def line(cells):
        head = "  ".join(_ljust(c, w) if i != 1 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        full = f"{head}  {cells[6]}" if cells[6] else head.rstrip()
        return full if len(full) <= width else full[: width - 3] + "..."
    out = [line(batch_header()), line(["-" * w for w in widths] + [""])] + [line(r) for r in rows]
    return "\n".join(out) + "\n\n" + summary_line(batch) + "\n"


def batch_to_jsonl(batch) -> str:
    """One JSON object per run and line (JSON Lines); unreadable runs carry `error`."""
    return "".join(json.dumps(r.to_dict(), allow_nan=False) + "\n" for r in batch.results)


def batch_to_markdown(batch) -> str:
    out = ["## lossdoctor: " + md(summary_line(batch)), "", "| " + " | ".join(batch_header()) + " |",
           "|" + "---|" * len(batch_header())]
    out += ["| " + " | ".join(md(c) for c in batch_cells(r)) + " |" for r in batch.results]
    return "\n".join(out) + "\n"


BATCH_RENDERERS = {"text": batch_to_text, "json": batch_to_jsonl, "markdown": batch_to_markdown,
                   "csv": batch_to_csv}
