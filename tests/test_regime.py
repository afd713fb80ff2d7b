"""The estimators behind a verdict, on synthetic curves with known answers."""

import math

import numpy as np
import pytest

from lossdoctor.analyse.regime import fit_at, noise_sigma, regimes, spikes, to_scale


def test_log_scale_for_positive_losses_and_linear_fallback():
    s = to_scale(np.array([2.0, 1.0, 0.5]), 1.0)
    assert s.log and np.allclose(s.z, np.log([2.0, 1.0, 0.5]))
    assert np.allclose(s.to_values(s.z), [2.0, 1.0, 0.5])
    lin = to_scale(np.array([-1.0, 0.0, 1.0]), 2.0)
    assert not lin.log and np.allclose(lin.z, [-0.5, 0.0, 0.5]) and lin.level == 2.0


@pytest.mark.parametrize("sigma", [0.01, 0.05, 0.2])
def test_noise_of_a_geometric_decay_is_read_through_its_trend(sigma):
    rng = np.random.default_rng(3)
    x = np.arange(200.0)
    z = np.log(2.0) - 0.03 * x + sigma * rng.standard_normal(200)
    assert noise_sigma(z) == pytest.approx(sigma, rel=0.2)


def test_noise_ignores_a_few_spikes_and_has_a_floor():
    z = np.zeros(50)
    assert noise_sigma(z) == pytest.approx(1e-6)
    rng = np.random.default_rng(0)
    z = 0.02 * rng.standard_normal(50)
    z[[10, 30]] += 3.0
    assert noise_sigma(z) < 0.04


def test_spike_that_recovered_is_found_but_a_jump_at_the_end_is_not():
    z = np.log(np.array([1.0, 0.9, 0.8, 5.0, 0.7, 0.65, 0.6, 4.0]))
    found = spikes(z, 0.02, 6.0)
    assert list(found) == [3]


def test_regime_split_finds_the_turn_of_a_short_rising_tail():
    x = np.arange(1.0, 25.0)
    z = np.r_[-0.1 * x[:20], -2.0 + 0.3 * (x[20:] - 20)]
    z += 0.01 * np.random.default_rng(1).standard_normal(len(x))
    cuts = regimes(x, z, 0.01, 3, 3 * math.log(len(x)))
    assert cuts[0] == 0 and abs(cuts[-1] - 20) <= 1


def test_noise_alone_is_one_regime():
    for seed in range(20):
        z = 0.05 * np.random.default_rng(seed).standard_normal(40)
        assert regimes(np.arange(40.0), z, noise_sigma(z), 3, 5 * math.log(40)) == [0]


def test_fit_at_gives_the_line_and_a_variance_that_shrinks_with_points():
    x = np.arange(10.0)
    z = 1.0 - 0.2 * x
    vals, cov = fit_at(x, z, 0.1, [0.0, 9.0])
    assert np.allclose(vals, [1.0, -0.8])
    _, cov_long = fit_at(np.arange(40.0), 1.0 - 0.2 * np.arange(40.0), 0.1, [39.0])
    assert cov_long[0, 0] < cov[1, 1]


def test_fit_at_uses_the_points_own_scatter_when_it_is_larger():
    x = np.arange(20.0)
    z = 0.3 * (-1) ** x
    _, small = fit_at(x, z, 0.01, [19.0])
    assert small[0, 0] > (0.01 ** 2) * 4
