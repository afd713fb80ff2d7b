"""The estimators behind a trend verdict: the scale a loss lives on, its noise, its current regime.

A loss falls geometrically, so it is judged on a log scale: there a fitted line is a constant rate
of change, a fitted value is never negative and a change is never below -100%. Losses that are
not all positive (a few custom losses are) fall back to a linear scale divided by their level.

The noise of a series comes from the whole run: the robust spread of each point around the
midpoint of its neighbours, which a smooth trend does not inflate. The current regime is the last
segment of an optimal piecewise-linear fit of the scaled series, with a penalty per change point
proportional to the noise, so that a new regime needs evidence that stands out from the noise.
"""

from __future__ import annotations

import math

import numpy as np

# 1.4826 x median absolute deviation estimates a normal sigma; the midpoint residual
# y_i - (y_{i-1} + y_{i+1}) / 2 of white noise has variance 1.5 sigma^2.
_MAD_TO_SIGMA = 1.4826
_MIDPOINT_VAR = 1.5


class Scaled:
    """A series on the scale it is judged on (a plain class: a dataclass costs start-up time).

    Attributes:
        z: the transformed values (natural log, or value / level on the linear scale).
        log: True when `z` is log(value); False on the linear fallback.
        level: the divisor of the linear fallback (1 on the log scale).
    """

    __slots__ = ("z", "log", "level")

    def __init__(self, z: np.ndarray, log: bool, level: float):
        self.z, self.log, self.level = z, log, level

    def to_values(self, z):
        """Back from the judged scale to loss units."""
        z = np.asarray(z, dtype=float)
        return np.exp(z) if self.log else z * self.level

    def relative(self, dz: float) -> float:
        """A move of `dz` on the judged scale, as a fraction of the loss' level."""
        if self.log:
            return math.expm1(dz) if dz < 700 else math.inf
        return dz


def to_scale(y: np.ndarray, level: float) -> Scaled:
    """log(y) when every value is positive, else y / |level| (the window's median or the range)."""
    if len(y) and np.all(y > 0):
        return Scaled(np.log(y), True, 1.0)
    scale = abs(level) if level else 1.0
    return Scaled(y / scale, False, scale)


def noise_sigma(z: np.ndarray, floor: float = 1e-6) -> float:
    """Robust epoch-to-epoch noise of a series: sigma of the midpoint residuals, by MAD.

    A straight trend leaves the residuals untouched and a curved one barely, so this reads the
    noise of the whole run, not of its slope. At least `floor` (a loss that does not move at
    all would otherwise make any move infinitely significant).
    """
    if len(z) < 3:
        return floor
    mid = z[1:-1] - 0.5 * (z[:-2] + z[2:])
    a = np.sort(np.abs(mid))  # (np.median would import numpy.ma: 40 ms of the CLI's start-up)
    m = len(a)
    med = float(a[m // 2]) if m % 2 else float(a[m // 2 - 1] + a[m // 2]) / 2.0
    sigma = _MAD_TO_SIGMA * med / math.sqrt(_MIDPOINT_VAR)
    return max(sigma, floor)


def spikes(z: np.ndarray, sigma: float, k: float) -> np.ndarray:
    """Indices of one-point spikes that recovered: far above both neighbours, which agree.

    The last point is never a spike (it has not recovered yet): a jump there is news.
    """
    if len(z) < 3:
        return np.zeros(0, dtype=int)
    mid = z[1:-1] - 0.5 * (z[:-2] + z[2:])
    gap = np.abs(z[:-2] - z[2:])
    hit = (mid > k * sigma) & (mid > 2.0 * gap)
    return np.nonzero(hit)[0] + 1


def segment_costs(x: np.ndarray, z: np.ndarray, min_len: int) -> np.ndarray:
    """cost[i, j]: residual sum of squares of a least-squares line through points i..j-1.

    From cumulative sums, all segments at once; segments shorter than `min_len` cost inf.
    """
    n = len(z)
    c = np.zeros((6, n + 1))
    np.cumsum(np.stack((np.ones(n), x, z, x * x, x * z, z * z)), axis=1, out=c[:, 1:])
    cnt, sx, sz, sxx, sxz, szz = c[:, None, :] - c[:, :, None]  # [k, i, j]: the sums over points i..j-1
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / cnt
        vxx = sxx - sx * sx * inv
        vxz = sxz - sx * sz * inv
        rss = szz - sz * sz * inv
        rss -= np.where(vxx > 0, vxz * vxz / vxx, 0.0)
    rss[~(cnt >= min_len)] = np.inf
    np.maximum(rss, 0.0, out=rss)
    rss[np.isnan(rss)] = np.inf
    return rss


def regimes(x: np.ndarray, z: np.ndarray, sigma: float, min_len: int, penalty: float) -> list[int]:
    """Start indices of the segments of the optimal piecewise-linear fit of `z` (first is 0).

    Optimal partitioning (Jackson et al. 2005) with a cost of `penalty * sigma^2` per change
    point and segments of at least `min_len` points; O(n^2) on at most a few hundred points.
    """
    n = len(z)
    if n < 2 * min_len:
        return [0]
    cost_to = np.ascontiguousarray(segment_costs(x - x[-1], z, min_len).T)  # [end, start]: rows read in turn
    beta = penalty * sigma * sigma
    best = np.full(n + 1, np.inf)
    best[0] = -beta
    start = [0] * (n + 1)
    for end in range(min_len, n + 1):
        total = best[:end] + cost_to[end, :end]
        k = int(total.argmin())
        best[end], start[end] = total[k] + beta, k
    cuts, end = [], n
    while end > 0:
        cuts.append(start[end])
        end = cuts[-1]
    return cuts[::-1]


def fit_at(x: np.ndarray, z: np.ndarray, sigma: float, at):
    """Least-squares line through the points: its values at `at`, and their covariance.

    The noise is the run's `sigma`, raised to the points' own scatter when that is larger
    and there are enough points to tell (three residual degrees of freedom or more).
    """
    at = np.asarray(at, dtype=float)
    n = len(z)
    xm, zm = float(np.mean(x)), float(np.mean(z))
    dx = x - xm
    sxx = float(dx @ dx)
    slope = float(dx @ (z - zm)) / sxx if sxx > 0 else 0.0
    if n - 2 >= 3:
        resid = z - zm - slope * dx
        sigma = max(sigma, math.sqrt(float(resid @ resid) / (n - 2)))
    d = at - xm
    inv_sxx = 1.0 / sxx if sxx > 0 else 0.0
    cov = sigma * sigma * (1.0 / max(n, 1) + np.outer(d, d) * inv_sxx)
    return zm + slope * d, cov
