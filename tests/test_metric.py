"""The task metric beside the loss: direction, the over-confident model, a model that never generalised."""

import numpy as np

from conftest import SAMPLES, write
from lossdoctor import History, diagnose, load_history
from lossdoctor.analyse.metric import direction, validation_metric


def test_which_way_is_better():
    assert direction("val_accuracy") and direction("eval_f1") and direction("val_auc") and direction("val/mAP")
    assert direction("eval_wer") is False and direction("val_mae") is False and direction("val_rmse") is False
    assert direction("val_loss") is None and direction("val_something") is None


def test_the_metric_beside_the_validation_loss():
    h = History.from_dict({"loss": [1, 2], "val_loss": [1, 2], "val_auc": [1, 2], "val_accuracy": [1, 2], "lr": [1, 1]})
    assert validation_metric(h, "val_loss") == "val_accuracy"
    assert validation_metric(History.from_dict({"loss": [1], "eval_loss": [1], "eval_wer": [1]}), "eval_loss") == "eval_wer"
    assert validation_metric(h, None) is None


def test_the_bundled_overfitting_sample_keeps_the_best_accuracy_not_the_best_loss():
    d = diagnose(load_history(str(SAMPLES / "overfitting.json")))
    m = d.facts.metric
    assert (d.code, d.variant) == ("overfitting", "overconfident")
    assert m.key == "val_accuracy" and m.at_loss_best < m.best_value and m.better_after_loss_best
    assert d.title == "Over-confident: validation loss rises while val_accuracy still improves"
    assert f"best {m.best_value:.3g} at epoch {m.best_epoch:.0f}" in d.summary
    assert (f"Keep the checkpoint of the best val_accuracy (epoch {m.best_epoch:.0f}), not of the best loss: "
            "EarlyStopping(monitor='val_accuracy', mode='max'") in d.fixes[0]
    assert d.to_dict()["metric"]["better_after_loss_best"] is True


def test_a_lower_is_better_metric_in_hugging_face_words(tmp_path):
    import json
    rows = []
    for e in range(1, 21):
        rows.append({"epoch": e, "step": 10 * e, "loss": 1.0 / e, "learning_rate": 1e-4})
        rows.append({"epoch": e, "step": 10 * e, "eval_loss": 0.5 + 0.02 * abs(e - 6), "eval_wer": 0.9 - 0.01 * e})
    d = diagnose(load_history(write(tmp_path, "trainer_state.json", json.dumps({"log_history": rows}))))
    assert d.variant == "overconfident" and d.facts.metric.key == "eval_wer"
    assert "metric_for_best_model='wer', greater_is_better=False" in d.fixes[0]


def test_an_accuracy_at_chance_all_run_is_a_model_that_never_generalised():
    e = np.arange(1, 41)
    val_acc = np.full(40, 1 / 3)
    val_acc[7] = 0.35
    h = History.from_dict({"loss": list(1 / e), "val_loss": list(1.0986 + 0.001 * np.sin(e)),
                           "accuracy": list(1 - 0.5 / e), "val_accuracy": list(val_acc)})
    d = diagnose(h)
    assert (d.code, d.variant) == ("overfitting", "never_generalised")
    assert "chance level (1/3 = 0.333)" in d.summary and "No checkpoint fixes that" in d.summary
