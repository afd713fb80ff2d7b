"""Fixes speak the user's framework, and never name a series the log does not have."""

import json

import pytest

from conftest import SAMPLES, write
from formats import hf_trainer_state, lightning_metrics_csv
from lossdoctor import History, diagnose, load_history
from lossdoctor.words.advice import ADVICE
from lossdoctor.words.apis import API
from lossdoctor.judge.diagnosis import fill_fixes
from lossdoctor.analyse.facts import compute_facts
from lossdoctor.words import context

KERAS_ONLY = ("restore_best_weights", "kernel_regularizer", "MaxPooling2D", "validation_split", "TerminateOnNaN",
              "clipnorm", "Normalization layer")


def test_every_framework_spells_every_api():
    names = set(API["keras"])
    for framework, vocab in API.items():
        assert set(vocab) == names, framework


def fixes_of(path):
    return " ".join(diagnose(load_history(path)).fixes)


def test_keras_logs_get_keras_fixes(tmp_path):
    text = fixes_of(str(SAMPLES / "overfitting.json"))  # val_accuracy still improves: its checkpoint
    assert "EarlyStopping(monitor='val_accuracy', mode='max', patience=5, restore_best_weights=True)" in text
    h = json.loads((SAMPLES / "overfitting.json").read_text())
    text = fixes_of(write(tmp_path, "h.json", json.dumps({k: h[k] for k in ("loss", "val_loss")})))
    assert "EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)" in text


def test_lightning_logs_get_lightning_fixes(tmp_path):
    text = fixes_of(write(tmp_path, "metrics.csv", lightning_metrics_csv(epochs=12)))
    assert "ModelCheckpoint(monitor='val_loss', save_top_k=1)" in text
    assert not any(k in text for k in KERAS_ONLY), text


def test_hugging_face_logs_get_trainer_fixes(tmp_path):
    text = fixes_of(write(tmp_path, "trainer_state.json", hf_trainer_state(epochs=12)))
    assert "load_best_model_at_end=True" in text and "metric_for_best_model='eval_loss'" in text
    assert not any(k in text for k in KERAS_ONLY), text


@pytest.mark.parametrize("framework", sorted(API))
def test_every_outcome_reads_in_every_framework(framework):
    h = History.from_dict({"loss": [1.0, 0.8, 0.7, 0.65, 0.6, 0.58], "val_loss": [1.1, 0.9, 0.8, 0.8, 0.82, 0.85]})
    ctx = context(compute_facts(h), framework=framework)
    for advice in ADVICE.values():
        for fix in fill_fixes(advice.fixes, ctx):
            assert "{" not in fix and fix.strip(), fix
            if framework != "keras":
                assert not any(k in fix for k in KERAS_ONLY), (framework, fix)


@pytest.mark.parametrize("train", [[1.0, 0.8, 0.6, 0.5, 0.4, 0.3], [1.0] * 3 + [0.99] * 3, [1.0, 1.5, 2.2, 3.4, 5.0, 8.0]])
def test_no_fix_names_a_validation_series_that_is_absent(train):
    d = diagnose(History.from_dict({"loss": train}))
    assert d.val is None
    text = " ".join(d.fixes)
    assert "val_loss" not in text and "monitor=" not in text
    assert d.variant != "no_val" or "Add a validation set" in text


def test_a_keras_train_only_log_is_told_how_keras_adds_validation(tmp_path):
    import json
    d = diagnose(load_history(write(tmp_path, "h.json", json.dumps({"loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3]}))))
    assert d.format == "keras-json" and "validation_split=0.2" in d.fixes[0] and "monitor=" not in " ".join(d.fixes)
