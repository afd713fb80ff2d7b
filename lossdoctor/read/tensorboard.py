"""TensorBoard event files (a run directory or one `events.out.tfevents.*` file).

Read record by record with TensorBoard's own `Event` protocol buffer (`pip install
'lossdoctor[tensorboard]'`), imported only here; its EventAccumulator checks each record's CRC in
pure Python, which made a file of two million scalars take minutes. Keras' TensorBoard callback
writes `train/` and `validation/` subfolders with tags
`epoch_loss`, `epoch_accuracy`, ...; those become `loss` and `val_loss`, as in `History`.
Lightning's TensorBoardLogger writes `train_loss`, `val_loss` and an `epoch` tag, which places
step-level values on the epoch axis.
"""

from __future__ import annotations

import os
from array import array

from ..core.errors import HistoryFormatError
from .history import History
from .records import cells_to_columns, columns_to_history

from .discover import EVENTS
from ..core.i18n import t
VAL_DIRS = {"validation", "val", "valid", "eval"}


def event_files(root: str, max_depth: int = 1) -> list[str]:
    out = []
    base_depth = root.rstrip(os.sep).count(os.sep)
    for folder, dirs, files in os.walk(root):
        if folder.count(os.sep) - base_depth >= max_depth:
            dirs[:] = []
        out += [os.path.join(folder, f) for f in files if f.startswith(EVENTS)]
    return sorted(out)


def _event_class():
    try:
        from tensorboard.compat.proto import event_pb2  # noqa: PLC0415
    except ImportError as err:
        raise HistoryFormatError(t("is a TensorBoard log; reading it needs TensorBoard: pip install "
                                   "'lossdoctor[tensorboard]'")) from err
    return event_pb2.Event


CHUNK = 16 << 20  # bytes read at a time: memory follows the scalars, not the file


def _records(path: str, notes: list[str]):
    """The payload of each TFRecord in an event file (length, its CRC, data, its CRC), read chunk
    by chunk. A record cut short (a run killed while writing) or claiming more bytes than the file
    holds ends the reading there, with a note; the CRCs are not checked (TensorBoard's pure-Python
    CRC is what made reading millions of scalars take minutes); a damaged payload fails to parse."""
    buf, pos = b"", 0
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        while True:
            if len(buf) - pos < 12:
                more = fh.read(CHUNK)
                buf, pos = buf[pos:] + more, 0
                if len(buf) < 12:
                    if buf:
                        notes.append(_cut_short(path))
                    return
            length = int.from_bytes(buf[pos:pos + 8], "little")
            need = 12 + length + 4
            if len(buf) - pos < need:
                missing = need - (len(buf) - pos)
                # never more than the file still holds: a record claiming a terabyte allocates nothing
                more = fh.read(max(CHUNK, missing)) if missing <= size - fh.tell() else b""
                buf, pos = buf[pos:] + more, 0
                if len(buf) < need:
                    notes.append(_cut_short(path))
                    return
            yield buf[pos + 12:pos + 12 + length]
            pos += need


def _cut_short(path: str) -> str:
    return t("{file}: left out a last record cut short (training was stopped while writing it)",
             file=os.path.basename(path))


# numpy dtypes of TensorFlow's DataType enum, for scalar tensors written as raw bytes
_DTYPES = {1: "<f4", 2: "<f8", 3: "<i4", 9: "<i8", 19: "<f2", 14: "<u2"}


def _tensor_value(tensor) -> float | None:
    """The value of a scalar tensor summary (Keras 3, tf.summary.scalar); None when it is not one."""
    if any(d.size != 1 for d in tensor.tensor_shape.dim):
        return None
    if tensor.tensor_content:
        import numpy as np  # noqa: PLC0415

        dtype = _DTYPES.get(tensor.dtype)
        if dtype is None or dtype == "<u2":  # bfloat16 and the rest: not a loss as TensorBoard writes it
            return None
        a = np.frombuffer(tensor.tensor_content, dtype=dtype)
        return float(a[0]) if a.size == 1 else None
    for field in (tensor.float_val, tensor.double_val, tensor.int_val, tensor.int64_val):
        if len(field) == 1:
            return float(field[0])
    return None


def _scalars(path: str, notes: list[str]) -> dict[str, tuple[array, array]]:
    """{tag: (steps, values)} of every scalar in one event file, and `wall_time` per logged value.
    A step that goes back (a run resumed from an earlier checkpoint into the same file) drops what
    was logged at that step and after it, as TensorBoard's own loader does."""
    from google.protobuf.message import DecodeError  # noqa: PLC0415

    parse = _event_class().FromString
    out: dict[str, tuple[array, array]] = {}
    latest = -1
    for payload in _records(path, notes):
        try:
            event = parse(payload)
        except DecodeError:
            notes.append(t("{file}: stopped at a damaged record", file=os.path.basename(path)))
            break
        if not event.HasField("summary"):
            continue
        step = event.step
        if step < latest:
            _purge(out, step)
        latest, logged = step, False
        for v in event.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                value = v.simple_value
            elif kind == "tensor":
                value = _tensor_value(v.tensor)
                if value is None:
                    continue  # text, histograms, images
            else:
                continue
            steps, values = out.get(v.tag) or out.setdefault(v.tag, (array("q"), array("d")))
            steps.append(step)
            values.append(value)
            logged = True
        if logged:
            steps, values = out.get("wall_time") or out.setdefault("wall_time", (array("q"), array("d")))
            steps.append(step)
            values.append(event.wall_time)
    return out


def _purge(out: dict[str, tuple[array, array]], step: int) -> None:
    for steps, values in out.values():
        keep = len(steps)
        while keep and steps[keep - 1] >= step:
            keep -= 1
        del steps[keep:], values[keep:]


def _key(tag: str, folder: str) -> str:
    name = tag[len("epoch_"):] if tag.startswith("epoch_") else tag
    if folder in VAL_DIRS and not name.startswith("val"):
        name = f"val_{name}"
    return name


def parse_path(path: str) -> History:
    files = [path] if os.path.isfile(path) else event_files(path)
    if not files:
        raise HistoryFormatError(t("has no TensorBoard event files; point at the run's log directory"))
    root = os.path.dirname(path) if os.path.isfile(path) else path
    notes: list[str] = []
    found: dict[str, list[tuple[array, array]]] = {}
    keras_style = False
    for f in files:
        rel = os.path.dirname(os.path.relpath(f, root))
        folder = os.path.basename(rel).lower() if rel else ""
        for tag, pair in _scalars(f, notes).items():
            keras_style |= tag.startswith("epoch_")
            found.setdefault("wall_time" if tag == "wall_time" else _key(tag, folder), []).append(pair)
    if not any(len(steps) for key, pairs in found.items() if key != "wall_time" for steps, _ in pairs):
        raise HistoryFormatError(t("is a TensorBoard log with no scalar values; log the loss with the TensorBoard "
                                   "callback or self.log('train_loss', ...)"))
    return columns_to_history(_table(found, "epoch" if keras_style else "step"), path, "tensorboard", notes)


def _table(found: dict[str, list[tuple[array, array]]], axis: str) -> dict:
    """One row per logged step, a column per key: the last value logged at a step (the files in
    order), and for `wall_time` the latest time anything was logged at it."""
    import numpy as np  # noqa: PLC0415

    cols = {k: (np.concatenate([np.frombuffer(s, dtype=np.int64) for s, _ in pairs]),
                np.concatenate([np.frombuffer(v, dtype=np.float64) for _, v in pairs])) for k, pairs in found.items()}
    rows = np.unique(np.concatenate([s for s, _ in cols.values()]))
    cells = {}
    for key, (steps, values) in cols.items():
        idx = np.searchsorted(rows, steps)
        if key == "wall_time":
            latest = np.full(len(rows), -np.inf)
            np.maximum.at(latest, idx, values)
            hit = np.isfinite(latest)
            cells[key] = (np.nonzero(hit)[0], latest[hit])
            continue
        last = len(idx) - 1 - np.unique(idx[::-1], return_index=True)[1]  # the last value at each row
        cells[key] = (idx[last], values[last])
    if axis not in cells:  # Keras logs its epochs as the steps; Lightning logs an `epoch` tag beside them
        cells[axis] = (np.arange(len(rows)), rows.astype(float))
    return cells_to_columns(cells, len(rows))
