"""CSV/TSV logs: Keras CSVLogger, PyTorch Lightning metrics.csv, pandas to_csv, hand-made tables."""

from __future__ import annotations

import csv
import io

from ..errors import HistoryFormatError
from ..history import History
from ._numbers import is_number, to_float
from .records import records_to_history, split_runs

DELIMITERS = (",", "\t", ";")


def normalise_newlines(text: str) -> str:
    """`\\r\\r\\n` (CSVLogger on Windows), `\\r\\n` and lone `\\r` all become `\\n`."""
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str, limit: int | None = None) -> list[str]:
    out = []
    for line in io.StringIO(normalise_newlines(text)):
        if line.strip():
            out.append(line.rstrip("\n"))
            if limit and len(out) >= limit:
                break
    return out


def _delimiter(header: str) -> str | None:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def sniff(text: str) -> bool:
    """A header of names, then rows with the same number of fields, mostly numbers."""
    lines = _lines(text[:65536], 6)
    if len(lines) < 2 or lines[0].lstrip()[:1] in "{[":
        return False
    d = _delimiter(lines[0])
    if d is None:
        return False
    header = next(csv.reader([lines[0]], delimiter=d))
    if sum(is_number(c) for c in header) == len(header):
        return False
    rows = list(csv.reader(lines[1:], delimiter=d))
    if len(rows) > 1:
        rows = rows[:-1]  # the last line read may be cut by the sniffing limit
    for row in rows:
        filled = [c for c in row if c.strip()]
        # sparse rows (Lightning logs each metric on its own row) are fine: judge the filled cells
        if len(row) != len(header) or sum(is_number(c) for c in filled) * 2 < len(filled):
            return False
    return any(is_number(c) for row in rows for c in row)


def _read_rows(text: str) -> tuple[list[str], list[list[str]], list[str]]:
    lines = _lines(text)
    d = _delimiter(lines[0]) or ","
    reader = csv.reader(lines, delimiter=d)
    header = [h.strip() for h in next(reader)]
    rows, notes, bad = [], [], 0
    for cells in reader:
        if [c.strip() for c in cells] == header:
            rows.append(None)  # a repeated header: a new run starts
            continue
        if len(cells) != len(header):
            bad += 1
            continue
        rows.append(cells)
    if bad:
        notes.append(f"skipped {bad} row(s) whose number of fields does not match the header "
                     "(a truncated or hand-edited file?)")
    return header, rows, notes


def parse(text: str, source: str) -> History:
    """Parse a CSV/TSV log. Several appended runs: the last is read and the others are noted."""
    header, raw, notes = _read_rows(text)
    if header and header[0] == "":
        header[0] = "__index__"
        notes.append("ignored the unnamed first column (a pandas index)")
    runs = [[]]
    for cells in raw:
        if cells is None:
            runs.append([])
        else:
            runs[-1].append({h: to_float(c) for h, c in zip(header, cells) if h != "__index__"})
    numeric = {h for run in runs for r in run for h, v in r.items() if v is not None}
    dropped = [h for h in header if h not in numeric and h != "__index__"]
    if dropped:
        notes.append("ignored column(s) with no numbers: " + ", ".join(dropped))
    runs = [r for run in runs if run for r in split_runs(run, "epoch")]
    if not runs:
        raise HistoryFormatError("has a header but no data rows; was training stopped before the first epoch ended?")
    if len(runs) > 1:
        notes.append(f"found {len(runs)} runs appended in one file; diagnosing the last "
                     f"({len(runs[-1])} rows), the earlier ones have {', '.join(str(len(r)) for r in runs[:-1])} rows")
    fmt = "lightning-csv" if "step" in header and "epoch" in header else "csv"
    if {"epoch", "loss"} <= set(header) or "val_loss" in header and fmt == "csv":
        fmt = "csvlogger"
    return records_to_history(runs[-1], source, fmt, notes)
