"""Rows of `{column: value}` (CSV rows, JSON records, HF log entries) to a `History`.

Placing each value on the epoch axis is the one subtle part:
- integer epochs starting at 0 (Keras CSVLogger, Lightning) are shifted to 1-based;
- fractional epochs (Hugging Face) are already positions on the epoch axis;
- Lightning's step-level rows sit inside their epoch in proportion to their step;
- without an epoch column, a step column makes the axis steps; without either, row order.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..history import History, Series

POSITION_KEYS = ("epoch", "step", "global_step", "iteration", "epochs", "Epoch", "Step")
SKIP_KEYS = {"created_at", "time", "timestamp", "wall_time", "total_flos", "train_runtime",
             "train_samples_per_second", "train_steps_per_second", "eval_runtime",
             "eval_samples_per_second", "eval_steps_per_second", "num_input_tokens_seen"}


def split_runs(rows: list[dict], key: str) -> list[list[dict]]:
    """Split rows where `key` goes back (a log appended to by several runs)."""
    runs, current, last = [], [], None
    for row in rows:
        v = row.get(key)
        if v is not None and last is not None and v < last:
            runs.append(current)
            current = []
        if v is not None:
            last = v
        current.append(row)
    runs.append(current)
    return [r for r in runs if r]


def _lightning_positions(epochs: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Place step-logged rows inside their (0-based) epoch: x = e + fraction of the epoch's steps."""
    x = epochs + 1.0
    for e in np.unique(epochs[np.isfinite(epochs)]):
        m = (epochs == e) & np.isfinite(steps)
        if m.sum() < 2:
            continue
        lo, hi = steps[m].min(), steps[m].max()
        x[m] = e + (steps[m] - lo + 1.0) / (hi - lo + 1.0)
    return x


def positions(rows: list[dict]) -> tuple[np.ndarray, str]:
    """The epoch-axis position of each row, and the axis unit (`epoch` or `step`)."""
    col = lambda k: np.array([np.nan if r.get(k) is None else r[k] for r in rows], dtype=float)
    epoch_key = next((k for k in ("epoch", "Epoch", "epochs") if any(r.get(k) is not None for r in rows)), None)
    step_key = next((k for k in ("step", "global_step", "Step", "iteration")
                     if any(r.get(k) is not None for r in rows)), None)
    if epoch_key:
        ep = col(epoch_key)
        fin = ep[np.isfinite(ep)]
        if np.any(fin != np.round(fin)):
            return ep, "epoch"  # Hugging Face: fractional progress through training
        base = 1.0 if fin.size and fin.min() == 0 else 0.0
        if step_key:
            st = col(step_key)
            if len(np.unique(st[np.isfinite(st)])) > len(np.unique(fin)) + 1 and base:
                return _lightning_positions(ep, st), "epoch"
        return ep + base, "epoch"
    if step_key:
        return col(step_key), "step"
    return np.arange(1, len(rows) + 1, dtype=float), "epoch"


def records_to_history(rows: list[dict], source: str, fmt: str, notes: list[str] | None = None,
                       rename: dict | None = None) -> History:
    """Build a `History` from rows whose values are floats or None (missing).

    Rows without an epoch position (NaN) are placed after the last positioned row.
    A series logged more than ~1.5 times per epoch is marked per-step. Duplicate positions
    in a per-epoch series keep the last value, with a note.
    """
    notes = list(notes or [])
    x, unit = positions(rows)
    if np.isnan(x).any():
        x = np.where(np.isnan(x), np.nanmax(x) if np.isfinite(x).any() else 0.0, x)
    cols: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for xi, row in zip(x, rows):
        for k, v in row.items():
            if v is None or k in POSITION_KEYS or k in SKIP_KEYS:
                continue
            k = (rename or {}).get(k, k)
            cols[k][0].append(xi)
            cols[k][1].append(v)
    n_epochs = len(np.unique(np.ceil(x[np.isfinite(x)]))) or 1
    series = {}
    for k, (xs, ys) in cols.items():
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        # per step: logged more than once per epoch on average, at positions inside epochs
        per_step = unit == "epoch" and len(xs) > 1.5 * n_epochs and bool(np.any(xs != np.round(xs)))
        dup = 0
        if not per_step:
            xs, ys, dup = _keep_last(xs, ys)
        series[k] = Series(k, xs, ys, per_step=per_step, duplicates=dup)
    return History(series, source, fmt, tuple(dict.fromkeys(notes)), x_unit=unit)


def _keep_last(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    if len(np.unique(xs)) == len(xs):
        return xs, ys, 0
    last = {}
    for i, xi in enumerate(xs):
        last[xi] = i
    keep = np.array(sorted(last.values()))
    return xs[keep], ys[keep], len(xs) - len(keep)
