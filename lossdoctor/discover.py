"""Where the training logs are: globs, folders walked, TensorBoard runs, run names, and whether a
command line names one run or a batch of them. Nothing here reads a log's content."""

from __future__ import annotations

import os
from typing import Iterable

from .errors import InputFileError

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


def is_batch(inputs: Iterable[str]) -> bool:
    """Several inputs, a glob, or a folder that is not one TensorBoard run."""
    inputs = list(inputs)
    if len(inputs) != 1:
        return True
    item = inputs[0]
    return is_glob(item) or (os.path.isdir(item) and not is_event_path(item))


def expand(inputs: Iterable[str], suffixes: tuple[str, ...]) -> list[str]:
    """Files and TensorBoard run folders named by `inputs` (files, folders searched recursively, globs).

    Args:
        inputs: paths, folders and glob patterns.
        suffixes: the file endings of logs (each reader declares its own).

    Raises:
        InputFileError: a pattern matches nothing.
    """
    out: list[str] = []
    for item in inputs:
        if is_glob(item):
            import glob  # noqa: PLC0415 - only for patterns

            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise InputFileError(f"{item}: the pattern matches no file")
            out += [m for m in matches if os.path.isfile(m) or is_event_path(m)]
        elif os.path.isdir(item) and not is_event_path(item):
            out += _walk(item, suffixes)
        else:
            out.append(item)
    return list(dict.fromkeys(out))


def _is_log(name: str, suffixes: tuple[str, ...]) -> bool:
    return not name.startswith(".") and name.lower().endswith(suffixes)


def _walk(root: str, suffixes: tuple[str, ...]) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if folder != root and is_event_path(folder) and any(f.startswith(EVENTS) for f in files):
            found.append(folder)
            dirs[:] = []
            continue
        found += [os.path.join(folder, f) for f in sorted(files) if _is_log(f, suffixes)]
        found += [os.path.join(folder, d) for d in dirs if is_event_path(os.path.join(folder, d))]
        dirs[:] = [d for d in dirs if not is_event_path(os.path.join(folder, d))]
    return sorted(found)


def run_names(paths: list[str], inputs: Iterable[str]) -> list[str]:
    """Each path relative to the folder it was found in (as given otherwise), for the table."""
    roots = [os.path.abspath(r) + os.sep for r in inputs if os.path.isdir(r) and not is_event_path(r)]
    names = []
    for p in paths:
        full = os.path.abspath(p)
        root = next((r for r in roots if full.startswith(r)), None)
        names.append(full[len(root):] if root else p)
    return names
