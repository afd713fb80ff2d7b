"""One self-contained HTML page for a run or a whole sweep: `lossdoctor report runs/ -o sweep.html`.

The page needs no network (CSS and script inline, no CDN) and runs no code from the data: every
text from a log (run names, keys, notes) is escaped in the table and set as text by the script,
the runs' data sits in a JSON block the browser never executes, and a Content-Security-Policy
allows only the page's own script (by its hash). The table is rendered here, so it reads and
prints without the script; the script adds sorting, filtering, a panel per run with its curves
drawn as SVG on demand (1,000 runs stay light: no figure is drawn before it is opened) and an
overlay of the validation loss of chosen runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from importlib import resources

import numpy as np

from ..judge.codes import NAMES, colour, severity
from .html import escaped as _e
from .render import context_line
from ..core.safe import printable
from ..analyse.trend import bin_points
from ..core.i18n import N_, current, t, tr
from ..words import (LEVEL_WORDS, best_note, confidence_text, fmt_epoch, fmt_value, forecast_text, forecast_word,
                    nonfinite_text, timeline_text, trend_word, unit_word, units_word)

MAX_POINTS = 400  # per curve: a longer series is drawn from this many bin medians
COLUMNS = (  # (key, heading, numeric): the table's columns, in order
    ("run", N_("run"), False), ("epochs", N_("epochs"), True), ("train", N_("train"), False),
    ("val", N_("val"), False), ("code", N_("diagnosis"), False), ("best_epoch", N_("best epoch"), True),
    ("best_value", N_("best loss"), True), ("since", N_("since best"), True), ("forecast", N_("forecast"), True),
    ("confidence", N_("confidence"), False),
)


def labels() -> dict:
    """The page script's words, in the language in force (`{name}` placeholders filled by the script)."""
    return {"shown": t("{n} of {total} runs shown"), "no_finite": t("No finite loss value to draw."),
            "loss": t("loss"), "loss_log": t("loss (log scale)"), "close": t("Close"),
            "train": t("train {key}"), "validation": t("validation {key}"), "trend": t("{key} trend"),
            "curves_of": t("loss curves of {run}: {code}"), "evidence": t("Evidence"), "timeline": t("Timeline"),
            "fixes": t("What to do"), "notes": t("Notes"), "unreadable": t("unreadable"),
            "overlay": t("Overlay chosen runs"), "overlay_n": t("Overlay {n} chosen runs"),
            "overlay_item": t("{run} ({key}, {code})"), "overlay_item_nan": t("{run} ({key}, {code}: no finite value)"),
            "overlay_title": t("Validation loss of {n} runs")}


def _num(v, digits: int = 5):
    """A float for the JSON: rounded to `digits` significant digits, None for NaN/inf."""
    if v is None:
        return None
    v = float(v)
    return float(f"{v:.{digits}g}") if math.isfinite(v) else None


def _curve(series) -> dict | None:
    if series is None:
        return None
    x, y = bin_points(series.x, series.y, MAX_POINTS)
    return {"key": printable(series.key), "x": [_num(v) for v in x], "y": [_num(v) for v in y]}


def _trend_line(t) -> list | None:
    if t is None or t.trend == "unknown" or not (math.isfinite(t.start_value) and math.isfinite(t.end_value)):
        return None
    xs = np.linspace(t.first_epoch, t.last_epoch, 12)
    return [[_num(a), _num(b)] for a, b in zip(xs, t.fitted(xs))]


def _band(d) -> list | None:
    """The forecast band past the last epoch, as the figure draws it: [x, expected, low, best so far]."""
    fc = d.forecast
    band = fc.band(24) if fc is not None else None
    if band is None:
        return None
    return [[_num(a), _num(b), _num(c), _num(fc.best_so_far)] for a, b, c in zip(*band)]


def _forecast_cell(fc) -> tuple[str, float | None]:
    """The forecast column: expected best and whether more epochs help, and its sort value."""
    if fc is None or fc.expected_loss is None:
        return "", None
    return f"{fmt_value(fc.expected_loss)} ({forecast_word(fc.more_epochs_help)})", fc.expected_loss


def run_data(r) -> dict:
    """What the page's script needs of one run: the words, the numbers and the curves."""
    if r.diagnosis is None:
        return {"run": printable(r.name), "source": printable(r.source), "error": printable(r.error or ""),
                "exit_code": r.exit_code}
    d, h = r.diagnosis, r.diagnosis.history
    unit = d.unit
    data = {
        "run": printable(r.name), "source": d.source, "format": d.format, "code": d.code, "variant": d.variant,
        "colour": colour(d.code), "title": d.title, "summary": d.summary, "epochs": d.epochs, "unit": unit,
        "window": [_num(d.window[0]), _num(d.window[1])],
        "confidence": d.confidence, "confidence_text": confidence_text(d.confidence, d.confidence_reasons, unit),
        "evidence": list(d.evidence), "fixes": list(d.fixes), "notes": list(d.notes),
        "timeline": timeline_text(d.timeline, unit, label=False) if d.timeline else "",
        "phases": [[_num(p.first_epoch), _num(p.last_epoch), p.code, colour(p.code)] for p in d.timeline],
        "forecast": forecast_text(d.forecast, unit) if d.forecast is not None else "",
        "band": _band(d), "best": [_num(d.best_epoch), _num(d.best_value)] if d.best_epoch is not None else None,
        "words": {"unit": unit_word(unit), "more": t("More {units}", units=units_word(unit)),
                  "trends": t("trend over the judged {units}", units=units_word(unit)),
                  "window": t("judged {units} (shaded)", units=units_word(unit)),
                  "band": t("forecast of the best {key} (80%)", key=d.forecast.key) if d.forecast else ""},
        "best_key": d.best_key, "context": context_line(d),
        "nonfinite": [nonfinite_text(k, v, unit) for k, v in d.nonfinite.items()],
        "best_label": best_note(d.best_key, d.best_value, d.best_epoch, unit) if d.best_epoch is not None else "",
        "train": _curve(h[d.train.key]) if h is not None and d.train.key in h else None,
        "val": _curve(h[d.val.key]) if h is not None and d.val is not None and d.val.key in h else None,
        "train_fit": _trend_line(d.train), "val_fit": _trend_line(d.val),
    }
    return data


def _row(i: int, r) -> str:
    """One table row, rendered here (readable and printable without the script)."""
    name = _e(r.name)
    if r.diagnosis is None:
        label, unreadable = _e(t("compare {run} (not readable)", run=r.name)), _e(t("unreadable"))
        return (f'<tr data-i="{i}" data-code="error" data-run="{name}" data-k0="{name}" data-k4="99">'
                f'<td><input type="checkbox" disabled aria-label="{label}"></td>'
                f'<th scope="row"><span class="run-name">{name}</span></th><td></td><td></td><td></td>'
                f'<td><span class="code" style="--c:#999999">{unreadable}</span></td>'
                f'<td colspan="5" class="err">{_e(r.error or "")}</td></tr>')
    d = r.diagnosis
    fc_text, fc_value = _forecast_cell(d.forecast)
    values = {
        "run": (name, name), "epochs": (str(d.epochs), d.epochs),
        "train": (_e(trend_word(d.train.trend)), trend_word(d.train.trend)),
        "val": ((_e(trend_word(d.val.trend)) if d.val else "-"), (trend_word(d.val.trend) if d.val else "-")),
        "code": (f'<span class="code" style="--c:{colour(d.code)}">{_e(d.code)}</span>'
                 f'<span class="title">{_e(d.title)}</span>', f"{severity(d.code):02d}{d.code}"),
        "best_epoch": (fmt_epoch(d.best_epoch) if d.best_epoch is not None else "", d.best_epoch),
        "best_value": (fmt_value(d.best_value) if d.best_value is not None else "", d.best_value),
        "since": (fmt_epoch(d.epochs_since_best) if d.epochs_since_best is not None else "", d.epochs_since_best),
        "forecast": (_e(fc_text), fc_value),
        "confidence": (_e(tr(LEVEL_WORDS.get(d.confidence, d.confidence))), "lmh".index(d.confidence[0])),
    }
    keys = " ".join(f'data-k{j}="{_e("" if v[1] is None else v[1])}"' for j, v in
                    enumerate(values[k] for k, _, _ in COLUMNS))
    cells = "".join(f"<td>{values[k][0]}</td>" for k, _, _ in COLUMNS[1:])
    compare, open_ = _e(t("compare {run}", run=r.name)), _e(t("open {run}", run=r.name))
    return (f'<tr data-i="{i}" data-code="{_e(d.code)}" data-run="{name}" {keys}>'
            f'<td><input type="checkbox" class="pick" aria-label="{compare}"></td>'
            f'<th scope="row"><button type="button" class="open" aria-label="{open_}">'
            f'{name}</button></th>'
            f"{cells}</tr>")


def _summary(batch) -> str:
    """The summary bar: a count per diagnosis, most urgent first; each filters the table."""
    counts = sorted(batch.summary.items(), key=lambda kv: severity(kv[0] if kv[0] != "error" else None))
    unreadable = _e(t("unreadable"))
    items = [f'<button type="button" class="count" data-code="{_e(code)}" style="--c:{colour(code)}" '
             f'aria-pressed="false"><b>{n}</b> {_e(code) if code != "error" else unreadable}</button>'
             for code, n in counts]
    label = _e(t("diagnoses"))
    return f'<nav class="summary" aria-label="{label}">' + "".join(items) + "</nav>"


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _json_block(data) -> str:
    """JSON inside a <script type="application/json">: no `<`, `>` or `&` can end the block."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for a, b in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(a, b)
    return text


def sweep_html(batch, title: str | None = None) -> str:
    """The page for a batch of runs (one run gives the same page with one entry, opened)."""
    title = title or t("lossdoctor report")
    runs = [run_data(r) for r in batch.results]
    script = _asset("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    n, failed = len(batch.results), batch.failed
    codes = [c for c in NAMES if c in batch.summary] + (["error"] if "error" in batch.summary else [])
    unreadable = _e(t("unreadable"))
    options = "".join(f'<option value="{c}">{c if c != "error" else unreadable}</option>' for c in codes)
    heads = "".join(
        f'<th scope="col" data-col="{j}" data-num="{int(num)}" aria-sort="none"><button type="button" class="sort">'
        f"{_e(tr(head))}</button></th>" for j, (_, head, num) in enumerate(COLUMNS))
    w = {"diagnosis": _e(t("Diagnosis")), "all": _e(t("all")), "run_name": _e(t("Run name")),
         "filter": _e(t("filter by name")), "overlay": _e(t("Overlay chosen runs")),
         "overlay_label": _e(t("validation loss of the chosen runs")), "compare": _e(t("compare")),
         "caption": _e(t("Runs, most urgent first. Choose a run's name to open it; tick runs to overlay their "
                         "validation loss."))}
    skipped = getattr(batch, "skipped", 0)
    lead = (t("1 run") if n == 1 else t("{n} runs", n=n)) + (t(", {n} unreadable", n=failed) if failed else "") + \
        (t("; {n} file(s) that are not training logs skipped", n=skipped) if skipped else "")
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if current() == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="generator" content="lossdoctor">
<title>{_e(title)}</title>
<style>{_asset("page.css")}</style>
</head>
<body>
<header><h1>{_e(title)}</h1><p class="lead">{_e(lead)}</p>{_summary(batch)}</header>
<main>
<div class="controls" role="search">
<label>{w["diagnosis"]} <select id="code-filter"><option value="">{w["all"]}</option>{options}</select></label>
<label>{w["run_name"]} <input type="search" id="name-filter" placeholder="{w["filter"]}"></label>
<button type="button" id="overlay-btn" disabled>{w["overlay"]}</button>
<span id="shown" aria-live="polite"></span>
</div>
<section id="overlay" hidden aria-label="{w["overlay_label"]}"></section>
<section id="panel" hidden aria-live="polite"></section>
<table id="runs">
<caption>{w["caption"]}</caption>
<thead><tr><th scope="col"><span class="sr">{w["compare"]}</span></th>{heads}</tr></thead>
<tbody>
{"".join(_row(i, r) for i, r in enumerate(batch.results))}
</tbody>
</table>
</main>
<script type="application/json" id="runs-data">{_json_block(runs)}</script>
<script type="application/json" id="labels-data">{_json_block(labels())}</script>
<script>{script}</script>
</body>
</html>
"""


def page_writer(batch, title: str | None = None):
    """A `write(tmp_path)` for the page (see `atomic.WritePlan`)."""
    from ..core.atomic import text_writer  # noqa: PLC0415

    return text_writer(sweep_html(batch, title))
