"""The Lightning callback inside real `Trainer.fit()` runs on CPU (skipped without lightning)."""

import warnings

import numpy as np
import pytest

pl = pytest.importorskip("lightning.pytorch")
torch = pytest.importorskip("torch")

from lossdoctor.lightning import LossDoctor  # noqa: E402

pytestmark = pytest.mark.slow


class Net(pl.LightningModule):
    def __init__(self, hidden=256, lr=1e-2, nan_from=None):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
        self.lr, self.nan_from = lr, nan_from

    def _loss(self, batch):
        x, y = batch
        return torch.nn.functional.binary_cross_entropy_with_logits(self.net(x).squeeze(-1), y)

    def training_step(self, batch, _):
        loss = self._loss(batch)
        if self.nan_from is not None and self.current_epoch >= self.nan_from:
            loss = loss * float("nan")
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, _):
        self.log("val_loss", self._loss(batch), on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def moons(n, seed):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.stack([np.cos(t) + label * 1.0, np.sin(t) * (1 - 2 * label) + label * 0.5], 1)
    x += 0.35 * rng.standard_normal(x.shape)
    return torch.utils.data.TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(label, dtype=torch.float32))


def loaders(n_train=40):
    train = torch.utils.data.DataLoader(moons(n_train, 0), batch_size=8, shuffle=True)
    val = torch.utils.data.DataLoader(moons(400, 1), batch_size=200)
    return train, val


def trainer(cb, epochs):
    return pl.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                      enable_progress_bar=False, enable_model_summary=False, callbacks=[cb], num_sanity_val_steps=0)


def test_overfitting_run_is_diagnosed_stopped_and_rolled_back(caplog):
    pl.seed_everything(0)
    model = Net()
    cb = LossDoctor(stop_on=("non_finite", "diverging", "overfitting"), restore_best_weights=True)
    t = trainer(cb, 80)
    with caplog.at_level("INFO"):
        t.fit(model, *loaders())
    assert cb.diagnosis.code == "overfitting" and cb.stopped_epoch is not None
    said = " ".join(caplog.text.split())
    assert "LossDoctor, end of training: [overfitting]" in said and "More epochs will not help" in said
    assert t.current_epoch < 80 and cb.core.train_key == "train_loss" and cb.core.monitored_val_key == "val_loss"
    best = cb.best_epoch
    restored = t.validate(model, loaders()[1], verbose=False)[0]["val_loss"]
    assert restored == pytest.approx(cb.core.logs["val_loss"][best - 1], rel=1e-4)


def test_nan_run_is_stopped_at_once():
    pl.seed_everything(0)
    cb = LossDoctor(verbose=0)
    t = trainer(cb, 30)
    t.fit(Net(hidden=16, nan_from=6), *loaders(200))
    assert cb.diagnosis.code == "non_finite" and cb.stopped_epoch == 7 and t.current_epoch == 7


def test_an_error_inside_the_diagnosis_does_not_break_training(monkeypatch):
    import lossdoctor.live as live

    def broken(*a, **k):
        raise RuntimeError("injected")
    monkeypatch.setattr(live, "diagnose", broken)
    pl.seed_everything(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = trainer(LossDoctor(), 8)
        t.fit(Net(hidden=16), *loaders(200))
    assert t.current_epoch == 8
    msgs = [str(w.message) for w in caught if "LossDoctor" in str(w.message)]
    assert len(msgs) == 1 and "diagnosis failed at epoch 5 (RuntimeError: injected)" in msgs[0]
