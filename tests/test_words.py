"""Every sentence agrees with the numbers beside it, over real histories of every kind."""

import re
from pathlib import Path

import pytest

from conftest import SAMPLES, SHARED
from lossdoctor import diagnose, load_history
from lossdoctor.trend import DEFAULT_SETTINGS

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
