"""The Hugging Face callback inside real `Trainer.train()` runs of a tiny model built from a config."""

import json
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")

from lossdoctor.huggingface import LossDoctor  # noqa: E402

pytestmark = pytest.mark.slow


class Tokens(torch.utils.data.Dataset):
    """Random token sequences with random labels: memorised in training, never generalised."""

    def __init__(self, n, seed, length=12, vocab=64):
        rng = np.random.default_rng(seed)
        self.ids = torch.tensor(rng.integers(1, vocab, (n, length)))
        self.labels = torch.tensor(rng.integers(0, 2, n))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}


def tiny_model():
    config = transformers.BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=16, num_labels=2)
    torch.manual_seed(0)
    return transformers.BertForSequenceClassification(config)


def train(tmp_path, cb, epochs=40, lr=2e-3, **kw):
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=epochs, learning_rate=lr, per_device_train_batch_size=8,
        per_device_eval_batch_size=64, eval_strategy="epoch", logging_strategy="epoch", save_strategy="no",
        report_to=[], use_cpu=True, disable_tqdm=True, seed=0, **kw)
    t = transformers.Trainer(model=tiny_model(), args=args, train_dataset=Tokens(48, 0), eval_dataset=Tokens(128, 1),
                             callbacks=[cb])
    t.train()
    return t


def test_overfitting_run_is_diagnosed_stopped_and_rolled_back(tmp_path):
    cb = LossDoctor(stop_on=("non_finite", "diverging", "overfitting"), restore_best_weights=True, verbose=0,
                    history_path=str(tmp_path / "h.json"))
    t = train(tmp_path, cb)
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
    t = transformers.Trainer(model=tiny_model(), args=args, train_dataset=Tokens(48, 0),
                             eval_dataset=Tokens(64, 1), callbacks=[NaNAfter(), cb])
    t.train()
    assert cb.diagnosis.code == "non_finite" and cb.stopped_epoch == 6 and t.state.epoch == pytest.approx(6.0)


def test_an_error_inside_the_diagnosis_does_not_break_training(tmp_path, monkeypatch):
    import lossdoctor.live as live

    def broken(*a, **k):
        raise RuntimeError("injected")
    monkeypatch.setattr(live, "diagnose", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = train(tmp_path, LossDoctor(), epochs=7)
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
    t = transformers.Trainer(model=tiny_model(), args=args, train_dataset=Tokens(48, 0), eval_dataset=Tokens(128, 1),
                             callbacks=[cb])
    t.train()
    xs = list(cb.core.history()["eval_loss"].x)
    assert xs == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
