"""What Keras' `fit()` prints, from Keras 1 to Keras 3, verbose=1 or 2, and notebooks holding it.

Progress bars rewrite their line with `\\r` and `\\b` and colour it with ANSI codes; each rewrite is
read as a segment and the last one of an epoch holds the epoch's values (with `val_*`).
Checkpoint messages such as `Epoch 00001: val_loss improved ...` have no `/` and are not headers.
"""

from __future__ import annotations

import json
import re

from ..errors import HistoryFormatError
from ..history import History
from ._numbers import json_numbers
from .records import records_to_history
from .sniff import ANSI, EPOCH_HEADER, STEP_LINE
from ..i18n import t

METRIC = re.compile(r"(?<![\w/])([A-Za-z_][\w/.\-]*?)\s*:\s+(nan|-?nan|[-+]?inf|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w.:])",
                    re.IGNORECASE)
PROGRESS = re.compile(r"^\s*(\d{1,12})/(\d{1,12})\b")
NOT_METRICS = {"eta", "epoch", "step", "time", "lr_step"}


def _metrics(segment: str) -> dict[str, float]:
    out = {}
    for key, value in METRIC.findall(segment):
        key = key.lower()
        if key not in NOT_METRICS:
            out[key] = float(value)  # the pattern admits only numbers, nan and inf
    return out


HEADER = re.compile(r"(?:Epoch|EPOCH|epoch)[ \t]+(\d{1,9})[ \t]*/[ \t]*(\d{1,9})\b([^\r\n\x08]*)")
LINE_START = re.compile(r"(?:[ \t]|\x1b\[[0-9;]*m)*\Z")
SEPARATORS = "\r\n\x08"
SPLIT = re.compile(r"[\r\n\x08]")


def _last_report(text: str, start: int, end: int) -> tuple[dict | None, bool]:
    """The last segment in text[start:end] that reports a loss, and whether the epoch completed.

    Only the tail of each epoch is read first (progress bars end with the epoch's values), so a
    log with millions of progress-bar rewrites costs one scan for the headers plus a little per epoch.
    """
    for lo in (max(start, end - 512), max(start, end - 65536), start):
        for seg in reversed(SPLIT.split(text[lo:end])):
            if "oss" not in seg:
                continue
            seg = ANSI.sub("", seg)
            values = _metrics(seg)
            if any("loss" in k for k in values):
                prog = PROGRESS.match(seg)
                done = prog is None or prog.group(1) == prog.group(2) or any(k.startswith("val_") for k in values)
                if prog is not None and done:
                    values["__steps__"] = float(prog.group(2))
                return values, done
        if lo == start:
            break
    return None, True


def _headers(text: str) -> list[re.Match]:
    """`Epoch N/M` at the start of a line (after blanks or colour codes only)."""
    out = []
    for m in HEADER.finditer(text):
        before = text[max(0, m.start() - 256):m.start()]
        cut = max(before.rfind(c) for c in SEPARATORS)
        if (cut >= 0 or m.start() <= 256) and LINE_START.match(before, cut + 1):
            out.append(m)
    return out


def parse_runs(text: str) -> tuple[list[list[dict]], list[str]]:
    """Every fit() run in the text, as lists of per-epoch records, and notes."""
    heads = _headers(text)
    runs: list[list[dict]] = []
    notes: list[str] = []
    previous = None
    for i, head in enumerate(heads):
        n = int(head.group(1))
        if previous is None or n <= previous:
            runs.append([])
        previous = n
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        rest = head.group(3)  # one-line custom logs: "Epoch 3/200 | Loss: 0.59"
        same_line = _metrics(ANSI.sub("", rest)) if rest.strip() else {}
        values, done = _last_report(text, head.end(), end)
        if values is None and any("loss" in k for k in same_line):
            values, done = same_line, True
        if values is not None:
            runs[-1].append({"epoch": float(n), **values, "__complete__": done, "__planned__": int(head.group(2))})
    runs = [r for r in runs if r]
    if runs and not runs[-1][-1]["__complete__"]:
        notes.append(t("epoch {epoch} was interrupted before it ended; left out", epoch=int(runs[-1][-1]["epoch"])))
        runs[-1].pop()
    return [r for r in runs if r], notes


def stopped_early_note(epoch: float, planned: float) -> str:
    """The note for a run that ended before the epochs it was given."""
    return t("training ended at epoch {epoch} of the {planned} planned: stopped early (early stopping, a NaN guard) "
             "or interrupted", epoch=f"{epoch:g}", planned=f"{planned:g}")


def parse(text: str, source: str) -> History:
    runs, notes = parse_runs(text)
    if not runs:
        raise HistoryFormatError(t("looks like Keras console output but no epoch reports a loss; log with verbose=2 "
                                   "(or verbose=1) and keep the whole output"))
    if len(runs) > 1:
        notes.append(t("found {n} fit() runs ({epochs} epochs); diagnosing the last", n=len(runs),
                       epochs=", ".join(str(len(r)) for r in runs)))
    steps = [r["__steps__"] for r in runs[-1] if "__steps__" in r]
    if steps:
        notes.append(t("Keras reported {n} steps per epoch (= ceil(training samples / batch_size))",
                       n=int(max(set(steps), key=steps.count))))
    last = runs[-1][-1]
    if last["epoch"] < last["__planned__"]:
        notes.append(stopped_early_note(last["epoch"], last["__planned__"]))
    rows = [{k: v for k, v in r.items() if k not in ("__complete__", "__steps__", "__planned__")} for r in runs[-1]]
    return records_to_history(rows, source, "keras-console", notes)


# -- Jupyter notebooks --------------------------------------------------------------------

def notebook_text(text: str) -> str:
    """The stream outputs of every code cell, in order."""
    try:
        parse_int, parse_float, _ = json_numbers()
        nb = json.loads(text, parse_int=parse_int, parse_float=parse_float)
    except RecursionError as err:
        raise HistoryFormatError(t("is a notebook nested too deeply to read")) from err
    except json.JSONDecodeError as err:
        raise HistoryFormatError(t("is not a valid notebook (line {line}: {error})", line=err.lineno, error=err.msg)) from err
    parts = []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for out in outputs if isinstance(outputs, list) else []:
            if isinstance(out, dict) and out.get("output_type") == "stream":
                text = out.get("text", "")
                if isinstance(text, list):
                    parts.append("".join(x for x in text if isinstance(x, str)))
                elif isinstance(text, str):
                    parts.append(text)
    return "\n".join(parts)


def notebook_parse(text: str, source: str) -> History:
    inner = notebook_text(text)
    if not EPOCH_HEADER.search(ANSI.sub("", inner).replace("\r", "\n")):
        raise HistoryFormatError(t("is a notebook, but none of its outputs is a Keras training log; save "
                                   "history.history with json.dump and pass that file"))
    h = parse(inner, source)
    return History(h.series, source, "notebook", h.notes, h.x_unit)


# -- PyTorch-style prints: "Epoch [3/10], Step [100/600], Loss: 0.1234" -------------------

SUMMARY_LINE = re.compile(r"\b(train(?:ing)?|val(?:id(?:ation)?)?|eval(?:uation)?|dev)\s+loss\s*[:=]\s*"
                          r"(nan|[-+]?inf|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)", re.IGNORECASE)


def steps_parse(text: str, source: str) -> History:
    """Step lines become a per-step `loss` inside their epoch; `Validation Loss: x` lines a per-epoch `val_loss`."""
    rows, epoch = [], None
    for line in SPLIT.split(ANSI.sub("", text)):
        m = STEP_LINE.search(line)
        if m:
            epoch, step, total = int(m.group(1)), int(m.group(3)), max(int(m.group(4)), 1)
            values = {k: v for k, v in _metrics(m.group(5)).items() if "loss" in k}
            if values:
                rows.append({"epoch": epoch - 1 + min(step, total) / total, **values})
            continue
        for kind, value in SUMMARY_LINE.findall(line):
            if epoch is not None:
                key = "loss_epoch" if kind.lower().startswith("train") else "val_loss"
                rows.append({"epoch": float(epoch), key: float(value)})
    if not rows:
        raise HistoryFormatError(t("has 'Epoch [e/E], Step [s/S]' lines but none reports a loss"))
    # keep integer positions fractional-aware: positions are already on the epoch axis
    h = records_to_history(rows, source, "step-log")
    return h
