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
from ._numbers import to_float
from .records import records_to_history

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SEGMENTS = re.compile(r"[^\r\n\x08]+")
EPOCH = re.compile(r"^\s*Epoch\s+(\d+)\s*/\s*(\d+)\b(.*)$", re.IGNORECASE)
METRIC = re.compile(r"(?<![\w/])([A-Za-z_][\w/.\-]*?)\s*:\s+(nan|-?nan|[-+]?inf|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w.:])",
                    re.IGNORECASE)
PROGRESS = re.compile(r"^\s*(\d+)/(\d+)\b")
NOT_METRICS = {"eta", "epoch", "step", "time", "lr_step"}
SNIFF = re.compile(r"^\s*Epoch\s+\d+\s*/\s*\d+\b", re.MULTILINE | re.IGNORECASE)


def sniff(text: str) -> bool:
    """An `Epoch N/M` header and a `loss: <number>` somewhere in the first MiB."""
    head = ANSI.sub("", text[: 1 << 20]).replace("\r", "\n").replace("\x08", "\n")
    return bool(SNIFF.search(head)) and bool(re.search(r"loss\s*:\s+[-+\d.naif]", head, re.IGNORECASE))


def _metrics(segment: str) -> dict[str, float]:
    out = {}
    for key, value in METRIC.findall(segment):
        if key.lower() not in NOT_METRICS:
            v = to_float(value)
            if v is not None:
                out[key.lower()] = v
    return out


def parse_runs(text: str) -> tuple[list[list[dict]], list[str]]:
    """Every fit() run in the text, as lists of per-epoch records, and notes."""
    text = ANSI.sub("", text)
    runs: list[list[dict]] = []
    notes: list[str] = []
    epoch, last, complete = None, None, True

    def flush():
        if epoch is not None and last is not None:
            runs[-1].append({"epoch": float(epoch), **last, "__complete__": complete})

    for m in SEGMENTS.finditer(text):
        seg = m.group()
        head = EPOCH.match(seg)
        if head:
            flush()
            n = int(head.group(1))
            if not runs or epoch is None or n <= epoch:
                runs.append([])
            epoch, last, complete = n, None, True
            same_line = _metrics(head.group(3))  # one-line custom logs: "Epoch 3/200 | Loss: 0.59"
            if any("loss" in k for k in same_line):
                last = same_line
            continue
        if epoch is None or "loss" not in seg.lower():
            continue
        values = _metrics(seg)
        if not any("loss" in k for k in values):
            continue
        prog = PROGRESS.match(seg)
        last = values
        complete = prog is None or prog.group(1) == prog.group(2) or any(k.startswith("val_") for k in values)
    flush()
    runs = [r for r in runs if r]
    if runs and not runs[-1][-1]["__complete__"]:
        notes.append(f"epoch {int(runs[-1][-1]['epoch'])} was interrupted before it ended; left out")
        runs[-1].pop()
    return [r for r in runs if r], notes


def parse(text: str, source: str) -> History:
    runs, notes = parse_runs(text)
    if not runs:
        raise HistoryFormatError("looks like Keras console output but no epoch reports a loss; "
                                 "log with verbose=2 (or verbose=1) and keep the whole output")
    if len(runs) > 1:
        notes.append(f"found {len(runs)} fit() runs ({', '.join(str(len(r)) for r in runs)} epochs); "
                     "diagnosing the last")
    rows = [{k: v for k, v in r.items() if k != "__complete__"} for r in runs[-1]]
    return records_to_history(rows, source, "keras-console", notes)


# -- Jupyter notebooks --------------------------------------------------------------------

def notebook_sniff(text: str) -> bool:
    head = text[:4096]
    return head.lstrip().startswith("{") and ('"nbformat"' in text[-4096:] or '"cells"' in head)


def notebook_text(text: str) -> str:
    """The stream outputs of every code cell, in order."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as err:
        raise HistoryFormatError(f"is not a valid notebook (line {err.lineno}: {err.msg})") from err
    parts = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        for out in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if isinstance(out, dict) and out.get("output_type") == "stream":
                t = out.get("text", "")
                parts.append("".join(t) if isinstance(t, list) else str(t))
    return "\n".join(parts)


def notebook_parse(text: str, source: str) -> History:
    inner = notebook_text(text)
    if not SNIFF.search(ANSI.sub("", inner).replace("\r", "\n")):
        raise HistoryFormatError("is a notebook, but none of its outputs is a Keras training log; "
                                 "save history.history with json.dump and pass that file")
    h = parse(inner, source)
    return History(h.series, source, "notebook", h.notes, h.x_unit)
