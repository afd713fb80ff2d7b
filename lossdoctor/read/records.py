"""Columns (or rows) of logged values to a `History`, with every value placed on the epoch axis.

A table is `{column: (values, present)}`: float values, and a mask that tells a missing cell
(`NA`, empty) from a logged NaN. Placing values on the epoch axis is the one subtle part:
- integer epochs starting at 0 (Keras CSVLogger, Lightning) are shifted to 1-based;
- fractional epochs (Hugging Face) are already positions on the epoch axis;
- Lightning's step-level rows sit inside their epoch in proportion to their step;
- without an epoch column, a step column makes the axis steps; without either, row order.
"""

from __future__ import annotations

import numpy as np

from .history import History, Series
from ..core.i18n import t

EPOCH_KEYS = ("epoch", "Epoch", "epochs")
STEP_KEYS = ("step", "global_step", "Step", "iteration", "_step")
# seconds since training started; absolute seconds; absolute milliseconds (what each log calls its clock)
RUNTIME_KEYS, CLOCK_KEYS = ("_runtime", "__elapsed__"), ("_timestamp", "wall_time", "timestamp")
SKIP_KEYS = {"__elapsed__", "created_at", "time", "timestamp", "wall_time", "total_flos", "train_runtime",
             "_runtime", "_timestamp",
             "train_samples_per_second", "train_steps_per_second", "eval_runtime",
             "eval_samples_per_second", "eval_steps_per_second", "num_input_tokens_seen"}

Column = tuple[np.ndarray, np.ndarray]  # values, present


MAX_KEYS = 500  # columns kept from a list of records (the most frequent): the table is keys x rows


def rows_to_columns(rows: list[dict], notes: list[str] | None = None) -> dict[str, Column]:
    """`[{key: float or None}]` to a table; a key absent from a row is a missing cell.

    Linear in the cells present: a key seen in a single record (it can carry no trend) is left
    out, and at most `MAX_KEYS` keys are kept, the most frequent, with a note saying so.
    """
    cells: dict[str, tuple[list[int], list[float]]] = {}
    for i, r in enumerate(rows):
        for k, v in r.items():
            if v is not None:
                idx, vals = cells.setdefault(k, ([], []))
                idx.append(i)
                vals.append(v)
    return cells_to_columns(cells, len(rows), notes)


def cells_to_columns(cells: dict, n: int, notes: list[str] | None = None) -> dict[str, Column]:
    """`{key: (row numbers, values)}` of a table of `n` rows to its columns (what `rows_to_columns`
    says of the keys it keeps holds here too)."""
    keys = [k for k, (idx, _) in cells.items() if len(idx) > 1 or n == 1]
    if len(keys) > MAX_KEYS:
        keys = sorted(keys, key=lambda k: -len(cells[k][0]))[:MAX_KEYS]
    dropped = len(cells) - len(keys)
    if dropped and notes is not None:
        notes.append(t("left out {n} key(s) found in a single record or beyond the {most} most frequent", n=dropped,
                       most=MAX_KEYS))
    out, keep = {}, set(keys)
    for k in (k for k in cells if k in keep):
        idx, vals = cells[k]
        values, present = np.full(n, np.nan), np.zeros(n, dtype=bool)
        values[idx], present[idx] = vals, True
        out[k] = (values, present)
    return out


def take(table: dict[str, Column], index) -> dict[str, Column]:
    return {k: (v[index], p[index]) for k, (v, p) in table.items()}


def split_runs(table: dict[str, Column], key: str) -> list[dict[str, Column]]:
    """Split a table where column `key` goes back (a log appended to by several runs)."""
    if key not in table:
        return [table]
    values, present = table[key]
    idx = np.flatnonzero(present & np.isfinite(values))
    drops = idx[1:][np.diff(values[idx]) < 0]
    bounds = [0, *drops.tolist(), len(values)]
    return [take(table, slice(a, b)) for a, b in zip(bounds, bounds[1:]) if b > a]


def _lightning_positions(epochs: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Place step-logged rows inside their (0-based) epoch: x = e + fraction of the epoch's steps.

    Vectorised over the epochs (one pass, not one per epoch: a 200,000-row metrics.csv of 2,000
    epochs took minutes)."""
    x = epochs + 1.0
    ok = np.isfinite(epochs) & np.isfinite(steps)
    if not ok.any():
        return x
    e, s = epochs[ok], steps[ok]
    uniq, inv = np.unique(e, return_inverse=True)
    lo, hi = np.full(len(uniq), np.inf), np.full(len(uniq), -np.inf)
    np.minimum.at(lo, inv, s)
    np.maximum.at(hi, inv, s)
    several = np.bincount(inv, minlength=len(uniq))[inv] >= 2
    inside = x[ok]
    inside[several] = (e + (s - lo[inv] + 1.0) / (hi - lo + 1.0)[inv])[several]
    x[ok] = inside
    return x


def _column(table, keys) -> np.ndarray | None:
    key = next((k for k in keys if k in table and table[k][1].any()), None)
    if key is None:
        return None
    v, p = table[key]
    return np.where(p, v, np.nan)


def positions(table: dict[str, Column], n: int) -> tuple[np.ndarray, str]:
    """The epoch-axis position of each row, and the axis unit (`epoch` or `step`)."""
    ep, st = _column(table, EPOCH_KEYS), _column(table, STEP_KEYS)
    if ep is not None:
        fin = ep[np.isfinite(ep)]
        if np.any(fin != np.round(fin)):
            return ep, "epoch"  # Hugging Face: fractional progress through training
        base = 1.0 if fin.size and fin.min() == 0 else 0.0
        if st is not None and base and len(np.unique(st[np.isfinite(st)])) > len(np.unique(fin)) + 1:
            return _lightning_positions(ep, st), "epoch"
        return ep + base, "epoch"
    if st is not None:
        return st, "step"
    return np.arange(1, n + 1, dtype=float), "epoch"


def columns_to_history(table: dict[str, Column], source: str, fmt: str, notes: list[str] | None = None,
                       rename: dict | None = None) -> History:
    """Build a `History` from a table.

    Rows without a position are placed at the last known position. A series logged more than
    ~1.5 times per epoch at positions inside epochs is marked per-step. Positions logged twice
    in a per-epoch series keep the last value (counted in `Series.duplicates`).
    """
    n = len(next(iter(table.values()))[0]) if table else 0
    x, unit = positions(table, n)
    x = np.where(np.isfinite(x), x, np.nan)
    if np.isnan(x).any():
        filled = np.fmax.accumulate(np.where(np.isnan(x), -np.inf, x))
        x = np.where(np.isneginf(filled), 1.0, filled)
    n_epochs = len(np.unique(np.ceil(x))) or 1
    series = {}
    for k, (values, present) in table.items():
        if k in EPOCH_KEYS or k in STEP_KEYS or k in SKIP_KEYS or not present.any():
            continue
        name = (rename or {}).get(k, k)
        xs, ys = x[present], values[present]
        per_step = unit == "epoch" and len(xs) > 1.5 * n_epochs and bool(np.any(xs != np.round(xs)))
        dup = 0
        if not per_step:
            xs, ys, dup = _keep_last(xs, ys)
        series[name] = Series(name, xs, ys, per_step=per_step, duplicates=dup)
    return History(series, source, fmt, tuple(dict.fromkeys(notes or [])), x_unit=unit, elapsed=elapsed(table, x),
                   steps=steps_at(table, x) if unit == "epoch" else None)


def steps_at(table: dict[str, Column], x: np.ndarray) -> Series | None:
    """The step counter at the rows' positions on the epoch axis; None without one."""
    st = _column(table, STEP_KEYS)
    if st is None:
        return None
    ok = np.isfinite(st) & np.isfinite(x)
    xs, ys, _ = _keep_last(x[ok], st[ok])
    return Series("step", xs, ys) if len(xs) else None


def elapsed(table: dict[str, Column], x: np.ndarray) -> Series | None:
    """Seconds since the first logged time, at the rows' positions; None without a time column."""
    for key in (*RUNTIME_KEYS, *CLOCK_KEYS):
        if key not in table:
            continue
        values, present = table[key]
        ok = present & np.isfinite(values) & np.isfinite(x)
        if ok.sum() < 2:
            continue
        secs = values[ok] / (1000.0 if key == "timestamp" and np.nanmedian(values[ok]) > 1e11 else 1.0)
        xs, ys, _ = _keep_last(x[ok], secs - (0.0 if key in RUNTIME_KEYS else secs.min()))
        return Series("elapsed", xs, ys)
    return None


def records_to_history(rows: list[dict], source: str, fmt: str, notes: list[str] | None = None,
                       rename: dict | None = None) -> History:
    """`columns_to_history` for rows of `{key: float or None}`."""
    notes = list(notes or [])
    return columns_to_history(rows_to_columns(rows, notes), source, fmt, notes, rename)


def _keep_last(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Sort by position and keep the last value logged at each position."""
    if len(xs) < 2 or bool(np.all(xs[1:] > xs[:-1])):
        return xs, ys, 0  # already in order, each position once (the usual log): no copies
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    last = np.r_[xs[1:] != xs[:-1], True]
    return xs[last], ys[last], int(len(xs) - last.sum())
