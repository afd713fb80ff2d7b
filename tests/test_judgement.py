"""Judging real runs as an engineer reads them: trends that agree with the record (new lows, the
best so far), the documented case 2, and agreement with labelled real runs."""

import sys

import numpy as np
import pytest

from lossdoctor import History, diagnose
from lossdoctor.live import LiveDoctor
from lossdoctor.trend import fit_trend

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
    # 50/56 (89.3%) all three right at this release (45/56 before it); the aim is >= 95%
    assert total["n"] == 56 and total["all"] >= 50 and total["code"] >= 51


def test_agreement_with_the_multi_seed_truth_stays_where_it_is(seeds):
    sys.path.insert(0, str(ROOT / "bench"))
    import seeds_agreement
    res = seeds_agreement.score(seeds)
    total, per = res["total"], res["per_code"]
    assert total["all"] >= 251 and total["code"] >= 259  # 93.0% and 96.3% of 270 at this release
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
