"""The framework-free live core: what it announces, when it stops, and that it never raises."""

import math
import warnings

import numpy as np
import pytest

from lossdoctor.live.core import LiveDoctor, as_float


def feed(core, losses, vals=None, start=1):
    out = []
    for i, loss in enumerate(losses):
        logs = {"loss": loss} if vals is None else {"loss": loss, "val_loss": vals[i]}
        out.append(core.update(start + i, logs))
    return out


def test_a_one_epoch_blip_is_not_announced_but_a_lasting_change_is():
    e = np.arange(1, 41, dtype=float)
    train = list(2 * np.exp(-e / 8) + 0.1)
    val = list(2 * np.exp(-e / 8) + 0.2)
    core = LiveDoctor(budget=None, confirm=2, stop_on=())
    feed(core, train[:20], val[:20])
    first = core.announced
    assert first is not None and len(core.announcements) >= 1
    raw = [d.code for _, d in core.diagnoses]
    codes = [d.code for _, d in core.announcements]
    assert len(codes) <= 1 + sum(a != b for a, b in zip(raw, raw[1:]))


def test_confirm_waits_for_agreement_and_urgent_codes_do_not():
    core = LiveDoctor(budget=None, confirm=3, stop_on=("non_finite", "overfitting"))
    falling = list(np.geomspace(2, 0.5, 10))
    vs = feed(core, falling, [v * 1.1 for v in falling])
    assert sum(v.changed for v in vs) == 1 and vs[4].changed  # the first diagnosis is announced at once
    v = core.update(11, {"loss": math.nan, "val_loss": 0.5})
    assert v.changed and v.stop and v.diagnosis.code == "non_finite" and core.stopped_epoch == 11


def test_overfitting_is_announced_after_confirmation_and_stops_once():
    e = np.arange(1, 41, dtype=float)
    train = list(np.exp(-e / 10))
    val = list(0.5 + 0.02 * (e - 12) ** 2 / 12 + 0.3)
    core = LiveDoctor(budget=None, confirm=2, stop_on=("overfitting",))
    vs = feed(core, train, val)
    stops = [v for v in vs if v.stop]
    assert len(stops) == 1 and stops[0].diagnosis.code == "overfitting"
    first_seen = next(n for n, d in core.diagnoses if d.code == "overfitting")
    assert stops[0].epoch >= first_seen + 1  # confirmed by a second diagnosis
    assert core.best_epoch == int(np.argmin(val)) + 1


@pytest.mark.parametrize("bad", [None, "0.5", [0.1, 0.2], np.array([0.1, 0.2]), {"a": 1}, 1 + 2j, 10 ** 400, True])
def test_values_that_are_not_one_number_are_skipped(bad):
    assert as_float(bad) is None
    core = LiveDoctor(budget=None)
    feed(core, [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], [1.1, 1.0, 0.9, 0.8, 0.7, 0.6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about: the value is just not recorded
        v = core.update(7, {"loss": bad, "val_loss": bad})
    assert v.epoch == 7 and len(core.logs["loss"]) == 6


def test_logs_that_are_not_a_dict_warn_once_and_change_nothing():
    core = LiveDoctor(budget=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 4):
            v = core.update(n, [("loss", 1.0)])
            assert v.diagnosis is None and not v.stop
    assert sum("not a dict" in str(w.message) for w in caught) == 1 and core.logs == {}


def test_a_single_element_array_is_one_number():
    assert as_float(np.array([0.25])) == 0.25 and as_float(np.float32(0.5)) == 0.5


def test_new_best_flags_follow_the_validation_loss():
    core = LiveDoctor(budget=None)
    vs = feed(core, [1.0, 0.9, 0.8, 0.7], [1.0, 0.8, 0.9, 0.7])  # fewer than min_epochs: no diagnosis yet
    assert [v.new_best for v in vs] == [True, True, False, True] and core.best_epoch == 4


def test_an_epoch_logged_again_replaces_the_earlier_values():
    core = LiveDoctor(budget=None)
    feed(core, [1.0, 0.9, 0.8], [1.0, 0.9, 0.8])
    core.update(3, {"loss": 0.7})
    assert core.logs["loss"] == [1.0, 0.9, 0.7]


def test_finish_diagnoses_the_last_epoch_and_writes_the_history(tmp_path):
    import json
    core = LiveDoctor(budget=None, every=5)
    feed(core, list(np.geomspace(2, 0.5, 7)), list(np.geomspace(2.2, 0.6, 7)))
    assert core.diagnoses[-1][0] == 5
    path = tmp_path / "h.json"
    d = core.finish(history_path=str(path))
    assert core.diagnoses[-1][0] == 7 and d is core.diagnosis
    assert len(json.loads(path.read_text())["loss"]) == 7


@pytest.mark.parametrize("bad", [("overfit",), "overfitting", ("non_finite", "nan")])
def test_unknown_stop_on_codes_are_refused_with_the_valid_ones(bad):
    with pytest.raises(ValueError, match="unknown stop_on code.*choose from non_finite, diverging"):
        LiveDoctor(stop_on=bad)


def test_grid_names_keep_their_distinguishing_end():
    from lossdoctor.show.plot import shorten_middle
    name = "sweeps/2026-11-30/lr_sweep/adam_lr=3e-4_bs=64_seed=7/history.json"
    short = shorten_middle(name, 38)
    assert len(short) == 38 and short.endswith("seed=7/history.json") and short.startswith("sweeps/2026")
    assert shorten_middle("short.json", 38) == "short.json"


def test_earlier_diagnoses_keep_no_history_and_compute_nothing_more():
    """Only the latest diagnosis keeps its history (memory linear in the epochs); the earlier ones
    keep their verdict and words, and what was computed of them, without computing the rest."""
    from lossdoctor.judge.diagnosis import Later

    core = LiveDoctor(budget=None)
    e = np.arange(1, 31)
    for i in range(30):
        core.update(i + 1, {"loss": float(2 * np.exp(-e[i] / 10) + 0.3), "val_loss": float(2 * np.exp(-e[i] / 10) + 0.4)})
    *earlier, (_, latest) = core.diagnoses
    assert latest.history is not None and latest.forecast is not None and latest.timeline
    for _, d in earlier:
        assert d.history is None and not any(isinstance(v, Later) for v in d.__dict__.values())
        assert d.code and d.title and d.forecast is None and d.timeline == ()
    read = core.diagnoses[-1][1]
    fc = read.forecast  # computed while it was the latest: kept once detached
    core.update(31, {"loss": 0.4, "val_loss": 0.5})
    assert core.diagnoses[-2][1].forecast is fc


def test_the_three_callbacks_take_the_parameters_declared_once():
    """Keras, Lightning and Hugging Face take the same keywords (the live core's CallbackOptions),
    show them in their signature, and refuse an unknown one by name before importing a framework."""
    import inspect
    import sys
    from dataclasses import fields

    from lossdoctor import huggingface, keras, lightning
    from lossdoctor.judge.codes import DEFAULT_STOP_ON
    from lossdoctor.live.core import CallbackOptions

    names = [f.name for f in fields(CallbackOptions)]
    for factory in (keras.LossDoctor, lightning.LossDoctor, huggingface.LossDoctor):
        params = inspect.signature(factory).parameters
        assert [p for p in params if p != "base"] == names
        assert params["stop_on"].default == DEFAULT_STOP_ON and params["budget"].default == 0.01
        before = set(sys.modules)
        with pytest.raises(TypeError, match=r"unexpected keyword argument 'stop_onn'; it takes train_key, val_key"):
            factory(stop_onn=("overfitting",))
        assert not {"keras", "lightning", "transformers", "torch"} & (set(sys.modules) - before)
