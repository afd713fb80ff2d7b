"""What Keras' `fit()` prints, from Keras 1 to Keras 3, verbose=1 or 2, and notebooks holding it.

Progress bars rewrite their line with `\\r` and `\\b` and colour it with ANSI codes; each rewrite is
read as a segment and the last one of an epoch holds the epoch's values (with `val_*`).
Checkpoint messages such as `Epoch 00001: val_loss improved ...` have no `/` and are not headers.
"""

from __future__ import annotations

import json
import re
from array import array

import numpy as np

from ..core.errors import HistoryFormatError
from .history import History
from ._numbers import json_numbers
from .records import cells_to_columns, columns_to_history, records_to_history
from .sniff import ANSI, EPOCH_HEADER, STEP_LINE
from ..core.i18n import t

# a key is at most 64 characters and matched possessively, so each start costs a bounded scan:
# linear in the line (a lazy `*?` key was quadratic on a line of '-a-a-a...')
METRIC = re.compile(r"(?<![\w/])([A-Za-z_][\w/.\-]{0,63}+)[ \t]{0,8}+:[ \t]{1,8}+"
                    r"(nan|-?nan|[-+]?inf|[-+]?\d{1,30}(?:\.\d{0,30})?(?:[eE][-+]?\d{1,4})?)(?![\w.:])",
                    re.IGNORECASE)
RESTORED = re.compile(r"Restoring model weights from the end of the best epoch:?\s*(\d{1,9})")
PROGRESS = re.compile(r"^\s*(\d{1,12})/(\d{1,12})\b")
# an epoch's duration as Keras prints it before the metrics ("- 12s -", "1m 5s", not "20ms/step")
DURATION = re.compile(r"(?<![\w./])(\d{1,9}(?:\.\d{1,6})?)(ms|s|min|m|h)(?![\w/])")
SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _duration(segment: str) -> float | None:
    """Seconds the epoch took, from its closing report line; None when it does not say."""
    head = segment.split("loss", 1)[0]
    if "ETA" in head:
        return None
    found = DURATION.findall(head)
    return sum(float(v) * SECONDS[u] for v, u in found) if found else None
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


# PaddlePaddle's Model.fit prints Keras-like epochs, then "Eval begin...", the evaluation's own step
# lines ("step 157/157 - loss: 0.41 - acc: 0.85") and "Eval samples: 10000"
EVAL_BEGIN, EVAL_END = "Eval begin", "Eval samples"


def _last_report(text: str, start: int, end: int) -> tuple[dict | None, bool]:
    """The values the epoch in text[start:end] reports, and whether it completed: an evaluation
    printed after its own "Eval begin..." line gives the `val_` values."""
    at = text.rfind(EVAL_BEGIN, start, end)
    if at < 0:
        return _last_segment(text, start, end)
    values, done = _last_segment(text, start, at)
    evaluated, _ = _last_segment(text, at, end)
    if values is not None and evaluated:
        values.update({f"val_{k}": v for k, v in evaluated.items() if not k.startswith("__")})
    return values, done


def _last_segment(text: str, start: int, end: int) -> tuple[dict | None, bool]:
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
                seconds = _duration(seg) if done else None
                if seconds is not None:
                    values["__seconds__"] = seconds
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


def _first_done(text: str, start: int, end: int) -> int:
    """Where the first completed report of the epoch starting at `start` ends (`end` if none): what
    the log prints after the last epoch of a fit() (`model.evaluate()`'s `loss: ...`) is not part of it."""
    at = text.find(EVAL_BEGIN, start, end)
    if at >= 0:  # the epoch ends with its evaluation
        close = text.find(EVAL_END, at, end)
        line_end = text.find("\n", close, end) if close >= 0 else -1
        return end if close < 0 or line_end < 0 else line_end + 1
    pos, first = start, None
    for seg in SPLIT.split(text[start:end]):
        pos += len(seg) + 1
        if "oss" not in seg:
            continue
        seg = ANSI.sub("", seg)
        values = _metrics(seg)
        if any(k.startswith("val_") for k in values):
            return min(pos, end)  # the epoch's closing line, with its validation values
        prog = PROGRESS.match(seg)
        if first is None and any("loss" in k for k in values) and "ETA" not in seg and (
                prog is None or prog.group(1) == prog.group(2)):
            first = min(pos, end)  # closing, unless a line with validation values follows
    return end if first is None else first


def _record(text: str, head: re.Match, end: int, last: bool = False) -> tuple[dict | None, bool]:
    """The values one epoch reports (between its header and `end`), and whether it completed."""
    rest = head.group(3)  # one-line custom logs: "Epoch 3/200 | Loss: 0.59"
    same_line = _metrics(ANSI.sub("", rest)) if rest.strip() else {}
    if last:
        end = _first_done(text, head.end(), end)
    values, done = _last_report(text, head.end(), end)
    if values is None and any("loss" in k for k in same_line):
        values, done = same_line, True
    return values, done


class _Run:
    """One fit() run as it is read: its values as compact columns (row numbers and values)."""

    def __init__(self):
        self.cols: dict[str, tuple[array, array]] = {}
        self.n = 0
        self.done = True
        self.planned: list[int] = []

    def add(self, values: dict) -> None:
        for k, v in values.items():
            rows, vals = self.cols.setdefault(k, (array("q"), array("d")))
            rows.append(self.n)
            vals.append(v)
        self.n += 1

    def pop(self) -> None:
        """Leave out the last epoch (interrupted before it ended)."""
        self.n -= 1
        for rows, vals in self.cols.values():
            if rows and rows[-1] == self.n:
                rows.pop()
                vals.pop()
        self.planned = self.planned[:-1]
        self.done = True

    def column(self, key: str) -> np.ndarray:
        rows, vals = self.cols.get(key, (array("q"), array("d")))
        out = np.full(self.n, np.nan)
        out[np.frombuffer(rows, dtype=np.int64)] = np.frombuffer(vals, dtype=float)
        return out

    def table(self, notes: list[str]) -> dict:
        """The columns as `records` tables them (the bookkeeping `__` columns left out)."""
        cells = {k: (np.frombuffer(rows, dtype=np.int64), np.frombuffer(vals, dtype=float))
                 for k, (rows, vals) in self.cols.items() if not k.startswith("__")}
        return cells_to_columns(cells, self.n, notes)


class Runs:
    """The fit() runs of a console log, read epoch by epoch: the last run (and the one before, in case
    the last is left empty) as columns, the earlier ones as their lengths only, so that memory
    grows with the epochs of one run, not with the text."""

    def __init__(self):
        self.lengths: list[int] = []  # epochs of every finished, non-empty run
        self.before: _Run | None = None
        self.run = _Run()
        self.previous: int | None = None
        self.notes: list[str] = []
        self.restored: int | None = None

    def header(self, n: int) -> None:
        if self.previous is None or n <= self.previous:
            if self.run.n:
                self.lengths.append(self.run.n)
                self.before = self.run
            self.run = _Run()
            self.restored = None  # a message of an earlier run says nothing of this one
        self.previous = n

    def add(self, n: int, planned: int, values: dict, done: bool) -> None:
        self.run.add({"epoch": float(n), **values})
        self.run.planned = self.run.planned[-1:] + [planned]  # the last two: the last epoch may be left out
        self.run.done = done

    def finish(self) -> list[int]:
        """The lengths of all runs (the last one's interrupted epoch left out, with a note)."""
        if self.run.n and not self.run.done:
            epoch = int(self.run.column("epoch")[-1])
            self.notes.append(t("epoch {epoch} was interrupted before it ended; left out", epoch=epoch))
            self.run.pop()
        if self.run.n:
            self.lengths.append(self.run.n)
        elif self.before is not None:
            self.run = self.before
        return self.lengths

    def feed(self, text: str, final: bool = True) -> str:
        """Read the epochs whose text is complete; return the text to carry into the next chunk."""
        heads = _headers(text)
        if not heads:
            return "" if final else text[-256:]  # a header may start at the end of this chunk
        last = len(heads) if final else len(heads) - 1
        for i in range(last):
            head = heads[i]
            self.header(int(head.group(1)))
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            values, done = _record(text, head, end, last=final and i == len(heads) - 1)
            if values is not None:
                self.add(int(head.group(1)), int(head.group(2)), values, done)
            if text.find("Restoring", head.end(), end) >= 0:  # EarlyStopping(restore_best_weights=True) said which
                for m in RESTORED.finditer(text, head.end(), end):
                    self.restored = int(m.group(1))
        if final:
            return ""
        carry = text[heads[-1].start():]
        if len(carry) > MAX_CARRY:  # one epoch of endless progress bars: its header and its tail suffice
            carry = carry[:1024] + "\n" + carry[-MAX_CARRY // 2:]
        return carry


MAX_CARRY = 8 << 20


def parse_runs(text: str) -> tuple[Runs, list[int]]:
    """Every fit() run in the text: the reader (the last run's values) and the epochs of each run."""
    runs = Runs()
    runs.feed(text)
    return runs, runs.finish()


def stopped_early_note(epoch: float, planned: float) -> str:
    """The note for a run that ended before the epochs it was given."""
    return t("training ended at epoch {epoch} of the {planned} planned: stopped early (early stopping, a NaN guard) "
             "or interrupted", epoch=f"{epoch:g}", planned=f"{planned:g}")


def parse(text: str, source: str) -> History:
    runs, lengths = parse_runs(text)
    h = _history(runs, lengths, source)
    if EVAL_BEGIN in text and any(k.startswith("val_") for k in h.keys):
        from dataclasses import replace  # noqa: PLC0415

        note = t("read as PaddlePaddle's Model.fit output: each 'Eval begin...' block gives the validation values")
        h = replace(h, format="paddle-console", notes=(*h.notes, note))
    return h


def _history(runs: Runs, lengths: list[int], source: str) -> History:
    notes = runs.notes
    if not lengths:
        raise HistoryFormatError(t("looks like Keras console output but no epoch reports a loss; log with verbose=2 "
                                   "(or verbose=1) and keep the whole output"))
    if len(lengths) > 1:
        notes.append(t("found {n} fit() runs ({epochs} epochs); diagnosing the last", n=len(lengths),
                       epochs=", ".join(map(str, lengths))))
    run = runs.run
    steps = run.column("__steps__")
    steps = steps[np.isfinite(steps)]
    if steps.size:
        counts = np.unique(steps, return_counts=True)
        notes.append(t("Keras reported {n} steps per epoch (= ceil(training samples / batch_size))",
                       n=int(counts[0][np.argmax(counts[1])])))
    epoch, planned = run.column("epoch")[-1], run.planned[-1]
    if epoch < planned:
        notes.append(stopped_early_note(epoch, planned))
    table = run.table(notes)
    seconds = run.column("__seconds__")
    if np.isfinite(seconds).any() and np.nansum(seconds) > 0:  # epoch durations: the time since the start
        table["__elapsed__"] = (np.cumsum(np.nan_to_num(seconds)), np.ones(run.n, dtype=bool))
    h = columns_to_history(table, source, "keras-console", notes)
    if runs.restored is not None and runs.restored <= run.n:
        from dataclasses import replace  # noqa: PLC0415

        h = replace(h, recorded={"restored_epoch": runs.restored})
    return h


def parse_stream(chunks, source: str) -> History:
    """`parse` for a log read chunk by chunk (text pieces): memory holds one chunk and the last run."""
    runs, carry = Runs(), ""
    for chunk in chunks:
        carry = runs.feed(carry + chunk, final=False)
    runs.feed(carry, final=True)
    return _history(runs, runs.finish(), source)


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
    return History(h.series, source, "notebook", h.notes, h.x_unit, h.elapsed)


# -- PyTorch-style prints: "Epoch [3/10], Step [100/600], Loss: 0.1234" -------------------

def steps_parse(text: str, source: str) -> History:
    """Step lines become a per-step `loss` inside their epoch. The other lines are read as printed
    lines (`printed.read_line`: names and roles, however spelt): an epoch's training loss becomes
    `loss_epoch`, its validation loss `val_loss` (`Validation Loss: x`, `val_loss: x`,
    `ValLoss=x`), on the epoch they name or else the epoch of the step lines before them."""
    from .printed import read_line  # noqa: PLC0415

    rows, epoch, names = [], None, {}
    for line in SPLIT.split(ANSI.sub("", text)):
        m = STEP_LINE.search(line)
        if m:
            epoch, step, total = int(m.group(1)), int(m.group(3)), max(int(m.group(4)), 1)
            values = {k: v for k, v in _metrics(m.group(5)).items() if "loss" in k}
            if values:
                rows.append({"epoch": epoch - 1 + min(step, total) / total, **values})
            continue
        found = read_line(line) if "oss" in line or "OSS" in line else None
        at = found.epoch if found is not None and found.epoch is not None else epoch
        if found is None or at is None:
            continue
        for key, value in found.values.items():
            if "loss" in key:
                named = "loss_epoch" if key in ("loss", "train_loss") else key
                rows.append({"epoch": float(at), named: value})
                names.setdefault(named, found.names.get(key, key))
    if not rows:
        raise HistoryFormatError(t("has 'Epoch [e/E], Step [s/S]' lines but none reports a loss"))
    per_epoch = ", ".join(f"{k} = {n!r}" for k, n in names.items())
    note = t("read 'Epoch [e/E], Step [s/S]' lines: the loss per step; {per_epoch}", per_epoch=per_epoch or
             t("no loss printed once per epoch"))
    return records_to_history(rows, source, "step-log", [note])  # positions are already on the epoch axis
