"""A diagnosis as an HTML panel: what a Jupyter or Colab notebook shows for a `Diagnosis`.

Self-contained (inline CSS, the figure as an inline PNG), and every text from the log is escaped:
a key named `<script>` shows as text. The words are the text report's.
"""

from __future__ import annotations

import base64
import html

from ..judge.codes import colour
from ..core.safe import printable
from ..core.i18n import t
from ..words import confidence_text, forecast_text, timeline_text, units_word


def escaped(text) -> str:
    """A text from the log, safe inside HTML: control characters shown, `<`, `>`, `&`, quotes escaped."""
    return html.escape(printable(str(text)))


_e = escaped


def figure_png(history, d) -> str | None:
    """The annotated figure as a base64 PNG (None when matplotlib cannot draw it)."""
    try:
        import io  # noqa: PLC0415

        import matplotlib  # noqa: PLC0415

        from .plot import RC, styled_figure  # noqa: PLC0415

        buf = io.BytesIO()
        with matplotlib.rc_context(RC):
            styled_figure(history, d).savefig(buf, format="png", dpi=80)
        return base64.b64encode(buf.getvalue()).decode("ascii")
    except Exception:  # noqa: BLE001 - a panel without its figure is still a panel
        return None


def diagnosis_html(d, history=None) -> str:
    """The panel: the verdict, the figure, the evidence, the timeline, the forecast, the fixes, the notes."""
    c = colour(d.code)
    parts = [f'<div class="lossdoctor" style="border-left:6px solid {c};padding:8px 12px;'
             'font-family:system-ui,sans-serif;max-width:960px">',
             f'<div style="font-weight:600;font-size:1.1em"><span style="color:{c}">[{_e(d.code)}]</span> '
             f'{_e(d.title)}</div>',
             f'<div style="color:#555;font-size:.9em">{_e(d.source)} ({_e(d.format)}, {d.epochs} '
             f'{_e(units_word(d.unit))})</div>',
             f"<p>{_e(d.summary)}</p>",
             f"<p><em>{_e(confidence_text(d.confidence, d.confidence_reasons, d.unit))}</em></p>"]
    png = figure_png(history, d) if history is not None else None
    if png:
        alt = _e(t("loss curves with the diagnosis"))
        parts.append(f'<img alt="{alt}" style="max-width:100%" '
                     f'src="data:image/png;base64,{png}">')
    evidence, fixes, notes = _e(t("Evidence")), _e(t("What to do")), _e(t("Notes"))
    parts.append(f"<details open><summary>{evidence}</summary><ul>"
                 + "".join(f"<li>{_e(e)}</li>" for e in d.evidence) + "</ul></details>")
    if d.timeline:
        parts.append(f"<p>{_e(timeline_text(d.timeline, d.unit))}</p>")
    if d.forecast is not None:
        more = t("More {units}:", units=units_word(d.unit))
        parts.append(f"<p><strong>{_e(more)}</strong> {_e(forecast_text(d.forecast, d.unit))}</p>")
    parts.append(f"<p><strong>{fixes}</strong></p><ol>"
                 + "".join(f"<li>{_e(f)}</li>" for f in d.fixes) + "</ol>")
    if d.notes:
        parts.append(f"<details><summary>{notes}</summary><ul>"
                     + "".join(f"<li>{_e(n)}</li>" for n in d.notes) + "</ul></details>")
    parts.append("</div>")
    return "\n".join(parts)


FIGURES_UP_TO = 8  # a batch's panels carry their figure up to this many runs (each takes a tenth of a second)


def batch_html(batch) -> str:
    """What a notebook shows for a batch: the count per diagnosis, a table of the runs (most urgent
    first, unreadable ones with their error), then each run's panel, folded."""
    from .render import batch_cells, batch_header, summary_line  # noqa: PLC0415

    rows, unreadable = [], _e(t("unreadable"))
    for r in batch.results:  # the text table's cells: the same columns and words
        name, epochs, train, val, code, best, title = (_e(c) for c in batch_cells(r))
        if r.diagnosis is None:
            rows.append(f'<tr><td>{name}</td><td></td><td></td><td></td><td>{unreadable}</td><td colspan="2">{title}'
                        "</td></tr>")
            continue
        code = f'<span style="border-left:6px solid {colour(r.code)};padding-left:4px">{code}</span>'
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (name, epochs, train, val, code, best, title)) + "</tr>")
    figures = len(batch.results) <= FIGURES_UP_TO
    panels = [f"<details><summary>{_e(r.name)}: [{_e(r.code)}] {_e(r.diagnosis.title)}</summary>"
              f"{diagnosis_html(r.diagnosis, r.diagnosis.history if figures else None)}</details>"
              for r in batch.results if r.diagnosis is not None]
    head = "".join(f"<th>{_e(h)}</th>" for h in batch_header())
    return ('<div class="lossdoctor-batch" style="font-family:system-ui,sans-serif">'
            f"<p><strong>lossdoctor:</strong> {_e(summary_line(batch))}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + "".join(panels) + "</div>")
