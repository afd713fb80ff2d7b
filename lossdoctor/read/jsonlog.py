"""JSON logs: Keras History dicts in all the shapes people save them, and lists of records."""

from __future__ import annotations

import ast
import json
import re

from ..core.errors import HistoryFormatError
from .history import History, epoch_series, evaluation_every
from ._numbers import json_numbers, overflow_note, to_float, unwrapped
from .records import records_to_history
from ..core.i18n import t

PLURALS = {"train_losses": "loss", "val_losses": "val_loss", "losses": "loss",
           "train_accs": "accuracy", "val_accs": "val_accuracy",
           "train_accuracies": "accuracy", "val_accuracies": "val_accuracy"}
WRAPPERS = ("history", "log_history", "metrics", "logs")


def _load(text: str, overflow: list | None = None):
    """The JSON value; literals that overflowed to infinity are added to `overflow`."""
    parse_int, parse_float, overflowed = json_numbers()
    try:
        obj = json.loads(text, parse_int=parse_int, parse_float=parse_float)
        if overflow is not None:
            overflow += overflowed
        return obj
    except RecursionError as err:
        raise HistoryFormatError(t("is JSON nested too deeply to be a training history; save it with "
                                   "json.dump(history.history, f)")) from err
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":
            records = _json_lines(text)
            if records is not None:
                return records
        if err.msg.startswith("Expecting property name") or err.msg == "Expecting value":
            printed = _python_printed(text)  # print(history.history), or a dict printed per epoch
            if printed is not None:
                return printed
        end = t("; the file looks cut short") if err.pos >= len(text.rstrip()) - 1 else ""
        raise HistoryFormatError(t("is not valid JSON (line {line}, column {column}: {error}){end}; re-save it with "
                                   "json.dump(history.history, f)", line=err.lineno, column=err.colno, error=err.msg,
                                   end=end)) from err


def _json_lines(text: str) -> list | None:
    """JSON Lines of one object per line (a W&B offline run's wandb-history.jsonl), else None.

    A last line cut short (the run was still writing) is left out.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    out = []
    for i, line in enumerate(lines):
        try:
            parse_int, parse_float, _ = json_numbers()
            obj = json.loads(line, parse_int=parse_int, parse_float=parse_float)
        except (json.JSONDecodeError, RecursionError):
            if i == len(lines) - 1 and out:
                break
            return None
        if not isinstance(obj, dict):
            return None
        out.append(obj)
    return out if len(out) > 1 else None


def _literal(s: str):
    """A Python literal as Python prints it (single quotes, `nan`, `np.float64(0.41)`,
    `tensor(0.41)`), read safely; None when it is not one."""
    cleaned = re.sub(r"(-?)\b(nan|inf)\b", r'"\1\2"', unwrapped(s))  # as text, which to_float reads as NaN and inf
    try:
        return ast.literal_eval(cleaned)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _python_repr(s: str):
    """A Python dict repr saved as a JSON string (`json.dump(str(history.history))`), read safely."""
    obj = _literal(s)
    if obj is None:
        raise HistoryFormatError(t("holds a JSON string that is neither JSON nor a Python dict; save the history "
                                   "with json.dump(history.history, f)"))
    return obj


PRINTED_MAX = 64 << 20  # Python's own parser on text this large costs seconds and gigabytes: refused as JSON


def _python_printed(text: str):
    """What `print` wrote: one dict or list (`print(history.history)`), or a dict per line (a
    script printing its metrics each epoch); None when the text is not that."""
    body = text.strip()
    if len(body) > PRINTED_MAX or body[:1] not in "{[" or "'" not in body[:4096]:
        return None
    whole = _literal(body)
    if isinstance(whole, (dict, list)):
        return {"\x00printed": whole}
    lines = [line for line in body.splitlines() if line.strip()]
    rows = []
    for i, line in enumerate(lines):
        row = _literal(line.strip())
        if not isinstance(row, dict):
            if i == len(lines) - 1 and len(rows) > 1:
                break  # a last line cut short: the run was still printing
            return None
        rows.append(row)
    return {"\x00printed": rows} if len(rows) > 1 else None


def _numeric_list(v) -> list | None:
    if not isinstance(v, list) or not v or any(isinstance(e, (dict, list)) for e in v):
        return None
    vals = [to_float(e) for e in v]
    if all(e is None for e in vals):
        return None
    return vals  # None: not logged at that epoch (JSON null, pandas' NaN); NaN tokens stay NaN


def _from_dict(d: dict, source: str, notes: list[str]) -> History | None:
    lists, skipped = {}, []
    for k, v in d.items():
        vals = _numeric_list(v)
        if vals is None:
            skipped.append(str(k))
            continue
        name = PLURALS.get(k, k)
        lists[name] = vals
        if name != k:
            notes.append(t("read {key} as {name}", key=repr(k), name=repr(name)))
    if not lists:
        return None
    if skipped:
        notes.append(t("ignored non-series entries: {keys}", keys=", ".join(skipped[:8]) + (" ..." if len(skipped) > 8 else "")))
    every = evaluation_every(lists)
    for key, k in every.items():
        notes.append(t("{key} has {m} values for {n} epochs: read as evaluated every {k} epochs (validation_freq={k}), "
                       "at epochs {k}, {k2}, ...", key=key, m=len(lists[key]), n=len(lists[key[4:]]), k=k, k2=2 * k))
    lengths = {len(v) for key, v in lists.items() if key not in every}
    if len(lengths) > 1:
        notes.append(t("series have different lengths ({low}-{high} values); each is read from epoch 1",
                       low=min(lengths), high=max(lengths)))
    return History({k: epoch_series(k, v, every.get(k, 1)) for k, v in lists.items()}, source, "keras-json",
                   tuple(notes))


def _records(items: list, source: str, notes: list[str]) -> History | None:
    rows = [r for r in items if isinstance(r, dict)]
    if not rows:
        return None
    final = [r for r in rows if "train_runtime" in r]
    if final:
        notes.append(t("ignored the end-of-training summary entry"))
    rows = [{k: to_float(v) for k, v in r.items() if not isinstance(v, (dict, list))}
            for r in rows if "train_runtime" not in r]
    fmt = "hf-trainer" if any("eval_loss" in r or "learning_rate" in r and "step" in r for r in rows) else "json-records"
    return records_to_history(rows, source, fmt, notes, rename=PLURALS)


TRAIN_PARTS = ("train", "training")
VAL_PARTS = ("val", "valid", "validation", "eval", "dev")


def _split_nested(obj: dict) -> dict | None:
    """`{"train": {"loss": [...]}, "val": {"loss": [...]}}` as `{"loss": [...], "val_loss": [...]}`."""
    train = next((obj[k] for k in TRAIN_PARTS if isinstance(obj.get(k), dict)), None)
    val = next((obj[k] for k in VAL_PARTS if isinstance(obj.get(k), dict)), None)
    if train is None or val is None or not any(_numeric_list(v) for v in train.values()):
        return None
    flat = {k: v for k, v in train.items() if _numeric_list(v)}
    flat.update({f"val_{k}": v for k, v in val.items() if _numeric_list(v)})
    return flat


def _int_keys(d: dict) -> list | None:
    """The keys as integers when every key is one ('0', '1', ...), else None."""
    try:
        return [int(k) for k in d] if d else None
    except (TypeError, ValueError):
        return None


def _scalar(v) -> bool:
    return v is None or isinstance(v, (int, float, str)) and not isinstance(v, bool)


def _pandas_frame(obj: dict) -> tuple[str, object] | None:
    """(orient, the same data as a dict of lists or a list of records) for what
    `pandas.DataFrame.to_json` writes (orients 'columns', 'index', 'split', 'table'), else None."""
    if isinstance(obj.get("columns"), list) and isinstance(obj.get("data"), list) and all(
            isinstance(r, list) and len(r) == len(obj["columns"]) for r in obj["data"]):
        return "split", {str(c): [r[i] for r in obj["data"]] for i, c in enumerate(obj["columns"])}
    if isinstance(obj.get("schema"), dict) and isinstance(obj.get("data"), list):
        key = obj["schema"].get("primaryKey")
        index = {k for k in key if isinstance(k, str)} if isinstance(key, list) else set()
        return "table", [{k: v for k, v in r.items() if k not in index} for r in obj["data"] if isinstance(r, dict)]
    values = list(obj.values())
    if not values or not all(isinstance(v, dict) and v for v in values):
        return None
    if all(_int_keys(v) is not None and all(_scalar(x) for x in v.values()) for v in values):
        return "columns", {k: [v[i] for i in sorted(v, key=int)] for k, v in obj.items()}
    order = _int_keys(obj)
    if order is not None and all(all(_scalar(x) for x in v.values()) for v in values):
        return "index", [obj[k] for _, k in sorted(zip(order, obj))]
    return None


def interpret(obj, source: str, notes: list[str] | None = None, depth: int = 0) -> History:
    """Find the history inside whatever JSON value was saved."""
    notes = notes if notes is not None else []
    if depth > 4:
        raise HistoryFormatError(t("nests the history too deeply to find it; save history.history itself"))
    if isinstance(obj, str):
        return interpret(_python_repr(obj), source, notes, depth + 1)
    if isinstance(obj, list):
        found = _records(obj, source, notes)
        if found is not None:
            return found
        if _numeric_list(obj):  # a bare list of per-epoch losses
            notes.append(t("a bare list of numbers: read as the training loss, one value per epoch"))
            return _from_dict({"loss": obj}, source, notes)
    if isinstance(obj, dict):
        frame = _pandas_frame(obj)
        if frame is not None:
            orient, found = frame
            notes.append(t("read a pandas DataFrame saved with to_json(orient={orient})", orient=repr(orient)))
            return interpret(found, source, notes, depth + 1)
        split = _split_nested(obj)
        if split is not None:
            notes.append(t("train/validation histories nested under their own keys: read as loss and val_<key>"))
            return interpret(split, source, notes, depth + 1)
        for key in WRAPPERS:
            if isinstance(obj.get(key), (dict, list)):
                found = interpret(obj[key], source, notes, depth + 1)
                return _with_trainer_state(found, obj) if key == "log_history" else found
        found = _from_dict(obj, source, notes)
        if found is not None:
            return found
        runs = [k for k, v in obj.items() if isinstance(v, dict) and any(_numeric_list(x) for x in v.values())]
        if runs:
            if len(runs) > 1:
                notes.append(t("found {n} runs ({runs}); diagnosing the last, {last}", n=len(runs),
                               runs=", ".join(runs[:5]), last=repr(runs[-1])))
            return interpret(obj[runs[-1]], source, notes, depth + 1)
    raise HistoryFormatError(t("is JSON but holds no loss series (expected e.g. {example}); save it with "
                               "json.dump(history.history, f)", example='{"loss": [...], "val_loss": [...]}'))


def _with_trainer_state(h: History, state: dict) -> History:
    """Notes from what a Hugging Face trainer_state.json records beside its log_history."""
    from dataclasses import replace  # noqa: PLC0415

    from .console import stopped_early_note  # noqa: PLC0415

    notes = list(h.notes)
    planned, done = to_float(state.get("num_train_epochs")), to_float(state.get("epoch"))
    if planned and done and done < planned - 1e-6:
        notes.append(stopped_early_note(round(done, 2), planned))
    best, ckpt = to_float(state.get("best_metric")), state.get("best_model_checkpoint")
    recorded = {}
    if best is not None and isinstance(ckpt, str):
        name = ckpt.rstrip("/").split("/")[-1]
        notes.append(t("the Trainer recorded best_metric {best} at {checkpoint} (load_best_model_at_end=True "
                       "restores it)", best=f"{best:.4g}", checkpoint=name))
        recorded = {"best_checkpoint": name, "best_metric": best, "best_epoch": _epoch_of(state, name)}
    if len(notes) == len(h.notes) and not recorded:
        return h
    return replace(h, notes=tuple(notes), recorded=recorded)


def _epoch_of(state: dict, checkpoint: str) -> float | None:
    """The epoch position of `checkpoint-N`: the epoch logged with global step N."""
    m = re.search(r"checkpoint-(\d+)$", checkpoint)
    step = int(m.group(1)) if m else state.get("best_global_step")
    for entry in state.get("log_history") or []:
        if isinstance(entry, dict) and entry.get("step") == step and to_float(entry.get("epoch")) is not None:
            return to_float(entry.get("epoch"))
    return None


def parse(text: str, source: str) -> History:
    overflow: list[str] = []
    obj = _load(text, overflow)
    notes = overflow_note(overflow)
    if isinstance(obj, dict) and "\x00printed" in obj:
        obj = obj["\x00printed"]
        notes = [t("read as Python printed it (single quotes), not JSON; json.dump(history.history, f) saves JSON"),
                 *notes]
    return interpret(obj, source, notes)
