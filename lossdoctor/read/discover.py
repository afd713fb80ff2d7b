"""Where the training logs are: globs, folders walked, TensorBoard runs, run names, and whether a
command line names one run or a batch of them. Nothing here reads a log's content."""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..core.errors import InputFileError
from ..core.i18n import t

EVENTS = "events.out.tfevents"


# the split folders Keras' TensorBoard callback writes inside one run's log dir
SPLIT_FOLDERS = ("train", "validation", "val", "eval", "test")
# files a Hugging Face output_dir or a model folder holds that are not training logs
NOT_LOGS = {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json",
            "special_tokens_map.json", "added_tokens.json", "preprocessor_config.json", "adapter_config.json",
            "all_results.json", "train_results.json", "eval_results.json", "test_results.json",
            "predict_results.json", "model.safetensors.index.json", "pytorch_model.bin.index.json", "merges.txt"}


def is_event_path(path: str) -> bool:
    """One TensorBoard run: an event file, or a folder holding event files directly or in its
    train/ and validation/ folders (Keras). A folder of run folders (Lightning's version_0/,
    version_1/, ...; Hugging Face's runs/<date>_<host>/) is a batch of runs, not one."""
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
        if e.is_dir() and e.name in SPLIT_FOLDERS:
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
    """The logs `inputs` name (see `expand_counted`)."""
    return expand_counted(inputs, suffixes)[0]


def expand_counted(inputs: Iterable[str], suffixes: tuple[str, ...]) -> tuple[list[str], int]:
    """Files and TensorBoard run folders named by `inputs` (files, folders searched recursively, globs).

    Args:
        inputs: paths, folders and glob patterns.
        suffixes: the file endings of logs (each reader declares its own).

    Returns:
        The paths, and how many files in the folders walked were passed over as not training
        logs (model configs, tokenizer files, results summaries, older checkpoints' states).

    Raises:
        InputFileError: a pattern matches nothing.
    """
    out: list[str] = []
    skipped = 0
    for item in inputs:
        if is_glob(item):
            import glob  # noqa: PLC0415 - only for patterns

            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise InputFileError(t("{pattern}: the pattern matches no file", pattern=item))
            out += [m for m in matches if os.path.isfile(m) or is_event_path(m)]
        elif os.path.isdir(item) and not is_event_path(item):
            found, passed = _walk(item, suffixes)
            out += found
            skipped += passed
        else:
            out.append(item)
    return list(dict.fromkeys(out)), skipped


def _is_log(name: str, suffixes: tuple[str, ...]) -> bool:
    return not name.startswith(".") and name.lower().endswith(suffixes) and name not in NOT_LOGS


def _newest_trainer_states(paths: list[str]) -> list[str]:
    """One trainer_state.json per Hugging Face output_dir: the top-level one, else the newest checkpoint's."""
    def checkpoint(p: str) -> tuple[str, int] | None:
        parent = os.path.dirname(p)
        name = os.path.basename(parent)
        if os.path.basename(p) == "trainer_state.json" and name.startswith("checkpoint-") and name[11:].isdigit():
            return os.path.dirname(parent), int(name[11:])
        return None
    tops = {os.path.dirname(p) for p in paths if os.path.basename(p) == "trainer_state.json"}
    newest: dict[str, tuple[int, str]] = {}
    for p in paths:
        c = checkpoint(p)
        if c and c[0] not in tops and c[1] >= newest.get(c[0], (-1, ""))[0]:
            newest[c[0]] = (c[1], p)
    keep = {p for _, p in newest.values()}
    return [p for p in paths if checkpoint(p) is None or p in keep]


def _walk(root: str, suffixes: tuple[str, ...]) -> tuple[list[str], int]:
    found, not_logs = _walk_all(root, suffixes)
    kept = _newest_trainer_states(found)
    return kept, not_logs + len(found) - len(kept)


def _walk_all(root: str, suffixes: tuple[str, ...]) -> tuple[list[str], int]:
    found, not_logs = [], 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if folder != root and is_event_path(folder) and any(f.startswith(EVENTS) for f in files):
            found.append(folder)
            dirs[:] = []
            continue
        run = _wandb_run(files)
        if run is not None:  # a W&B run folder: its run file holds the history; the rest are its own files
            found.append(os.path.join(folder, run))
            not_logs += sum(_is_log(f, suffixes) for f in files if f != run) + _count_logs(folder, dirs, suffixes)
            dirs[:] = []
            continue
        logs = [f for f in sorted(files) if _is_log(f, suffixes)]
        regular = [f for f in logs if _regular(os.path.join(folder, f))]
        found += [os.path.join(folder, f) for f in regular]
        not_logs += sum(f in NOT_LOGS for f in files) + len(logs) - len(regular)
        found += [os.path.join(folder, d) for d in dirs if is_event_path(os.path.join(folder, d))]
        dirs[:] = [d for d in dirs if not is_event_path(os.path.join(folder, d))]
    return sorted(found), not_logs


def _regular(path: str) -> bool:
    """A regular file: a named pipe, socket or device met in a folder walk is passed over, never
    waited on (a pipe named on the command line is still read)."""
    import stat  # noqa: PLC0415

    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # unreadable: the reader says why, as a row of its own


def _wandb_run(files: list[str]) -> str | None:
    """The `run-<id>.wandb` file of a W&B run folder (`wandb/run-<date>-<id>/`), else None."""
    return next((f for f in sorted(files) if f.startswith("run-") and f.endswith(".wandb")), None)


def _count_logs(folder: str, dirs: list[str], suffixes: tuple[str, ...]) -> int:
    """The log-like files under a W&B run folder's own folders (files/, logs/), passed over."""
    n = 0
    for d in dirs:
        for _, _, files in os.walk(os.path.join(folder, d)):
            n += sum(_is_log(f, suffixes) for f in files)
    return n


def run_names(paths: list[str], inputs: Iterable[str]) -> list[str]:
    """Each path relative to the folder it was found in (as given otherwise), for the table."""
    roots = [os.path.abspath(r) + os.sep for r in inputs if os.path.isdir(r) and not is_event_path(r)]
    names = []
    for p in paths:
        full = os.path.abspath(p)
        root = next((r for r in roots if full.startswith(r)), None)
        names.append(full[len(root):] if root else p)
    return names
