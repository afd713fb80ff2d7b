"""A value that was not logged is missing, never non-finite: evaluation every N epochs, resumed runs,
a Trainer that evaluates more often than it logs the training loss. The callbacks at their defaults
must train a healthy run exactly as long as the same run without them."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from lossdoctor import diagnose, load_history
from lossdoctor.live.core import LiveDoctor

from conftest import write


def healthy(n):
    e = np.arange(1, n + 1, dtype=float)
    return list(2 * np.exp(-e / 12) + 0.2), list(2.1 * np.exp(-e / 12) + 0.25)


# -- the live core, driven by hand ------------------------------------------------------------

@pytest.mark.parametrize("freq", [2, 5])
def test_validation_every_n_epochs_is_not_a_nan_loss(freq):
    train, val = healthy(30)
    core = LiveDoctor(budget=None)
    for n in range(1, 31):
        logs = {"loss": train[n - 1]}
        if n % freq == 0:
            logs["val_loss"] = val[n - 1]
        assert not core.update(n, logs).stop
    codes = {d.code for _, d in core.diagnoses}
    assert "non_finite" not in codes and core.diagnosis.code == "learning"
    h = core.history()
    assert list(h["val_loss"].x) == [float(n) for n in range(freq, 31, freq)]
    assert np.isfinite(h["val_loss"].y).all() and len(h["loss"]) == 30
    assert core.logs["val_loss"] == [val[n - 1] for n in range(freq, 31, freq)]


def test_a_resumed_run_starts_at_its_first_epoch_and_waits_min_epochs():
    train, val = healthy(30)
    core = LiveDoctor(budget=None, min_epochs=5)
    verdicts = [core.update(n, {"loss": train[n - 1], "val_loss": val[n - 1]}) for n in range(11, 31)]
    assert not any(v.stop for v in verdicts)
    assert [v.diagnosis is not None for v in verdicts[:5]] == [False] * 4 + [True]  # 5 epochs recorded, not epoch 5
    assert core.diagnosis.code == "learning" and list(core.history()["loss"].x) == [float(n) for n in range(11, 31)]
    assert core.positions == [float(n) for n in range(11, 31)]


def test_a_training_loss_missing_at_some_updates_is_not_a_nan_loss():
    train, val = healthy(40)
    core = LiveDoctor(val_key="eval_loss", budget=None, framework="huggingface", point="Evaluation")
    for n in range(1, 41):
        logs = {"eval_loss": val[n - 1]}
        if n % 3 == 0:
            logs["loss"] = train[n - 1]
        assert not core.update(n, logs, position=n / 4).stop
    assert core.diagnosis.code != "non_finite" and np.isfinite(core.history()["loss"].y).all()


def test_a_logged_nan_is_still_non_finite_beside_missing_values():
    train, val = healthy(12)
    core = LiveDoctor(budget=None)
    for n in range(1, 12):
        core.update(n, {"loss": train[n - 1], **({"val_loss": val[n - 1]} if n % 2 == 0 else {})})
    v = core.update(12, {"loss": math.nan})
    assert v.stop and v.diagnosis.code == "non_finite"


def test_the_written_history_keeps_missing_values_missing(tmp_path):
    train, val = healthy(20)
    core = LiveDoctor(budget=None)
    for n in range(1, 21):
        core.update(n, {"loss": train[n - 1], **({"val_loss": val[n - 1]} if n % 4 == 0 else {})})
    path = tmp_path / "h.json"
    core.finish(history_path=str(path))
    saved = json.loads(path.read_text())
    assert saved["val_loss"][:4] == [None, None, None, val[3]] and len(saved["loss"]) == 20
    h = load_history(str(path))
    assert list(h["val_loss"].x) == [4.0, 8.0, 12.0, 16.0, 20.0]
    assert diagnose(h).code == "learning"


# -- files and objects people hold ----------------------------------------------------------

def test_json_null_is_missing_and_nan_is_non_finite(tmp_path):
    train, val = healthy(20)
    sparse = [v if i % 2 else None for i, v in enumerate(val)]
    h = load_history(write(tmp_path, "a.json", json.dumps({"loss": train, "val_loss": sparse})))
    assert len(h["val_loss"]) == 10 and diagnose(h).code == "learning"
    nan = load_history(write(tmp_path, "b.json", json.dumps({"loss": train[:-1] + [math.nan], "val_loss": val})))
    assert diagnose(nan).code == "non_finite"


def test_a_history_of_validation_freq_places_the_evaluations(tmp_path):
    train, val = healthy(30)
    h = load_history(write(tmp_path, "a.json", json.dumps({"loss": train, "val_loss": val[2::3]})))
    assert list(h["val_loss"].x) == [3.0 * k for k in range(1, 11)]
    assert any("validation_freq=3" in n for n in h.notes)
    assert diagnose(h).code == "learning"
    odd = load_history(write(tmp_path, "b.json", json.dumps({"loss": train, "val_loss": val[:11]})))
    assert list(odd["val_loss"].x) == [float(n) for n in range(1, 12)]  # 11 of 30 fits no validation_freq


def test_a_dataframe_with_unevaluated_epochs():
    pd = pytest.importorskip("pandas")
    train, val = healthy(20)
    df = pd.DataFrame({"loss": train, "val_loss": [v if i % 2 else float("nan") for i, v in enumerate(val)]})
    d = diagnose(df)
    assert d.code == "learning" and len(d.history["val_loss"]) == 10


# -- real fits: the same run with and without the callback trains as long --------------------

KERAS_SCRIPT = r"""
import json, os, sys, warnings
os.environ["KERAS_BACKEND"] = sys.argv[1]
import keras, numpy as np
from lossdoctor.keras import LossDoctor

def run(callback, **fit):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.3 * rng.standard_normal(512)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(3e-3), "mse")
    cbs = [LossDoctor(verbose=0)] if callback else []
    h = model.fit(x, y, validation_split=0.25, batch_size=64, verbose=0, callbacks=cbs, **fit)
    codes = sorted({d.code for _, d in cbs[0].diagnoses}) if callback else []
    return {"epochs": len(h.history["loss"]), "stopped": cbs[0].stopped_epoch if callback else None, "codes": codes}

out = {}
for name, fit in [("validation_freq=2", dict(epochs=24, validation_freq=2)),
                  ("validation_freq=5", dict(epochs=25, validation_freq=5)),
                  ("initial_epoch=10", dict(epochs=30, initial_epoch=10))]:
    out[name] = [run(False, **fit), run(True, **fit)]
print(json.dumps(out))
"""


def keras_runs(backend):
    r = subprocess.run([sys.executable, "-c", KERAS_SCRIPT, backend], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_fits_with_missing_values_train_as_long_with_the_callback(backend):
    pytest.importorskip("keras")
    pytest.importorskip(backend)
    for name, (without, with_cb) in keras_runs(backend).items():
        assert with_cb["epochs"] == without["epochs"], (name, with_cb)
        assert with_cb["stopped"] is None and "non_finite" not in with_cb["codes"], (name, with_cb)


@pytest.mark.slow
def test_lightning_fits_with_missing_values_train_as_long_with_the_callback(tmp_path):
    pl = pytest.importorskip("lightning.pytorch")
    from fw_lightning import Net, loaders

    from lossdoctor.lightning import LossDoctor

    def fit(callback, epochs, ckpt=None, save=None, **kw):
        pl.seed_everything(0)
        cbs = [LossDoctor(verbose=0)] if callback else []
        trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                             enable_progress_bar=False, enable_model_summary=False, callbacks=cbs,
                             num_sanity_val_steps=0, **kw)
        trainer.fit(Net(lr=3e-3), *loaders(200), ckpt_path=ckpt)
        if save:
            trainer.save_checkpoint(save)
        return trainer.current_epoch, (cbs[0].stopped_epoch, {d.code for _, d in cbs[0].diagnoses}) if cbs else None

    ckpt = str(tmp_path / "four.ckpt")
    fit(False, 4, save=ckpt)
    for name, kw in [("check_val_every_n_epoch=2", dict(epochs=16, check_val_every_n_epoch=2)),
                     ("resumed from ckpt_path", dict(epochs=16, ckpt=ckpt))]:
        without, _ = fit(False, **kw)
        epochs, (stopped, codes) = fit(True, **kw)
        assert epochs == without == 16 and stopped is None and "non_finite" not in codes, (name, codes)


@pytest.mark.slow
def test_a_trainer_evaluating_more_often_than_it_logs_trains_as_long_with_the_callback(tmp_path):
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    from fw_huggingface import Tokens, tiny_model

    from lossdoctor.huggingface import LossDoctor

    def train(callback):
        cbs = [LossDoctor(verbose=0)] if callback else []
        args = transformers.TrainingArguments(
            output_dir=str(tmp_path / "out"), num_train_epochs=8, learning_rate=5e-4, per_device_train_batch_size=8,
            eval_strategy="steps", eval_steps=2, logging_strategy="steps", logging_steps=5, save_strategy="no",
            report_to=[], use_cpu=True, disable_tqdm=True, seed=0)
        t = transformers.Trainer(model=tiny_model(), args=args, train_dataset=Tokens(48, 0),
                                 eval_dataset=Tokens(64, 1), callbacks=cbs)
        t.train()
        return t.state.global_step, cbs[0] if cbs else None

    steps, _ = train(False)
    steps_cb, cb = train(True)
    assert steps_cb == steps == 48 and cb.stopped_epoch is None
    assert "non_finite" not in {d.code for _, d in cb.diagnoses}
    assert len(cb.core.history()["loss"]) < len(cb.core.history()["eval_loss"])


# -- the live core under random gaps: never a NaN it was not given, never an exception ------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 2)), min_size=1, max_size=40),
       st.integers(0, 30), st.sampled_from(["keras", "huggingface"]))
def test_random_gaps_resumes_and_relogs_never_read_as_non_finite(pattern, start, framework):
    train, val = healthy(2 * len(pattern) + start + 5)
    core = LiveDoctor(budget=None, framework=framework, stop_on=("non_finite", "diverging"))
    n = start
    for has_train, has_val, step in pattern:
        n = max(1, n + step - (step == 0))  # forward, or the same update again (a re-logged epoch)
        logs = {}
        if has_train:
            logs["loss"] = train[n - 1]
        if has_val:
            logs["val_loss"] = val[n - 1]
        v = core.update(n, logs)
        assert not (v.diagnosis is not None and v.diagnosis.code == "non_finite")
        assert not v.stop or v.diagnosis.code == "diverging"
    h = core.history() if core.logs else None
    if h is not None:
        assert all(np.isfinite(s.y).all() for s in h.series.values())
        assert all(np.all(np.diff(s.x) > 0) for s in h.series.values())
