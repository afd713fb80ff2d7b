"""The recent trend of one loss series, judged against the noise of the whole run.

How it reads a curve (the estimators are in `regime.py`):

1. The series is put on the scale losses live on: log(loss) when every value is positive.
2. Its epoch-to-epoch noise is estimated from the whole run (robust, trend-free).
3. The run is split where its behaviour last changed (an optimal piecewise-linear fit whose
   change points must each pay a penalty proportional to the noise): the current regime.
4. The loss now is the current regime's fitted line at the last epoch; the loss at the start of
   the window is the fitted line of the regime the window starts in. Their difference is the
   move over the window, and its standard error follows from the noise and from how many
   points each line rests on.
5. The move is a trend when it is large enough to matter (`min_change`) and stands out from the
   noise (`z` standard errors); a large move that does not is `flat`, with the reason
   `unsteady`.

A fitted value is never negative and a change never below -100%. The verdict is scale-free
(multiplying a loss by a constant changes nothing) and symmetric in time.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .regime import Scaled, fit_at, noise_sigma, regimes, spikes, to_scale

FALLING, FLAT, RISING, UNKNOWN = "falling", "flat", "rising", "unknown"
nan = float("nan")


@dataclass(frozen=True, eq=False)
class TrendSettings:
    """What counts as a trend.

    Attributes:
        min_change: the smallest move over the window on the judged scale (log(end / start), a
            fraction of the level on the linear scale) that matters in practice (3.5%: below that, the
            loss has stopped moving for any practical purpose over the recent part of training).
        z: how many standard errors (from the run's own noise) the move must stand out by.
        min_points: fewer finite points in the series and the verdict is `unknown`.
        window_points: the analysis window holds at least this many points.
        regime_min_points: the shortest regime a change point may cut off.
        regime_penalty: cost of a change point, in units of noise variance x log(points):
            the evidence a new regime needs.
        regime_cap: the current regime's line rests on at most this many windows of points
            (a long regime bends; the recent part of it is what the verdict is about).
        regime_points: the change-point search looks at the last this many points.
        spike_sigmas: a one-point jump above both neighbours by this many noise units, which
            then recovered, is a spike: reported, and left out of the fit.
        max_points: longer series are reduced to this many bin medians first, which keeps the
            estimate O(n) and stops step-level noise from hiding the trend.
        confidence: level of the slope's confidence interval.
        stall_sigmas, stall_z: a fall that stands out by less than `stall_z` standard errors
            and whose window holds no new low beyond `stall_sigmas` noise units below every
            earlier point is no fall: the series has stalled near an older best (`flat`, reason
            `stalled`). A fall clearer than that is one (a loss recovering from a spike).
        above_sigmas, above_z, above_change: a flat series whose fitted level now sits
            `above_sigmas` noise units and `above_change` (on the judged scale) above a best
            that lies before the window, and
            that moved up over the window by at least `above_z` standard errors, has climbed
            away from its best: `rising`, reason `above_best`.
        recent_share, recent_sigmas, recent_points: a held-out (validation) loss is asked what
            early stopping asks, whether it still improves. A fall fitted over its window whose
            latest `recent_share` of the window (at least 3 points) holds no new best beyond
            `recent_sigmas` noise units below every earlier point, and whose median sits no lower
            than the best held before it (the lowest median of three in a row), has stopped
            improving: `flat`, reason `stopped` (windows of `recent_points` or more). The
            training loss is judged by its line alone.
    """

    min_change: float = 0.035
    z: float = 2.0
    min_points: int = 3
    window_points: int = 3
    regime_min_points: int = 3
    regime_penalty: float = 5.0
    regime_cap: int = 3
    regime_points: int = 64
    spike_sigmas: float = 6.0
    max_points: int = 300
    confidence: float = 0.95
    stall_sigmas: float = 0.0
    above_sigmas: float = 4.0
    above_z: float = 0.5
    above_change: float = 0.05
    stall_z: float = 4.0
    recent_share: float = 0.5
    recent_sigmas: float = 1.0
    recent_points: int = 6


DEFAULT_SETTINGS = TrendSettings()


@dataclass(frozen=True, eq=False)
class Trend:
    """The verdict on one series over the analysis window, with the numbers behind it.

    Attributes:
        key: the series' name.
        trend: `falling`, `flat`, `rising`, or `unknown` (too few finite points).
        slope: mean slope over the window, in loss units per epoch.
        slope_low, slope_high: its confidence interval.
        relative_change: the fitted loss at the window's end over the one at its start, minus 1
            (never below -100%).
        p_value: two-sided p-value of the move against the run's noise (normal approximation).
        level: median of the series in the window.
        n_points: points in the window (after binning, see `TrendSettings.max_points`).
        first_epoch, last_epoch: where the window starts and ends on the epoch axis.
        reason: why this verdict, as a code: `moving`, `small`, `unsteady`, `too_few`, or from
            the record: `stalled`, `stopped`, `above_best` (see `TrendSettings`).
        start_value, end_value: the fitted loss at the window's first and last epoch.
        noise: the run's epoch-to-epoch noise, as a fraction of the level.
        z_score: the move over the window in standard errors.
        regime_start: where the current regime begins (epoch axis).
        fit_points: points the current regime's line rests on.
        scale: `log`, or `linear` for series that are not all positive.
        spikes: epoch positions of one-point spikes that recovered (left out of the fit).
        last_jump: how far the last point leapt above the trend of the points before it, as a
            fraction (0 when it did not): not yet a trend, so left out of the fit.
        last_best: where the series last set a new best beyond its noise (epoch axis; NaN when
            never after its first point).
        resolvable: the smallest move this window can tell from its noise (`z` standard errors),
            as a fraction: a noisy series needs more points to show a move of `min_change`; a
            `flat` verdict on a window that cannot resolve that much means "no clear move", not
            "no move".
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
    start_value: float = float("nan")
    end_value: float = float("nan")
    noise: float = float("nan")
    z_score: float = float("nan")
    regime_start: float = float("nan")
    fit_points: int = 0
    scale: str = "log"
    spikes: tuple = ()
    last_jump: float = 0.0
    last_best: float = float("nan")
    resolvable: float = float("nan")

    @property
    def change(self) -> float:
        """The move on the judged scale: log(end / start), or (end - start) / level."""
        if self.scale == "log":
            return math.log1p(self.relative_change) if self.relative_change > -1 else -math.inf
        return self.relative_change

    def fitted(self, xs) -> np.ndarray:
        """The fitted curve across the window (geometric on the log scale), for drawing."""
        xs = np.asarray(xs, dtype=float)
        span = self.last_epoch - self.first_epoch
        f = (xs - self.first_epoch) / span if span > 0 else np.zeros_like(xs)
        if self.scale == "log" and self.start_value > 0 and self.end_value > 0:
            return self.start_value * (self.end_value / self.start_value) ** f
        return self.start_value + (self.end_value - self.start_value) * f

    def to_dict(self) -> dict:
        d = asdict(self)
        d["spikes"] = [_json_number(v) for v in self.spikes]
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


def bin_points(x: np.ndarray, y: np.ndarray, max_points: int, first: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The whole series in at most `max_points` nearly equal bins: each bin's median value at its
    mean position (at its first position with `first`, so that bin edges are logged epochs)."""
    n = len(y)
    if n <= max_points:
        return x, y
    edges = np.linspace(0, n, max_points + 1).astype(int)
    xs = x[edges[:-1]] if first else np.add.reduceat(x, edges[:-1]) / np.diff(edges)
    ys = np.array([median(y[a:b]) for a, b in zip(edges[:-1], edges[1:])])
    return xs, ys


def _z(confidence: float) -> float:
    """The normal quantile at (1 + confidence) / 2, by Newton's method on math.erf.

    (statistics.NormalDist would do, but importing it costs 4 ms of the CLI's start-up budget.)
    """
    p, z = (1.0 - confidence) / 2.0, -1.0
    for _ in range(50):
        step = (0.5 * math.erfc(-z / math.sqrt(2.0)) - p) / (math.exp(-z * z / 2.0) / math.sqrt(2.0 * math.pi))
        z -= step
        if abs(step) < 1e-14:
            break
    return -z


class _Move:
    """The move over the window on the judged scale, with its standard error (internal: a plain
    class, as each dataclass costs about a millisecond of the CLI's start-up)."""

    __slots__ = ("start", "end", "se", "regime_start", "fit_points")

    def __init__(self, start: float, end: float, se: float, regime_start: int, fit_points: int):
        self.start, self.end, self.se = start, end, se
        self.regime_start, self.fit_points = regime_start, fit_points


def _move(x: np.ndarray, z: np.ndarray, sigma: float, w0: int, s: TrendSettings, x_end: float) -> _Move:
    """The fitted level at the window's start and at its end, from the current regime.

    When the current regime began before the window, one line through it (at most
    `regime_cap` windows of points) gives both levels. When it began inside the window, the
    level now comes from its own line and the level at the window's start from the line of
    the regime before: a turn or a jump inside the window is part of the move.
    """
    n = len(z)
    lo = max(0, min(w0, n - s.regime_points))  # the search covers the window at least
    cuts = [lo + c for c in regimes(x[lo:], z[lo:], sigma, s.regime_min_points,
                                     s.regime_penalty * math.log(max(n - lo, 3)))]
    r = cuts[-1]
    reach = s.regime_cap * (n - w0)
    if r <= w0:
        fit_from = max(r, n - reach, 0)
        (start, end), cov = fit_at(x[fit_from:], z[fit_from:], sigma, [x[w0], x_end])
        var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
        return _Move(float(start), float(end), math.sqrt(max(var, 0.0)), r, n - fit_from)
    prev = max(max(c for c in cuts if c <= w0), r - reach, 0)
    (end,), var_end = fit_at(x[r:], z[r:], sigma, [x_end])
    (start,), var_start = fit_at(x[prev:r], z[prev:r], sigma, [x[w0]])
    var = var_end[0, 0] + var_start[0, 0]
    return _Move(float(start), float(end), math.sqrt(max(var, 0.0)), r, n - r)


def fit_trend(x, y, key: str = "loss", settings: TrendSettings = DEFAULT_SETTINGS,
              window_start: float | None = None, held_out: bool = False) -> Trend:
    """Estimate and classify the recent trend of `y` against epoch positions `x`.

    Args:
        x: epoch positions of the whole series (any order).
        y: the values; non-finite values are left out here (the diagnosis reports them).
        key: the series' name, carried into the result.
        settings: thresholds, see `TrendSettings`.
        window_start: the window holds the points at positions > window_start (at least
            `settings.window_points` of them); None: the last third of the points.
        held_out: the series is a held-out (validation) loss: a fall must also go on recently
            (see `TrendSettings.recent_share`).

    Returns:
        A `Trend`.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    order = np.argsort(x, kind="stable")
    x, y = reduce_points(x[order], y[order], settings.max_points)
    n = len(y)
    w0 = _window_index(x, window_start, settings)
    if n < settings.min_points:
        first, last = (float(x[w0]), float(x[-1])) if n else (nan, nan)
        return Trend(key, UNKNOWN, nan, nan, nan, nan, nan, median(y[w0:]), n - w0, first, last,
                     "too_few", fit_points=n)
    level = median(y[w0:])
    scaled = to_scale(y, level if level else float(np.max(y) - np.min(y)))
    return _judge(key, x, y, scaled, w0, level, settings, held_out)


def _window_index(x: np.ndarray, window_start: float | None, s: TrendSettings) -> int:
    n = len(x)
    if window_start is None:
        w = max(s.window_points, math.ceil(n / 3))
        return max(n - w, 0)
    inside = int(np.sum(x > window_start))
    return max(n - max(inside, s.window_points), 0)


def _judge(key: str, x, y, scaled: Scaled, w0: int, level: float, s: TrendSettings,  # noqa: PLR0913
           held_out: bool = False) -> Trend:
    z = scaled.z
    sigma = noise_sigma(z)
    spiky = spikes(z, sigma, s.spike_sigmas)
    keep = np.ones(len(z), dtype=bool)
    keep[spiky] = False
    jump = _last_jump(x[keep], z[keep], sigma, s)
    if jump:
        keep[len(z) - 1] = False
    kx, kz = x[keep], z[keep]
    kw0 = int(np.searchsorted(kx, x[w0]))
    kw0 = min(kw0, len(kz) - 1)
    m = _move(kx, kz, sigma, kw0, s, float(x[-1]))
    change = m.end - m.start
    zscore = change / m.se if m.se > 0 else (math.copysign(math.inf, change) if change else 0.0)
    trend, reason = verdict(change, zscore, s)
    trend, reason = _by_record(trend, reason, change, zscore, kz, kw0, sigma, float(m.end), s)
    last = _last_best(kz, sigma * s.recent_sigmas)
    if held_out and trend == FALLING and _stopped(kz, kw0, last, s):
        trend, reason = FLAT, "stopped"
    start_v, end_v = (float(v) for v in scaled.to_values([m.start, m.end]))
    span = float(x[-1] - x[w0])
    slope = (end_v - start_v) / span if span > 0 else 0.0
    half = _z(s.confidence) * m.se
    scale = start_v if scaled.log else scaled.level
    slope_low = scale * scaled.relative(change - half) / span if span > 0 else 0.0
    slope_high = scale * scaled.relative(change + half) / span if span > 0 else 0.0
    p = math.erfc(abs(zscore) / math.sqrt(2.0)) if math.isfinite(zscore) else 0.0
    rel = end_v / start_v - 1.0 if scaled.log else change
    return Trend(key, trend, slope, slope_low, slope_high, rel, p, level, len(y) - w0,
                 float(x[w0]), float(x[-1]), reason, start_v, end_v,
                 _noise_fraction(sigma, scaled), zscore, float(kx[m.regime_start]), m.fit_points,
                 "log" if scaled.log else "linear", tuple(float(x[i]) for i in spiky),
                 scaled.relative(jump) if jump else 0.0, float(kx[last]) if last else nan,
                 scaled.relative(s.z * m.se))


def _last_best(z: np.ndarray, margin: float) -> int:
    """Index of the last point that set a new low by more than `margin` below every earlier
    point (0 when none did after the first)."""
    if len(z) < 2:
        return 0
    beats = np.flatnonzero(z[1:] < np.minimum.accumulate(z)[:-1] - margin)
    return int(beats[-1]) + 1 if len(beats) else 0


def _stopped(z: np.ndarray, w0: int, last: int, s: TrendSettings) -> bool:
    """A fall that has stopped: the window's latest part set no new best beyond the noise, and
    sits (its median) no lower than the best held before it (see `TrendSettings.recent_share`)."""
    n = len(z)
    if n - w0 < s.recent_points or w0 < 1:
        return False
    r0 = n - max(3, round((n - w0) * s.recent_share))
    return last < r0 and median(z[r0:]) >= _robust_best(z[:r0])


def _last_jump(x: np.ndarray, z: np.ndarray, sigma: float, s: TrendSettings) -> float:
    """How far the last point jumped above the line of the points before it (0 if it did not).

    One point that leaps up, like a spike that has not had the chance to recover, is not yet
    a regime: it is reported, and left out of the fit until the next points confirm it.
    """
    if len(z) < s.min_points + 1:
        return 0.0
    prev = slice(max(len(z) - 6, 0), len(z) - 1)
    (pred,), _ = fit_at(x[prev], z[prev], sigma, [x[-1]])
    excess = float(z[-1] - pred)
    return excess if excess > s.spike_sigmas * sigma else 0.0


def _noise_fraction(sigma: float, scaled: Scaled) -> float:
    return scaled.relative(sigma)


def _by_record(trend: str, reason: str, change: float, zscore: float, z: np.ndarray, w0: int, sigma: float,
               end: float, s: TrendSettings) -> tuple[str, str]:  # noqa: PLR0913
    """The verdict checked against the record of the series: a fall needs a new low inside the
    window; a flat series far above a best that lies before the window has climbed away from it
    (see `TrendSettings.stall_sigmas`, `above_sigmas`)."""
    if len(z) - w0 < 2 or w0 < 1:
        return trend, reason
    if trend == FALLING and math.isfinite(s.stall_sigmas) and abs(zscore) < s.stall_z:
        before = np.minimum.accumulate(z)[w0 - 1:-1]  # the lowest point before each window point
        if not np.any(z[w0:] < before - s.stall_sigmas * sigma):
            return FLAT, "stalled"
    if trend == FLAT and change > 0 and zscore >= s.above_z and math.isfinite(s.above_sigmas):
        if int(np.argmin(z)) < w0 and end - _robust_best(z[:w0]) >= max(s.above_sigmas * sigma, s.above_change):
            return RISING, "above_best"
    return trend, reason


def _robust_best(z: np.ndarray) -> float:
    """The lowest level a series held, not one lucky point: the lowest median of three in a row."""
    if len(z) < 3:
        return float(np.min(z))
    return float(np.min(np.median(np.lib.stride_tricks.sliding_window_view(z, 3), axis=1)))


def verdict(change: float, zscore: float, s: TrendSettings) -> tuple[str, str]:
    """(trend, reason) of a move on the judged scale that stands `zscore` standard errors out."""
    big = abs(change) >= s.min_change
    steady = abs(zscore) >= s.z
    if big and steady:
        return (FALLING if change < 0 else RISING), "moving"
    if big:
        return FLAT, "unsteady"
    return FLAT, "small"
