"""The annotated figure: curves, fitted trends over the window, best epoch, NaN marks, the verdict.

matplotlib is imported inside the functions, so the text path never pays for it.
"""

from __future__ import annotations

import functools
import math
import os
import textwrap

import numpy as np

from ..core.atomic import atomic_write
from ..core.safe import printable
from ..judge.codes import colour
from ..judge.diagnosis import Diagnosis
from ..analyse.facts import ACCURACY_KEYS
from ..words import LEVEL_WORDS, best_note, code_name, evidence_line, fmt_epoch, forecast_line, trend_word, unit_word, units_word
from ..core.errors import LossDoctorError
from ..read.history import History, Series
from ..core.i18n import current, language, t, tr

# Okabe–Ito: distinguishable with every common colour-vision deficiency
TRAIN_COLOR, VAL_COLOR, MARK_COLOR, WINDOW_COLOR = "#0072B2", "#D55E00", "#009E73", "#999999"
BAD_COLOR = "#CC79A7"
FORMATS = (".png", ".svg", ".pdf")
RC = {"font.size": 10, "axes.titlesize": 11, "axes.spines.top": False, "axes.spines.right": False,
      "svg.hashsalt": "lossdoctor", "figure.dpi": 100}
# fonts with the Chinese characters, most common on Linux first; matplotlib falls back to them glyph by glyph
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Serif CJK SC", "Source Han Sans SC",
             "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback",
             "AR PL UMing CN", "AR PL UKai CN", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC")
CJK_FILES = ("CJK", "wqy", "WenQuanYi", "DroidSansFallback", "uming", "ukai", "SourceHanSans", "simhei", "msyh")
NO_CJK_FONT = ("lossdoctor: no font with Chinese characters is installed, so the figure is drawn in English; "
               "install one (Debian/Ubuntu: apt-get install fonts-noto-cjk; Fedora: dnf install "
               "google-noto-sans-cjk-fonts; macOS and Windows have one)")
_told: set = set()  # what was said on stderr once per process


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed font with Chinese characters, or None. matplotlib's font list is a
    cache made when it first ran: a font installed since is looked for among the system's fonts."""
    from matplotlib import font_manager  # noqa: PLC0415

    names = {f.name for f in font_manager.fontManager.ttflist}
    if not any(n in names for n in CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if any(k in os.path.basename(path) for k in CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def figure_language() -> str:
    """The language the figure is drawn in: the one in force, or English (said once, on stderr)
    when it needs a font this machine does not have: never boxes in place of characters."""
    lang = current()
    if lang == "en" or cjk_font():
        return lang
    if "no font" not in _told:
        import sys  # noqa: PLC0415

        _told.add("no font")
        print(NO_CJK_FONT, file=sys.stderr)
    return "en"


def figure_rc() -> dict:
    """The figure style, with the Chinese font as fallback of DejaVu Sans when one is drawn in Chinese."""
    font = cjk_font() if current() != "en" else None
    return {**RC, "font.family": ["DejaVu Sans", font]} if font else dict(RC)


def in_language(d: Diagnosis, history: History) -> Diagnosis:
    """`d` with its words in the language in force (made again from its facts when it was written in another)."""
    if d.lang == current() or d.facts is None:
        return d
    from ..judge.diagnosis import explain  # noqa: PLC0415

    horizon = d.forecast.horizon_epochs if d.forecast is not None else None
    return explain(d.facts, history, horizon=horizon)


def literal_text(fig):
    """Every text lossdoctor wrote on the figure (titles, labels, legends, notes, the box) drawn as
    it is: a '$' in a key or a file name is text, not mathtext. Tick labels keep their mathtext."""
    texts = [getattr(fig, "_suptitle", None)]
    for ax in fig.axes:
        texts += [ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None),
                  ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += legend.get_texts()
    for text in texts:
        if text is not None:
            text.set_parse_math(False)
    return fig


def tensorboard_smooth(y: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average; non-finite points pass through."""
    out = np.array(y, dtype=float)
    if weight <= 0:
        return out
    last, n = 0.0, 0
    for i, v in enumerate(out):
        if not math.isfinite(v):
            continue
        last = last * weight + (1 - weight) * v
        n += 1
        out[i] = last / (1 - weight ** n)
    return out


def wants_log_scale(*series: Series) -> bool:
    """True when the finite positive values span more than two orders of magnitude."""
    vals = np.concatenate([s.y[np.isfinite(s.y) & (s.y > 0)] for s in series if s is not None] or [np.array([])])
    if not len(vals) or any(np.any(s.y[np.isfinite(s.y)] <= 0) for s in series if s is not None):
        return False
    return float(vals.max() / vals.min()) > 100.0


def _draw_series(ax, s: Series, color: str, label: str, smooth: float, shift: float = 0.0) -> None:
    x = s.x - shift
    raw_style = dict(color=color, lw=1.0 if smooth or s.per_step else 1.8,
                     alpha=0.3 if smooth or s.per_step else 1.0)
    marker = "o" if len(s) <= 60 and not s.per_step else None
    ax.plot(x, s.y, marker=marker, ms=3, label=None if smooth else label, **raw_style)
    if smooth:
        ax.plot(x, tensorboard_smooth(s.y, smooth), color=color, lw=2.0,
                label=t("{label} (smoothed {weight})", label=label, weight=f"{smooth:g}"))


def _draw_trend(ax, tn, color: str, shift: float = 0.0) -> None:
    if tn is None or tn.trend == "unknown" or not math.isfinite(tn.start_value) or not math.isfinite(tn.end_value):
        return
    xs = np.linspace(tn.first_epoch, tn.last_epoch, 50)
    ys = tn.fitted(xs)
    ax.plot(xs - shift, ys, color=color, lw=2.2, ls="--",
            label=t("{key} trend: {trend} ({change})", key=tn.key, trend=trend_word(tn.trend),
                    change=f"{tn.relative_change:+.1%}"), zorder=5)


def _draw_forecast(ax, d: Diagnosis, color: str) -> None:
    """The extrapolated best loss up to the horizon, as a band (80%) past the last epoch."""
    fc = d.forecast
    band = fc.band(60) if fc is not None else None
    if band is None:
        return  # nothing extrapolated, or nothing to see past the last epoch: the box says so
    xs, mid, lower = band
    # drawn a quarter of the run past its end, so that the measured curves fill most of the width;
    # the box says where the forecast goes (its horizon) and what it expects there
    first = min(p.first_epoch for p in d.timeline) if d.timeline else 0.0
    end = min(float(xs[-1]), float(math.ceil(xs[0] + max(0.25 * (xs[0] - first), 1.0))))
    keep = xs < end
    xs, mid, lower = (np.r_[a[keep], np.interp(end, xs, a)] for a in (xs, mid, lower))
    ax.fill_between(xs, lower, fc.best_so_far, color=color, alpha=0.12, lw=0,
                    label=t("forecast of the best {key} (80%), drawn to {unit} {shown}; to {unit} {horizon} in the box",
                            key=fc.key, unit=unit_word(d.unit), shown=fmt_epoch(end),
                            horizon=fmt_epoch(fc.horizon_epochs)))
    ax.plot(xs, mid, color=color, lw=1.4, ls=":", zorder=4)


def _draw_timeline(ax, d: Diagnosis) -> None:
    """The phases as a coloured strip along the top of the loss panel, each named by its code."""
    if len(d.timeline) < 2:
        return
    span = d.timeline[-1].last_epoch - d.timeline[0].first_epoch
    for p in d.timeline:
        ax.axvspan(p.first_epoch, p.last_epoch, ymin=0.965, ymax=1.0, color=colour(p.code),
                   alpha=0.55, lw=0)
        if p.last_epoch - p.first_epoch >= 0.22 * span:  # a name only where it fits
            ax.text((p.first_epoch + p.last_epoch) / 2, 0.982, code_name(p.code), fontsize=6.5,
                    ha="center", va="center", transform=ax.get_xaxis_transform(), clip_on=True)


def _mark_nonfinite(ax, s: Series, color: str, height: float = 0.97) -> None:
    bad = ~np.isfinite(s.y)
    if bad.any():
        ax.plot(s.x[bad], np.full(bad.sum(), height), transform=ax.get_xaxis_transform(), ls="none",
                marker="x", ms=7, mew=2, color=color, label=t("{key} NaN/inf", key=s.key), clip_on=False)


def _mark_best(ax, d: Diagnosis) -> None:
    if d.best_epoch is None:
        return
    label = best_note(d.best_key, d.best_value, d.best_epoch, d.unit)
    if d.code == "overfitting":
        label = t("{best}: overfitting begins", best=label)
    ax.axvline(d.best_epoch, color=MARK_COLOR, ls=":", lw=1.5)
    ax.plot([d.best_epoch], [d.best_value], marker="*", ms=14, color=MARK_COLOR, ls="none",
            label=label, zorder=6)


def shorten_middle(name: str, width: int) -> str:
    """A run name cut in the middle, keeping its start and its distinguishing end."""
    if len(name) <= width:
        return name
    head = (width - 1) // 3
    return name[:head] + "…" + name[-(width - 1 - head):]


def _verdict_text(d: Diagnosis, fixes: int = 3, width: int = 110) -> str:
    """The box's text: the verdict, the evidence, and the top fixes in full (wrapped, never cut)."""
    lines = [t("{title} (confidence: {level})", title=d.title, level=tr(LEVEL_WORDS.get(d.confidence, d.confidence))),
             evidence_line(d)]
    if d.forecast is not None and d.forecast.expected_loss is not None:
        lines.append(forecast_line(d.forecast, d.unit))
    lines += [f"{i}. {f}" for i, f in enumerate(d.fixes[:fixes], 1)]
    if current() == "en":
        return "\n".join(textwrap.fill(l, width, subsequent_indent="    ") for l in lines)
    from .render import _wrap_wide, display_width  # noqa: PLC0415 - Chinese breaks between characters

    return "\n".join(_wrap_wide(l, "", "    ", width) if display_width(l) > width else l for l in lines)


VAL_ACCURACY_KEYS = ("val_accuracy", "val_acc", "valid_acc", "eval_accuracy", "val_binary_accuracy")


def _accuracy_pair(history: History) -> tuple[Series | None, Series | None]:
    """(training accuracy, validation accuracy): either may be None (Lightning often logs only val_acc)."""
    key = next((k for k in ACCURACY_KEYS if k in history), None)
    if key is None:
        val_key = next((k for k in VAL_ACCURACY_KEYS if k in history), None)
        return None, (history[val_key] if val_key else None)
    val = next((history[k] for k in (f"val_{key}", key.replace("train_", "val_")) if k in history and k != key), None)
    return history[key], val


def plot_diagnosis(history: History, d: Diagnosis, logy: bool | None = None, smooth: float = 0.0,
                   shift_train: bool = False):
    """Draw the annotated figure and return it (a matplotlib Figure).

    Args:
        history: the history that was diagnosed.
        d: its diagnosis.
        logy: log-scale y axis; None chooses it when the loss spans orders of magnitude.
        smooth: TensorBoard-style smoothing weight in [0, 1) for display; raw points stay, faint.
        shift_train: draw a per-epoch training loss half an epoch earlier: Keras reports it as
            a running mean over the epoch, while the validation loss is measured at its end.
    """
    from matplotlib.figure import Figure  # noqa: PLC0415 - keep matplotlib off the text path

    train = history[d.train.key]
    val = history[d.val.key] if d.val is not None else None
    acc, val_acc = _accuracy_pair(history)
    verdict = _verdict_text(d)
    # the box's row is as tall as its text: no empty band below it, no line cut off
    panel = acc is not None or val_acc is not None
    rows = [3.2] + ([1.5] if panel else []) + [0.3 + 0.17 * (verdict.count("\n") + 1)]
    fig = Figure(figsize=(10, sum(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), 1, height_ratios=rows, sharex=False)
    ax, box = axes[0], axes[-1]
    shift = 0.5 if shift_train and not train.per_step else 0.0

    ax.axvspan(d.window[0], d.window[1], color=WINDOW_COLOR, alpha=0.15, lw=0,
               label=t("analysis window ({units} {first}-{last})", units=units_word(d.unit),
                       first=fmt_epoch(d.window[0]), last=fmt_epoch(d.window[1])))
    _draw_series(ax, train, TRAIN_COLOR, (t("train {key} (mid-epoch)", key=train.key) if shift else
                                          t("train {key}", key=train.key)), smooth, shift)
    _draw_trend(ax, d.train, TRAIN_COLOR, shift)
    if val is not None:
        _draw_series(ax, val, VAL_COLOR, t("validation {key}", key=val.key), smooth)
        _draw_trend(ax, d.val, VAL_COLOR)
    _draw_forecast(ax, d, VAL_COLOR if val is not None else TRAIN_COLOR)
    _draw_timeline(ax, d)
    for s, color, height in ((train, TRAIN_COLOR, 0.97), (val, VAL_COLOR, 0.92)):
        if s is not None:
            _mark_nonfinite(ax, s, color, height)
    if not any(np.isfinite(s.y).any() for s in (train, val) if s is not None):
        ax.text(0.5, 0.5, t("no finite loss value: NaN/inf from {unit} {epoch}", unit=unit_word(d.unit),
                            epoch=fmt_epoch(min(d.nonfinite.values()))),
                ha="center", va="center", transform=ax.transAxes, color=BAD_COLOR, fontsize=12)
        ax.set_yticks([])
    if history.x_unit == "epoch" and not train.per_step:
        from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _mark_best(ax, d)
    use_log = wants_log_scale(train, val) if logy is None else logy
    if use_log:
        ax.set_yscale("log")
    ax.set_ylabel(t("loss (log scale)") if use_log else t("loss"))
    ax.set_title(textwrap.fill(f"{os.path.basename(d.source)}: [{d.code}] {d.title}", 100), loc="left",
                 fontweight="bold")  # a long name wraps instead of running off the figure
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    ax.grid(alpha=0.3)
    if panel:
        ax2 = axes[1]
        if acc is not None:
            _draw_series(ax2, acc, TRAIN_COLOR, t("train {key}", key=acc.key), smooth)
        if val_acc is not None:
            _draw_series(ax2, val_acc, VAL_COLOR, t("validation {key}", key=val_acc.key), smooth)
        ax2.axvspan(d.window[0], d.window[1], color=WINDOW_COLOR, alpha=0.15, lw=0)
        m = d.facts.metric if d.facts is not None else None
        if m is not None and val_acc is not None and m.key == val_acc.key:
            ax2.plot([m.best_epoch], [m.best_value], marker="*", ms=12, color=MARK_COLOR, ls="none", zorder=6,
                     label=best_note(m.key, m.best_value, m.best_epoch, d.unit))
        ax2.set_ylabel((acc or val_acc).key)
        ax2.grid(alpha=0.3)
        ax2.legend(loc="best", fontsize=8)
        ax2.sharex(ax)
    (axes[-2] if panel else ax).set_xlabel(unit_word(history.x_unit))
    box.axis("off")
    box.text(0.0, 1.0, verdict, va="top", ha="left", fontsize=9,
             transform=box.transAxes, wrap=False,
             bbox=dict(boxstyle="round,pad=0.6", fc="#F7F7F7", ec="#BBBBBB"))
    return literal_text(fig)


def figure_writer(fig, path: str):
    """A `write(tmp_path)` for the figure; the format follows `path`'s extension (.png, .svg, .pdf)."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise LossDoctorError(t("cannot write {path}: unknown image type {ext}; use {formats}", path=path,
                                ext=ext or t("(none)"), formats=", ".join(FORMATS)))
    meta = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}[ext]
    import matplotlib  # noqa: PLC0415

    def _write(tmp: str) -> None:
        with matplotlib.rc_context(RC):
            fig.savefig(tmp, format=ext[1:], dpi=120, metadata=meta)
    return _write


def save_figure(fig, path: str, inputs=()) -> None:
    """Write the figure atomically (see `atomic.WritePlan`), never over one of `inputs`."""
    atomic_write(path, figure_writer(fig, path), inputs)


def styled_figure(history: History, d: Diagnosis, **kwargs):
    """The annotated figure, drawn under lossdoctor's style, in the language in force (English, with
    one note, when no font with its characters is installed)."""
    import matplotlib  # noqa: PLC0415

    with language(figure_language()):
        d = in_language(d, history)
        with matplotlib.rc_context(figure_rc()):
            return plot_diagnosis(history, d, **kwargs)


def render_figure(history: History, d: Diagnosis, path: str, inputs=(), **kwargs) -> None:
    """Draw and save in one call, under lossdoctor's style."""
    save_figure(styled_figure(history, d, **kwargs), path, inputs)




def plot_grid(items: list, total: int | None = None, columns: int | None = None):
    """Small multiples: one panel per `(name, history, diagnosis)`, titled and coloured by diagnosis."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    n = len(items)
    cols = columns or min(6, max(1, math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.2 * cols, 2.5 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (name, history, d) in zip(axes, items):
        train = history[d.train.key]
        ax.axvspan(d.window[0], d.window[1], color=WINDOW_COLOR, alpha=0.15, lw=0)
        ax.plot(train.x, train.y, color=TRAIN_COLOR, lw=1.0, alpha=0.5 if train.per_step else 1.0)
        _draw_trend(ax, d.train, TRAIN_COLOR)
        if d.val is not None:
            val = history[d.val.key]
            ax.plot(val.x, val.y, color=VAL_COLOR, lw=1.2)
            _draw_trend(ax, d.val, VAL_COLOR)
        if wants_log_scale(train, history[d.val.key] if d.val else None):
            ax.set_yscale("log")
        if d.nonfinite and not np.isfinite(train.y).any():
            ax.text(0.5, 0.5, t("NaN/inf from {unit} {epoch}", unit=unit_word(d.unit),
                                epoch=fmt_epoch(min(d.nonfinite.values()))), ha="center",
                    va="center", transform=ax.transAxes, color=BAD_COLOR, fontsize=9)
        color = colour(d.code)
        ax.set_title(shorten_middle(printable(name), 38) + f"\n[{d.code}]", fontsize=8, color=color, loc="left")
        for side in ax.spines.values():
            side.set_edgecolor(color)
        ax.tick_params(labelsize=7)
    for ax in axes[n:]:
        ax.axis("off")
    shown = t("{n} runs", n=n) if not total or total == n else t("the {n} most urgent of {total} runs", n=n, total=total)
    fig.suptitle(t("lossdoctor: {shown} (train blue, validation orange, trends dashed over the window)", shown=shown),
                 fontsize=10)
    return literal_text(fig)


def styled_grid(items: list, total: int | None = None):
    import matplotlib  # noqa: PLC0415

    with language(figure_language()), matplotlib.rc_context(figure_rc()):
        return plot_grid(items, total)


def render_grid(items: list, path: str, total: int | None = None, inputs=()) -> None:
    save_figure(styled_grid(items, total), path, inputs)
