"""How sure the verdict is: levels on histories with known weaknesses, words, JSON, and the seeds."""

import sys

import numpy as np

from conftest import ROOT
from lossdoctor import History, diagnose
from lossdoctor.show.render import to_text
from lossdoctor.words import confidence_text

E = np.arange(1.0, 41.0)


def test_a_clean_long_fall_is_high_and_an_unsteady_one_is_low():
    d = diagnose(History.from_dict({"loss": list(np.exp(-E / 20)), "val_loss": list(1.1 * np.exp(-E / 25))}))
    assert d.confidence == "high" and d.confidence_reasons == ()
    swing = 1 + 0.4 * (-1.0) ** E
    d = diagnose(History.from_dict({"loss": list(swing * np.exp(0.004 * E)), "val_loss": list(swing[::-1])}))
    kinds = [k for k, _ in d.confidence_reasons]
    assert d.confidence == "low" and "unsteady" in kinds


def test_nan_is_sure_and_too_few_points_are_not():
    assert diagnose(History.from_dict({"loss": [1.0, 0.5, float("nan")]})).confidence == "high"
    assert diagnose(History.from_dict({"loss": [1.0, 0.5]})).confidence == "low"


def test_a_sparse_validation_series_is_a_reason():
    h = History.from_dict({"loss": list(np.exp(-np.arange(1.0, 101.0) / 50))})
    from lossdoctor.read.history import Series
    at = np.array([25.0, 50.0, 75.0, 100.0])
    val = Series("val_loss", at, np.exp(-at / 60))
    d = diagnose(History({**h.series, "val_loss": val}))
    assert "sparse_val" in [k for k, _ in d.confidence_reasons]


def test_the_words_and_the_json():
    d = diagnose(History.from_dict({"loss": [1.0, 0.7, 0.55, 0.5], "val_loss": [1.0, 0.8, 0.7, 0.66]}))
    text = confidence_text(d.confidence, d.confidence_reasons)
    assert text.startswith(f"Confidence: {d.confidence}") and "judged on only" in text
    assert text in to_text(d).replace("\n  ", " ")
    j = d.to_dict()
    assert j["confidence"] == d.confidence and j["confidence_reasons"][0]["kind"] == "few_points"


def test_the_levels_mean_something_on_the_seeds(seeds):
    sys.path.insert(0, str(ROOT / "bench"))
    from seeds_recut import by_confidence

    t = by_confidence(seeds)
    rate = {lv: t[lv, "all"] / t[lv, "n"] for lv in ("high", "medium", "low")}
    assert rate["high"] > rate["medium"] > rate["low"]
    assert rate["high"] >= 0.93 and t["high", "n"] >= 300
