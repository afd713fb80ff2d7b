"""Judging real runs as an engineer reads them: trends that agree with the record (new lows, the
best so far), the documented case 2, and agreement with labelled real runs."""

import sys

import numpy as np
import pytest

from lossdoctor import History, diagnose
from lossdoctor.live.core import LiveDoctor
from lossdoctor.analyse.trend import fit_trend

from conftest import ROOT, SHARED


def test_a_fall_without_a_new_low_inside_the_window_is_a_stall():
    """val_loss fell to its best at epoch 7 and has sat within its noise since: four noisy points
    cannot show a fall, whatever a line through them says."""
    val = [0.30, 0.16, 0.11, 0.075, 0.080, 0.072, 0.0655, 0.082, 0.071, 0.0665]
    t = fit_trend(np.arange(1, 11), val, "val_loss", window_start=6.5)
    assert t.trend == "flat" and t.reason in ("stalled", "small", "unsteady")
    train = list(0.5 * np.exp(-np.arange(1, 11) / 3) + 0.05)
    d = diagnose(History.from_dict({"loss": train, "val_loss": val}))
    assert d.val.trend == "flat" and d.code == "overfitting"
    line = next(e for e in d.evidence if e.startswith("val loss (val_loss):"))
    assert line.startswith("val loss (val_loss): flat,")


def test_the_same_fall_with_a_new_low_in_the_window_is_still_falling():
    y = list(np.exp(-np.arange(1, 31) / 10) + 0.1)
    t = fit_trend(np.arange(1, 31), y, "val_loss")
    assert t.trend == "falling" and t.reason == "moving"


def _stopped_run(seed: int):
    """50 epochs: val_loss falls to 0.47 by epoch 36 and sits there with 5% noise; the last third
    of training starts on the fall, so a line through it still falls."""
    e = np.arange(1, 51, dtype=float)
    base = np.where(e <= 36, 0.47 + 0.5 * (36 - e) / 36, 0.47)
    return e, base * (1 + 0.05 * np.random.default_rng(seed).standard_normal(50))


def test_a_validation_loss_that_stopped_setting_new_bests_has_stopped_improving():
    """The line over the window falls (the window starts on the fall), but the window's latest
    half set no new best beyond the noise and sits no lower than the best before it: what
    EarlyStopping would call no improvement. The training loss is judged by its line alone."""
    e, val = _stopped_run(1)
    as_train = fit_trend(e, val, "val_loss")
    assert as_train.trend == "falling" and as_train.relative_change < -0.035 and as_train.z_score < -2
    t = fit_trend(e, val, "val_loss", held_out=True)
    assert (t.trend, t.reason) == ("flat", "stopped")
    assert 34 <= t.last_best <= 42
    train = 0.9 * np.exp(-e / 20)
    d = diagnose(History.from_dict({"loss": list(train), "val_loss": list(val)}))
    assert d.code == "overfitting" and d.val.reason == "stopped"
    line = next(e for e in d.evidence if e.startswith("val loss (val_loss):"))
    assert f"no value since epoch {t.last_best:g} beat the best before it" in line and "stopped improving" in line
    assert d.confidence == "medium" and [k for k, _ in d.confidence_reasons] == ["record"]
    zh = diagnose(History.from_dict({"loss": list(train), "val_loss": list(val)}), lang="zh")
    assert "已停止改善" in " ".join(zh.evidence)


def test_a_noisy_validation_loss_still_setting_new_bests_is_falling():
    """The same noise on a curve that keeps falling (-18% over the window, -8% over its latest
    half, against 5% noise): 200 seeds, at most 3% read as stopped (5 at this release; 0 by the
    line alone)."""
    e = np.arange(1, 51, dtype=float)
    base = 0.3 + 0.7 * np.exp(-e / 25)
    wrong = sum(fit_trend(e, base * (1 + 0.05 * np.random.default_rng(s).standard_normal(50)), "val_loss",
                          held_out=True).trend != "falling" for s in range(200))
    assert wrong <= 6
    found = sum(fit_trend(*_stopped_run(s), "val_loss", held_out=True).trend == "flat" for s in range(200))
    assert found >= 140  # 86 of 200 without the record: the line alone calls the rest falling


def test_a_flat_verdict_on_a_window_too_noisy_to_show_a_move_says_so():
    """Four points at 15% noise cannot show a 3.5% move: flat, but the confidence says why."""
    rng = np.random.default_rng(2)
    e = np.arange(1, 13, dtype=float)
    val = 0.5 * (1 + 0.15 * rng.standard_normal(12))
    t = fit_trend(e, val, "val_loss", held_out=True)
    assert t.trend == "flat" and t.resolvable > 0.035
    smooth = fit_trend(e, 0.5 + 0.0001 * np.sin(e), "val_loss", held_out=True)
    assert smooth.trend == "flat" and smooth.resolvable < 0.01
    d = diagnose(History.from_dict({"loss": list(0.5 + 0.0001 * np.cos(e)), "val_loss": list(val)}))
    kinds = dict(d.confidence_reasons)
    assert t.reason == "small" and d.val.reason == "small"
    assert kinds["unresolved"]["resolvable"] == pytest.approx(d.val.resolvable)
    assert f"val_loss is too noisy over its window to show a move under {d.val.resolvable:.0%}" in _confidence(d)
    assert "unresolved" not in dict(diagnose(History.from_dict({"loss": list(0.5 + 0.0001 * np.cos(e)),
                                                                "val_loss": list(0.5 + 0.0001 * np.sin(e))}))
                                    .confidence_reasons)


def _confidence(d) -> str:
    from lossdoctor.words import confidence_text
    return confidence_text(d.confidence, d.confidence_reasons, d.unit)


def test_a_validation_loss_far_above_its_best_after_a_climb_is_rising():
    rng = np.random.default_rng(5)
    e = np.arange(1, 41, dtype=float)
    val = np.where(e <= 8, 1.0 - 0.06 * e, 0.52 + 0.004 * (e - 8)) * (1 + 0.03 * rng.standard_normal(40))
    t = fit_trend(e, val, "val_loss")
    assert t.trend == "rising", (t.reason, t.relative_change, t.z_score)
    d = diagnose(History.from_dict({"loss": list(1 / np.sqrt(e)), "val_loss": list(val)}))
    assert d.code == "overfitting" and d.val.trend == "rising"


def test_a_long_noisy_flat_training_loss_is_flat():
    rng = np.random.default_rng(11)
    y = 0.8 * (1 + 0.07 * rng.standard_normal(200))
    assert fit_trend(np.arange(1, 201), y).trend == "flat"


def test_a_best_at_the_first_evaluation_then_a_rise_is_not_a_data_problem():
    e = np.arange(1, 21, dtype=float)
    val = 0.9 * (1 + 0.34 * (e - 1) / 19)
    train = 0.7 - 0.001 * e
    d = diagnose(History.from_dict({"loss": list(train), "val_loss": list(val)}))
    assert d.code != "data_problem" and d.val.trend == "rising"


def test_a_flat_validation_loss_beside_a_falling_training_loss_is_overfitting_not_learning():
    e = np.arange(1, 41, dtype=float)
    d = diagnose(History.from_dict({"loss": list(1 + 2 * np.exp(-e / 8)), "val_loss": list(0.8 - 0.0004 * e)}))
    assert (d.code, d.variant) == ("overfitting", "val_stopped")


def test_the_live_callback_waits_longer_for_the_start_of_overfitting():
    """val_stopped needs confirm + 3 diagnoses in a row (and is never announced first), so a run
    that is still learning slowly is not stopped; a lasting stall still is."""
    e = np.arange(1, 61, dtype=float)
    train = list(1 + 2 * np.exp(-e / 8))
    core = LiveDoctor(budget=None, stop_on=("overfitting",))
    seen = []
    for n in range(1, 61):
        v = core.update(n, {"loss": train[n - 1], "val_loss": 0.8 - 0.0004 * n})
        if v.diagnosis is not None:
            seen.append((n, v.diagnosis.variant, v.changed, v.stop))
    tentative = [n for n, variant, _, _ in seen if variant == "val_stopped"]
    stops = [n for n, _, _, stop in seen if stop]
    assert tentative and (not stops or stops[0] >= tentative[0] + 4)
    assert not seen[0][2] or seen[0][1] != "val_stopped"


def _wild():
    folder = SHARED / "wild"
    if not (folder / "labels.json").exists():
        pytest.skip("../shared/wild is not beside this clone")
    sys.path.insert(0, str(ROOT / "bench"))
    import wild_agreement
    return wild_agreement, folder


def test_agreement_with_the_labelled_real_runs_stays_where_it_is():
    wa, folder = _wild()
    total = wa.score(folder)["total"]
    # 51/56 (91.1%) all three right at this release (50/56 before it, 45/56 two releases ago); the aim is >= 95%
    assert total["n"] == 56 and total["all"] >= 51 and total["code"] >= 52


def test_agreement_with_the_multi_seed_truth_stays_where_it_is(seeds):
    sys.path.insert(0, str(ROOT / "bench"))
    import seeds_agreement
    res = seeds_agreement.score(seeds)
    total, per = res["total"], res["per_code"]
    assert total["all"] >= 251 and total["code"] >= 260  # 93.0% and 96.7% of 270 at this release
    assert per["overfitting", "code"] >= 39 and per["diverging", "code"] >= 23


def _move(s, a, b):
    m = (s.x >= a) & (s.x <= b) & np.isfinite(s.y) & (s.y > 0)
    if m.sum() < 6:
        return None
    y = np.log(s.y[m])
    q = len(y) // 3
    return float(np.median(y[-q:]) - np.median(y[:q]))


def _contradictions(h, d):
    out = []
    for p in d.timeline[:-1]:  # the last phase is the judged window: it reads as the verdict
        for key, label in ((d.train.key, p.train), (d.val.key if d.val else None, p.val)):
            c = _move(h[key], p.first_epoch, p.last_epoch) if key and label else None
            if c is not None and ((label == "falling" and c >= 0.035) or (label == "rising" and c <= -0.035)):
                out.append((p.first_epoch, p.last_epoch, key, label, round(c, 3)))
    return out


def test_timeline_phases_agree_with_the_moves_inside_them_on_the_samples():
    from lossdoctor import load_history
    from conftest import SAMPLES
    for path in sorted(SAMPLES.iterdir()):
        h = load_history(str(path))
        assert _contradictions(h, diagnose(h)) == [], path.name


def test_timeline_phases_agree_with_the_moves_inside_them_on_real_runs():
    wa, folder = _wild()
    found = []
    for name, _, _, h in wa.items(folder):
        d = diagnose(h, *wa.keys(h))
        found += [(name, *c) for c in _contradictions(h, d)]
    assert found == []
