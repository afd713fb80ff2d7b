"""The Lightning callback inside real `Trainer.fit()` runs on CPU (skipped without lightning)."""

import warnings

import pytest

from conftest import lazy, needs
from lossdoctor.lightning import LossDoctor

pytestmark = [pytest.mark.slow, needs("lightning", "torch")]
fw = lazy("fw_lightning")  # the models: lightning and torch are imported by the tests that train


def test_overfitting_run_is_diagnosed_stopped_and_rolled_back(caplog):
    fw.pl.seed_everything(0)
    model = fw.Net()
    cb = LossDoctor(stop_on=("non_finite", "diverging", "overfitting"), restore_best_weights=True)
    t = fw.trainer(cb, 80)
    with caplog.at_level("INFO"):
        t.fit(model, *fw.loaders())
    assert cb.diagnosis.code == "overfitting" and cb.stopped_epoch is not None
    said = " ".join(caplog.text.split())
    assert "LossDoctor, end of training: [overfitting]" in said and "More epochs will not help" in said
    assert t.current_epoch < 80 and cb.core.train_key == "train_loss" and cb.core.monitored_val_key == "val_loss"
    best = cb.best_epoch
    restored = t.validate(model, fw.loaders()[1], verbose=False)[0]["val_loss"]
    assert restored == pytest.approx(cb.core.logs["val_loss"][best - 1], rel=1e-4)


def test_nan_run_is_stopped_at_once():
    fw.pl.seed_everything(0)
    cb = LossDoctor(verbose=0)
    t = fw.trainer(cb, 30)
    t.fit(fw.Net(hidden=16, nan_from=6), *fw.loaders(200))
    assert cb.diagnosis.code == "non_finite" and cb.stopped_epoch == 7 and t.current_epoch == 7


def test_an_error_inside_the_diagnosis_does_not_break_training(monkeypatch):
    import lossdoctor.live.core as live

    def broken(*a, **k):
        raise RuntimeError("injected")
    monkeypatch.setattr(live, "diagnose", broken)
    fw.pl.seed_everything(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = fw.trainer(LossDoctor(), 8)
        t.fit(fw.Net(hidden=16), *fw.loaders(200))
    assert t.current_epoch == 8
    msgs = [str(w.message) for w in caught if "LossDoctor" in str(w.message)]
    assert len(msgs) == 1 and "diagnosis failed at epoch 5 (RuntimeError: injected)" in msgs[0]
