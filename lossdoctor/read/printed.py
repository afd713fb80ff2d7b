"""The training logs people print: `name SEP value` pairs on lines that name an epoch.

    Epoch [3/50] - Train Loss: 0.8123, Valid Loss: 0.9010
    2025-03-02 10:41:07 | INFO | Epoch [003/050] TrainLoss=0.8123 | ValLoss=0.9010 ValAcc=66.0%
    epoch=3 step=1200 train_loss=0.8123 val_loss=0.9010
    INFO:root:epoch=3 train_loss=0.8123 val_loss=0.9010
    [epoch 3] loss(train)=0.8123 loss(valid)=0.9010
    - Train metrics: accuracy: 0.712 ; loss: 0.812          (and later) - Eval metrics: loss: 0.901
    -------第 3 轮训练开始-------                              (and later) 验证集上的Loss: 0.9010

Values are read anywhere on a line (after timestamps, levels, module names, ANSI colours and
progress-bar remnants); an epoch marker (`Epoch 3`, `Epoch [3/50]`, `epoch=3`, `ep 3`,
`[3/50]`, `第 3 轮`) starts a row, and lines without one add to the row of the last marker, so a
training line and a separate evaluation line join into one epoch. A key logged several times in
one epoch is step-level (`<key>` per step, beside an epoch-level `<key>` when there is one).

Roles come from names, never from positions: `Train Loss`, `TrainLoss`, `trn_loss`,
`loss(train)` are the training loss (`train_loss`); `Valid Loss`, `ValLoss`, `eval_loss`, `dev loss`
the validation loss (`val_loss`); `test loss` is `test_loss` (the validation loss only when
nothing else is). A name without a role takes the role its line or segment states (`Eval
metrics:`, `Validation |`), else training. A value whose name says validation is never the
training loss; a key that a line carries twice with no role to tell them apart is left for the
user to choose. Epoch numbers that go back, or a new phase word before `Epoch` (`Fine-tune
Epoch 1`), start a new run: the last run is diagnosed, the others noted.

Every pattern is bounded, so reading is linear in the input.
"""

from __future__ import annotations

import re

from ..core.errors import HistoryFormatError
from .history import History
from ._numbers import NUMBER, to_float, unwrapped
from .records import records_to_history
from .sniff import ANSI, normalise_newlines
from ..core.i18n import t
from .names import FILLER, TEST_WORDS, TRAIN_WORDS, VAL_WORDS, canonical, role_of, tokens

MAX_LINE = 4000
# an epoch marker: an optional phase word, then epoch/ep/第 N 轮; or a bare [3/50] at the start
EPOCH = re.compile(r"(?<![A-Za-z0-9_])(?:(?P<phase>[A-Za-z][A-Za-z_-]{1,20})[ _-])?(?:epoch|epochs|ep)(?![A-Za-z])"
                   r"(?:\((?P<mode>train|val|test)\))?"  # OpenMMLab's "Epoch(train) [3][ 50/625]"
                   r"[ \t]{0,4}[:=#]?[ \t]{0,4}[\[(]?[ \t]{0,4}(?P<n>\d{1,9})(?:[ \t]{0,4}/[ \t]{0,4}(?P<of>\d{1,9}))?"
                   r"[ \t]{0,4}[\])]?|第[ \t]{0,4}(?P<zh>\d{1,9})[ \t]{0,4}(?:轮|个[ \t]{0,2}epoch|次迭代|代)",
                   re.IGNORECASE)
# timm's train.py: "Train: 3 [ 100/1251 (  8%)]  Loss: 6.93 (6.95) ..." (the epoch, then its batch counter)
TIMM = re.compile(r"(?<![A-Za-z])Train:[ \t]{0,4}(?P<n>\d{1,9})(?=[ \t]{1,4}\[[ \t]{0,8}\d{1,12}/\d{1,12})")
# OpenMMLab's iteration-based loops: "Iter(train) [  50/20000]  lr: ...  loss: 0.81" (the training step)
ITER = re.compile(r"(?<![A-Za-z])Iter\((?P<mode>train|val|test)\)[ \t]{0,4}\[[ \t]{0,12}(?P<n>\d{1,12})[ \t]{0,4}/"
                  r"[ \t]{0,4}\d{1,12}[ \t]{0,4}\]")
# AllenNLP's table at the end of each epoch: a "Training |  Validation" heading, then "loss  |  0.703  |  0.539"
TABLE_HEAD = re.compile(r"(?<![A-Za-z])Training[ \t]{0,8}\|[ \t]{0,8}Validation[ \t]*$")
TABLE_HEADS = re.compile(TABLE_HEAD.pattern, re.MULTILINE)
TABLE_ROW = re.compile(r"(?:^|[ \t]-[ \t])[ \t]{0,8}(?P<name>[A-Za-z_][\w./-]{0,60})[ \t]{1,60}\|[ \t]{0,30}(?P<a>"
                       + NUMBER + r"|N/A)[ \t]{0,30}\|[ \t]{0,30}(?P<b>" + NUMBER + r"|N/A)[ \t]*$")
# torchtune's progress bar: "3|1250|Loss: 1.2345: 100%|..." (epoch, global step, loss)
TUNE = re.compile(r"^[ \t]{0,8}(?P<e>\d{1,6})\|(?P<n>\d{1,12})\|(?=Loss:)")
BARE = re.compile(r"^[ \t]{0,8}\[[ \t]{0,4}(?P<n>\d{1,9})[ \t]{0,4}/[ \t]{0,4}(?P<of>\d{1,9})[ \t]{0,4}\]")
PAIR = re.compile(r"(?P<name>[A-Za-z\u4e00-\u9fff][\w./\-()\u4e00-\u9fff]{0,40}(?:[ \t][A-Za-z\u4e00-\u9fff][\w./\-()"
                  r"\u4e00-\u9fff]{0,40}){0,3})[ \t]{0,4}(?:[:=：][ \t]{0,4}|[ \t]{1,4})(?P<value>" + NUMBER + r")"
                  r"(?![\w.]|/\d)(?:[ \t]{0,4}\((?P<avg>" + NUMBER + r")\))?", re.IGNORECASE)
# a Hugging Face Trainer's printed log dict: {'loss': 0.6705, 'grad_norm': 8.05, 'learning_rate': 4e-06, 'epoch': 0.01}
DICT_PAIR = re.compile(r"'([A-Za-z_][\w/.\-]{0,60})':[ \t]{0,4}(" + NUMBER + r")(?=[ \t]{0,4}[,}])", re.IGNORECASE)
DIGIT = re.compile(r"\d")
TQDM = re.compile(r"\d{1,3}%\|[^|]{0,200}\|")
STEP_NAMES = {"step", "steps", "iter", "iteration", "iterations", "it", "batch", "batch_id", "batch_idx",
              "global_step", "iteration_step", "train_step", "train_steps"}


# a printed dict's quoted names (`{'train_loss': 0.41}`, `{"val_loss": 0.39}`), read as `train_loss: 0.41`
QUOTED = re.compile(r"""(['"])([A-Za-z_][\w/.\-]{0,60})\1[ \t]{0,4}:""")


def _clean(line: str) -> str:
    line = ANSI.sub("", line)
    if "%|" in line:
        line = TQDM.sub(" ", line)
    line = unwrapped(line)
    if "':" in line or '":' in line:
        line = QUOTED.sub(r"\2:", line)
    return line


# words before a marker that make the line mention an epoch rather than report one
MENTION = {"at", "in", "of", "from", "since", "until", "till", "after", "before", "best", "per", "each", "every",
           "last", "next", "for", "to", "this", "that", "resume", "resuming", "restored", "restoring"}
NOT_PHASE = TRAIN_WORDS | VAL_WORDS | TEST_WORDS | {"the", "info", "debug", "warning", "warn", "error", "root", "main",
                                                   "end", "start", "starting", "begin", "finished", "done", "new"}


def _marker(line: str) -> tuple[re.Match | None, int | None, str | None]:
    """(the match, the epoch number, the phase word) of a line's epoch marker; (None, -1, None)
    when the line only mentions an epoch (`best at epoch 7`, `resuming from epoch 3`)."""
    m = BARE.match(line) or EPOCH.search(line) or (TIMM.search(line) if "Train:" in line else None)
    if m is None:
        return None, None, None
    n = m.group("zh") if "zh" in m.re.groupindex and m.group("zh") else m.group("n")
    phase = (m.group("phase") or "").lower() if "phase" in m.re.groupindex else ""
    before = line[:m.start()].split()
    if phase in MENTION or (not phase and before and before[-1].lower().strip(",:;(") in MENTION):
        # "| end of epoch 3 | valid loss 5.87" (PyTorch's word_language_model) reports the epoch it ends
        said = [*before, phase] if phase else before
        if not (len(said) >= 2 and said[-1].lower() == "of" and said[-2].lower().strip("|") == "end"):
            return None, -1, None
        phase = ""
    return m, int(n), phase if phase and phase not in NOT_PHASE else None


def _shape(marker: str) -> str:
    """`Epoch [003/050]` as `Epoch [n/N]`: the marker's form, for the note saying what was read."""
    shape = re.sub(r"(?<=/)[ \t]*\d+", "N", re.sub(r"\d+", "n", " ".join(marker.split()), count=1))
    for a, b in ("[]", "()"):
        if shape.endswith(b) and a not in shape:
            shape = shape[:-1].rstrip()
    return shape


class Line:
    """What one printed line says: its epoch marker, its named values, its step counter."""

    __slots__ = ("epoch", "of", "phase", "values", "avgs", "names", "step", "conflicts", "marker", "form", "unnamed")

    def __init__(self):
        self.epoch = self.of = self.phase = self.step = self.marker = self.form = None
        self.values: dict[str, float] = {}
        self.avgs: dict[str, float] = {}
        self.names: dict[str, str] = {}
        self.conflicts: set[str] = set()
        self.unnamed: dict[str, str] = {}  # key -> the bare role name it came from (`Val: 0.50`)


def read_line(raw: str, heading: str | None = None) -> Line | None:
    """The epoch marker and the values of one line; None when it has neither. `heading`: the role
    a heading line just before it gave (`Test Error:`), for the names without one of their own."""
    line = _clean(raw[:MAX_LINE])
    low = line.lower()
    if DIGIT.search(line) is None:
        return None
    out = Line()
    m, n, phase = _marker(line)
    if n == -1:
        return None  # a line that mentions an epoch says nothing about the current one
    rest = line
    if m is not None:
        out.epoch, out.phase = n, phase
        out.of = int(m.group("of")) if "of" in m.re.groupindex and m.group("of") else None
        out.marker = _shape(m.group(0))
        bare = m.group(0)[len(m.group("phase")) + 1:] if "phase" in m.re.groupindex and m.group("phase") else m.group(0)
        out.form = _shape(bare)  # case kept: a tqdm "Epoch 3/50" beside a logged "EPOCH 2/50" are two forms
        rest = line[:m.start()] + " | " + line[m.end():]
        said = m.group("phase") if "phase" in m.re.groupindex else None
        said = (m.group("mode") if "mode" in m.re.groupindex else None) or said
        # "train epoch: 1, loss: ..." / "test epoch: 1, loss: ..." (Flax's examples): the word before
        # the marker is the role of the line's names that have none
        heading = heading or (role_of(tokens(said)) if said else None)
    if m is None and "|Loss:" in line and (tune := TUNE.match(line)):
        out.step = int(tune.group("n"))  # the global step; the epoch, 1-based, is the bar's first number
        rest = line[tune.end():]
    if m is None and "Iter(" in line and (it := ITER.search(line)):
        heading = heading or role_of(tokens(it.group("mode")))
        if it.group("mode") == "train":  # a validation loop's counter counts its own batches
            out.step = int(it.group("n"))
        rest = line[:it.start()] + " | " + line[it.end():]
    if "loss" not in low and "损失" not in line and "acc" not in low and m is None:
        return None
    context, last, bare, roles, only_role, named_loss = heading, 0, [], set(), [], False
    averaged = "[Avg]" in line
    for p in PAIR.finditer(rest):
        gap = rest[last:p.start()].strip(" \t|-,;:[]()/0123456789.")
        gap_role = role_of(tokens(gap)) if gap else None
        context = gap_role or context
        last = p.end()
        name, value = p.group("name").strip(), to_float(p.group("value").replace(",", ""))
        if value is None:
            continue
        words = tokens(name)
        if not words:
            continue
        key, own = canonical(name, context)
        if not set(words) - ROLE_WORDS:
            only_role.append(key)
        named_loss = named_loss or "loss" in words or "损失" in words
        if own:
            roles.add(role_of(words))
        elif context is None and _is_metric(words):
            bare.append(key)
        if "_".join(words) in STEP_NAMES or key in STEP_NAMES or (
                len(words) > 2 and words[-1] in STEP_NAMES and words[-2] in ("at", "after")):
            # a counter, also where a phrase names it: "validation loss at iteration 1000 | lm loss value: 5.1"
            out.step = int(value) if value == value and abs(value) < 1e15 else out.step
            continue
        if key in ("epoch", "epochs", "ep"):
            continue
        if key in out.values and not own:  # the same name again, nothing to tell them apart
            out.conflicts.add(key)
            key = next(f"{key}_{i}" for i in range(2, 99) if f"{key}_{i}" not in out.values)
        out.values[key] = value
        out.names.setdefault(key, name)
        avg = to_float(p.group("avg").replace(",", "")) if p.group("avg") else None
        if avg is not None:  # "Loss 0.4632 (0.5120)": the value now and its running mean (AverageMeter)
            out.avgs[key] = avg
        elif averaged:  # PaddleClas' "[Train][Epoch 3/20][Avg]loss: 0.81": the epoch's mean itself
            out.avgs[key] = value
    if m is None and not out.values:
        return None
    if only_role:
        _unnamed(out, only_role, named_loss)
    if len(roles) == 1 and bare:
        _line_role(out, bare, roles.pop())
    return out


METRIC_WORDS = {"loss", "损失", "acc", "accuracy", "error", "err", "f1", "auc", "precision", "recall", "iou", "miou",
                "dice", "ppl", "perplexity", "mae", "mse", "rmse", "bleu", "wer", "cer", "top1", "top5"}


ROLE_WORDS = TRAIN_WORDS | VAL_WORDS | TEST_WORDS | FILLER  # a name of these words alone names no metric


def _unnamed(out: Line, keys: list[str], named_loss: bool) -> None:
    """Values named by a role alone (`Val: 0.50`). Beside a named loss (`Loss: 1.94, Train: 0.50,
    Val: 0.50, Test: 0.51`, as PyTorch Geometric's examples print accuracies) they are some other
    metric, kept as `<role>_metric` and never read as a loss; on a line that names no loss
    (`Train: 0.81 | Val: 0.90`) they are that role's loss, and a note says so."""
    for key in keys:
        if key not in out.values:
            continue
        name = out.names.get(key, key)
        if named_loss and _is_loss(key):
            metric = key[: -len("loss")] + "metric"
            out.values[metric] = out.values.pop(key)
            out.names[metric] = out.names.pop(key, name)
            if key in out.avgs:
                out.avgs[metric] = out.avgs.pop(key)
            key = metric
        out.unnamed[key] = name


def _is_metric(words) -> bool:
    return bool(set(words) & METRIC_WORDS)


def _line_role(out: Line, bare: list[str], role: str) -> None:
    """A line whose named values all say one role (`Valid acc: 0.84 | loss: 9.40`): its metrics
    without a role of their own have that role too (`loss` is the validation loss here)."""
    prefix = {"val": "val_", "test": "test_", "train": "train_"}[role]
    for key in bare:
        if key in out.values and prefix + key not in out.values:
            out.values[prefix + key] = out.values.pop(key)
            if key in out.avgs:
                out.avgs[prefix + key] = out.avgs.pop(key)
            out.names[prefix + key] = out.names.pop(key, key)
            out.conflicts.discard(key)


def _is_loss(key: str) -> bool:
    return "loss" in key


def sniff(text: str) -> bool:
    """At least two epoch markers and two lines with a loss in the first 64 KiB (or two printed
    Trainer log dicts); in the first MiB when the first 64 KiB hold one of each (a log full of
    progress bars)."""
    head = text[:65536]
    if "loss" not in head.lower() and "损失" not in head:
        return False
    if "{'" in head and _dict_lines(head) is not None:
        return True
    markers, losses = _hits(head)
    if (markers >= 2 and losses >= 2) or (not markers and losses >= STEP_LINES):
        return True
    if markers and losses and len(text) > len(head):
        markers, losses = _hits(text[:1 << 20])
    return markers >= 2 and losses >= 2


def _hits(text: str) -> tuple[int, int]:
    """How many lines carry an epoch marker and how many a loss (counting stops at two of each)."""
    markers = losses = 0
    frame = None
    for raw in normalise_newlines(text).split("\n"):
        low = raw.lower()
        if "oss" in low and "|" in raw and (row := _table_row(raw)) is not None:
            losses += any(_is_loss(k) for k in row.values)
            continue
        if frame and (row := _frame_row(raw, frame)) is not None:
            losses += any(_is_loss(k) for k in row.values)
            continue
        frame = _frame_head(raw) if "oss" in low else None
        if "oss" not in low and "epoch" not in low and "ep " not in low and "第" not in raw and "[" not in raw:
            continue
        found = read_line(raw)
        if found is None:
            continue
        markers += found.epoch is not None
        losses += any(_is_loss(k) for k in found.values)
        if (markers >= 2 and losses >= 2) or (not markers and losses >= STEP_LINES):
            break
    return markers, losses


class Run:
    """The rows of one run: per epoch, its epoch-level values and its step-level lines."""

    def __init__(self, phase: str | None):
        self.phase = phase
        self.steps: dict[int, list[Line]] = {}
        self.order: list[int] = []
        self.marker: str | None = None
        self.of: int | None = None
        self.phases: dict[str | None, int] = {}

    @property
    def label(self) -> str | None:
        """The phase word most of the run's markers carry (`fine-tune`), else None."""
        phase, count = max(self.phases.items(), key=lambda kv: kv[1], default=(None, 0))
        return phase if phase and count * 2 >= sum(self.phases.values()) else None

    def add(self, epoch: int, line: Line) -> None:
        if epoch not in self.steps:
            self.steps[epoch] = []
            self.order.append(epoch)
        self.steps[epoch].append(line)

    @property
    def length(self) -> int:
        return len(self.order)


def _rows(run: Run) -> tuple[list[dict], dict[str, float]]:
    """Epoch-level rows, and step-level rows for keys logged more than once in an epoch: those
    keys' epoch value is the last running mean printed beside them (`Loss 0.46 (0.51)`), if any.
    A key printed twice in one epoch only, of three or more, is no step-level series but a summary
    printed after it (`Final: val_loss=...`, W&B's run summary): the epoch keeps its first value.
    Also returns those keys, with the epoch where it happened."""
    base = 1 if run.order and min(run.order) == 0 else 0
    repeats: dict[str, list[int]] = {}
    for e in run.order:
        seen: dict[str, int] = {}
        for line in run.steps[e]:
            for k in line.values:
                seen[k] = seen.get(k, 0) + 1
        for k, c in seen.items():
            if c > 1:
                repeats.setdefault(k, []).append(e)
    summary = {k: float(es[0] + base) for k, es in repeats.items() if len(es) == 1 and run.length >= 3}
    repeated = set(repeats) - set(summary)
    rows = []
    for e in run.order:
        lines = run.steps[e]
        row = {"epoch": float(e + base)}
        step_lines = [x for x in lines if any(k in repeated for k in x.values)]
        for i, line in enumerate(step_lines):
            rows.append({"epoch": e + base - 1 + (i + 1) / len(step_lines),
                         **{f"{k}\x00step": v for k, v in line.values.items() if k in repeated}})
        for line in lines:
            row.update({k: v for k, v in line.values.items() if k not in repeated and not (k in summary and k in row)})
            row.update({k: v for k, v in line.avgs.items() if k in repeated})
        rows.append(row)
    return rows, summary


# what only the Trainer puts in its log dicts (a script's own printed dicts are read as printed lines)
TRAINER_KEYS = {"learning_rate", "grad_norm", "eval_runtime", "eval_samples_per_second", "train_runtime",
                "train_samples_per_second", "total_flos"}


def _dict_lines(text: str) -> list[dict] | None:
    """The Trainer's printed log dicts (`{'loss': ..., 'learning_rate': ..., 'epoch': ...}` lines),
    or None when the text has fewer than two with a loss, or none with a key only the Trainer logs."""
    rows, trainer = [], False
    for line in normalise_newlines(text).split("\n"):
        i = line.find("{'")
        if i < 0 or "'epoch'" not in line:
            continue
        row = {k: to_float(v) for k, v in DICT_PAIR.findall(line[i:i + MAX_LINE])}
        if "epoch" in row and any(_is_loss(k) for k in row):
            rows.append(row)
            trainer = trainer or not TRAINER_KEYS.isdisjoint(row)
    return rows if len(rows) >= 2 and trainer else None


def _table_row(raw: str) -> Line | None:
    """A row of a Training | Validation table (`loss  |  0.703  |  0.539`): the name's training
    and validation values (`N/A` left out)."""
    m = TABLE_ROW.search(raw[:MAX_LINE]) if "|" in raw else None
    if m is None:
        return None
    name = m.group("name")
    return _role_line((name, role, to_float(m.group(column).replace(",", "")), f"{name} ({label})")
                      for column, role, label in (("a", "train", "Training"), ("b", "val", "Validation"))
                      if m.group(column) != "N/A")


def _role_line(items) -> Line | None:
    """A line of (name, role, value, how it was printed) items: each value under the key its name
    and role make (`loss` in the validation column is `val_loss`); None when no value is a number."""
    out = Line()
    for name, role, value, label in items:
        if value is not None:
            key = canonical(name, role)[0]
            out.values[key], out.names[key] = value, label
    return out if out.values else None


def _frame_head(raw: str) -> list[str] | None:
    """The column names of a small frame printed with roles as row labels (`print(pd.DataFrame(
    metrics).T)`: `        loss   acc` over `train  0.81  0.80` / `val  0.90  0.70`), or None."""
    if len(raw) > 200 or DIGIT.search(raw):
        return None
    names = raw.split()
    if not 1 <= len(names) <= 12 or not any("loss" in n.lower() for n in names):
        return None
    return names if all(re.fullmatch(r"[A-Za-z_][\w/.\-]{0,40}", n) for n in names) else None


def _frame_row(raw: str, head: list[str]) -> Line | None:
    cells = raw.split()
    role = role_of(tokens(cells[0])) if cells else None
    if role is None or len(cells) != len(head) + 1 or not set(tokens(cells[0])) <= HEADING_WORDS:
        return None
    values = [to_float(c) for c in cells[1:]]
    if any(v is None for v in values):
        return None
    return _role_line((name, role, value, f"{name} ({cells[0]})") for name, value in zip(head, values))


def _lines(text: str) -> list[Line]:
    """The lines that say something, with only the markers of the form that reports losses kept:
    a log that prints `第 3 轮训练开始` and then `epoch 2 | train_loss: ...` counts its epochs by
    the second form, and the first is just text."""
    lines, heading, table, frame = [], None, False, None
    tabled = "Validation" in text and TABLE_HEADS.search(text) is not None
    for raw in normalise_newlines(text).split("\n"):
        if not raw or raw.isspace():
            continue
        if "Validation" in raw and TABLE_HEAD.search(raw[:MAX_LINE]):
            table = True
            continue
        if tabled and " ||: " in raw:  # AllenNLP's bars ("loss: 0.56 ||: 100%|..."), of training and validation
            continue  # alike under one name: the table holds both
        if table and (row := _table_row(raw)) is not None:
            lines.append(row)
            continue
        table = False
        if frame and (row := _frame_row(raw, frame)) is not None:
            lines.append(row)
            continue
        frame = _frame_head(raw) if "oss" in raw else None
        if frame is not None:
            continue
        x = read_line(raw, heading)
        heading = _heading(raw) if x is None else None
        if x is not None:
            lines.append(x)
    forms: dict[str, list[int]] = {}
    for x in lines:
        if x.form is not None:
            counts = forms.setdefault(x.form, [0, 0])
            counts[0] += any(_is_loss(k) for k in x.values)
            counts[1] += 1
    if len(forms) > 1:
        best = max(forms, key=lambda f: forms[f])
        for x in lines:
            if x.form is not None and x.form != best:
                x.epoch = x.form = x.marker = None
    return [x for x in lines if x.epoch is not None or x.values]


HEADING_WORDS = TRAIN_WORDS | VAL_WORDS | TEST_WORDS | {"set", "phase", "mode", "split", "data", "dataset", "loop"}


def _heading(raw: str) -> str | None:
    """The role of a short heading line with no numbers, else None: one ending in a colon or an
    ellipsis (`Test Error:`, `Validation:`, as the PyTorch quickstart prints before ` Accuracy:
    45.3%, Avg loss: 2.150171`), or one that is a role alone, however decorated (`Train`,
    `--- val ---`, `=== Validation set ===`, `[Eval]`)."""
    line = raw.strip()
    if len(line) > 40 or DIGIT.search(line):
        return None
    if line.endswith((":", "...")):
        return role_of(tokens(line))
    words = tokens(line.strip(" \t-=*#[]()<>|."))
    if not words or len(words) > 3 or not set(words) <= HEADING_WORDS:
        return None
    return role_of(words)


def _read_runs(text: str) -> tuple[list[Run], dict[str, str], set[str], dict[str, str]]:
    runs: list[Run] = []
    run: Run | None = None
    names: dict[str, str] = {}
    conflicts: set[str] = set()
    unnamed: dict[str, str] = {}
    for line in _lines(text):
        if line.epoch is not None:
            if run is None or line.epoch < run.order[-1]:  # a new run (or phase) starts over
                run = Run(line.phase)
                runs.append(run)
            run.marker = run.marker or line.marker
            run.of = line.of or run.of
            run.phases[line.phase] = run.phases.get(line.phase, 0) + 1
            run.add(line.epoch, line)
        elif run is not None:
            run.steps[run.order[-1]].append(line)
        else:
            continue
        for k, name in line.names.items():
            names.setdefault(k, name)
        conflicts |= line.conflicts
        unnamed.update(line.unnamed)
    return [r for r in runs if any(any(_is_loss(k) for k in x.values) for lines in r.steps.values() for x in lines)], \
        names, conflicts, unnamed


def parse(text: str, source: str) -> History:
    dicts = _dict_lines(text) if "{'" in text else None
    if dicts is not None:
        return records_to_history(dicts, source, "hf-trainer", [t(
            "read {n} log lines the Trainer printed ({example})", n=len(dicts), example="{'loss': ..., 'epoch': ...}")])
    runs, names, conflicts, unnamed = _read_runs(text)
    if not runs:
        steps = _step_only(text, source)
        if steps is not None:
            return steps
        if not any(x.epoch is not None for x in _lines(text)):
            raise HistoryFormatError(t("names losses, but no epoch and no loss printed line after line; print "
                                       "'Epoch N: loss=... val_loss=...' once per epoch"))
        raise HistoryFormatError(t("has lines naming an epoch, but none with a loss value ('Epoch 3: loss=0.52 ...')"))
    notes = []
    if len(runs) > 1 and runs[-1].length == 1 and max(r.length for r in runs) >= 3:
        notes.append(t("left out a last line naming epoch {epoch} after the run ended (a summary line)",
                       epoch=runs[-1].order[0]))
        runs = runs[:-1]
    last = runs[-1]
    two, doubt = _twice_an_epoch(last)
    for key in two:
        conflicts.add(key)
        names.setdefault(f"{key}_2", names.get(key, key))
    rows, summary = _rows(last)
    keys = {k for r in rows for k in r}
    step_level = {k.split("\x00")[0] for k in keys if "\x00" in k}
    rename = {f"{k}\x00step": (f"{k}_step" if k in keys else k) for k in step_level}
    notes.insert(0, _read_note(last, names, keys, rename))
    notes += _unnamed_notes(unnamed, keys)
    if doubt:
        notes.append(t("{keys} printed on two lines of most epochs, with no step counter: read as two steps an epoch; "
                       "if one of them is the validation loss, name it in the prints ('val_loss=...')",
                       keys=", ".join(repr(k) for k in doubt)))
    for epoch in sorted(set(summary.values())):
        keys = ", ".join(repr(k) for k in sorted(k for k in summary if summary[k] == epoch))
        notes.append(t("{keys} printed twice in epoch {epoch} only: read as a summary printed after it, and the "
                       "first value kept", keys=keys, epoch=f"{epoch:g}"))
    if len(runs) > 1:
        notes.append(t("found {n} runs in the log ({runs}); diagnosing the last", n=len(runs),
                       runs=", ".join(t("{phase}{epochs} epochs", phase=f"{r.label} " if r.label else "",
                                        epochs=r.length) for r in runs)))
    end = max(last.order) + (1 if min(last.order) == 0 else 0)
    if last.of and end < last.of:
        from .console import stopped_early_note  # noqa: PLC0415

        notes.append(stopped_early_note(end, last.of))
    fmt = "step-log" if any(rename.get(f"{k}\x00step") == k for k in step_level if _is_loss(k)) else "epoch-log"
    h = records_to_history(rows, source, fmt, notes, rename=rename)
    # only a loss given twice blocks the choice; a repeated timing or counter (`train_wall`) does not
    unclear = tuple(k for k in sorted(conflicts) if k in h and _is_loss(k))
    if unclear:
        from dataclasses import replace  # noqa: PLC0415

        h = replace(h, roles_unclear=unclear)
    return h


def _twice_an_epoch(run: Run) -> tuple[list[str], list[str]]:
    """Losses printed on two lines of (nearly) every epoch, without a step counter, that are two
    series, not one: the second higher in 90% of the epochs or more, by a gap larger than 1.5
    times the first's typical move from epoch to epoch, while the first does not rise. That is a
    training and a validation value with nothing to tell them apart (`Epoch 3` / `loss: 0.81` /
    `loss: 0.90`): the second of each epoch becomes `<key>_2`, so that the user can name them. One
    noisy loss printed twice an epoch moves between its prints about as much as between epochs.
    Also returns the losses printed twice in most epochs that do not read as two series: kept as
    two steps an epoch, with a note."""
    pairs: dict[str, list[tuple[Line, float, float]]] = {}
    seen_in: dict[str, int] = {}
    for e in run.order:
        found: dict[str, list[Line]] = {}
        for line in run.steps[e]:
            for k in line.values:
                if _is_loss(k) and line.step is None:
                    found.setdefault(k, []).append(line)
        for k, lines in found.items():
            seen_in[k] = seen_in.get(k, 0) + 1
            if len(lines) == 2:
                pairs.setdefault(k, []).append((lines[1], lines[0].values[k], lines[1].values[k]))
    out, doubt = [], []
    for k, ps in pairs.items():
        firsts = [a for _, a, _ in ps]
        gap = sorted(abs(b - a) for _, a, b in ps)[len(ps) // 2]
        move = sorted(abs(y - x) for x, y in zip(firsts, firsts[1:]))[(len(ps) - 1) // 2] if len(ps) > 1 else 0.0
        if (len(ps) >= 4 and len(ps) >= 0.8 * seen_in[k] and sum(b > a for _, a, b in ps) >= 0.9 * len(ps)
                and gap > 1.5 * move and firsts[-1] <= firsts[0]):
            for line, _, _ in ps:
                line.values[f"{k}_2"] = line.values.pop(k)
            out.append(k)
        elif len(ps) >= 4 and len(ps) >= 0.8 * seen_in[k]:
            doubt.append(k)
    return out, doubt


STEP_LINES = 10  # lines with a loss and no epoch marker anywhere that make a log of steps


def _step_only(text: str, source: str) -> History | None:
    """A log that names no epoch at all but prints a loss line by line (`batch loss: 3.92`, `step
    200 loss 0.41`): its lines are steps (the step counter where printed, else their order)."""
    lines = [x for x in _lines(text) if x.epoch is None and any(_is_loss(k) for k in x.values)]
    counts: dict[str, int] = {}
    for x in lines:
        for k in x.values:
            counts[k] = counts.get(k, 0) + 1
    repeated = {k for k, c in counts.items() if c >= STEP_LINES and _is_loss(k)}  # a series, not one-off names
    lines = [x for x in lines if repeated & x.values.keys()]
    if not repeated or len(lines) < STEP_LINES:
        return None
    counters = [x.step for x in lines]
    # never going back: nanoGPT prints "step 500: train loss ..., val loss ..." and then "iter 500: loss ..."
    use_counter = (all(c is not None for c in counters) and all(b >= a for a, b in zip(counters, counters[1:]))
                   and counters[-1] > counters[0])
    rows = [{"step": float(c if use_counter else i + 1), **x.values} for i, (c, x) in enumerate(zip(counters, lines))]
    names = {}
    for x in lines:
        for k, name in x.names.items():
            names.setdefault(k, name)
    shown = ", ".join(f"{k} = {names[k]!r}" for k in ("loss", "train_loss", "val_loss", "test_loss") if k in names)
    note = t("read {n} lines that name no epoch as steps ({by}); {names}", n=len(lines),
             by=t("by their step counter") if use_counter else t("in their order"),
             names=shown or t("no loss named as training or validation"))
    return records_to_history(rows, source, "step-log", [note])


def _unnamed_notes(unnamed: dict[str, str], keys: set[str]) -> list[str]:
    """What became of values named by a role alone (see `_unnamed`)."""
    metrics = [f"{unnamed[k]!r} ({k})" for k in unnamed if k in keys and not _is_loss(k)]
    losses = [f"{unnamed[k]!r} ({k})" for k in unnamed if k in keys and _is_loss(k)]
    notes = []
    if metrics:
        notes.append(t("{names} name a split but no metric, beside a named loss: read as other metrics (accuracy, "
                       "most often), not as losses", names=", ".join(metrics)))
    if losses:
        notes.append(t("{names} name a split but no metric: read as its loss; if they are accuracies, print "
                       "'val_loss=...' or choose with --train-key and --val-key", names=", ".join(losses)))
    return notes


def _read_note(run: Run, names: dict[str, str], keys: set[str], rename: dict) -> str:
    """`read 50 epochs from 'Epoch [n/N]' lines; loss = 'Train Loss', val_loss = 'Valid Loss'`."""
    shown = []
    for key in ("loss", "train_loss", "val_loss", "test_loss"):
        if key in keys or f"{key}\x00step" in keys:
            per_step = key not in keys or rename.get(f"{key}\x00step") == f"{key}_step"
            name = repr(names.get(key, key)) + (t(" (per step)") if per_step and key not in keys else "")
            shown.append(f"{key} = {name}")
    return t("read {n} epochs from {marker} lines; {names}", n=run.length, marker=repr(run.marker or "Epoch n"),
             names=", ".join(shown) or t("no loss named as training or validation"))
