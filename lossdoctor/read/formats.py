"""Readers: a path (or text) in, a `History` out. The format is sniffed from the content.

`FORMATS` is the registry. A text format has a `sniff(text) -> bool` and a
`parse(text, source) -> History`: the first whose sniff accepts the text reads it. A path
format (TensorBoard) has `matches_path` and `parse_path`. Each declares the file endings a
folder walk picks up for it.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from collections.abc import Callable

from ..core.errors import HistoryFormatError, InputFileError
from .history import History
from .discover import is_event_path
from . import sniff as sniffers
from ..core.i18n import N_, t

BINARY = N_("is binary, not a text log; pass a JSON, CSV or console log (TensorBoard event files need: pip install "
            "'lossdoctor[tensorboard]')")

MAX_BYTES = 1 << 30  # 1 GiB: a log larger than this is almost certainly not a loss history


def _lazy(module: str, func: str) -> Callable:
    """A reader function imported on its first call.

    Importing every parser module up front costs about 12 ms of the CLI's 200 ms start-up
    (measured with python -X importtime); a run reads one format, so only its module is loaded.
    """
    def call(*args):
        return getattr(import_module(f"{__package__}.{module}"), func)(*args)
    call.__name__ = call.__qualname__ = f"{module}.{func}"
    return call


def _lazy_sniff(module: str) -> Callable[[str], bool]:
    """A sniffer that lives with its parser (imported on the first text it is asked about)."""
    def call(text: str) -> bool:
        return import_module(f"{__package__}.{module}").sniff(text)
    call.__name__ = call.__qualname__ = f"{module}.sniff"
    return call


class Format:
    """A reader.

    Attributes:
        name: the `--input-format` value and the `format` of the histories it reads (or their family).
        description: what it reads, in a line.
        suffixes: the file endings a folder walk picks up for it.
        sniff: `sniff(text) -> bool`, whether it reads this text (text formats).
        parse: `parse(text, source) -> History` (text formats).
        matches_path: `matches_path(path) -> bool`, for formats read from a path (TensorBoard runs).
        parse_path: `parse_path(path) -> History`, for those.
    """

    __slots__ = ("name", "description", "suffixes", "sniff", "parse", "matches_path", "parse_path")

    def __init__(self, name: str, description: str, suffixes: tuple[str, ...] = (),
                 sniff: Callable[[str], bool] | None = None, parse: Callable[[str, str], History] | None = None,
                 matches_path: Callable[[str], bool] | None = None, parse_path: Callable[[str], History] | None = None):
        self.name, self.description, self.suffixes = name, description, suffixes
        self.sniff, self.parse, self.matches_path, self.parse_path = sniff, parse, matches_path, parse_path


FORMATS: list[Format] = [
    Format("tensorboard", "a TensorBoard run folder or events.out.tfevents.* file (pip install 'lossdoctor[tensorboard]')",
           matches_path=is_event_path, parse_path=_lazy("tensorboard", "parse_path")),
    Format("wandb", "a Weights & Biases run file, run-<id>.wandb (pip install 'lossdoctor[wandb]')", (".wandb",),
           matches_path=_lazy("wandbfile", "is_wandb_path"), parse_path=_lazy("wandbfile", "parse_path")),
    Format("notebook", "Jupyter notebook whose stream outputs hold a Keras training log", (".ipynb",),
           sniffers.notebook, _lazy("console", "notebook_parse")),
    Format("json", "Keras History JSON, Hugging Face trainer_state.json, lists of per-epoch dicts, JSON Lines",
           (".json", ".jsonl"),
           sniffers.json_like, _lazy("jsonlog", "parse")),
    Format("csv", "Keras CSVLogger, PyTorch Lightning metrics.csv, pandas to_csv, any CSV/TSV with a header",
           (".csv", ".tsv", ".log"), sniffers.table, _lazy("csvlog", "parse")),
    Format("text-table", "a table printed with spaces, as fastai's fit() prints it: 'epoch train_loss valid_loss "
           "accuracy time'", (".log", ".txt"), sniffers.spaced_table, _lazy("csvlog", "parse_spaced")),
    Format("step-log", "PyTorch-style prints: 'Epoch [3/10], Step [100/600], Loss: 0.1234'", (".log", ".txt"),
           sniffers.step_prints, _lazy("console", "steps_parse")),
    Format("console", "what Keras' fit() prints (Keras 1-3, verbose=1 or 2, progress bars included)",
           (".log", ".txt"), sniffers.console, _lazy("console", "parse")),
    Format("epoch-log", "printed training logs: 'Epoch [3/30] - Train Loss: 0.52, Val Loss: 0.61', 'epoch=3 "
           "train_loss=0.52 val_loss=0.61', logging prefixes, separate training and evaluation lines",
           (".log", ".txt", ".out"), _lazy_sniff("printed"), _lazy("printed", "parse")),
]
TEXT_FORMATS = [f for f in FORMATS if f.sniff is not None]


def format_names() -> list[str]:
    return [f.name for f in FORMATS]


def log_suffixes() -> tuple[str, ...]:
    """Every file ending some reader reads: what a folder walk picks up."""
    return tuple(dict.fromkeys(s for f in FORMATS for s in f.suffixes))


FIFO_WAIT = 10.0  # seconds a pipe may stay silent before lossdoctor gives up on it


def _looks_binary(head: bytes) -> bool:
    """NUL bytes that are not UTF-16 text: a binary file (refused before more of it is read)."""
    return b"\x00" in head and _utf16_without_bom(head) is None and head[:2] not in (b"\xff\xfe", b"\xfe\xff")


def _read_chunks(read: Callable[[], bytes], max_bytes: int) -> bytes:
    """Read to the end in chunks: binary data is refused at its first chunk, too much at the limit."""
    chunks, total = [], 0
    while True:
        chunk = read()
        if not chunk:
            return b"".join(chunks)
        if not chunks and _looks_binary(chunk[:65536]):
            raise HistoryFormatError(t(BINARY))
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise InputFileError(t("is larger than the {mib} MiB lossdoctor reads", mib=f"{max_bytes / 2**20:.0f}"))


def _read_fifo(path: str, max_bytes: int) -> bytes:
    """A named pipe (`<(command)`), without blocking forever when nothing writes to it."""
    import select  # noqa: PLC0415

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        def read() -> bytes:
            while True:
                ready, _, _ = select.select([fd], [], [], FIFO_WAIT)
                if not ready:
                    raise InputFileError(t("is a pipe that stayed silent for {seconds} s; write the log to it, or pass "
                                           "a file", seconds=f"{FIFO_WAIT:.0f}"))
                try:
                    return os.read(fd, 1 << 20)
                except BlockingIOError:
                    continue
        return _read_chunks(read, max_bytes)
    finally:
        os.close(fd)


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """Read a file (or standard input for `-`), refusing directories, binary data and more than `MAX_BYTES`."""
    import stat  # noqa: PLC0415

    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if path == "-":
        if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
            raise InputFileError(t("standard input is closed; pipe a log into it (... | lossdoctor diagnose -) or pass "
                                   "a file"))
        data = _read_chunks(lambda: sys.stdin.buffer.read(1 << 20), max_bytes)
    else:
        if os.path.isdir(path):
            raise InputFileError(t("is a directory with no TensorBoard event files; pass a history file inside it"))
        try:
            mode = os.stat(path).st_mode
            if stat.S_ISFIFO(mode):
                return _read_fifo(path, max_bytes)
            size = os.path.getsize(path)
            if size > max_bytes:
                raise InputFileError(t("is {size} MiB, larger than the {mib} MiB lossdoctor reads; keep only the run "
                                       "you want diagnosed", size=f"{size / 2**20:.0f}", mib=f"{max_bytes / 2**20:.0f}"))
            with open(path, "rb") as fh:
                data = _read_chunks(lambda: fh.read(1 << 20), max_bytes)
        except InputFileError:
            raise
        except FileNotFoundError as err:
            raise InputFileError(t("no such file; check the path")) from err
        except PermissionError as err:
            raise InputFileError(t("permission denied; check the file's permissions")) from err
        except IsADirectoryError as err:
            raise InputFileError(t("is a directory; pass a history file inside it")) from err
        except OSError as err:
            raise InputFileError(t("cannot be read ({reason}); check the file", reason=err.strerror or err)) from err
    if len(data) > max_bytes:
        raise InputFileError(t("is larger than the {mib} MiB lossdoctor reads", mib=f"{max_bytes / 2**20:.0f}"))
    return data


def decode(data: bytes) -> tuple[str, str | None]:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030; refuse binary data.

    Returns:
        The text, and a note when it was not read as UTF-8 text would be (else None).
    """
    if not data.strip():
        raise HistoryFormatError(t("is empty; point lossdoctor at a saved training history"))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as err:
            raise HistoryFormatError(t("looks like UTF-16 but does not decode; re-save it as UTF-8")) from err
    utf16 = _utf16_without_bom(data[:65536])
    if utf16:
        try:
            return data.decode(utf16), t("read as {encoding} text without a byte-order mark", encoding=utf16.upper())
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise HistoryFormatError(t(BINARY))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    chinese = _gb18030(data)
    if chinese is not None:
        return chinese, t(GB18030_NOTE)
    text = data.decode("utf-8-sig", errors="replace")
    if text.count("\ufffd") > max(16, len(text) // 100):
        raise HistoryFormatError(t("is not text (undecodable bytes); pass a JSON, CSV or console log saved as UTF-8"))
    return text, None


def _utf16_without_bom(head: bytes) -> str | None:
    """`utf-16-le`/`utf-16-be` when every other byte is NUL (ASCII text saved as UTF-16 without a BOM)."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


GB18030_NOTE = N_("read as GB18030 (GBK) text: it is not UTF-8, and holds Chinese characters")


def _gb18030(data: bytes) -> str | None:
    """The text of a GBK / GB18030 file (Chinese Windows tools write them), or None.

    Accepted only when it decodes cleanly and holds CJK characters, so that a stray Latin-1 byte
    in an English log is not taken for Chinese.
    """
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if not any("\u4e00" <= c <= "\u9fff" for c in text[:65536]):
        return None
    return text


def parse_text(text: str, source: str = "<text>", input_format: str | None = None) -> History:
    """Parse already-decoded text with the named reader, or the first that recognises it."""
    import csv  # noqa: PLC0415

    try:
        return _parse_text(text, source, input_format)
    except csv.Error as err:  # e.g. a field longer than the csv module's limit
        raise HistoryFormatError(t("is not a table lossdoctor can read ({error}); a training log has short fields: "
                                   "pass the log itself", error=err)) from None


def _parse_text(text: str, source: str, input_format: str | None) -> History:
    if input_format:
        fmt = next((f for f in TEXT_FORMATS if f.name == input_format), None)
        if fmt is None:
            raise HistoryFormatError(t("unknown input format {format}; use one of {formats}",
                                       format=repr(input_format), formats=", ".join(format_names())))
        return fmt.parse(text, source)
    for fmt in TEXT_FORMATS:
        if fmt.sniff(text):
            return fmt.parse(text, source)
    what, advised = sniffers.looks_like(text)
    if what and advised:  # it says itself what to pass instead
        raise HistoryFormatError(t("is not a training history lossdoctor recognises: it looks like {what} (tried: "
                                   "{formats})", what=what, formats=", ".join(format_names())))
    if what:
        raise HistoryFormatError(t(
            "is not a training history lossdoctor recognises: it looks like {what} (tried: {formats}); pass a Keras "
            "History JSON, a CSVLogger CSV or a printed training log, or name the format with --input-format",
            what=what, formats=", ".join(format_names())))
    raise HistoryFormatError(t(
        "is not a training history lossdoctor recognises (tried: {formats}); pass a Keras History JSON, a CSVLogger CSV "
        "or a console log, or name the format with --input-format", formats=", ".join(format_names())))


STREAM_FROM = 32 << 20  # console logs and numeric tables larger than this are read chunk by chunk
CHUNK = 16 << 20


def _stream_large(path: str, input_format: str | None) -> History | None:
    """A large Keras console log, or a large plain numeric table (CSVLogger), read chunk by chunk:
    memory holds one chunk and the numbers, not the text. None when the file is small or not one
    of those (it is read whole)."""
    import codecs  # noqa: PLC0415
    import stat  # noqa: PLC0415

    if input_format not in (None, "console", "csv"):
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or not STREAM_FROM <= info.st_size <= MAX_BYTES:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head)  # strict: other encodings are read whole
    except (OSError, UnicodeDecodeError):
        return None
    if "\x00" in text[:65536]:
        return None
    fmt = input_format or next((f.name for f in TEXT_FORMATS if f.sniff(text)), None)
    if fmt == "csv":
        return _lazy("csvlog", "parse_numeric_stream")(path, CHUNK)
    if fmt != "console":
        return None

    def chunks():
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        with open(path, "rb") as fh:
            while data := fh.read(CHUNK):
                yield decoder.decode(data)
        yield decoder.decode(b"", final=True)
    return _lazy("console", "parse_stream")(chunks(), path)


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
    for fmt in FORMATS:
        if fmt.parse_path and path != "-" and (input_format == fmt.name or
                                               (input_format is None and fmt.matches_path(source))):
            return fmt.parse_path(source)
    streamed = _stream_large(source, input_format) if path != "-" else None
    if streamed is not None:
        return streamed
    text, note = decode(read_bytes(source if path != "-" else "-"))
    history = parse_text(text, source, input_format)
    if note:
        from dataclasses import replace  # noqa: PLC0415

        history = replace(history, notes=(note, *history.notes))
    return history
