"""Robust trend of one loss series: Theil–Sen slope, Mann–Kendall test, a three-way verdict.

The estimators are written here with numpy (about twenty lines) instead of calling
`scipy.stats.theilslopes` / `kendalltau`: importing scipy.stats costs about 0.7 s, four
times the whole CLI start-up budget. tests/test_trend.py checks both against scipy.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

FALLING, FLAT, RISING, UNKNOWN = "falling", "flat", "rising", "unknown"


@dataclass(frozen=True, eq=False)
class TrendSettings:
    """What counts as a trend.

    Attributes:
        min_change: the smallest move of the fitted line over the window, as a fraction
            of the series' level there, that matters in practice (4.5%: a loss that drops
            2% over the last third of training has stopped learning for any practical purpose).
        alpha: significance level of the Mann–Kendall test: a move that does not stand
            out from the epoch-to-epoch noise is flat, however large.
        min_points: fewer points than this in the window and the verdict is `unknown`.
        max_points: longer windows are reduced to this many bin medians first, which
            keeps the estimate O(n) and stops step-level noise from hiding the trend.
        confidence: level of the slope's confidence interval.
    """

    min_change: float = 0.045
    alpha: float = 0.05
    min_points: int = 5
    max_points: int = 300
    confidence: float = 0.95


DEFAULT_SETTINGS = TrendSettings()


@dataclass(frozen=True, eq=False)
class Trend:
    """The verdict on one series over the analysis window, with the numbers behind it.

    Attributes:
        key: the series' name.
        trend: `falling`, `flat`, `rising`, or `unknown` (too few finite points).
        slope: Theil–Sen slope, in loss units per epoch.
        slope_low, slope_high: its confidence interval.
        relative_change: the fitted line's move across the window, as a fraction of the level.
        p_value: two-sided Mann–Kendall p-value.
        level: median of the series in the window.
        n_points: points used (after binning, see `TrendSettings.max_points`).
        first_epoch, last_epoch: where the window starts and ends on the epoch axis.
        reason: one sentence on why this verdict.
        intercept: of the fitted line `slope * epoch + intercept` (for drawing it).
        noise: robust spread of the points around the fitted line (1.4826 x median absolute
            deviation), as a fraction of the level: how much the series oscillates.
    """

    key: str
    trend: str
    slope: float
    slope_low: float
    slope_high: float
    relative_change: float
    p_value: float
    level: float
    n_points: int
    first_epoch: float
    last_epoch: float
    reason: str
    intercept: float = float("nan")
    noise: float = float("nan")

    @property
    def start_value(self) -> float:
        """The fitted line at the window's first epoch."""
        return self.slope * self.first_epoch + self.intercept

    @property
    def end_value(self) -> float:
        """The fitted line at the window's last epoch."""
        return self.slope * self.last_epoch + self.intercept

    def to_dict(self) -> dict:
        d = asdict(self)
        d["start_value"], d["end_value"] = self.start_value, self.end_value
        return {k: _json_number(v) for k, v in d.items()}


def _json_number(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def median(a: np.ndarray) -> float:
    """Median of a 1-d array without np.median's overhead (this runs every epoch in the callback)."""
    s = np.sort(a, kind="quicksort")
    n = len(s)
    if n == 0:
        return float("nan")
    return float(s[n // 2]) if n % 2 else float((s[n // 2 - 1] + s[n // 2]) / 2.0)


def reduce_points(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Replace a long series by `max_points` bin medians (the oldest remainder is dropped)."""
    n = len(y)
    if n <= max_points:
        return x, y
    per_bin = n // max_points
    keep = per_bin * max_points
    xs = x[n - keep:].reshape(max_points, per_bin).mean(axis=1)
    ys = np.median(y[n - keep:].reshape(max_points, per_bin), axis=1)
    return xs, ys


@lru_cache(maxsize=16)
def _pair_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n, 1)
    return i.astype(np.int32), j.astype(np.int32)


def _pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    i, j = _pair_index(len(y))
    return x[j] - x[i], y[j] - y[i]


def mann_kendall(x: np.ndarray, y: np.ndarray, pairs=None) -> tuple[float, float, float]:
    """Mann–Kendall S, its tie-corrected variance, and the two-sided p-value (normal approximation).

    `x` must be sorted; ties in x contribute nothing to S. `pairs` are `_pairs(x, y)` if known.
    """
    n = len(y)
    dx, dy = pairs if pairs is not None else _pairs(x, y)
    s = float(np.sum(np.sign(dy) * (dx != 0)))
    _, counts = np.unique(y, return_counts=True)
    ties = float(np.sum(counts * (counts - 1.0) * (2.0 * counts + 5.0)))
    var = (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0
    if var <= 0:
        return s, var, 1.0
    z = (s - math.copysign(1.0, s)) / math.sqrt(var) if s else 0.0
    return s, var, math.erfc(abs(z) / math.sqrt(2.0))


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    """The normal quantile at (1 - confidence) / 2, by Newton's method on math.erf.

    (statistics.NormalDist would do, but importing it costs 4 ms of the CLI's start-up budget.)
    """
    p, z = (1.0 - confidence) / 2.0, -1.0
    for _ in range(50):
        step = (0.5 * math.erfc(-z / math.sqrt(2.0)) - p) / (math.exp(-z * z / 2.0) / math.sqrt(2.0 * math.pi))
        z -= step
        if abs(step) < 1e-14:
            break
    return z


def theil_sen(x: np.ndarray, y: np.ndarray, confidence: float = 0.95,
              pairs=None) -> tuple[float, float, float, float]:
    """Theil–Sen slope, intercept, and the slope's confidence interval (Sen 1968, as scipy computes it)."""
    dx, dy = pairs if pairs is not None else _pairs(x, y)
    ok = dx != 0
    slopes = dy[ok] / dx[ok]
    if not len(slopes):
        return 0.0, median(y), 0.0, 0.0
    slopes.sort()
    m = len(slopes)
    slope = float(slopes[m // 2]) if m % 2 else float((slopes[m // 2 - 1] + slopes[m // 2]) / 2.0)
    intercept = median(y) - slope * median(x)
    n = len(x)
    z = _z(confidence)
    sigma = math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    upper = min(int(round((m - z * sigma) / 2.0)), m - 1)
    lower = max(int(round((m + z * sigma) / 2.0)) - 1, 0)
    return slope, intercept, float(slopes[lower]), float(slopes[upper])


def _scale(level: float, y: np.ndarray, whole: np.ndarray | None) -> float:
    """The level a move is measured against: |median| of the window, else the series' range."""
    level = abs(level)
    if level > 0:
        return level
    ref = whole if whole is not None and len(whole) else y
    return float(np.max(ref) - np.min(ref))


def _verdict(rel: float, p: float, s: TrendSettings) -> tuple[str, str]:
    if p >= s.alpha and abs(rel) >= s.min_change:
        return FLAT, (f"moves {rel:+.1%} over the window, but not steadily enough to call a trend "
                      f"(Mann-Kendall p={p:.2g})")
    if p >= s.alpha:
        return FLAT, f"no trend stands out from the noise (Mann-Kendall p={p:.2g})"
    if abs(rel) < s.min_change:
        return FLAT, (f"moves only {rel:+.1%} over the window "
                      f"(less than {s.min_change:.1%} of its level)")
    word = FALLING if rel < 0 else RISING
    return word, f"{word} {rel:+.1%} over the window (Mann-Kendall p={p:.2g})"


def fit_trend(x, y, key: str = "loss", settings: TrendSettings = DEFAULT_SETTINGS,
              whole=None) -> Trend:
    """Estimate and classify the trend of `y` against epoch positions `x`.

    Args:
        x: epoch positions of the window's points (any order).
        y: the values; non-finite values are left out here (the diagnosis reports them).
        key: the series' name, carried into the result.
        settings: thresholds, see `TrendSettings`.
        whole: optionally the whole finite series, used only to scale a window whose
            median is zero.

    Returns:
        A `Trend`. Scale-free: multiplying `y` by a positive constant gives the same verdict.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    order = np.argsort(x, kind="stable")
    x, y = reduce_points(x[order], y[order], settings.max_points)
    nan = float("nan")
    first, last = (float(x[0]), float(x[-1])) if len(x) else (nan, nan)
    if len(y) < settings.min_points:
        return Trend(key, UNKNOWN, nan, nan, nan, nan, nan, median(y), len(y), first, last,
                     f"only {len(y)} finite point(s) in the window; at least "
                     f"{settings.min_points} are needed to call a trend")
    pairs = _pairs(x, y)
    slope, intercept, low, high = theil_sen(x, y, settings.confidence, pairs)
    _, _, p = mann_kendall(x, y, pairs)
    level = median(y)
    scale = _scale(level, y, None if whole is None else np.asarray(whole, dtype=float))
    rel = slope * (last - first) / scale if scale > 0 else 0.0
    trend, reason = _verdict(rel, p, settings)
    resid = y - (slope * x + intercept)
    noise = 1.4826 * median(np.abs(resid - median(resid))) / scale if scale > 0 else 0.0
    return Trend(key, trend, slope, low, high, rel, p, level, len(y), first, last, reason, intercept, noise)
