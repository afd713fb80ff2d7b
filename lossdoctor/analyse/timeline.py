"""The run in phases: where each loss changed behaviour, and what the pair did in between.

Each series is split at its change points by the same penalised piecewise-linear fit that finds
the current regime (`regime.regimes`, on the log scale, against the run's own noise), and each
segment is read like the recent window: falling, flat or rising, by the same bars. The two
series' change points together cut the run into phases; each phase gets the pair of readings
and the code the five-case table gives that pair. Neighbouring phases that read alike are one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..read.history import History
from .regime import fit_at, noise_sigma, regimes, spikes, to_scale
from .trend import DEFAULT_SETTINGS, TrendSettings, bin_points, median, verdict

MAX_POINTS = 120  # the change-point search is quadratic: longer series are binned first
MIN_SHARE = 0.1   # a phase shorter than this share of the run is folded into its longer neighbour


@dataclass(frozen=True)
class Phase:
    """One phase of the run (the JSON items under `timeline`).

    Attributes:
        first_epoch, last_epoch: where it starts and ends.
        train, val: the reading of each loss over it (`falling`, `flat`, `rising`; val None
            without a validation loss).
        code: the diagnosis code of that pair in the five-case table.
    """

    first_epoch: float
    last_epoch: float
    train: str
    val: str | None
    code: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def segments(x, y, s: TrendSettings = DEFAULT_SETTINGS) -> list[tuple[float, float, str]]:
    """(first epoch, last epoch, reading) of each regime of one series."""
    scaled = _scaled(x, y, s)
    if scaled is None:
        return []
    x, z, sigma = scaled
    cuts = regimes(x, z, sigma, s.regime_min_points, s.regime_penalty * math.log(max(len(z), 3)))
    out = []
    for a, b in zip(cuts, [*cuts[1:], len(z)]):
        reading = "flat" if b - a < 2 else _line_reading(x[a:b], z[a:b], sigma, x[a], x[b - 1], s)
        out.append((float(x[a]), float(x[b - 1]), reading))
    return out


def _reading_at(segs: list, epoch: float) -> str | None:
    for first, last, reading in segs:
        if first <= epoch <= last:
            return reading
    return segs[-1][2] if segs and epoch > segs[-1][1] else (segs[0][2] if segs else None)


def timeline(history: History, train_key: str, val_key: str | None,
             s: TrendSettings = DEFAULT_SETTINGS, now: tuple | None = None, *,
             code_of: Callable[[str, str | None], str]) -> tuple[Phase, ...]:
    """The phases of the run, first to last.

    `code_of(train, val)`: the code of a phase's pair of readings, given by the decision layer
    (`rules.trend_code`: the five-case table); this analysis knows no rules.

    `now`: (start, train reading, val reading) of the judged window. The whole-run split is
    coarser than the verdict's (its bins smooth out a turn of the last few epochs): where its
    last phase reads otherwise, the window becomes a phase of its own, so that the timeline ends
    as the verdict says.
    """
    train = segments(history[train_key].x, history[train_key].y, s)
    val = segments(history[val_key].x, history[val_key].y, s) if val_key else []
    if not train:
        return ()
    starts = sorted({first for first, _, _ in train} | {first for first, _, _ in val})
    end = max(float(np.nanmax(history[k].x)) for k in (train_key, val_key) if k)
    spans = []
    for i, first in enumerate(starts):
        last = starts[i + 1] if i + 1 < len(starts) else end
        mid = (first + last) / 2
        spans.append([first, last, _reading_at(train, mid), _reading_at(val, mid) if val else None])
    spans = _fold_short(_join_alike(spans), MIN_SHARE * (end - starts[0]))
    judged = None
    if now is not None:  # the last phase reads as the verdict does (its window's readings)
        if spans[-1][2:] != list(now[1:]):
            spans = _end_as_judged(spans, max(now[0], spans[-1][0]), end, list(now[1:]))
        judged = spans[-1][0]
    spans = _join_alike(_reread(spans, history, train_key, val_key, s, judged))
    return tuple(Phase(a, b, t, v, code_of(t, v)) for a, b, t, v in spans)


def _scaled(x, y, s: TrendSettings):
    """A series binned and on the judged scale, with its noise: what the phases are read from."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    order = np.argsort(x[ok], kind="stable")
    x, y = bin_points(x[ok][order], y[ok][order], MAX_POINTS, first=True)
    if len(y) < s.min_points:
        return None
    level = median(y)
    z = to_scale(y, level if level else float(np.max(y) - np.min(y))).z
    return x, z, noise_sigma(z)


def _reread(spans: list, history: History, train_key: str, val_key: str | None, s: TrendSettings,
            judged: float | None) -> list:
    """Each phase's readings from its own points (a phase that folded a shorter one in, or that
    the other series' change points cut out of a longer regime, may move otherwise than the
    regime it was read from); the judged window keeps the verdict's readings."""
    series = [_scaled(history[train_key].x, history[train_key].y, s),
              _scaled(history[val_key].x, history[val_key].y, s) if val_key else None]
    out = []
    for span in spans:
        a, b = span[0], span[1]
        readings = list(span[2:])
        if judged is None or a < judged:
            for i, scaled in enumerate(series):
                if scaled is not None and readings[i] is not None:
                    readings[i] = _reading_between(*scaled, a, b, s) or readings[i]
        out.append([a, b, *readings])
    return out


def _reading_between(x, z, sigma, a: float, b: float, s: TrendSettings) -> str | None:
    m = (x >= a) & (x <= b)
    m[spikes(z, sigma, s.spike_sigmas)] = False  # one-point spikes that recovered, as the verdict leaves them out
    if m.sum() < s.min_points:
        return None
    return _line_reading(x[m], z[m], sigma, a, b, s)


def _line_reading(x, z, sigma, a: float, b: float, s: TrendSettings) -> str:
    """falling, flat or rising: a line through the points, from `a` to `b`, judged by the verdict's bars."""
    (start, end), cov = fit_at(x, z, sigma, [a, b])
    se = math.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0))
    change = float(end - start)
    return verdict(change, change / se if se > 0 else math.copysign(math.inf, change), s)[0]


def _end_as_judged(spans: list, start: float, end: float, readings: list) -> list:
    """The last phase cut at `start`, the judged window from there on a phase with `readings`."""
    if start >= end:
        return spans
    last = spans[-1]
    head = spans[:-1] + ([[last[0], start, *last[2:]]] if start > last[0] else [])
    return head + [[start, end, *readings]]


def _join_alike(spans: list) -> list:
    out = []
    for span in spans:
        if out and out[-1][2:] == span[2:]:
            out[-1][1] = span[1]
        else:
            out.append(list(span))
    return out


def _fold_short(spans: list, shortest: float) -> list:
    """Fold the shortest phase under `shortest` into its longer neighbour, until none is left."""
    while len(spans) > 1:
        lengths = [b - a for a, b, _, _ in spans]
        i = int(np.argmin(lengths))
        if lengths[i] >= shortest:
            break
        j = i - 1 if i == len(spans) - 1 or (i > 0 and lengths[i - 1] >= lengths[i + 1]) else i + 1
        lo, hi = min(i, j), max(i, j)
        keep = spans[j][2:]
        spans[lo:hi + 1] = [[spans[lo][0], spans[hi][1], *keep]]
        spans = _join_alike(spans)
    return spans
