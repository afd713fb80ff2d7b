"""The checkpoint a fix tells the user to keep exists under that name, in real runs of each framework.

Keras prints epochs and names `ModelCheckpoint` files from 1; Lightning's metrics.csv and its
checkpoint files count epochs from 0; the Hugging Face Trainer names checkpoints by global step.
Each test trains a small model that overfits, saving a checkpoint every epoch, diagnoses the log
the framework wrote (the CLI as a subprocess), and opens the checkpoint the fix names: it must
exist and hold the lowest validation loss the log has.
"""

import csv
import glob
import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def fixes_of(path) -> tuple[str, list[str]]:
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(path), "--format", "json"],
                       capture_output=True, text=True, check=True)
    d = json.loads(r.stdout)
    return d["diagnosis"]["code"], d["fixes"]


def named(fixes: list[str], pattern: str) -> str:
    found = [m for f in fixes if (m := re.search(pattern, f))]
    assert found, fixes
    return found[0].group(1)


def moons(n, seed):
    make_moons = pytest.importorskip("sklearn.datasets").make_moons
    x, y = make_moons(n, noise=0.35, random_state=seed)
    return x.astype("float32"), y.astype("float32")


def test_keras_fix_names_a_modelcheckpoint_file_that_exists(tmp_path):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
    x, y = moons(600, 0)
    h = model.fit(x[:30], y[:30], validation_data=(x[300:], y[300:]), epochs=60, batch_size=8, verbose=0,
                  callbacks=[keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
                             keras.callbacks.ModelCheckpoint(str(tmp_path / "ep{epoch:03d}.weights.h5"),
                                                             save_weights_only=True)])
    code, fixes = fixes_of(tmp_path / "log.csv")
    assert code == "overfitting"
    epoch = int(named(fixes, r"keep the checkpoint of epoch (\d+)"))
    assert epoch == int(np.argmin(h.history["val_loss"])) + 1
    assert (tmp_path / f"ep{epoch:03d}.weights.h5").is_file()  # Keras' own 1-based {epoch}
    model.load_weights(str(tmp_path / f"ep{epoch:03d}.weights.h5"))
    assert model.evaluate(x[300:], y[300:], verbose=0) == pytest.approx(min(h.history["val_loss"]), rel=1e-4)


def test_lightning_fix_names_a_checkpoint_file_that_exists(tmp_path):
    pl = pytest.importorskip("lightning.pytorch")
    torch = pytest.importorskip("torch")

    class Net(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(2, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                           torch.nn.ReLU(), torch.nn.Linear(256, 1))

        def _loss(self, batch):
            x, y = batch
            return torch.nn.functional.binary_cross_entropy_with_logits(self.net(x).squeeze(-1), y)

        def training_step(self, batch, _):
            loss = self._loss(batch)
            self.log("train_loss", loss, on_step=False, on_epoch=True)
            return loss

        def validation_step(self, batch, _):
            self.log("val_loss", self._loss(batch), on_epoch=True)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-2)

    def loader(x, y, **kw):
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), **kw)

    pl.seed_everything(0, verbose=False)
    x, y = moons(600, 0)
    ckpts = tmp_path / "ckpt"
    trainer = pl.Trainer(max_epochs=60, accelerator="cpu", enable_progress_bar=False, enable_model_summary=False,
                         num_sanity_val_steps=0, logger=pl.loggers.CSVLogger(str(tmp_path), name="run"),
                         callbacks=[pl.callbacks.ModelCheckpoint(dirpath=str(ckpts), save_top_k=-1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(Net(), loader(x[:30], y[:30], batch_size=8, shuffle=True), loader(x[300:], y[300:], batch_size=300))
    metrics = glob.glob(str(tmp_path / "run" / "version_0" / "metrics.csv"))[0]
    code, fixes = fixes_of(metrics)
    assert code == "overfitting"
    zero_based = int(named(fixes, r"so its file is named epoch=(\d+)-step=<N>\.ckpt"))
    files = glob.glob(str(ckpts / f"epoch={zero_based}-step=*.ckpt"))
    assert len(files) == 1
    rows = [r for r in csv.DictReader(open(metrics)) if r.get("val_loss")]
    best = min(rows, key=lambda r: float(r["val_loss"]))
    assert int(best["epoch"]) == zero_based  # the row Lightning wrote, in its own numbering


def test_hugging_face_fix_names_a_checkpoint_folder_that_exists(tmp_path):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")

    class Tokens(torch.utils.data.Dataset):
        def __init__(self, n, seed):
            rng = np.random.default_rng(seed)
            self.ids, self.labels = torch.tensor(rng.integers(1, 64, (n, 12))), torch.tensor(rng.integers(0, 2, n))

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}

    config = transformers.BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=16, num_labels=2)
    torch.manual_seed(0)
    out = tmp_path / "out"
    args = transformers.TrainingArguments(
        output_dir=str(out), num_train_epochs=30, learning_rate=2e-3, per_device_train_batch_size=8,
        per_device_eval_batch_size=64, eval_strategy="epoch", logging_strategy="epoch", save_strategy="epoch",
        save_only_model=True, report_to=[], use_cpu=True, disable_tqdm=True, seed=0)
    t = transformers.Trainer(model=transformers.BertForSequenceClassification(config), args=args,
                             train_dataset=Tokens(48, 0), eval_dataset=Tokens(128, 1))
    t.train()
    t.state.save_to_json(str(tmp_path / "trainer_state.json"))
    code, fixes = fixes_of(tmp_path / "trainer_state.json")
    assert code == "overfitting"
    step = int(named(fixes, r"keep checkpoint-(\d+) \(the evaluation at step"))
    assert (out / f"checkpoint-{step}").is_dir()
    evals = [e for e in t.state.log_history if "eval_loss" in e]
    assert min(evals, key=lambda e: e["eval_loss"])["step"] == step
