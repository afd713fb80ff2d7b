"""Diagnose many runs at once: a folder, several files, or glob patterns (a hyper-parameter sweep).

Unreadable files become rows with their error; large batches use every core.
"""

from __future__ import annotations

import glob
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .codes import severity
from .diagnose import diagnose
from .errors import InputFileError, LossDoctorError
from .readers import load_history
from .readers import EVENTS, is_event_path, is_glob

LOG_SUFFIXES = (".json", ".csv", ".tsv", ".log", ".txt", ".ipynb")
PARALLEL_FROM = 64  # below this many files, starting worker processes costs more than it saves


@dataclass(frozen=True)
class RunResult:
    """One run of a batch: the diagnosis as a JSON-ready dict, or the error that stopped it."""

    source: str
    name: str
    diagnosis: dict | None = None
    error: str | None = None

    @property
    def code(self) -> str | None:
        return self.diagnosis["diagnosis"]["code"] if self.diagnosis else None

    def sort_key(self) -> tuple:
        return (self.diagnosis is None, severity(self.code), self.name)

    def to_dict(self) -> dict:
        if self.diagnosis is not None:
            return {"run": self.name, **self.diagnosis}
        return {"run": self.name, "source": self.source, "error": self.error}


@dataclass(frozen=True)
class Batch:
    results: tuple[RunResult, ...]
    summary: dict = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(r.error is not None for r in self.results)


def _is_log(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(".") and name.lower().endswith(LOG_SUFFIXES)


def expand(inputs: Iterable[str]) -> list[str]:
    """Files and TensorBoard run folders named by `inputs` (files, folders searched recursively, globs).

    Raises:
        InputFileError: an input matches nothing.
    """
    out: list[str] = []
    for item in inputs:
        if is_glob(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise InputFileError(f"{item}: the pattern matches no file")
            out += [m for m in matches if os.path.isfile(m) or is_event_path(m)]
        elif os.path.isdir(item) and not is_event_path(item):
            out += _walk(item)
        else:
            out.append(item)
    return list(dict.fromkeys(out))


def _walk(root: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if folder != root and is_event_path(folder) and any(f.startswith(EVENTS) for f in files):
            found.append(folder)
            dirs[:] = []
            continue
        found += [os.path.join(folder, f) for f in sorted(files) if _is_log(f)]
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


def diagnose_one(path: str, name: str = "", options: dict | None = None) -> RunResult:
    """Diagnose one file; any lossdoctor error becomes the row's error."""
    options = options or {}
    try:
        history = load_history(path, options.get("input_format"))
        d = diagnose(history, options.get("train_key"), options.get("val_key"), options.get("window"))
        return RunResult(path, name or path, diagnosis=d.to_dict())
    except LossDoctorError as err:
        return RunResult(path, name or path, error=str(err))
    except MemoryError:
        return RunResult(path, name or path, error="ran out of memory reading it")
    except Exception as err:  # a bug must not sink the whole sweep
        return RunResult(path, name or path, error=f"internal error ({type(err).__name__}: {err})")


def _diagnose_chunk(args) -> list[RunResult]:
    paths, names, options = args
    return [diagnose_one(p, n, options) for p, n in zip(paths, names)]


def diagnose_many(inputs: list[str], options: dict | None = None, workers: int | None = None,
                  progress: Callable[[int], None] | None = None) -> Batch:
    """Diagnose every run named by `inputs`, in parallel when there are many.

    Args:
        inputs: files, folders and glob patterns.
        options: `train_key`, `val_key`, `window`, `input_format` for every run.
        workers: processes to use; default: every core for `PARALLEL_FROM` files or more.
        progress: called with the number of runs finished since the last call.

    Returns:
        A `Batch`, most urgent diagnoses first, unreadable files last.
    """
    paths = expand(inputs)
    names = run_names(paths, inputs)
    workers = workers or ((os.cpu_count() or 1) if len(paths) >= PARALLEL_FROM else 1)
    results: list[RunResult] = []
    if workers > 1:
        size = max(8, min(256, len(paths) // (workers * 8) or 1))
        chunks = [(paths[i:i + size], names[i:i + size], options) for i in range(0, len(paths), size)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk in pool.map(_diagnose_chunk, chunks):
                results += chunk
                if progress:
                    progress(len(chunk))
    else:
        for p, n in zip(paths, names):
            results.append(diagnose_one(p, n, options))
            if progress:
                progress(1)
    results.sort(key=RunResult.sort_key)
    summary = dict(Counter(r.code or "error" for r in results))
    return Batch(tuple(results), summary)
