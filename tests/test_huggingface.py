"""The Hugging Face callback inside real `Trainer.train()` runs of a tiny model built from a config."""

import json
import warnings

import pytest

from conftest import lazy, needs
from lossdoctor.huggingface import LossDoctor

pytestmark = [pytest.mark.slow, needs("torch", "transformers", "accelerate")]
transformers = lazy("transformers")
fw = lazy("fw_huggingface")  # the model and data: torch and transformers are imported by the tests that train


def test_overfitting_run_is_diagnosed_stopped_and_rolled_back(tmp_path):
    cb = LossDoctor(stop_on=("non_finite", "diverging", "overfitting"), restore_best_weights=True, verbose=0,
                    history_path=str(tmp_path / "h.json"))
    t = fw.train(tmp_path, cb)
    assert cb.diagnosis.code == "overfitting" and cb.stopped_epoch is not None
    assert t.state.epoch < 40
    assert t.state.log_history[-1]["lossdoctor_code"] == "overfitting"
    assert t.state.log_history[-1]["lossdoctor_more_epochs_help"] is False
    best = cb.best_epoch
    restored = t.evaluate()["eval_loss"]
    assert restored == pytest.approx(cb.core.logs["eval_loss"][best - 1], rel=1e-3)
    saved = json.loads((tmp_path / "h.json").read_text())
    assert len(saved["loss"]) == len(saved["eval_loss"]) == len(cb.core.positions)


def test_nan_run_is_stopped_at_once(tmp_path):
    class NaNAfter(transformers.TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs and state.epoch >= 6:
                logs["loss"] = float("nan")
    cb = LossDoctor(verbose=0)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=30, learning_rate=1e-3, per_device_train_batch_size=8,
        eval_strategy="epoch", logging_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True,
        disable_tqdm=True, seed=0)
    t = transformers.Trainer(model=fw.tiny_model(), args=args, train_dataset=fw.Tokens(48, 0),
                             eval_dataset=fw.Tokens(64, 1), callbacks=[NaNAfter(), cb])
    t.train()
    assert cb.diagnosis.code == "non_finite" and cb.stopped_epoch == 6 and t.state.epoch == pytest.approx(6.0)


def test_an_error_inside_the_diagnosis_does_not_break_training(tmp_path, monkeypatch):
    import lossdoctor.live.core as live

    def broken(*a, **k):
        raise RuntimeError("injected")
    monkeypatch.setattr(live, "diagnose", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = fw.train(tmp_path, LossDoctor(), epochs=7)
    assert t.state.epoch == pytest.approx(7.0)
    msgs = [str(w.message) for w in caught if "LossDoctor" in str(w.message)]
    assert len(msgs) == 1 and "diagnosis failed at epoch 5 (RuntimeError: injected)" in msgs[0]


def test_evaluations_inside_epochs_sit_at_the_trainers_epoch(tmp_path):
    """Evaluating twice an epoch: the values sit at state.epoch (0.5, 1.0, ...), not at 1, 2, 3, ..."""
    cb = LossDoctor(verbose=0, budget=None)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=3, learning_rate=2e-3, per_device_train_batch_size=8,
        per_device_eval_batch_size=64, eval_strategy="steps", eval_steps=3, logging_strategy="steps",
        logging_steps=3, save_strategy="no", report_to=[], use_cpu=True, disable_tqdm=True, seed=0)
    t = transformers.Trainer(model=fw.tiny_model(), args=args, train_dataset=fw.Tokens(48, 0), eval_dataset=fw.Tokens(128, 1),
                             callbacks=[cb])
    t.train()
    xs = list(cb.core.history()["eval_loss"].x)
    assert xs == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
