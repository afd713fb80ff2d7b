"""Diagnose many runs at once: a folder, several files, or glob patterns (a hyper-parameter sweep).

Unreadable files become rows with their error; large batches use every core.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable

from ..judge.codes import severity
from ..judge.diagnosis import Diagnosis, diagnose
from ..read.discover import expand_counted, run_names
from ..core.errors import EXIT_INTERNAL, EXIT_OK, error_outcome
from .options import Options
from ..read.formats import load_history, log_suffixes

PARALLEL_FROM = 64  # below this many files, starting worker processes costs more than it saves


@dataclass(frozen=True)
class RunResult:
    """One run of a batch: its diagnosis, or the error that stopped it (with its exit code)."""

    source: str
    name: str
    diagnosis: Diagnosis | None = None
    error: str | None = None
    exit_code: int = EXIT_OK

    @property
    def code(self) -> str | None:
        return self.diagnosis.code if self.diagnosis else None

    def sort_key(self) -> tuple:
        return (self.diagnosis is None, severity(self.code), self.name)

    def to_dict(self) -> dict:
        if self.diagnosis is not None:
            return {"run": self.name, **self.diagnosis.to_dict()}
        return {"run": self.name, "source": self.source, "error": self.error, "exit_code": self.exit_code}


@dataclass(frozen=True)
class Batch:
    """Every run's result, most urgent first; `summary` counts the codes; `skipped` the files in the
    folders walked that are not training logs (model configs, tokenizer files, older checkpoints)."""

    results: tuple[RunResult, ...]
    summary: dict = field(default_factory=dict)
    skipped: int = 0

    @property
    def failed(self) -> int:
        return sum(r.error is not None for r in self.results)

    @property
    def internal_errors(self) -> int:
        return sum(r.exit_code == EXIT_INTERNAL for r in self.results)

    def _repr_html_(self) -> str:
        """What a notebook shows: the count per diagnosis, the table of runs, each run's panel."""
        from ..show.html import batch_html  # noqa: PLC0415

        return batch_html(self)


def expand(inputs: Iterable[str]) -> list[str]:
    """Every log and TensorBoard run named by `inputs`, with the file endings the readers declare."""
    return expand_counted(inputs, log_suffixes())[0]


def _run(source: str, name: str, load: Callable, options: Options) -> tuple[RunResult, object]:
    """Read and diagnose one run; an error becomes the row's error, with the exit code it would have alone."""
    try:
        history = load()
        d = diagnose(history, options.train_key, options.val_key, options.window, horizon=options.horizon,
                     classes=options.classes)
        return RunResult(source, name, diagnosis=d), history
    except Exception as err:  # a bad file, or a bug, must not sink the whole sweep
        code, message = error_outcome(err)
        return RunResult(source, name, error=message, exit_code=code), None


def diagnose_one(path: str, name: str = "", options: Options = Options()) -> RunResult:
    """Diagnose one file as one row of a batch."""
    return _run(path, name or path, lambda: load_history(path, options.input_format), options)[0]


def diagnose_loaded(items: Iterable[tuple[str, str, Callable]], options: Options = Options()) -> tuple[Batch, dict]:
    """Diagnose runs that come from somewhere other than files (a tracking server).

    Args:
        items: `(source, name, load)` per run, `load()` returning its `History`.

    Returns:
        The `Batch`, and the histories read, by source (for figures and write-back).
    """
    results, histories = [], {}
    for source, name, load in items:
        result, history = _run(source, name, load, options)
        results.append(result)
        if history is not None:
            histories[source] = history
    results.sort(key=RunResult.sort_key)
    return Batch(tuple(results), dict(Counter(r.code or "error" for r in results))), histories


def _diagnose_chunk(args) -> list[RunResult]:
    paths, names, options = args
    return [diagnose_one(p, n, options) for p, n in zip(paths, names)]


def diagnose_many(inputs: list[str], options: Options = Options(), workers: int | None = None,
                  progress: Callable[[int], None] | None = None) -> Batch:
    """Diagnose every run named by `inputs`, in parallel when there are many.

    Args:
        inputs: files, folders and glob patterns.
        options: how every run is read and judged.
        workers: processes to use; default: every core for `PARALLEL_FROM` files or more.
        progress: called with the number of runs finished since the last call.

    Returns:
        A `Batch`, most urgent diagnoses first, unreadable files last.
    """
    paths, skipped = expand_counted(inputs, log_suffixes())
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
    return Batch(tuple(results), summary, skipped)
