"""What more epochs would bring: the curve so far, extrapolated by the saturating models learning
curves follow, with an interval; and whether it is worth training on.

A loss that is still improving is fitted, with recent epochs weighted most, by an exponential
approach to an asymptote, y = a + b exp(-k (x - x_now)), and by a power law toward one,
y = a + b x^-c (a >= 0, b >= 0: a fitted curve never rises and never goes below zero). Each is
fitted by a grid over its rate (k or c) with weighted linear least squares for a and b (numpy
only: scipy's optimiser would cost the command line its start-up budget). The model with the
smaller weighted residual is used. Its value at the horizon, never worse than the best so far
(the best of a longer run includes the epochs already trained), is the expected best loss.

A run that is overfitting, diverging, went NaN, or has levelled off is not extrapolated: more
epochs do not help it, and the forecast says why. The interval's lower end widens with how far
the curve is extrapolated (the further the gain, the less sure it is); its upper end is the best
so far. `bench/accuracy.py` measures the forecast on the seeds' full histories.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .trend import bin_points

HELP, NO_HELP = 0.02, 0.005  # more than 2% better: helps; less than 0.5%: does not


class ForecastSettings:
    """How the forecast is made (a plain class: each dataclass costs the CLI's start-up a millisecond).

    Attributes:
        horizon_factor: the default horizon is this many times the epochs so far.
        recency: epochs are weighted by exp(-age / (recency x span)): recent ones count most.
        spread: the interval's lower end lies exp(spread x (gain + noise)) below the expected
            loss, gain and noise on the log scale (calibrated on ../shared/seeds for an 80% interval).
        min_points: fewer finite points and there is no forecast.
        grid: rates tried per model.
        max_points: longer series are reduced to this many bin medians first (O(n) in all).
    """

    __slots__ = ("horizon_factor", "recency", "spread", "min_points", "grid", "max_points")

    def __init__(self, horizon_factor: float = 3.0, recency: float = 0.5, spread: float = 1.2,
                 min_points: int = 3, grid: int = 48, max_points: int = 300):
        self.horizon_factor, self.recency, self.spread = horizon_factor, recency, spread
        self.min_points, self.grid, self.max_points = min_points, grid, max_points


DEFAULT_FORECAST = ForecastSettings()


@dataclass(frozen=True, eq=False)
class Forecast:
    """What more epochs would bring (the JSON fields under `forecast`).

    Attributes:
        key: the series forecast: the validation loss, or the training loss without one.
        horizon_epochs: how far it looks (epoch position; default three times the epochs so far).
        best_so_far: the series' best value until now.
        expected_loss: the expected best value of the series if training goes on to the horizon.
        expected_loss_low, expected_loss_high: an 80% interval around it.
        gain: expected improvement of the best, as a fraction of the best so far.
        more_epochs_help: True (more than 2% better), False (less than 0.5%, or worse), None
            (cannot tell).
        reason: why, as a code: `improving`, `still_falling` (the loss still falls, the fit sees
            little of it), `small_gain`, `uncertain_gain`, `overfitting`, `not_past_best` (overfitting,
            but the last value is within the noise of the best: cannot tell),
            `diverging`, `non_finite`, `train_rising`, `levelled_off` (stuck, frozen or at chance
            level), `oscillating`, `too_few`, `horizon_reached` (the horizon is not past the last epoch).
        model: `exponential`, `power` or `none` (not extrapolated).
        asymptote: the fitted curve's limit (None when not extrapolated).
        epochs_to_90: epochs from now until 90% of the remaining fitted gain is made.
        amplitude, rate, last_epoch: the rest of the fitted curve (see `curve`).
    """

    key: str
    horizon_epochs: float
    best_so_far: float | None
    expected_loss: float | None
    expected_loss_low: float | None
    expected_loss_high: float | None
    gain: float | None
    more_epochs_help: bool | None
    reason: str
    model: str = "none"
    asymptote: float | None = None
    epochs_to_90: float | None = None
    amplitude: float | None = None
    rate: float | None = None
    last_epoch: float | None = None

    def curve(self, xs) -> np.ndarray | None:
        """The fitted curve at epoch positions `xs` (None when nothing was extrapolated)."""
        if self.model == "none" or self.rate is None:
            return None
        xs = np.asarray(xs, dtype=float)
        if self.model == "exponential":
            return self.asymptote + self.amplitude * np.exp(-self.rate * (xs - self.last_epoch))
        return self.asymptote + self.amplitude * xs ** -self.rate

    def band(self, points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(epochs, expected best, 80% low) from the last epoch to the horizon, as the figure and the
        page draw it; None when nothing is extrapolated or more epochs do not help."""
        if self.model == "none" or self.expected_loss is None or self.last_epoch is None or self.more_epochs_help is False:
            return None
        xs = np.linspace(self.last_epoch, self.horizon_epochs, points)
        mid = np.minimum(self.curve(xs), self.best_so_far)
        low = mid * (self.expected_loss_low / self.expected_loss) ** ((xs - xs[0]) / (xs[-1] - xs[0]))
        return xs, mid, low

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in self.__dict__.items()}


class _Fit:
    """One fitted model (internal: a plain class)."""

    __slots__ = ("name", "a", "b", "rate", "rss", "x_now")

    def __init__(self, name, a, b, rate, rss, x_now):
        self.name, self.a, self.b, self.rate, self.rss, self.x_now = name, a, b, rate, rss, x_now

    def at(self, x: float) -> float:
        if self.name == "exponential":
            return self.a + self.b * math.exp(min(-self.rate * (x - self.x_now), 700.0))
        return self.a + self.b * x ** -self.rate

    def epochs_to_90(self) -> float | None:
        """Epochs from now until 90% of the remaining fitted gain is made."""
        if self.b <= 0 or self.rate <= 0:
            return None
        if self.name == "exponential":
            return math.log(10.0) / self.rate
        return self.x_now * (10.0 ** (1.0 / self.rate) - 1.0)


def _fit_family(name: str, x, y, w, bases: np.ndarray, rates: np.ndarray, x_now: float) -> _Fit:
    """y ~ a + b f for each basis row f, by weighted least squares with a >= 0 and b >= 0; the best row."""
    sw, sy = w.sum(), (w * y).sum()
    sf, sff, sfy = bases @ w, (bases * bases) @ w, bases @ (w * y)
    det = sw * sff - sf * sf
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(det > 0, (sw * sfy - sf * sy) / det, 0.0)
        a = (sy - b * sf) / sw
        only_b = np.where(sff > 0, sfy / sff, 0.0)  # a pinned to 0
    neg_a = a < 0
    a, b = np.where(neg_a, 0.0, a), np.where(neg_a, only_b, b)
    flat = b < 0
    a, b = np.where(flat, sy / sw, a), np.where(flat, 0.0, b)
    resid = y[None, :] - a[:, None] - b[:, None] * bases
    rss = (resid * resid) @ w
    if not np.isfinite(rss).any():  # values so large that every fit overflowed: no curve, a flat line
        return _Fit(name, float(np.median(y)), 0.0, float(rates[0]), math.inf, x_now)
    i = int(np.nanargmin(np.where(np.isfinite(rss), rss, np.nan)))
    return _Fit(name, float(a[i]), float(b[i]), float(rates[i]), float(rss[i]), x_now)


def _best_rate(name: str, x, y, w, rates: np.ndarray, basis, x_now: float) -> _Fit:
    """The best rate on a geometric grid, then on a finer grid between its neighbours."""
    fit = _fit_family(name, x, y, w, basis(rates), rates, x_now)
    step = float(rates[1] / rates[0])
    fine = fit.rate * np.geomspace(1 / step, step, 17)
    return _fit_family(name, x, y, w, basis(fine), fine, x_now)


def fit_curve(x: np.ndarray, y: np.ndarray, s: ForecastSettings = DEFAULT_FORECAST) -> _Fit:
    """The better of the exponential and the power-law fit, recent points weighted most."""
    x_now, span = float(x[-1]), float(x[-1] - x[0]) or 1.0
    w = np.exp(-(x_now - x) / (s.recency * span))
    k = math.log(2.0) / np.geomspace(30.0 * span, 0.02 * span, s.grid)  # half-lives
    exp_fit = _best_rate("exponential", x, y, w, k, lambda r: np.exp(-np.outer(r, x - x_now)), x_now)
    if x[0] <= 0:
        return exp_fit
    c = np.geomspace(0.05, 4.0, s.grid)
    pow_fit = _best_rate("power", x, y, w, c, lambda r: np.exp(-np.outer(r, np.log(x))), x_now)
    return exp_fit if exp_fit.rss <= pow_fit.rss else pow_fit


# Diagnoses whose runs more epochs do not help, and the reason given: (code, variant or None for any).
NOT_IMPROVING = {("overfitting", None): "overfitting", ("diverging", None): "diverging",
                 ("non_finite", None): "non_finite", ("train_rising", None): "train_rising",
                 ("plateau", "frozen"): "levelled_off", ("plateau", "chance"): "levelled_off",
                 ("plateau", "stuck"): "levelled_off", ("plateau", "unstable"): "oscillating"}


def forecast(x, y, key: str, code: str, variant: str = "default", horizon: float | None = None,
             noise: float = 0.0, falling: bool = False, s: ForecastSettings = DEFAULT_FORECAST,
             within_noise: bool = False) -> Forecast:
    """The forecast of one series (epoch positions `x`, values `y`) given the run's diagnosis code.

    Args:
        x, y: the series (non-finite values are left out).
        key: its name.
        code, variant: the diagnosis: runs that are not improving are not extrapolated.
        horizon: epoch position to look to; None: `horizon_factor` times the last one.
        noise: the series' epoch-to-epoch noise (a fraction of its level), widening the interval.
        falling: the series' recent trend is falling: more epochs help, whatever the size the
            fitted curve gives the gain (a curve still falling has not shown where it levels
            off; the reason is then `still_falling` when the fit sees less than 2%).
        within_noise: the last value is within the series' noise of its best: an overfitting run
            has then not shown that it is past its best, and whether more epochs help is not
            told (`not_past_best`; on ../shared/seeds such runs improved later as often as not).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    end = float(x.max()) if len(x) else 0.0
    horizon = float(horizon) if horizon else s.horizon_factor * end
    if len(y) < s.min_points or horizon <= end:
        best = float(y.min()) if len(y) else None
        why = "too_few" if len(y) < s.min_points else "horizon_reached"
        return Forecast(key, horizon, best, None, None, None, None, None, why, last_epoch=end)
    order = np.argsort(x, kind="stable")
    best = float(y.min())
    x, y = bin_points(x[order], y[order], s.max_points)
    stop = NOT_IMPROVING.get((code, None)) or NOT_IMPROVING.get((code, variant))
    if stop:
        low = best * math.exp(-s.spread * max(noise, 0.0))
        if stop == "overfitting" and within_noise:
            return Forecast(key, horizon, best, best, low, best, 0.0, None, "not_past_best")
        return Forecast(key, horizon, best, best, low, best, 0.0, False, stop)
    fit = fit_curve(x, y, s)
    expected = min(best, fit.at(horizon))
    gain = (best - expected) / best if best > 0 else 0.0
    spread = s.spread * (math.log(best / expected) + max(noise, 0.0)) if expected > 0 < best else 0.0
    low = expected * math.exp(-spread)
    helps, reason = _verdict(gain)
    if falling and not helps:
        helps, reason = True, "still_falling"
    return Forecast(key, horizon, best, expected, low, best, gain, helps, reason, fit.name,
                    fit.a, fit.epochs_to_90(), fit.b, fit.rate, fit.x_now)


def _verdict(gain: float) -> tuple[bool | None, str]:
    if gain > HELP:
        return True, "improving"
    if gain < NO_HELP:
        return False, "small_gain"
    return None, "uncertain_gain"
