"""Writing output files so that a failure never leaves a half-written file or loses the user's data.

All the files one command writes form one `WritePlan`: each output is checked first (not one of
the inputs, not another output of the same call, not a folder; a symlink is followed to its
target), then every file is written to a temporary file beside its target, and only when all of
them were written are they moved into place. A new file gets the mode the umask gives it; a file
that is replaced keeps its mode. SIGTERM and SIGHUP (what CI runners send on cancel) during the
writing remove the temporary files before the process ends; the temporary files of a process
killed outright (SIGKILL) carry its pid in their name, `.lossdoctor-PID-...`, and the next run
that writes into the same folder removes them.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Callable

from .errors import InputFileError
from .i18n import t

TEMP_PREFIX = ".lossdoctor-"
_TEMP_NAME = re.compile(r"^\.lossdoctor-(\d+)-")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours
        return True
    return True


def remove_stale_temporaries(folder: str) -> int:
    """Remove the temporary files that killed lossdoctor processes left in `folder`; how many."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        m = _TEMP_NAME.match(name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            try:
                os.unlink(os.path.join(folder, name))
                removed += 1
            except OSError:
                pass
    return removed


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


class WritePlan:
    """The files one command writes, written all or nothing (see the module's docstring)."""

    def __init__(self, inputs=()):
        self.inputs = [p for p in inputs if isinstance(p, str) and os.path.isfile(p)]
        self.items: list[tuple[str, str, Callable[[str], None]]] = []
        self.modes: dict[int, tuple] = {}  # how each item reaches its target: replace, in place, stream

    def add(self, path: str, write: Callable[[str], None]) -> WritePlan:
        """Plan `write(tmp_path)` for `path`.

        Raises:
            InputFileError: the path is an input, another output, a folder, or in a folder that
                does not exist.
        """
        stream = _stream_fd(path)
        if stream is not None:  # /dev/stdout, /dev/fd/2, ...: written to the open stream, never replaced
            self.items.append((f"<fd {stream}>", path, write))
            self.modes[len(self.items) - 1] = ("stream", stream)
            return self
        target = os.path.realpath(path)  # a symlink is followed: its target is written, the link stays
        if os.path.isdir(target):
            raise InputFileError(t("cannot write {path}: it is a folder; name a file", path=path))
        mode = _existing(path, target)
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            raise InputFileError(t("cannot write {path}: folder {folder} does not exist; create it first", path=path,
                                   folder=folder))
        for given in self.inputs:
            if _same_file(given, target):
                raise InputFileError(t("refusing to write {path}: it is the input {given}; name another output file",
                                       path=path, given=given))
        for other, _, _ in self.items:
            if other == target:
                raise InputFileError(t("refusing to write {path} twice in one call: give each output its own name",
                                       path=path))
        self.items.append((target, path, write))
        self.modes[len(self.items) - 1] = mode
        return self

    def commit(self) -> None:
        """Write every planned file to a temporary file, then move them all into place."""
        temps: list[str] = []
        with _cleanup_on_termination(temps):
            try:
                for i, (target, shown, write) in enumerate(self.items):
                    folder = None if self.modes[i][0] == "stream" else os.path.dirname(target)
                    temps.append(self._write_temp(target, shown, write, folder))
                for i, ((target, _, _), tmp) in enumerate(zip(self.items, temps)):
                    how = self.modes[i]
                    if how[0] == "replace":
                        os.replace(tmp, target)
                    else:
                        _copy_into(tmp, how[1] if how[0] == "stream" else target, how[0] == "stream")
                temps.clear()
            except InputFileError:
                raise
            except OSError as err:
                raise InputFileError(t("cannot write {path}: {reason}", path=self._failed(err),
                                       reason=err.strerror or err)) from None
            finally:
                _remove(temps)

    def _write_temp(self, target: str, shown: str, write: Callable[[str], None], folder: str | None) -> str:
        if folder is not None:
            remove_stale_temporaries(folder)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-",
                                       suffix=os.path.splitext(target)[1], dir=folder)
        except OSError as err:
            raise InputFileError(t("cannot write {path}: {reason}", path=shown, reason=err.strerror or err)) from err
        os.close(fd)
        try:
            write(tmp)
            if folder is not None:
                mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o666 & ~_umask()
                os.chmod(tmp, mode)
        except BaseException:
            _remove([tmp])
            raise
        return tmp

    def _failed(self, err: OSError) -> str:
        name = getattr(err, "filename", None)
        for target, shown, _ in self.items:
            if name in (target, shown):
                return shown
        return ", ".join(shown for _, shown, _ in self.items)


STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}
_FD_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d{1,4})$")


def _stream_fd(path: str) -> int | None:
    """The open file descriptor a path names (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/2`), else None."""
    if path in STREAMS:
        return STREAMS[path]
    m = _FD_PATH.match(path)
    return int(m.group(1)) if m else None


def _existing(path: str, target: str) -> tuple:
    """How an output that may already exist is written: ("replace",) for a new file or one of
    ours to replace; ("in_place",) where replacing would break its hard links or its owner.

    Raises:
        InputFileError: a device, pipe or socket, or a file the user may not write.
    """
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return ("replace",)
    except OSError as err:
        raise InputFileError(t("cannot write {path}: {reason}", path=path, reason=err.strerror or err)) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(t("refusing to write {path}: it is a device, pipe or socket, not a regular file; name a "
                               "file (or /dev/stdout to print it)", path=path))
    if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
        raise InputFileError(t("refusing to write {path}: the file is read-only; make it writable (chmod u+w) or "
                               "name another file", path=path))
    owner = hasattr(os, "geteuid") and (st.st_uid != os.geteuid() or st.st_gid != os.getegid())
    return ("in_place",) if st.st_nlink > 1 or owner else ("replace",)


def _copy_into(tmp: str, target, stream: bool) -> None:
    """The finished temporary file's bytes into the target itself (its inode, links and owner
    kept), or onto an open stream (appended where the stream stands)."""
    with open(tmp, "rb") as src:
        data = src.read()
    if stream:
        view = memoryview(data)
        while view:
            view = view[os.write(target, view):]
        _remove([tmp])
        return
    with open(target, "r+b") as dst:
        dst.write(data)
        dst.truncate()
    _remove([tmp])


def _remove(paths: list[str]) -> None:
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


class _cleanup_on_termination:
    """While writing, SIGTERM and SIGHUP remove the temporary files, then end the process as the
    signal would (exit status 128 + the signal's number)."""

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __init__(self, temps: list[str]):
        self.temps, self.previous = temps, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        _remove(self.temps)
        raise SystemExit(128 + signum)

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


def atomic_write(path: str, write: Callable[[str], None], inputs=()) -> None:
    """Call `write(tmp_path)` on a temporary file beside `path`, then move it into place.

    Raises:
        InputFileError: the path cannot be written (see `WritePlan.add`), or writing failed.
    """
    WritePlan(inputs).add(path, write).commit()


def text_writer(text: str) -> Callable[[str], None]:
    """A `write(tmp_path)` that writes `text` as UTF-8."""
    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return _write


def write_text(path: str, text: str, inputs=()) -> None:
    atomic_write(path, text_writer(text), inputs)
