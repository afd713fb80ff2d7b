"""Lightning models and loaders for the tests (imported by the tests that train, not at collection)."""

import lightning.pytorch as pl
import numpy as np
import torch


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
