"""Hand-written training prints: one line per epoch carrying `key: value` or `key=value` pairs.

    Epoch [1/30], Train Loss: 0.5213, Val Loss: 0.6120
    epoch 1: loss=0.52 val_loss=0.61
    [epoch 1] train loss 0.5213 | val loss 0.6120 | acc 0.81
    2026-11-30 12:00:01,123 - INFO - Epoch 1/30 - train_loss: 0.5213 - val_loss: 0.6120

The keys are read as they appear, lower-cased with spaces as underscores (`Train Loss` becomes
`train_loss`); several lines for one epoch are merged, the last value of a key winning. The
patterns are anchored and bounded, so reading stays linear in the input.
"""

from __future__ import annotations

import re

from ..errors import HistoryFormatError
from ..history import History
from ._numbers import to_float
from .records import records_to_history
from .sniff import ANSI, lines
from ..i18n import t

EPOCH = re.compile(r"\bepoch\b\s*+[\[(:#]?\s*+(\d{1,9})(?:\s*+/\s*+\d{1,9})?\s*+[\])]?", re.IGNORECASE)
PAIR = re.compile(r"([A-Za-z][\w./-]{0,40}(?: [A-Za-z][\w./-]{0,40}){0,3})\s{0,4}(?:[:=]\s{0,4}|\s{1,4})"
                  r"([-+]?(?:\d{1,20}(?:\.\d{0,20})?(?:[eE][-+]?\d{1,3})?|nan|inf))(?![\w.])", re.IGNORECASE)
MAX_LINE = 4000


def _pairs(rest: str) -> dict[str, float]:
    out = {}
    for key, value in PAIR.findall(rest[:MAX_LINE]):
        name = "_".join(key.lower().split())
        v = to_float(value)
        if v is not None and name not in ("epoch", "step", "iter", "iteration", "batch"):
            out[name] = v
    return out


def epoch_line(line: str) -> tuple[int, dict[str, float]] | None:
    """(epoch, {key: value}) of a line that names an epoch and carries a loss, else None."""
    m = EPOCH.search(line[:MAX_LINE])
    if m is None:
        return None
    values = _pairs(line[m.end():])
    if not any("loss" in k for k in values):
        return None
    return int(m.group(1)), values


def sniff(text: str) -> bool:
    found = [epoch_line(ANSI.sub("", line)) for line in lines(text[:65536], 40)]
    hits = sum(f is not None for f in found)
    return hits >= 3 or (hits >= 2 and hits == len(found))


def parse(text: str, source: str) -> History:
    rows: dict[int, dict] = {}
    for line in lines(text):
        found = epoch_line(ANSI.sub("", line))
        if found is None:
            continue
        epoch, values = found
        rows.setdefault(epoch, {"epoch": float(epoch)}).update(values)
    if not rows:
        raise HistoryFormatError(t("has no line naming an epoch with a loss value ('Epoch 3: loss=0.52 ...')"))
    notes = [t("read the 'epoch N ... key: value' lines; keys lower-cased, spaces as underscores")]
    return records_to_history([rows[e] for e in sorted(rows)], source, "epoch-log", notes)
