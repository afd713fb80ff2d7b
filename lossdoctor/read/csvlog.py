"""CSV/TSV logs: Keras CSVLogger, PyTorch Lightning metrics.csv, pandas to_csv, hand-made tables."""

from __future__ import annotations

import csv
import re

from ..core.errors import HistoryFormatError
from .history import History
import numpy as np

from ._numbers import to_float
from .records import Column, columns_to_history, split_runs
from .sniff import delimiter as _delimiter
from .sniff import lines as _lines
from ..core.i18n import t

def _read_rows(text: str) -> tuple[list[str], list[list[list[str]]], list[str]]:
    """Header, then the data rows of each run (a repeated header starts a new run), and notes."""
    lines = _lines(text)
    d = _delimiter(lines[0]) or ","
    reader = csv.reader(lines, delimiter=d)
    raw = next(reader)
    header = [h.strip() for h in raw]
    width = len(header)
    runs: list[list[list[str]]] = [[]]
    bad = 0
    for cells in reader:
        if len(cells) != width:
            bad += 1
        elif cells[0] == raw[0] and [c.strip() for c in cells] == header:
            runs.append([])
        else:
            runs[-1].append(cells)
    notes = []
    if bad:
        notes.append(t("skipped {n} row(s) whose number of fields does not match the header (a truncated or "
                       "hand-edited file?)", n=bad))
    return header, [r for r in runs if r], notes


WANDB_COLUMN = re.compile(r"^(.+?) - (.+?)(__MIN|__MAX)?$")


def _wandb_export(header: list[str]) -> dict | None:
    """For the CSV the W&B UI exports (`Step`, `<run> - <metric>`, `<run> - <metric>__MIN`, ...):
    the first run's columns, {index: metric name}, and the runs found; else None."""
    if not header or header[0] not in ("Step", "step", "_step") or len(header) < 2:
        return None
    parts = [WANDB_COLUMN.match(h) for h in header[1:]]
    if not all(parts):
        return None
    runs = list(dict.fromkeys(m.group(1) for m in parts))
    keep = {i + 1: m.group(2) for i, m in enumerate(parts) if m.group(1) == runs[0] and not m.group(3)}
    return {"columns": keep, "runs": runs}


def _wandb_table(header, rows, export) -> tuple[dict, list[str]]:
    table = {"step": to_column([r[0] for r in rows])}
    for i, name in export["columns"].items():
        table[name] = to_column([r[i] for r in rows])
    notes = [t("read a W&B run export: the '<run> - <metric>' columns, without their __MIN/__MAX")]
    if len(export["runs"]) > 1:
        notes.append(t("the export holds {n} runs ({runs}); diagnosing {first}: export one run per file to diagnose "
                       "each", n=len(export["runs"]), runs=", ".join(export["runs"]), first=repr(export["runs"][0])))
    steps, present = table["step"]
    if present.all() and np.array_equal(steps, np.arange(len(steps))):
        table["epoch"] = table.pop("step")  # W&B logged once per epoch (Keras' WandbMetricsLogger)
    return table, notes


def to_column(cells) -> Column:
    """Strings to (values, present): vectorised when every cell is a number, else cell by cell."""
    try:
        values = np.fromiter(map(float, cells), dtype=float, count=len(cells))
        return values, np.ones(len(values), dtype=bool)
    except ValueError:
        parsed = [to_float(c) for c in cells]
        present = np.array([v is not None for v in parsed], dtype=bool)
        return np.array([np.nan if v is None else v for v in parsed], dtype=float), present


NUMERIC_BLOCK = 4 << 20  # characters parsed per numpy.loadtxt call


def _numeric_header(line: str) -> tuple[list[str], str] | None:
    """(column names, delimiter) of a plain table's header line; None when it is not that simple."""
    d = _delimiter([line]) or ","
    header = [h.strip() for h in line.split(d)]
    if not header or any(not h for h in header) or '"' in line:
        return None
    return header, d


def _numeric_values(blocks, d: str, width: int) -> np.ndarray | None:
    """The rows of text `blocks` (each cut at a line end), parsed in C (numpy.loadtxt) without a string
    per cell; None when a block is not all numbers in `width` columns (quotes, blanks, text cells)."""
    import io  # noqa: PLC0415

    values = []
    try:
        for text in blocks:  # one block at a time: a StringIO holds 4 bytes per character
            if '"' in text:
                return None
            block = np.loadtxt(io.StringIO(text), delimiter=d, dtype=float, ndmin=2)
            if block.size and block.shape[1] != width:
                return None
            if block.size:
                values.append(block)
    except (ValueError, UnicodeDecodeError):
        return None
    return np.concatenate(values) if values else np.empty((0, width))


def _numeric_table(text: str) -> tuple[list[str], np.ndarray] | None:
    """(header, values) of a plain all-numeric table: a CSVLogger file of millions of rows reads in
    seconds and in the memory of its numbers. None when the table is not that simple (quotes, blank
    or text cells, a repeated header of appended runs): the general path reads it then."""
    if len(text) < 1 << 20 or '"' in text:
        return None  # small files gain nothing; quoted cells need the csv module
    first_end = text.find("\n")
    parsed = _numeric_header(text[:first_end if first_end >= 0 else len(text)].rstrip("\r"))
    if parsed is None:
        return None
    header, d = parsed

    def blocks():
        start = first_end + 1
        while start < len(text):
            end = text.find("\n", start + NUMERIC_BLOCK)
            end = len(text) if end < 0 else end + 1
            yield text[start:end]
            start = end
    values = _numeric_values(blocks(), d, len(header))
    return None if values is None else (header, values)


def _numeric_history(header: list[str], values: np.ndarray, source: str) -> History:
    ones = np.ones(len(values), dtype=bool)
    raw = {h: (np.ascontiguousarray(values[:, i]), ones) for i, h in enumerate(header)}
    notes: list[str] = []
    return _from_runs(header, split_runs(_file_order(raw, notes), "epoch"), notes, source)


def parse_numeric_stream(path: str, chunk: int) -> History | None:
    """A large plain numeric table read block by block from the file (memory: one block and the
    numbers, never the text); None when it is not that simple (the whole file is read then)."""
    with open(path, "rb") as fh:
        try:
            parsed = _numeric_header(fh.readline().decode("utf-8-sig").rstrip("\r\n"))
        except UnicodeDecodeError:
            return None
        if parsed is None:
            return None
        header, d = parsed

        def blocks():
            while data := fh.read(chunk):
                yield (data + fh.readline()).decode("utf-8")  # up to the end of the line the block cut
        values = _numeric_values(blocks(), d, len(header))
    if values is None or not len(values):
        return None
    return _numeric_history(header, values, path)


def parse(text: str, source: str) -> History:
    """Parse a CSV/TSV log. Several appended runs: the last is read and the others are noted."""
    fast = _numeric_table(text)
    if fast is not None:
        return _numeric_history(*fast, source)
    header, raw_runs, notes = _read_rows(text)
    if header and header[0] == "":
        header[0] = "__index__"
        notes.append(t("ignored the unnamed first column (a pandas index)"))
    if not raw_runs:
        raise HistoryFormatError(t("has a header but no data rows; was training stopped before the first epoch ended?"))
    export = _wandb_export(header)
    if export is not None:
        table, more = _wandb_table(header, [r for run in raw_runs for r in run], export)
        return columns_to_history(table, source, "wandb-csv", notes + more)
    runs = []
    for rows in raw_runs:
        table = {h: to_column(col) for h, col in zip(header, zip(*rows)) if h != "__index__"}
        runs += split_runs(_file_order(table, notes), "epoch")
    return _from_runs(header, runs, notes, source)


def parse_spaced(text: str, source: str) -> History:
    """A table printed with runs of spaces (fastai's `learn.fit` output outside a notebook): its
    header and the rows of as many fields that follow it, read as a tab-separated table; other
    lines (progress bars, warnings) are passed over, and a repeated header starts a new run
    (`fine_tune` prints one table for the frozen epochs, then one for the rest)."""
    from dataclasses import replace  # noqa: PLC0415

    from .sniff import ANSI, rule_spans, spaced_header, spaced_row, unboxed  # noqa: PLC0415

    kept, header, spans, boxed = [], None, None, False
    for raw in _lines(ANSI.sub("", text) if "\x1b" in text else text):
        line = unboxed(raw)
        names = spaced_header(line) if "poch" in line else None
        if names is not None and (header is None or names == header):
            header, spans, boxed = names, None, line != raw
            kept.append("\t".join(names))
            continue
        if header is not None and spans is None and kept and kept[-1] == "\t".join(header):
            rule = rule_spans(line)
            if rule is not None and len(rule) == len(header):
                spans = rule  # the rule's columns: a blank cell (skorch's `cp` without a checkpoint) stays blank
                continue
        cells = _cells(line, spans) if spans else line.split()
        if header is not None and len(cells) == len(header) and spaced_row(cells[0]):
            kept.append("\t".join(cells))
    if header is None or len(kept) < 2:
        raise HistoryFormatError(t("has a printed table header but no rows under it"))
    h = parse("\n".join(kept), source)
    note = (t("read a table drawn with column bars ({header})", header=" ".join(header)) if boxed else
            t("read a table printed with spaces ({header})", header=" ".join(header)))
    return replace(h, format="text-table", notes=(note, *h.notes))


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    """A row cut at the columns its table's rule marks: each cell runs from the end of the column
    before to the end of its own (values sit right-aligned under their dashes)."""
    cells, start = [], 0
    for i, (_, end) in enumerate(spans):
        cells.append(line[start:end if i < len(spans) - 1 else None].strip())
        start = end
    return cells if all(" " not in c for c in cells) else line.split()


def _file_order(table: dict, notes: list[str]) -> dict:
    """A table whose `epoch` column never increases (the same epoch on every row, as
    `fit(..., epochs=1)` called in a loop with CSVLogger(append=True) writes it) has no time
    axis there: its rows are the epochs, in file order."""
    if "epoch" not in table or "step" in table:
        return table
    values, present = table["epoch"]
    seen = values[present & np.isfinite(values)]
    if len(seen) < 2 or np.any(seen != seen[0]):
        return table
    notes.append(t("the epoch column holds {value} on every row (fit() called once per epoch?); the rows are read as "
                   "epochs in file order", value=f"{seen[0]:g}"))
    out = dict(table)
    out["epoch"] = (np.arange(len(values), dtype=float), np.ones(len(values), dtype=bool))
    return out


HELD = ("Training Loss",)  # the Hugging Face Trainer's table: the last logged training loss, repeated on each row


def _held(table: dict, notes: list[str]) -> dict:
    """The Trainer's table shows, on each evaluation row, the training loss last logged: when it
    logs every `logging_steps` and evaluates more often, a value repeats on the rows until the next
    log (a staircase, which would read as noise). Exact repeats of the row before are not logged."""
    out = dict(table)
    for name in HELD:
        if name not in table:
            continue
        values, present = table[name]
        seen = present & np.isfinite(values)
        idx = np.flatnonzero(seen)
        again = idx[1:][values[idx[1:]] == values[idx[:-1]]]
        if len(again):
            kept = present.copy()
            kept[again] = False
            out[name] = (values, kept)
            notes.append(t("{column} repeats its value on {n} row(s): the Trainer logs it every logging_steps, less "
                           "often than it evaluates; the repeats are read as not logged", column=repr(name), n=len(again)))
    return out


def _from_runs(header: list[str], runs: list, notes: list[str], source: str) -> History:
    """The last run of a table as a History, with notes on what else the file held."""
    last = _held(runs[-1], notes)
    dropped = [h for h, (_, present) in last.items() if not present.any()]
    if dropped:
        notes.append(t("ignored column(s) with no numbers: {columns}", columns=", ".join(dropped)))
    if len(runs) > 1:
        sizes = [len(next(iter(r.values()))[0]) for r in runs]
        notes.append(t("found {n} runs appended in one file; diagnosing the last ({rows} rows), the earlier ones have "
                       "{earlier} rows", n=len(runs), rows=sizes[-1], earlier=", ".join(map(str, sizes[:-1]))))
    fmt = "lightning-csv" if "step" in header and "epoch" in header else "csv"
    if fmt == "csv" and ("val_loss" in header or {"epoch", "loss"} <= set(header)):
        fmt = "csvlogger"
    return columns_to_history(last, source, fmt, notes)
