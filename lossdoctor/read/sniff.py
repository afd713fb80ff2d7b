"""Cheap content tests that pick a reader; the readers themselves are imported only when chosen."""

from __future__ import annotations

import csv
import functools
import re

from ._numbers import is_number

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
EPOCH_HEADER = re.compile(r"^[ \t]*Epoch[ \t]+\d{1,9}[ \t]*/[ \t]*\d{1,9}\b", re.MULTILINE | re.IGNORECASE)
# one line: PaddlePaddle prints "Epoch 1/20" and then "step 100/938 - loss: ..." on the next line (Keras-like)
STEP_LINE = re.compile(r"Epoch[ \t]*+\[?[ \t]*+(\d{1,9})[ \t]*+/[ \t]*+(\d{1,9})[ \t]*+\]?[ \t]*+[,|:]?[ \t]*+"
                       r"(?:Step|Iter(?:ation)?|Batch)[ \t]*+\[?[ \t]*+(\d{1,12})[ \t]*+/[ \t]*+(\d{1,12})[ \t]*+\]?(.*)",
                       re.IGNORECASE)
DELIMITERS = (",", "\t", ";")
@functools.cache
def _json_array() -> re.Pattern:
    """A JSON array's first element (compiled on first use: every CLI run pays for module-level patterns)."""
    return re.compile(r"\[\s{0,4096}(?:[{\[\]\"]|-?\d{1,400}(?:\.\d{0,400})?(?:[eE][-+]?\d{1,4})?\s{0,4096}[,\]]|true|false|"
                      r"null|NaN|-?Infinity)")


@functools.cache
def _bracket_then_text() -> re.Pattern:
    """A flat bracket followed by text on its line: `[1,  2000] loss: 2.196` (PyTorch's CIFAR tutorial),
    `[0]\ttrain-logloss:0.69` (XGBoost, LightGBM) are prints, not JSON."""
    return re.compile(r"\[[^\[\]{}\"\n]{0,200}\][ \t]{0,200}[^\s,\]]")


@functools.cache
def _keras_report() -> re.Pattern:
    """What Keras' fit() prints before its metrics: a step counter with a bar or a duration, then
    "- loss:" (or another metric first: Keras 3 sorts them), e.g. "1875/1875 - 3s - 2ms/step -
    accuracy: 0.8 - loss: 0.5", " - 2s - loss: 0.5 - val_loss: 0.6", "60000/60000 [====] - 5s -
    loss: 0.3"; a hand-written "Epoch 3/50 - train loss: 0.81 - val loss: 0.90" has none of it."""
    return re.compile(r"(?:\d{1,12}/\d{1,12}|\]|\d{1,9}(?:\.\d{1,6})?(?:ms|s|us|µs|m|min|h)(?:/step)?)[ \t]{1,8}-[ \t]{1,8}"
                      r"(?:[\w/.]{1,60}:[ \t]{1,8}[-+\w.]{1,30}[ \t]{1,8}-[ \t]{1,8}){0,30}?"
                      r"(?:loss|[\w/.]{0,40}_loss):[ \t]{1,8}[-+\dnaif]", re.IGNORECASE)


def normalise_newlines(text: str) -> str:
    """`\\r\\r\\n` (CSVLogger on Windows), `\\r\\n` and lone `\\r` all become `\\n`."""
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def lines(text: str, limit: int | None = None) -> list[str]:
    """Non-blank lines, at most `limit` of them."""
    if limit:
        text = text[: 4096 * limit]
    out = [line for line in normalise_newlines(text).split("\n") if line and not line.isspace()]
    return out[:limit] if limit else out


def delimiter(header: str) -> str | None:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def notebook(text: str) -> bool:
    head = text[:4096]
    return head.lstrip().startswith("{") and ('"nbformat"' in text[-4096:] or '"cells"' in head)


def json_like(text: str) -> bool:
    """JSON or JSON Lines; a quoted first character counts only for a one-line JSON string (a
    JSON string holds no raw newline), so a CSV whose header is quoted (W&B exports) is a table."""
    s = text.lstrip()
    if s[:1] == '"':
        return "\n" not in s.rstrip()
    if s[:1] == "[":  # a JSON array, not a bracketed print ("[epoch 1] loss ...", "[2025-03-02 10:41:07] ...")
        return bool(_json_array().match(s)) and not _bracket_then_text().match(s)
    return s[:1] == "{"


def table(text: str) -> bool:
    """A header of names, then rows with the same number of fields, mostly numbers."""
    found = lines(text[:65536], 6)
    if len(found) < 2 or found[0].lstrip()[:1] in "{[":
        return False
    d = delimiter(found[0])
    if d is None:
        return False
    header = next(csv.reader([found[0]], delimiter=d))
    if sum(is_number(c) for c in header) == len(header):
        return False
    rows = list(csv.reader(found[1:], delimiter=d))
    if len(rows) > 1:
        rows = rows[:-1]  # the last line read may be cut by the sniffing limit
    for row in rows:
        filled = [c for c in row if c.strip()]
        # sparse rows (Lightning logs each metric on its own row) are fine: judge the filled cells
        if len(row) != len(header) or sum(is_number(c) for c in filled) * 2 < len(filled):
            return False
    return any(is_number(c) for row in rows for c in row)


def _spaced_name(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][\w./-]{0,60}", name) is not None  # compiled on first use, by re's cache


def spaced_row(first: str) -> bool:
    """The first field of a printed table's row: an epoch number."""
    return first.isascii() and first.isdigit() and len(first) <= 9


def spaced_header(line: str) -> list[str] | None:
    """The column names of a table printed with runs of spaces (fastai's `epoch train_loss
    valid_loss accuracy time`): an `epoch` column first and a loss among the names; else None."""
    names = line.split()
    if (len(names) < 2 or names[0].lower() != "epoch" or not any("loss" in n.lower() for n in names)
            or not all(_spaced_name(n) for n in names)):
        return None
    return names


# the column separators of tables drawn with pipes or boxes (Markdown, tabulate's grids, rich): read as spaces
BOX = str.maketrans({c: " " for c in "|│┃║"})


def unboxed(line: str) -> str:
    """A table row or header with its pipes and box bars as spaces (`| 3 | 0.81 |` -> `  3   0.81  `)."""
    return line.translate(BOX) if ("|" in line or "│" in line or "┃" in line or "║" in line) else line


RULE_DASHES = "-=━─═"
RULE_JOINS = " \t+|:┏┳┓┡╇┩└┴┘┌┬┐├┼┤╞╪╡╔╦╗╚╩╝╟╫╢┣╋┫┗┻┛"


def rule_spans(line: str) -> list[tuple[int, int]] | None:
    """The columns a rule under a printed header marks (`-------  ------------`, as skorch and
    tabulate print it; `┡━━━━━━━╇━━━━━━━┩`, as rich draws it): the (start, end) of each run of
    dashes; None when the line is no rule."""
    if not any(d * 3 in line for d in RULE_DASHES):
        return None
    body = line.rstrip()
    if body.strip(RULE_DASHES + RULE_JOINS):
        return None
    spans, start = [], None
    for i, c in enumerate(body + " "):
        if c in RULE_DASHES and start is None:
            start = i
        elif c not in RULE_DASHES and start is not None:
            spans.append((start, i))
            start = None
    return spans or None


def spaced_table(text: str) -> bool:
    """A printed table (see `spaced_header`) with a row of as many fields, an epoch number first,
    after its header (and a rule of dashes under it, if any), within the first 200 lines."""
    head = text[:65536]
    if "poch" not in head:
        return False
    found = [unboxed(line) for line in lines(ANSI.sub("", head) if "\x1b" in head else head, 200)]
    for i, line in enumerate(found[:-1]):
        if "poch" in line and (header := spaced_header(line)) is not None:
            spans = rule_spans(found[i + 1])
            if spans is not None:
                row = found[i + 2].split() if i + 2 < len(found) else []
                return len(spans) == len(header) and bool(row) and spaced_row(row[0])
            row = found[i + 1].split()
            return len(row) == len(header) and spaced_row(row[0])
    return False


def step_prints(text: str) -> bool:
    """Three `Epoch [e/E], Step [s/S]` lines and a loss in the first MiB (looked for there only
    when the first 64 KiB hold one, or are all there is)."""
    head = text[:65536]
    if "poch" not in head and "POCH" not in head:
        return False
    if len(text) > len(head) and STEP_LINE.search(head) is None:
        return False
    head = text[: 1 << 20]
    return sum(1 for _ in zip(range(3), STEP_LINE.finditer(head))) >= 3 and "loss" in head.lower()


def console(text: str) -> bool:
    """An `Epoch N/M` header and a Keras report line (`... - 2s - loss: <number>`) after it, in
    the first MiB."""
    head = text[: 1 << 20]
    if "poch" not in head and "POCH" not in head:
        return False
    start = _header_at(head)
    if start is None:
        if "\r" not in head and "\x1b" not in head and "\x08" not in head:
            return False
        head = ANSI.sub("", head).replace("\r", "\n").replace("\x08", "\n")
        start = _header_at(head)
        if start is None:
            return False
    window = ANSI.sub("", head[start:start + (256 << 10)]).replace("\r", "\n").replace("\x08", "\n")
    return bool(_keras_report().search(window))


def _header_at(head: str, most: int = 2000) -> int | None:
    """Where the first `Epoch N/M` line starts: found from the places that say "poch" (a regex
    over a MiB of text that is no log costs milliseconds; these few look-ups do not)."""
    i = head.find("poch")
    low = head.find("POCH")
    for _ in range(most):
        if i < 0 and low < 0:
            return None
        at = min(x for x in (i, low) if x >= 0)
        line = head.rfind("\n", 0, at) + 1
        if at - line <= 24 and EPOCH_HEADER.match(head, line):
            return line
        if at == i:
            i = head.find("poch", i + 4)
        else:
            low = head.find("POCH", low + 4)
    return None


def looks_like(text: str) -> tuple[str | None, bool]:
    """What a text that no reader takes looks like, in a few words (for the error), or None; and
    whether those words already say what to pass instead."""
    from ..core.i18n import t  # noqa: PLC0415

    head = ANSI.sub("", text[:65536])
    low = head.lower()
    if head.lstrip().startswith("<"):
        return t("HTML or XML"), False
    if "traceback (most recent call last)" in low:
        return t("a Python traceback (the run failed before it logged a loss?)"), False
    if "global step" in low and ("' reached" in low or "' was not in top" in low):
        return t("a PyTorch Lightning log whose only losses are ModelCheckpoint's messages (the monitored value at its "
                 "best epochs, no training loss): pass the run's metrics.csv (CSVLogger) or its TensorBoard folder, "
                 "which hold both losses"), True
    if "box_loss" in low and "gpu_mem" in low:
        return t("an Ultralytics (YOLO) console log, which prints the training losses only; the run's folder holds "
                 "results.csv (runs/.../results.csv) with the validation losses too: pass that"), True
    epochs = len(re.findall(r"\bepoch\b|第\s*\d+\s*轮", low))
    if not re.search(r"loss|损失", low):
        return (t("a text log with {n} line(s) naming an epoch but no loss value", n=epochs) if epochs else
                t("a text log with no loss value")), False
    if not epochs:
        return t("a text log that names a loss but no epoch (print 'Epoch N' with the values)"), False
    return None, False
