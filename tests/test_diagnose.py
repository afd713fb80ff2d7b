import math

import numpy as np
import pytest

from conftest import SAMPLE_CODES, SAMPLES
from lossdoctor import History, diagnose, load_history
from lossdoctor.show import render
from lossdoctor.core.errors import LossDoctorError, MissingSeriesError
from lossdoctor.analyse.facts import RuleSettings, chance_classes

E = np.arange(1, 41, dtype=float)
FALL = 1.0 + 2.0 * np.exp(-E / 8)        # falls ~40% over the last third
FLAT = np.full(40, 0.5) + 0.0005 * np.sin(E)
RISE = 0.5 + 0.02 * E


def hist(**series) -> History:
    return History.from_dict(series, source="t.json")


@pytest.mark.parametrize("name", sorted(SAMPLE_CODES))
def test_bundled_samples_get_their_documented_code(name):
    code, variant = SAMPLE_CODES[name]
    d = diagnose(load_history(str(SAMPLES / name)))
    assert d.code == code
    if variant:
        assert d.variant == variant


@pytest.mark.parametrize("train,val,code", [
    (FALL, FALL, "learning"),
    (FALL, FLAT, "overfitting"),
    (FALL, RISE, "overfitting"),
    (FLAT, FALL, "data_problem"),
    (FLAT, FLAT, "plateau"),
    (RISE, RISE, "diverging"),
    (RISE, FLAT, "train_rising"),
    (RISE, FALL, "train_rising"),
    (FLAT, RISE, "overfitting"),
])
def test_the_five_documented_cases_and_the_other_combinations(train, val, code):
    # (a validation loss equal to the training loss number for number is a finding of its own)
    assert diagnose(hist(loss=train, val_loss=[1.1 * v for v in val])).code == code


def test_a_validation_loss_that_is_the_training_loss():
    d = diagnose(hist(loss=FALL, val_loss=list(FALL)))
    assert (d.code, d.variant) == ("data_problem", "val_is_train")
    assert "number for number" in d.summary


@pytest.mark.parametrize("train,code", [(FALL, "learning"), (FLAT, "plateau"), (RISE, "diverging")])
def test_train_only_histories_are_judged_and_ask_for_validation(train, code):
    d = diagnose(hist(loss=train))
    assert d.val is None and d.code == code
    assert any("validation" in f for f in d.fixes)


def test_converged_and_never_learned_plateaus_differ():
    learned = np.concatenate([np.linspace(2.0, 0.3, 20), np.full(20, 0.3)]) + 0.001 * np.cos(E)
    never = np.full(40, 1.3) + 0.001 * np.cos(E)
    a = diagnose(hist(loss=learned, val_loss=learned * 1.1))
    b = diagnose(hist(loss=never, val_loss=never * 1.01))
    assert (a.code, a.variant) == ("plateau", "converged")
    assert (b.code, b.variant) == ("plateau", "stuck")
    assert a.summary != b.summary and a.fixes != b.fixes


def test_binary_classifier_at_ln2_with_accuracy_half_is_at_chance():
    y = math.log(2) + 0.0003 * np.sin(E)
    d = diagnose(hist(loss=y, val_loss=y + 0.0002 * np.cos(E), accuracy=np.full(40, 0.5)))
    assert (d.code, d.variant) == ("plateau", "chance")
    assert "ln 2" in d.summary


def test_chance_level_needs_matching_accuracy():
    s = RuleSettings()
    assert chance_classes(math.log(10), 0.1, s) == 10
    assert chance_classes(math.log(10), 0.9, s) is None
    assert chance_classes(0.3, None, s) is None


def test_explosion_that_then_sits_flat_is_diverging():
    y = np.concatenate([np.linspace(1, 0.01, 12), np.full(28, 1.9)])
    d = diagnose(hist(loss=y, val_loss=y * 1.2))
    assert (d.code, d.variant) == ("diverging", "exploded")


def test_nan_is_its_own_finding_with_the_epoch():
    y = FALL.copy()
    y[25:] = np.nan
    d = diagnose(hist(loss=y, val_loss=FALL))
    assert d.code == "non_finite" and d.nonfinite == {"loss": 26.0}
    assert "epoch 26" in d.summary


def test_best_epoch_is_one_based_and_distance_reported():
    val = np.concatenate([np.linspace(1, 0.2, 10), np.linspace(0.2, 0.6, 30)])
    d = diagnose(hist(loss=FALL, val_loss=val))
    assert d.best_epoch == 10 and d.epochs_since_best == 30
    assert "epoch 10" in d.fixes[0]


def test_too_short_history_says_so():
    d = diagnose(hist(loss=[1.0, 0.8], val_loss=[1.1, 0.9]))
    assert d.code == "insufficient_data"
    assert "at least 3" in d.summary


def test_three_and_four_epoch_runs_are_judged_and_called_tentative():
    # A 3-epoch fine-tune is common: a steady fall is still learning, said to be tentative.
    d = diagnose(hist(loss=[0.62, 0.41, 0.30], val_loss=[0.45, 0.38, 0.33]))
    assert d.code == "learning"
    assert any("tentative" in n for n in d.notes)
    d = diagnose(hist(loss=[0.6931, 0.6929, 0.6932, 0.6930], val_loss=[0.6932, 0.6931, 0.6933, 0.6931]))
    assert d.code == "plateau"


def test_a_training_loss_that_blew_up_is_diverging_before_the_validation_loss_follows():
    # Fell to 0.006, then an exploding learning rate: x30 in three epochs; val barely moved yet.
    loss = [0.65, 0.38, 0.20, 0.10, 0.061, 0.044, 0.034, 0.026, 0.020, 0.015, 0.011, 0.0087, 0.0075,
            0.0066, 0.0060, 0.0057, 0.020, 0.18, 0.13, 0.18]
    val = [0.52, 0.29, 0.15, 0.080, 0.052, 0.039, 0.030, 0.023, 0.017, 0.013, 0.010, 0.0087, 0.0073,
           0.0077, 0.0061, 0.0060, 0.0090, 0.0062, 0.0070, 0.0088]
    d = diagnose(hist(loss=loss, val_loss=val))
    assert (d.code, d.variant) == ("diverging", "train_blew_up")
    assert f"{d.facts.train_jump:.0f}x its best" in d.summary
    # The same jump, coming back down at the end, is a training loss that rose, not one that blew up.
    d = diagnose(hist(loss=loss[:-3] + [0.18, 0.05, 0.03, 0.02, 0.014], val_loss=val[:-3] + [0.0062] * 5))
    assert d.code != "diverging"


def test_window_option_and_reported_window():
    d = diagnose(hist(loss=FALL, val_loss=FALL), window=10)
    assert d.window == (31, 40) and d.train.n_points == 10
    assert diagnose(hist(loss=FALL, val_loss=FALL)).window == (27, 40)


def test_other_keys_and_val_pairing():
    d = diagnose(hist(loss=FLAT, val_loss=FLAT, mae=FALL, val_mae=[1.1 * v for v in FALL]), train_key="mae")
    assert (d.train.key, d.val.key, d.code) == ("mae", "val_mae", "learning")


def test_missing_key_lists_what_exists():
    with pytest.raises(MissingSeriesError, match="available keys: loss, val_loss"):
        diagnose(hist(loss=FALL, val_loss=FALL), train_key="mae")


def test_to_dict_is_json_safe():
    import json
    y = FALL.copy()
    y[-1] = np.inf
    d = diagnose(hist(loss=y, val_loss=FALL)).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["diagnosis"]["code"] == "non_finite"


def test_step_level_noise_does_not_hide_the_trend():
    from lossdoctor.read.history import Series
    rng = np.random.default_rng(3)
    steps = np.linspace(0.001, 10, 5000)                     # 500 logged steps per epoch
    train = 1.0 / np.sqrt(steps + 1) * (1 + 0.3 * rng.standard_normal(steps.size))
    val_x = np.arange(1, 11, dtype=float)
    h = History({"train_loss_step": Series("train_loss_step", steps, train, per_step=True),
                 "val_loss": Series("val_loss", val_x, 1.0 / np.sqrt(val_x + 1))})
    d = diagnose(h)
    assert d.train.trend == "falling" and 90 <= d.train.n_points <= 110  # the last third of 300 bins
    assert d.val.n_points == 4 and d.val.trend == "falling"
    assert d.code == "learning"


def test_flat_validation_beside_a_falling_training_loss_is_the_start_of_overfitting():
    """The documented case: train loss falling, val loss flat -> overfitting (the sources' 网络过拟合),
    named by its stage: stopped improving (val_stopped), or stalled for a while (val_flat)."""
    val = 0.8 - 0.0004 * E                      # -1.5% over the window: flat, though a new best every epoch
    d = diagnose(hist(loss=FALL, val_loss=val))
    assert (d.code, d.variant) == ("overfitting", "val_stopped") and d.val.trend == "flat"
    assert d.title == "The start of overfitting: validation loss has stopped improving"
    assert d.fixes[0].startswith("Stop at the best validation epoch: early stopping on 'val_loss'")
    stalled = np.concatenate([0.8 - 0.004 * E[:30], np.full(10, 0.68) + 0.002 * np.cos(E[30:])])
    d = diagnose(hist(loss=FALL, val_loss=stalled))
    assert (d.code, d.variant) == ("overfitting", "val_flat") and d.epochs_since_best >= 2


def test_frozen_loss_after_an_early_blow_up_is_its_own_plateau():
    y = np.concatenate([[2.476], np.full(39, 5.9307)])   # blew up inside epoch 1, then never moved
    d = diagnose(hist(loss=y, val_loss=np.full(40, 5.957)))
    assert (d.code, d.variant, d.rule) == ("plateau", "frozen", "plateau:frozen")
    assert "has not moved at all" in d.summary


def test_oscillating_training_loss_is_pointed_out():
    zigzag = 0.5 * (1 + 0.3 * (-1.0) ** E)          # up, down, up, down: no trend, 30% swings
    d = diagnose(hist(loss=zigzag, val_loss=np.full(40, 0.6)))
    assert d.train.trend == "flat" and d.train.noise > 0.2
    assert any("oscillates by about" in e and "very small batches" in e for e in d.evidence)
    assert not any("oscillates" in e for e in diagnose(hist(loss=RISE * np.exp(E / 3), val_loss=RISE)).evidence)


def test_empty_training_series_is_a_clear_error_and_empty_validation_is_ignored():
    with pytest.raises(MissingSeriesError, match="'loss' has no values"):
        diagnose(hist(loss=[], val_loss=[1.0, 0.9]))
    d = diagnose(hist(loss=FALL, val_loss=[]))
    assert d.val is None and "'val_loss' has no values; judged on 'loss' alone" in d.notes


def test_short_runs_are_judged_and_flagged_as_tentative():
    d = diagnose(hist(loss=[0.55, 0.31, 0.17, 0.23, 0.05], val_loss=[0.22, 0.08, 0.05, 0.046, 0.023]))
    assert d.train.trend == "falling" and d.code == "learning"  # one bump does not hide a 10x fall
    assert any("judged on only 5 points" in n and "tentative" in n for n in d.notes)
    assert not any("tentative" in n for n in diagnose(hist(loss=FALL, val_loss=FALL)).notes)


def test_chance_level_of_a_given_number_of_classes_without_accuracy():
    y = math.log(20) + 0.001 * np.sin(E)
    h = hist(loss=y, val_loss=y + 0.0007 * np.cos(E))
    assert diagnose(h).variant != "chance"  # ln 20 is beyond the classes tried unprompted
    d = diagnose(h, classes=20)
    assert (d.code, d.variant) == ("plateau", "chance") and "ln 20" in d.summary


def test_a_lightning_fix_names_the_checkpoint_in_lightnings_own_numbering():
    """Lightning's metrics.csv and ModelCheckpoint's file names count epochs from 0."""
    from dataclasses import replace
    e = np.arange(1, 31, dtype=float)
    h = History.from_dict({"train_loss": list(np.exp(-e / 8) + 0.1), "val_loss": list(0.5 + 0.02 * (e - 8) ** 2 / 8)})
    d = diagnose(replace(h, format="lightning-csv"))
    assert d.best_epoch == 8 and "keep the checkpoint of epoch 8: Lightning counts from 0, so its file is named " \
                                  "epoch=7-step=<N>.ckpt" in d.fixes[0]
    keras = diagnose(replace(h, format="keras-json"))
    assert "keep the checkpoint of epoch 8." in keras.fixes[0] + "." and "epoch=7" not in keras.fixes[0]


def test_a_hugging_face_fix_names_the_checkpoint_by_its_step():
    """The Trainer names checkpoints `checkpoint-<global step>`: the step logged with the best
    evaluation is the one to keep, not an epoch number the Trainer never writes."""
    import json

    from lossdoctor.read.formats import parse_text
    log = []
    for e in range(1, 21):
        log.append({"epoch": float(e), "step": 125 * e, "loss": round(float(np.exp(-e / 6) + 0.05), 4)})
        log.append({"epoch": float(e), "step": 125 * e, "eval_loss": round(0.5 + 0.02 * (e - 8) ** 2 / 8, 4)})
    d = diagnose(parse_text(json.dumps({"log_history": log}), "trainer_state.json"))
    assert d.best_epoch == 8 and d.facts.best_step == 1000
    assert "keep checkpoint-1000 (the evaluation at step 1000, epoch 8)" in d.fixes[0]
    assert json.loads(render.to_json(d))["facts"]["best_step"] == 1000
    without_steps = diagnose(History.from_dict({"loss": [r["loss"] for r in log[::2]],
                                                "val_loss": [r["eval_loss"] for r in log[1::2]]}))
    assert without_steps.facts.best_step is None and "checkpoint-" not in without_steps.fixes[0]


def test_the_decision_alone_is_the_diagnosis_code():
    """`decide` (the short path of pruners and stoppers) decides as `diagnose` does, on every sample
    and seed, and its `explain` gives the same diagnosis."""
    from conftest import SHARED

    from lossdoctor import decide

    paths = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".json", ".csv"))
    paths += sorted((SHARED / "seeds").glob("*.history.json"))[:120]
    checked = 0
    for path in paths:
        try:
            h = load_history(str(path))
            d = diagnose(h)
        except LossDoctorError:  # the samples that are refused on purpose
            continue
        v = decide(h)
        assert (v.code, v.variant, v.rule) == (d.code, d.variant, d.rule), path.name
        assert v.explain(h).summary == d.summary
        checked += 1
    assert checked >= (6 if not (SHARED / "seeds").is_dir() else 120)  # the samples alone without ../shared
