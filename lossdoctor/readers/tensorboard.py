"""TensorBoard event files (a run directory or one `events.out.tfevents.*` file).

Read with TensorBoard's own EventAccumulator (`pip install 'lossdoctor[tensorboard]'`), imported
only here. Keras' TensorBoard callback writes `train/` and `validation/` subfolders with tags
`epoch_loss`, `epoch_accuracy`, ...; those become `loss` and `val_loss`, as in `History`.
Lightning's TensorBoardLogger writes `train_loss`, `val_loss` and an `epoch` tag, which places
step-level values on the epoch axis.
"""

from __future__ import annotations

import os
from collections import defaultdict

from ..errors import HistoryFormatError
from ..history import History
from .records import records_to_history

from ..discover import EVENTS
from ..i18n import t
VAL_DIRS = {"validation", "val", "valid", "eval"}


def event_files(root: str, max_depth: int = 1) -> list[str]:
    out = []
    base_depth = root.rstrip(os.sep).count(os.sep)
    for folder, dirs, files in os.walk(root):
        if folder.count(os.sep) - base_depth >= max_depth:
            dirs[:] = []
        out += [os.path.join(folder, f) for f in files if f.startswith(EVENTS)]
    return sorted(out)


def _accumulator():
    try:
        from tensorboard.backend.event_processing import event_accumulator  # noqa: PLC0415
        from tensorboard.util import tensor_util  # noqa: PLC0415
    except ImportError as err:
        raise HistoryFormatError(t("is a TensorBoard log; reading it needs TensorBoard: pip install "
                                   "'lossdoctor[tensorboard]'")) from err
    return event_accumulator, tensor_util


def _scalars(path: str) -> dict[str, list[tuple[int, float]]]:
    ea_mod, tensor_util = _accumulator()
    ea = ea_mod.EventAccumulator(path, size_guidance={ea_mod.SCALARS: 0, ea_mod.TENSORS: 0})
    try:
        ea.Reload()
    except Exception as err:  # corrupt or truncated event files (a record claiming 1 TB raises with no message)
        reason = str(err).strip() or type(err).__name__
        raise HistoryFormatError(t("is a TensorBoard log that cannot be read ({error}); check that training finished "
                                   "writing it", error=reason)) from err
    tags = ea.Tags()
    out: dict[str, list[tuple[int, float]]] = {}
    for tag in tags.get("scalars", []):
        events = ea.Scalars(tag)
        out[tag] = [(e.step, float(e.value)) for e in events]
        out.setdefault("wall_time", []).extend((e.step, float(e.wall_time)) for e in events)
    for tag in tags.get("tensors", []):
        try:
            events = ea.Tensors(tag)
            values = [(e.step, float(tensor_util.make_ndarray(e.tensor_proto).item())) for e in events]
        except (ValueError, TypeError):
            continue  # not a scalar (text, histogram)
        out.setdefault(tag, values)
        out.setdefault("wall_time", []).extend((e.step, float(e.wall_time)) for e in events)
    return out


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
    by_step: dict[int, dict] = defaultdict(dict)
    keras_style = False
    for f in files:
        folder = os.path.basename(os.path.dirname(os.path.relpath(f, root))) if os.path.dirname(
            os.path.relpath(f, root)) else ""
        for tag, values in _scalars(f).items():
            keras_style |= tag.startswith("epoch_")
            key = "wall_time" if tag == "wall_time" else _key(tag, folder.lower())
            for step, v in values:
                if key == "wall_time":  # the latest time anything was logged at this step
                    v = max(v, by_step[step].get(key, v))
                by_step[step][key] = v
    if not by_step:
        raise HistoryFormatError(t("is a TensorBoard log with no scalar values; log the loss with the TensorBoard "
                                   "callback or self.log('train_loss', ...)"))
    rows = []
    for step in sorted(by_step):
        row = dict(by_step[step])
        row["epoch" if keras_style and "epoch" not in row else "step"] = float(step)
        rows.append(row)
    return records_to_history(rows, path, "tensorboard")
