"""The callback, driven by hand and inside real model.fit() runs on the Keras 3 jax backend."""

import json
import math
import warnings

import numpy as np
import pytest

from conftest import lazy, needs  # noqa: E402

pytestmark = needs("keras")
keras = lazy("keras")  # imported by the tests that use it, not at collection

from click.testing import CliRunner  # noqa: E402

from lossdoctor.cli import cli  # noqa: E402
from lossdoctor.keras import LossDoctor  # noqa: E402


def tiny_model(hidden=(), lr=1e-2, optimizer="adam", inputs=4, out_activation=None, loss="mse"):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((inputs,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
    model = keras.Sequential(layers + [keras.layers.Dense(1, activation=out_activation)])
    opt = keras.optimizers.Adam(lr) if optimizer == "adam" else keras.optimizers.SGD(lr)
    model.compile(opt, loss)
    return model


def regression_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * rng.standard_normal(n)).astype("float32")
    return x, y


def weight_recorder():
    """A callback that keeps each epoch's weights."""
    class WeightRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.weights = {}

        def on_epoch_end(self, epoch, logs=None):
            self.weights[epoch + 1] = [w.copy() for w in self.model.get_weights()]
    return WeightRecorder()


# -- driven by hand ---------------------------------------------------------------------------

def drive(cb, losses, vals=None, model=None):
    cb.set_model(model or tiny_model())
    cb.on_train_begin()
    for i, loss in enumerate(losses):
        logs = {"loss": loss}
        if vals is not None:
            logs["val_loss"] = vals[i]
        cb.on_epoch_end(i, logs)
        if cb.model.stop_training:
            break
    cb.on_train_end()
    return cb


def test_prints_only_when_the_diagnosis_changes(capsys):
    e = np.arange(1, 41)
    cb = drive(LossDoctor(budget=None), list(1 + 2 * np.exp(-e / 8)), list(1.1 + 2 * np.exp(-e / 8)))
    out = capsys.readouterr().out
    timeline = [(d.code, d.variant) for _, d in cb.diagnoses]
    changes = 1 + sum(a != b for a, b in zip(timeline, timeline[1:]))
    assert out.count("LossDoctor: [") == len(cb.core.announcements) <= changes < len(timeline)
    assert "Epoch 5: LossDoctor: [learning]" in out
    assert cb.diagnoses[0][0] == 5 and len(cb.diagnoses) == 36
    assert cb.diagnosis is cb.diagnoses[-1][1]


def test_every_and_min_epochs():
    falling = list(np.linspace(2, 1, 30))
    cb = drive(LossDoctor(min_epochs=10, every=5, verbose=0, budget=None), falling, falling)
    assert [n for n, _ in cb.diagnoses] == [10, 15, 20, 25, 30]


def test_stops_on_nan_by_default():
    losses = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, float("nan"), float("nan"), float("nan")]
    cb = drive(LossDoctor(verbose=0), losses, losses)
    assert cb.model.stop_training and cb.stopped_epoch == 7
    assert cb.diagnosis.code == "non_finite"


def test_warns_once_without_validation_and_diagnoses_train_only():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cb = drive(LossDoctor(verbose=0), list(np.linspace(2, 1, 20)))
    msgs = [str(w.message) for w in caught if "LossDoctor" in str(w.message)]
    assert len(msgs) == 1 and "no 'val_loss' in the epoch logs (available: loss)" in msgs[0]
    assert cb.diagnosis.val is None and cb.diagnosis.code == "learning"


def test_invalid_arguments():
    with pytest.raises(ValueError, match="every, min_epochs and confirm"):
        LossDoctor(every=0)
    with pytest.raises(ValueError, match="budget"):
        LossDoctor(budget=2)


def fake_clock(monkeypatch, cb, diagnosis_seconds):
    import lossdoctor.live.core as lk
    now = [0.0]
    real = lk.diagnose

    def slow_diagnose(*a, **k):
        now[0] += diagnosis_seconds
        return real(*a, **k)
    monkeypatch.setattr(lk, "diagnose", slow_diagnose)
    cb.core._clock = lambda: now[0]
    return now


def test_budget_bounds_the_time_spent_diagnosing(monkeypatch):
    from lossdoctor.live.core import FREE_SECONDS
    cb = LossDoctor(verbose=0, budget=0.01)
    now = fake_clock(monkeypatch, cb, 0.01)  # each diagnosis "takes" 10 ms ...
    cb.set_model(tiny_model())
    cb.on_train_begin()
    for e in range(600):
        now[0] += 0.1            # ... and each epoch 100 ms: diagnosing every epoch would cost 10%
        cb.on_epoch_end(e, {"loss": 1 / (e + 1), "val_loss": 1.1 / (e + 1)})
    assert cb.core._spent <= max(0.01 * now[0], FREE_SECONDS) + 0.01
    assert 0.01 * now[0] > FREE_SECONDS and 50 <= len(cb.diagnoses) <= 62  # 1% of 60 s: about 60 diagnoses
    cb.on_epoch_end(600, {"loss": float("nan"), "val_loss": 1.0})  # NaN skips the budget
    assert cb.diagnoses[-1][0] == 601 and cb.diagnosis.code == "non_finite" and cb.model.stop_training


def test_a_run_too_fast_for_its_share_is_still_diagnosed_and_stopped(monkeypatch):
    """Epochs of 1 ms: 1% of the run pays for no diagnosis, the free quarter second does."""
    cb = LossDoctor(verbose=0, budget=0.01, stop_on=("overfitting",))
    now = fake_clock(monkeypatch, cb, 0.003)
    cb.set_model(tiny_model())
    cb.on_train_begin()
    e = np.arange(1, 101)
    train, val = 1 / e, 0.5 + 0.01 * (e - 10) ** 2 / 10
    for i in range(100):
        now[0] += 0.001
        cb.on_epoch_end(i, {"loss": train[i], "val_loss": val[i]})
        if cb.model.stop_training:
            break
    assert cb.diagnoses[0][0] == 5 and cb.stopped_epoch is not None and cb.stopped_epoch < 40


# -- real model.fit() ---------------------------------------------------------------------------

def test_healthy_run_is_not_stopped_and_ends_with_a_summary(capsys):
    x, y = regression_data()
    model = tiny_model(lr=1e-2)
    cb = LossDoctor(budget=None)
    h = model.fit(x, y, validation_split=0.25, epochs=12, batch_size=32, verbose=0, callbacks=[cb])
    assert len(h.history["loss"]) == 12 and cb.stopped_epoch is None
    assert cb.diagnosis.code == "learning"
    assert len(cb.diagnoses) == 8
    out = capsys.readouterr().out
    assert "LossDoctor, end of training: [learning]" in out
    assert "More epochs help: up to epoch 36, val_loss is expected to reach about" in " ".join(out.split())


def test_nan_run_is_stopped():
    x, y = regression_data()
    model = tiny_model(hidden=(32, 32), lr=5.0, optimizer="sgd")
    cb = LossDoctor(verbose=0)
    h = model.fit(x * 100, y * 100, validation_split=0.25, epochs=30, batch_size=16, verbose=0, callbacks=[cb])
    assert cb.diagnosis.code in ("non_finite", "diverging")
    assert cb.stopped_epoch is not None and len(h.history["loss"]) == cb.stopped_epoch < 30


def test_overfitting_run_is_stopped_with_best_weights_restored():
    make_moons = pytest.importorskip("sklearn.datasets").make_moons
    x, y = make_moons(600, noise=0.35, random_state=0)
    x, y = x.astype("float32"), y.astype("float32")
    model = tiny_model(hidden=(256, 256), lr=1e-2, inputs=2, out_activation="sigmoid", loss="binary_crossentropy")
    recorder = weight_recorder()
    cb = LossDoctor(stop_on=("non_finite", "diverging", "overfitting"), restore_best_weights=True, verbose=0)
    h = model.fit(x[:30], y[:30], validation_data=(x[300:], y[300:]), epochs=150, batch_size=8, verbose=0,
                  callbacks=[recorder, cb])
    assert cb.diagnosis.code == "overfitting" and cb.stopped_epoch < 150
    best = int(np.argmin(h.history["val_loss"])) + 1
    assert cb.best_epoch == best
    for restored, kept in zip(model.get_weights(), recorder.weights[best]):
        np.testing.assert_array_equal(restored, kept)
    val = model.evaluate(x[300:], y[300:], verbose=0)
    assert val == pytest.approx(h.history["val_loss"][best - 1], rel=1e-4)


def test_report_and_history_files_are_written_and_readable(tmp_path):
    x, y = regression_data()
    model = tiny_model(lr=1e-2)
    png, hist = tmp_path / "loss.png", tmp_path / "history.json"
    cb = LossDoctor(report_path=str(png), history_path=str(hist), verbose=0)
    model.fit(x, y, validation_split=0.25, epochs=8, batch_size=32, verbose=0, callbacks=[cb])
    assert png.read_bytes()[:4] == b"\x89PNG"
    saved = json.loads(hist.read_text())
    assert len(saved["loss"]) == 8 and len(saved["val_loss"]) == 8
    r = CliRunner().invoke(cli, ["diagnose", str(hist), "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)["diagnosis"]["code"] == cb.diagnosis.code


def test_failure_inside_the_diagnosis_does_not_stop_fit(monkeypatch):
    import lossdoctor.live.core as lk

    def broken(*a, **k):
        raise RuntimeError("injected")
    monkeypatch.setattr(lk, "diagnose", broken)
    x, y = regression_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = tiny_model().fit(x, y, validation_split=0.25, epochs=8, verbose=0, callbacks=[LossDoctor()])
    assert len(h.history["loss"]) == 8
    msgs = [str(w.message) for w in caught if "LossDoctor" in str(w.message)]
    assert len(msgs) == 1 and "diagnosis failed at epoch 5 (RuntimeError: injected); training goes on" in msgs[0]
    assert not math.isnan(h.history["loss"][-1])


FIT_SCRIPT = """
import json, os, sys
os.environ["KERAS_BACKEND"] = sys.argv[1]
import keras, numpy as np
from lossdoctor.keras import LossDoctor
keras.utils.set_random_seed(0)
x = np.random.default_rng(0).standard_normal((256, 4)).astype("float32")
y = x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(keras.optimizers.Adam(1e-2), "mse")
cb = LossDoctor(verbose=0, budget=None)
model.fit(x, y, validation_split=0.25, epochs=8, verbose=0, callbacks=[cb])
print(json.dumps({"backend": keras.backend.backend(), "code": cb.diagnosis.code, "n": len(cb.diagnoses)}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend,module", [("jax", "jax"), ("torch", "torch"), ("tensorflow", "tensorflow")])
def test_real_fit_on_every_installed_backend(backend, module):
    import importlib.util
    import subprocess
    import sys
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")
    r = subprocess.run([sys.executable, "-c", FIT_SCRIPT, backend], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out == {"backend": backend, "code": "learning", "n": 4}


def test_any_callback_base_class_works_like_tf_keras():
    class Base:  # the interface Keras 2 / tf.keras callbacks have
        def __init__(self):
            self.model = None

        def set_model(self, model):
            self.model = model

    class Model:
        stop_training = False

    cb = LossDoctor(base=Base, verbose=0, budget=None)
    assert isinstance(cb, Base) and type(cb).__name__ == "LossDoctor"
    cb.set_model(Model())
    cb.on_train_begin()
    for e in range(8):
        cb.on_epoch_end(e, {"loss": 1.0 if e < 6 else float("nan"), "val_loss": 1.0})
        if cb.model.stop_training:
            break
    assert cb.stopped_epoch == 7 and cb.diagnosis.code == "non_finite"


def test_a_metric_with_one_value_per_class_does_not_break_fit():
    # keras.metrics.F1Score(average=None) logs an array per epoch: not one number to judge
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 4)).astype("float32")
    y = keras.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=[keras.metrics.F1Score(average=None, name="f1")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = model.fit(x, y, validation_split=0.25, epochs=6, verbose=0, callbacks=[LossDoctor(train_key="f1")])
    assert len(h.history["loss"]) == 6
    msgs = [str(w.message) for w in caught if "LossDoctor" in str(w.message)]
    assert len(msgs) == 1 and "no 'f1' in the epoch logs" in msgs[0]


def test_the_callback_class_itself_takes_the_same_keywords():
    """`type(LossDoctor())` subclassed and made with keywords (as bench/speed.py times it) gets
    the same options as the factory, and refuses an unknown one the same way."""
    cls = type(LossDoctor())
    cb = cls(verbose=0, budget=None, stop_on=("non_finite", "overfitting"))
    assert cb.verbose == 0 and cb.core.budget is None and cb.core.stop_on == ("non_finite", "overfitting")
    with pytest.raises(TypeError, match="unexpected keyword argument 'verbos'"):
        cls(verbos=0)
