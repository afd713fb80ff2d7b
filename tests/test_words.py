"""Every sentence agrees with the numbers beside it, over real histories of every kind."""

import re

import numpy as np
from pathlib import Path

import pytest

from conftest import SAMPLES, SHARED
from lossdoctor import History, diagnose, load_history
from lossdoctor.show import render
from lossdoctor.analyse.trend import DEFAULT_SETTINGS

SEEDS = sorted((SHARED / "seeds").glob("*.history.json"))
FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".json", ".csv")) + SEEDS


def check_trend(t):
    if t is None or t.trend == "unknown":
        return
    rel = t.relative_change
    assert rel > -1 and t.end_value > 0 or t.scale == "linear"
    # the threshold is on the judged scale: log(end / start) for positive losses
    s = DEFAULT_SETTINGS
    if t.reason == "above_best":  # flat by its move, but its level sits far above an earlier best
        assert t.trend == "rising" and rel > 0 and t.z_score >= s.above_z
    elif t.reason == "stalled":   # a modest fall with no new low inside the window
        assert t.trend == "flat" and rel < 0 and abs(t.z_score) < s.stall_z
    elif t.reason == "stopped":   # a validation loss whose line falls, but with no recent new best
        assert t.trend == "flat" and t.change <= -s.min_change and t.z_score <= -s.z
    elif t.trend == "falling":
        assert t.change <= -s.min_change and rel < 0 and t.z_score <= -s.z
    elif t.trend == "rising":
        assert t.change >= s.min_change and rel > 0 and t.z_score >= s.z
    elif t.reason == "small":
        assert abs(t.change) < DEFAULT_SETTINGS.min_change
    else:
        assert t.reason == "unsteady" and abs(t.z_score) < DEFAULT_SETTINGS.z


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sentences_agree_with_the_numbers(path: Path):
    d = diagnose(load_history(str(path)))
    check_trend(d.train)
    check_trend(d.val)
    text = " ".join([d.summary, *d.evidence])
    moves = [t for t in (d.train, d.val) if t is not None and t.trend != "unknown"]
    if "levelled off" in text or "Both losses are flat" in text:
        assert all(abs(t.change) < DEFAULT_SETTINGS.min_change for t in moves), text
    for t in moves:
        # the percentage printed for a trend is its relative change, with the trend word beside it
        assert f"{t.relative_change:+.1%}" in text
        assert f"({t.key}): {t.trend}," in text
    if "unsteady" in d.summary:
        assert any(t.reason == "unsteady" for t in moves)
    for pct in re.findall(r"(-\d+(?:\.\d+)?)%", text):
        assert float(pct) >= -100.0, text


def test_a_run_flat_from_its_first_epoch_is_not_flatly_called_not_learning():
    """A run that learned inside its first epoch (noisy labels set the floor) looks like one that
    never learned: the report says both, and how to tell them apart, instead of 'not learning'."""
    rng = np.random.default_rng(3)
    loss = list(0.50 * np.exp(rng.normal(0, 0.004, 30)) * np.linspace(1.0, 0.99, 30))
    val = list(0.52 * np.exp(rng.normal(0, 0.004, 30)))
    d = diagnose(History.from_dict({"loss": loss, "val_loss": val, "accuracy": [0.8] * 30}))
    assert (d.code, d.variant) == ("plateau", "stuck")
    assert "learned what it could inside its first epoch" in d.summary and "the model is not learning." not in d.summary
    assert d.fixes[0].startswith("If the first logged loss is already far below an untrained model's")
    assert "without learning" not in render.to_text(d)
