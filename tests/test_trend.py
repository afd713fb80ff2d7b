import math

import numpy as np
from hypothesis import given, settings, strategies as st

from lossdoctor.analyse.trend import FALLING, FLAT, RISING, UNKNOWN, TrendSettings, fit_trend


def decay(n=30, rate=0.1, floor=0.2, noise=0.0, seed=0):
    r = np.random.default_rng(seed)
    x = np.arange(1, n + 1, dtype=float)
    return x, (1.0 + floor) * np.exp(-rate * x) + floor + noise * r.standard_normal(n)


def test_clear_decay_is_falling_and_reports_numbers():
    x, y = decay(noise=0.002)
    t = fit_trend(x, y, "loss", window_start=20)
    assert t.trend == FALLING and t.reason == "moving"
    assert t.slope < 0 and t.slope_low <= t.slope <= t.slope_high
    assert t.p_value < 0.01 and t.n_points == 10
    assert t.first_epoch == 21 and t.last_epoch == 30
    assert t.start_value > t.end_value > 0


def test_geometric_decay_never_gives_a_negative_fit_or_a_change_below_minus_100_percent():
    x = np.arange(1, 6, dtype=float)
    y = 0.4641 * 0.05 ** (x - 1)  # steep geometric decay: a straight line would go negative
    t = fit_trend(x, y, window_start=0)
    assert t.trend == FALLING and t.end_value > 0 and -1 < t.relative_change < 0
    assert np.all(t.fitted(np.linspace(1, 5, 20)) > 0)


def test_tiny_decline_is_flat_as_practically_meaningless():
    x = np.arange(1, 31, dtype=float)
    y = 1.0 - 0.0005 * x  # 1.5% over 30 epochs, perfectly steady
    t = fit_trend(x, y)
    assert t.p_value < 1e-6
    assert t.trend == FLAT and t.reason == "small"


def test_large_but_unsteady_move_is_flat_and_says_why():
    i = np.arange(30.0)
    y = (1 + 0.4 * (-1) ** i) * np.exp(0.01 * i)  # jumps of +-40%, drifting up 10% per third
    t = fit_trend(i, y)
    assert t.trend == FLAT and t.reason == "unsteady" and abs(t.relative_change) >= 0.035


def test_too_few_points_is_unknown():
    t = fit_trend([1, 2], [1.0, 0.5])
    assert t.trend == UNKNOWN and t.reason == "too_few"


def test_non_finite_values_are_left_out_of_the_fit():
    x = np.arange(1, 11, dtype=float)
    y = np.linspace(1, 0.5, 10)
    y[8] = np.nan
    assert fit_trend(x, y).n_points == 3  # the last third of 9 finite points


def test_six_epochs_falling_every_epoch_is_falling():
    t = fit_trend(np.arange(1.0, 7.0), [1.0, 0.8, 0.7, 0.63, 0.58, 0.55])
    assert t.trend == FALLING


def test_short_rising_tail_after_a_long_fall_is_rising():
    # the history: falling for 20 epochs, then 0.116, 0.152, 0.102, 0.254, 0.481
    y = np.r_[np.geomspace(2.0, 0.12, 20), [0.116, 0.152, 0.102, 0.254, 0.481]]
    t = fit_trend(np.arange(1.0, 26.0), y, window_start=20)
    assert t.trend == RISING and t.relative_change > 0.5


def test_a_spike_that_recovered_is_not_a_regime():
    x, y = decay(n=30, rate=0.08, noise=0.0, floor=0.0)
    y = y * (1 + 0.01 * np.random.default_rng(4).standard_normal(30))
    y[25] *= 8.0
    t = fit_trend(x, y)
    assert t.trend == FALLING and 26.0 in t.spikes


def test_long_flat_noisy_tail_is_flat():
    rng = np.random.default_rng(7)
    y = np.r_[np.geomspace(1.0, 0.3, 10), 0.3 * np.exp(0.05 * rng.standard_normal(50))]
    assert fit_trend(np.arange(60.0), y).trend == FLAT


def test_pure_noise_is_flat_for_nearly_all_seeds():
    flat = sum(fit_trend(np.arange(30.0), 1 + 0.2 * np.random.default_rng(s).standard_normal(30)).trend == FLAT
               for s in range(200))
    assert flat >= 185


def test_clear_trend_in_noise_is_found():
    found = sum(fit_trend(*decay(n=40, rate=0.05, noise=0.03, seed=s)).trend == FALLING for s in range(50))
    assert found >= 48


def test_step_level_log_is_binned_and_its_trend_found():
    x = np.linspace(0, 1000, 1_000_000)
    y = np.exp(-0.001 * x) * np.exp(0.5 * np.random.default_rng(1).standard_normal(x.size))
    t = fit_trend(x, y, settings=TrendSettings(max_points=300))
    assert t.n_points == 100 and t.trend == FALLING


def test_linear_fallback_for_losses_that_are_not_all_positive():
    x = np.arange(30.0)
    t = fit_trend(x, 1.0 - 0.1 * x)
    assert t.scale == "linear" and t.trend == FALLING


series = st.lists(st.floats(0.01, 100.0, allow_nan=False), min_size=5, max_size=60)


@settings(max_examples=150, deadline=None)
@given(series, st.integers(-20, 20))
def test_scale_invariance_exact_for_powers_of_two(ys, k):
    x = np.arange(len(ys), dtype=float)
    a, b = fit_trend(x, ys), fit_trend(x, np.asarray(ys) * 2.0 ** k)
    assert a.trend == b.trend
    assert math.isclose(a.relative_change, b.relative_change, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.floats(1e-6, 1e6), st.integers(0, 10_000))
def test_scale_invariance_any_constant(c, seed):
    x, y = decay(n=30, noise=0.01, seed=seed)
    assert fit_trend(x, y).trend == fit_trend(x, c * y).trend


@settings(max_examples=150, deadline=None)
@given(series)
def test_inverting_the_loss_swaps_falling_and_rising(ys):
    # on the log scale 1/y mirrors y; spikes and last-point jumps are upward only: leave those out
    x = np.arange(len(ys), dtype=float)
    a, b = fit_trend(x, ys), fit_trend(x, 1.0 / np.asarray(ys))
    if a.spikes or b.spikes or a.last_jump or b.last_jump:
        return
    if {a.reason, b.reason} & {"stalled", "above_best"}:
        return  # the record of a loss is one-sided: its best is its lowest value (TrendSettings.stall_sigmas)
    assert b.trend == {FALLING: RISING, RISING: FALLING}.get(a.trend, a.trend)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.floats(1.0, 50.0))
def test_pure_noise_with_small_spread_is_flat(seed, level):
    y = level * (1 + 0.005 * np.random.default_rng(seed).standard_normal(40))
    assert fit_trend(np.arange(40.0), y).trend == FLAT
