"""Readers: a path (or text) in, a `History` out. The format is sniffed from the content.

`FORMATS` is the registry: each entry has a name, a `sniff(text) -> bool` and a
`parse(text, source) -> History`. The first entry whose sniff accepts the text reads it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from ..errors import HistoryFormatError, InputFileError
from ..history import History
from . import sniff as sniffers

MAX_BYTES = 1 << 30  # 1 GiB: a log larger than this is almost certainly not a loss history


@dataclass(frozen=True, eq=False)
class Format:
    """A reader: `sniff(text)` says whether it applies; `parser` names its `parse(text, source)`,
    as "module:function" inside this package, imported only when the format is chosen."""

    name: str
    sniff: Callable[[str], bool]
    parser: str
    description: str

    def parse(self, text: str, source: str) -> History:
        module, func = self.parser.split(":")
        return getattr(import_module(f"{__name__}.{module}"), func)(text, source)


FORMATS: list[Format] = [
    Format("notebook", sniffers.notebook, "console:notebook_parse",
           "Jupyter notebook whose stream outputs hold a Keras training log"),
    Format("json", sniffers.json_like, "jsonlog:parse",
           "Keras History JSON, Hugging Face trainer_state.json, lists of per-epoch dicts"),
    Format("csv", sniffers.table, "csvlog:parse",
           "Keras CSVLogger, PyTorch Lightning metrics.csv, pandas to_csv, any CSV/TSV with a header"),
    Format("step-log", sniffers.step_prints, "console:steps_parse",
           "PyTorch-style prints: 'Epoch [3/10], Step [100/600], Loss: 0.1234'"),
    Format("console", sniffers.console, "console:parse",
           "what Keras' fit() prints (Keras 1-3, verbose=1 or 2, progress bars included)"),
]


EVENTS = "events.out.tfevents"


def is_event_path(path: str) -> bool:
    """A TensorBoard event file, or a folder holding event files (directly or in train/, validation/)."""
    if os.path.isfile(path):
        return os.path.basename(path).startswith(EVENTS)
    if not os.path.isdir(path):
        return False
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    if any(e.name.startswith(EVENTS) and e.is_file() for e in entries):
        return True
    for e in entries:
        if e.is_dir():
            try:
                if any(f.name.startswith(EVENTS) for f in os.scandir(e.path)):
                    return True
            except OSError:
                continue
    return False


def is_glob(item: str) -> bool:
    """A glob pattern (`runs/*/history.json`) rather than a path that exists."""
    return any(c in item for c in "*?[") and not os.path.exists(item)


def format_names() -> list[str]:
    return [f.name for f in FORMATS] + ["tensorboard"]


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """Read a file (or standard input for `-`), refusing directories and files over `MAX_BYTES`."""
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if path == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        if os.path.isdir(path):
            raise InputFileError("is a directory with no TensorBoard event files; pass a history file inside it")
        try:
            size = os.path.getsize(path)
            if size > max_bytes:
                raise InputFileError(f"is {size / 2**20:.0f} MiB, larger than the {max_bytes / 2**20:.0f} MiB "
                                     "lossdoctor reads; keep only the run you want diagnosed")
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except FileNotFoundError as err:
            raise InputFileError("no such file; check the path") from err
        except PermissionError as err:
            raise InputFileError("permission denied; check the file's permissions") from err
        except IsADirectoryError as err:
            raise InputFileError("is a directory; pass a history file inside it") from err
        except OSError as err:
            raise InputFileError(f"cannot be read ({err.strerror or err}); check the file") from err
    if len(data) > max_bytes:
        raise InputFileError(f"is larger than the {max_bytes / 2**20:.0f} MiB lossdoctor reads")
    return data


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM; refuse binary data."""
    if not data.strip():
        raise HistoryFormatError("is empty; point lossdoctor at a saved training history")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise HistoryFormatError("looks like UTF-16 but does not decode; re-save it as UTF-8") from err
    if b"\x00" in data[:65536]:
        raise HistoryFormatError("is binary, not a text log; pass a JSON, CSV or console log "
                                 "(TensorBoard event files need: pip install 'lossdoctor[tensorboard]')")
    text = data.decode("utf-8-sig", errors="replace")
    if text.count("\ufffd") > max(16, len(text) // 100):
        raise HistoryFormatError("is not text (undecodable bytes); pass a JSON, CSV or console log saved as UTF-8")
    return text


def parse_text(text: str, source: str = "<text>", input_format: str | None = None) -> History:
    """Parse already-decoded text with the named reader, or the first that recognises it."""
    if input_format:
        fmt = next((f for f in FORMATS if f.name == input_format), None)
        if fmt is None:
            raise HistoryFormatError(f"unknown input format {input_format!r}; use one of "
                                     + ", ".join(format_names()))
        return fmt.parse(text, source)
    for fmt in FORMATS:
        if fmt.sniff(text):
            return fmt.parse(text, source)
    raise HistoryFormatError(
        "is not a training history lossdoctor recognises (tried: " + ", ".join(format_names())
        + "); pass a Keras History JSON, a CSVLogger CSV or a console log, or name the format with --input-format")


def load_history(path: str, input_format: str | None = None) -> History:
    """Read a training history from a file, or from standard input when `path` is `-`.

    Args:
        path: the file; `-` for standard input.
        input_format: a name from `FORMATS` to skip sniffing.

    Returns:
        The `History`.

    Raises:
        InputFileError: missing, unreadable, a directory, or too large.
        HistoryFormatError: the content is not a history lossdoctor can read.
    """
    source = "<stdin>" if path == "-" else str(path)
    if input_format == "tensorboard" or (input_format is None and path != "-" and is_event_path(source)):
        from . import tensorboard  # noqa: PLC0415 - only for TensorBoard logs

        return tensorboard.parse_path(source)
    return parse_text(decode(read_bytes(source if path != "-" else "-")), source, input_format)
