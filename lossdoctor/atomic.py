"""Write files so that a failure never leaves a truncated one behind."""

from __future__ import annotations

import os
import tempfile
from typing import Callable

from .errors import InputFileError


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call `write(tmp_path)` on a temporary file beside `path`, then move it into place.

    Raises:
        InputFileError: the folder does not exist or is not writable.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputFileError(f"cannot write {path}: folder {folder} does not exist; create it first")
    suffix = os.path.splitext(path)[1]
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lossdoctor-", suffix=suffix, dir=folder)
    except OSError as err:
        raise InputFileError(f"cannot write {path}: {err.strerror or err}") from err
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: str, text: str) -> None:
    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    atomic_write(path, _write)
