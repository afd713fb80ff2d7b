"""The run in phases: synthetic runs with known phases, the words, the JSON and the figure."""

import numpy as np
import pytest

from lossdoctor import History, diagnose
from lossdoctor.show.render import final_summary, to_text
from lossdoctor.analyse.timeline import segments
from lossdoctor.words import timeline_text

E = np.arange(1.0, 41.0)
TRAIN = np.exp(-E / 15)
VAL = np.where(E <= 20, 1.1 * np.exp(-E / 15), 1.1 * np.exp(-20 / 15) * np.exp((E - 20) / 25))


def test_a_series_splits_where_it_turns():
    segs = segments(E, VAL)
    assert [r for _, _, r in segs] == ["falling", "rising"]
    assert 18 <= segs[1][0] <= 22 and segs[0][0] == 1 and segs[-1][1] == 40


def test_learning_then_overfitting():
    rng = np.random.default_rng(0)
    noisy = lambda y: list(y * np.exp(0.01 * rng.standard_normal(len(y))))  # noqa: E731
    d = diagnose(History.from_dict({"loss": noisy(TRAIN), "val_loss": noisy(VAL)}))
    codes = [p.code for p in d.timeline]
    assert codes == ["learning", "overfitting"], d.timeline
    first, second = d.timeline
    assert first.first_epoch == 1 and second.last_epoch == 40 and 17 <= second.first_epoch <= 23
    assert (second.train, second.val) == ("falling", "rising")
    text = timeline_text(d.timeline)
    assert text.startswith("Timeline: epochs 1-") and "both falling (learning)" in text
    assert "train falling, val rising (overfitting)" in text
    assert d.to_dict()["timeline"][1]["code"] == "overfitting"
    assert text[len("Timeline: "):] in to_text(d).replace("\n  ", " ") and text in " ".join(final_summary(d).split())


def test_one_phase_for_a_steady_run_and_short_wiggles_are_folded():
    d = diagnose(History.from_dict({"loss": list(TRAIN), "val_loss": list(1.1 * TRAIN)}))
    assert [(p.train, p.val) for p in d.timeline] == [("falling", "falling")]
    assert all(p.last_epoch - p.first_epoch >= 3.9 for p in diagnose(
        History.from_dict({"loss": list(TRAIN), "val_loss": list(VAL)})).timeline)


def test_the_figure_shows_the_phases():
    pytest.importorskip("matplotlib")
    from lossdoctor.show.plot import plot_diagnosis

    h = History.from_dict({"loss": list(TRAIN), "val_loss": list(VAL)})
    fig = plot_diagnosis(h, diagnose(h))
    names = [t.get_text() for t in fig.axes[0].texts]
    assert "learning" in names and "overfitting" in names


def test_the_timeline_ends_as_the_verdict_reads():
    # a long fall, then a rise over the last epochs that whole-run binning would smooth away
    x = np.arange(1.0, 301.0)
    rng = np.random.default_rng(2)
    loss = np.where(x <= 240, np.exp(-x / 60), np.exp(-4) * np.exp((x - 240) / 30)) * np.exp(0.01 * rng.standard_normal(300))
    d = diagnose(History.from_dict({"loss": list(loss)}))
    last = d.timeline[-1]
    assert d.train.trend == "rising" and last.train == "rising" and last.last_epoch == 300
    assert d.timeline[0].train == "falling"


def test_every_samples_timeline_ends_with_its_judged_trends():
    from conftest import SAMPLES
    from lossdoctor import load_history

    for path in SAMPLES.glob("*.json"):
        d = diagnose(load_history(str(path)))
        if d.timeline and d.train.trend != "unknown":
            assert (d.timeline[-1].train, d.timeline[-1].val) == (d.train.trend, d.facts.val_trend), path.name
