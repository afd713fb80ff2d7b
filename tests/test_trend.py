import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lossdoctor.trend import FALLING, FLAT, RISING, UNKNOWN, TrendSettings, fit_trend, mann_kendall, theil_sen

rng = np.random.default_rng(0)


def decay(n=30, rate=0.1, floor=0.2, noise=0.0, seed=0):
    r = np.random.default_rng(seed)
    x = np.arange(1, n + 1, dtype=float)
    return x, (1.0 + floor) * np.exp(-rate * x) + floor + noise * r.standard_normal(n)


@pytest.mark.parametrize("n", [5, 17, 60, 300])
def test_theil_sen_matches_scipy(n):
    stats = pytest.importorskip("scipy.stats")
    x = np.arange(n, dtype=float)
    y = 0.3 * x + rng.standard_normal(n)
    ours = theil_sen(x, y, 0.95)
    ref = stats.theilslopes(y, x, 0.95)
    assert ours[0] == pytest.approx(ref.slope)
    assert ours[2] == pytest.approx(ref.low_slope)
    assert ours[3] == pytest.approx(ref.high_slope)


@pytest.mark.parametrize("n", [30, 200])
def test_mann_kendall_matches_kendall_tau_test(n):
    stats = pytest.importorskip("scipy.stats")
    x = np.arange(n, dtype=float)
    y = np.round(0.02 * x + rng.standard_normal(n), 1)  # with ties
    _, _, p = mann_kendall(x, y)
    ref = stats.kendalltau(x, y, method="asymptotic")
    # MK applies a continuity correction that kendalltau does not: close, not identical
    assert p == pytest.approx(ref.pvalue, abs=0.03)


def test_clear_decay_is_falling_and_reports_numbers():
    x, y = decay(noise=0.002)
    t = fit_trend(x[20:], y[20:], "loss")
    assert t.trend == FALLING
    assert t.slope < 0 and t.slope_low <= t.slope <= t.slope_high
    assert t.p_value < 0.01 and t.n_points == 10
    assert t.start_value > t.end_value


def test_tiny_decline_is_flat_as_practically_meaningless():
    x = np.arange(1, 31, dtype=float)
    y = 1.0 - 0.0005 * x  # 1.5% over 30 epochs, perfectly monotone
    t = fit_trend(x, y)
    assert t.p_value < 1e-6
    assert t.trend == FLAT and "less than" in t.reason


def test_too_few_points_is_unknown_and_says_so():
    t = fit_trend([1, 2, 3], [1.0, 0.5, 0.2])
    assert t.trend == UNKNOWN and "at least 5" in t.reason


def test_non_finite_values_are_left_out_of_the_fit():
    x = np.arange(1, 11, dtype=float)
    y = np.linspace(1, 0.5, 10)
    y[3] = np.nan
    assert fit_trend(x, y).n_points == 9


def test_pure_noise_is_flat_for_nearly_all_seeds():
    flat = sum(fit_trend(np.arange(30.0), 1 + 0.2 * np.random.default_rng(s).standard_normal(30)).trend == FLAT
               for s in range(200))
    assert flat >= 185  # white noise: the Mann-Kendall false-positive rate is alpha (5%)


def test_clear_trend_in_noise_is_found():
    found = sum(fit_trend(*decay(n=40, rate=0.05, noise=0.03, seed=s)).trend == FALLING for s in range(50))
    assert found >= 48


def test_long_series_is_binned_and_fast():
    x = np.linspace(0, 1000, 1_000_000)
    y = 5.0 - 0.001 * x + np.random.default_rng(1).standard_normal(x.size)
    t = fit_trend(x, y, settings=TrendSettings(max_points=400))
    assert t.n_points == 400 and t.trend == FALLING


series = st.lists(st.floats(0.01, 100.0, allow_nan=False), min_size=5, max_size=60)


@settings(max_examples=150, deadline=None)
@given(series, st.integers(-20, 20))
def test_scale_invariance_exact_for_powers_of_two(ys, k):
    x = np.arange(len(ys), dtype=float)
    a, b = fit_trend(x, ys), fit_trend(x, np.asarray(ys) * 2.0 ** k)
    assert a.trend == b.trend
    assert math.isclose(a.relative_change, b.relative_change, rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.floats(1e-6, 1e6), st.integers(0, 10_000))
def test_scale_invariance_any_constant(c, seed):
    x, y = decay(n=30, noise=0.01, seed=seed)
    assert fit_trend(x[10:], y[10:]).trend == fit_trend(x[10:], c * y[10:]).trend


@settings(max_examples=150, deadline=None)
@given(series)
def test_time_reversal_swaps_falling_and_rising(ys):
    x = np.arange(len(ys), dtype=float)
    fwd, back = fit_trend(x, ys).trend, fit_trend(x, ys[::-1]).trend
    assert back == {FALLING: RISING, RISING: FALLING}.get(fwd, fwd)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.floats(1.0, 50.0))
def test_pure_noise_with_small_spread_is_flat(seed, level):
    y = level * (1 + 0.005 * np.random.default_rng(seed).standard_normal(40))
    assert fit_trend(np.arange(40.0), y).trend == FLAT
