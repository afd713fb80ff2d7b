"""Behaviours pinned to their exact values: each test here kills a mutant of `bench/mutants.py`
that the broader tests let through (a unit read wrong, a threshold moved, an escape dropped)."""

import math
from dataclasses import replace

import numpy as np

from conftest import write
from lossdoctor import History, diagnose, load_history
from lossdoctor.analyse.confidence import _doubt
from lossdoctor.analyse.forecast import _verdict
from lossdoctor.live.core import LiveDoctor
from lossdoctor.core.safe import md
from lossdoctor.analyse.trend import DEFAULT_SETTINGS, fit_trend
from lossdoctor.words import epoch_number


def test_console_durations_in_minutes_are_minutes(tmp_path):
    lines = "".join(f"Epoch {e}/4\n1875/1875 - 1m 5s - 34ms/step - loss: {1 / e:.4f} - val_loss: {1.1 / e:.4f}\n"
                    for e in range(1, 5))
    h = load_history(write(tmp_path, "fit.log", lines))
    assert list(h.elapsed.y) == [65.0, 130.0, 195.0, 260.0]


def test_json_epochs_are_rounded_to_three_decimals():
    assert epoch_number(2.1234567) == 2.123 and epoch_number(3.0000000001) == 3 and epoch_number(math.nan) is None


def test_a_flat_trend_that_only_just_misses_the_bar_is_near_a_trend():
    """A steady 3% fall (the bar is 3.5%) is flat but near a trend; a steady 1% one is simply flat."""
    x = np.arange(1, 31, dtype=float)
    for total, reason in ((0.03, "near_trend"), (0.01, None)):
        y = np.exp(-total * np.clip(x - 20, 0, None) / 10) * (1 + 1e-4 * np.sin(x))
        t = fit_trend(x, y)
        assert t.trend == "flat" and _doubt(t, DEFAULT_SETTINGS) == reason, (total, t.relative_change)


def test_the_forecast_calls_a_gain_over_two_percent_help():
    assert _verdict(0.03) == (True, "improving")
    assert _verdict(0.01) == (None, "uncertain_gain")
    assert _verdict(0.004) == (False, "small_gain")


def test_a_spike_is_left_out_of_the_fit():
    """A flat loss with one spike that recovered: the fitted level is the loss', not pulled up by it."""
    x = np.arange(1, 31, dtype=float)
    y = 0.5 * (1 + 0.002 * np.sin(3 * x))
    y[25] = 5.0
    t = fit_trend(x, y)
    assert t.spikes == (26.0,) and t.trend == "flat"
    assert abs(t.end_value - 0.5) < 0.005 and abs(t.start_value - 0.5) < 0.005


def test_markdown_emphasis_and_strike_through_are_escaped():
    assert md("a*b*c ~~x~~ _y_") == r"a\*b\*c \~\~x\~\~ \_y\_"


def test_the_notebook_panel_escapes_the_title():
    d = diagnose(History.from_dict({"loss": [1.0, 0.8, 0.7, 0.65, 0.6], "val_loss": [1.1, 0.9, 0.8, 0.75, 0.7]}))
    html = replace(d, title="<img src=x onerror=alert(1)>")._repr_html_()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_live_core_records_only_named_values():
    core = LiveDoctor(budget=None)
    core.update(1, {"loss": 0.5, 3: 0.7, ("val", "loss"): 0.6, "flag": True})
    assert sorted(core.history().keys) == ["loss"]
