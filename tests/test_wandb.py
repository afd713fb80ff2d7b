"""W&B run files written by wandb itself (offline mode, no server), read like any other log."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs  # noqa: E402

from lossdoctor import diagnose, load_history  # noqa: E402
from lossdoctor.core.errors import HistoryFormatError  # noqa: E402

pytestmark = [pytest.mark.slow, needs("wandb", "keras")]  # the fits run in subprocesses

# a real Keras fit logging each epoch to wandb under the keys Keras' WandbMetricsLogger uses
# ("epoch/loss", "epoch/val_loss", "epoch/epoch"; the logger itself needs TensorFlow)
TRAIN = """
import sys, numpy as np, keras, wandb
run = wandb.init(project="lossdoctor-test", mode="offline", dir=sys.argv[1])
class Log(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        wandb.log({**{f"epoch/{k}": float(v) for k, v in logs.items()}, "epoch/epoch": epoch})
rng = np.random.default_rng(0)
x = rng.standard_normal((40, 2)).astype("float32")
y = (x[:, 0] + 0.5 * rng.standard_normal(40) > 0).astype("float32")
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(128, activation="relu"),
                          keras.layers.Dense(128, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
model.fit(x[:24], y[:24], validation_data=(x[24:], y[24:]), epochs=40, batch_size=8, verbose=0, callbacks=[Log()])
run.finish()
"""


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("wandb")
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", "KERAS_BACKEND": "jax"}
    r = subprocess.run([sys.executable, "-c", TRAIN, str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    files = list(Path(out).glob("wandb/offline-run-*/run-*.wandb"))
    assert len(files) == 1
    return files[0]


def test_an_offline_run_file_is_read_and_diagnosed(run_file):
    h = load_history(str(run_file))
    assert h.format == "wandb" and {"loss", "val_loss"} <= set(h.keys) and h.epochs == 40
    assert "step" not in h  # one row per epoch: the epochs are the axis
    d = diagnose(h)
    assert d.val.key == "val_loss" and d.code in ("overfitting", "learning", "plateau")


def test_the_run_folder_and_a_file_cut_short(run_file, tmp_path):
    from lossdoctor.run.batch import expand

    assert str(run_file) in expand([str(run_file.parent.parent)])
    data = run_file.read_bytes()
    cut = tmp_path / "run-cut.wandb"
    cut.write_bytes(data[: len(data) * 2 // 3])  # killed while writing: what was written stands
    h = load_history(str(cut))
    assert 0 < h.epochs <= 40
    bad = tmp_path / "run-x.wandb"
    bad.write_bytes(b"not a run file")
    with pytest.raises(HistoryFormatError, match="not a W&B run file"):
        load_history(str(bad))
