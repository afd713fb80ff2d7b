"""The best epoch as an engineer reads it: equivalent epochs, onset, cost, and the early stopping replayed."""

import numpy as np
import pytest

from lossdoctor import History, diagnose
from lossdoctor.analyse.checkpoint import analyse, early_stopping
from lossdoctor.words import epoch_list

X = np.arange(1.0, 31.0)
U_SHAPE = list(np.r_[np.linspace(1.0, 0.40, 10), 0.40 + 0.02 * np.arange(1, 21)])


def test_early_stopping_replay_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    val = list(np.exp(-np.arange(30) / 8) + 0.05 * rng.standard_normal(30))
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    for patience in (1, 3, 5):
        cb = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        cb.set_model(model)
        model.stop_training = False
        cb.on_train_begin()
        stopped = None
        for epoch, v in enumerate(val):
            cb.on_epoch_end(epoch, {"val_loss": v})
            if model.stop_training:
                stopped = epoch
                break
        ours = early_stopping(np.array(val), patience)
        assert (ours[0] if ours else None) == stopped
        if ours:
            assert ours[1] == cb.best_epoch


def test_a_u_shaped_validation_loss_has_an_onset_a_cost_and_a_patience():
    c = analyse(X, np.array(U_SHAPE), "val_loss", noise=0.01, level_now=0.8)
    assert c.best_epoch == 10 and c.best_value == pytest.approx(0.40)
    assert c.band == pytest.approx(0.40 * 1.01 ** 2)
    assert c.equivalent_epochs == (10,) and c.onset_epoch == 10 and not c.final_as_good
    assert c.epochs_after_best == 20 and c.share_after_best == pytest.approx(20 / 30)
    assert c.worse_by == pytest.approx(1.0)
    assert (c.patience, c.stop_epoch, c.restored_epoch, c.epochs_saved) == (3, 13, 10, 17)


def test_a_noisy_flat_tail_keeps_the_final_weights():
    # a tail that swings 2% up and down around 0.5, ending on a low epoch
    y = np.r_[np.linspace(1.0, 0.5, 10), 0.5 * (1 + 0.02 * (-1.0) ** np.arange(1, 21))]
    h = History.from_dict({"loss": list(np.linspace(1, 0.2, 30)), "val_loss": list(y)})
    d = diagnose(h)
    c = d.facts.checkpoint
    assert c.final_as_good and len(c.equivalent_epochs) > 3
    assert c.band == pytest.approx(c.best_value * (1 + d.val.noise) ** 2)
    assert all(y[int(e) - 1] <= c.band for e in c.equivalent_epochs)
    text = " ".join(d.evidence)
    assert "the final weights are as good as the best" in text
    if d.code == "overfitting":
        assert "for this run, the final weights are as good as the best" in d.fixes[0]


def test_the_overfitting_fix_names_the_patience_that_suits_the_run_in_its_framework():
    d = diagnose(History.from_dict({"loss": list(1 / X), "val_loss": U_SHAPE}))
    c = d.facts.checkpoint
    assert d.code == "overfitting" and c.patience == 3
    # a Python dict has no framework: the neutral words, with this run's patience
    assert f"(patience {c.patience})" in d.fixes[0] and "keep the checkpoint of epoch 10" in d.fixes[0]
    text = " ".join(d.evidence)
    assert ("val_loss first came within its noise of its best at epoch 10; the 20 epoch(s) after its best "
            "(67% of training) did not "
            "improve it; early stopping with patience 3") in text
    assert "would have stopped at epoch 13 with the weights of epoch 10, 17 epoch(s) sooner" in text
    j = d.to_dict()["checkpoint"]
    assert j["best_epoch"] == 10 and j["patience"] == 3 and j["equivalent_epochs"] == [10]


def test_epoch_lists_join_runs():
    assert epoch_list([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert epoch_list([0.5, 1.0]) == "0.5, 1"
    assert epoch_list(list(range(0, 40, 2)), most=3) == "0, 2, 4 and 17 more"


# -- what the epochs after the best cost in wall-clock time ---------------------------------------

def _console(durations: str) -> str:
    import numpy as np

    return "".join(f"Epoch {i}/40\n32/32 - {durations} - 3ms/step - loss: {np.exp(-i / 8):.4f} - "
                   f"val_loss: {0.5 + 0.002 * (i - 10) ** 2:.4f}\n" for i in range(1, 41))


def test_the_cost_in_hours_from_a_console_logs_epoch_durations():
    from lossdoctor import diagnose
    from lossdoctor.read import console

    d = diagnose(console.parse(_console("95s"), "x"))
    c = d.facts.checkpoint
    assert c.seconds_total == 40 * 95 and c.seconds_after_best == 30 * 95 and c.seconds_saved == 27 * 95
    cost = next(e for e in d.evidence if "did not improve" in e)
    assert "took 48 min of the run's 1.1 h" in cost and "27 epoch(s) sooner (about 43 min)" in cost
    assert d.to_dict()["checkpoint"]["seconds_after_best"] == 2850


def test_no_time_no_hours_and_zero_second_epochs_say_nothing():
    from lossdoctor import diagnose
    from lossdoctor.read import console

    for text in (_console("0s"), _console("0s").replace(" - 0s", "")):
        d = diagnose(console.parse(text, "x"))
        assert d.facts.checkpoint.seconds_after_best is None
        assert not any(" took " in e for e in d.evidence)


def test_runtimes_of_wandb_and_the_callbacks_clock():
    import json

    import numpy as np

    from lossdoctor import diagnose
    from lossdoctor.live.core import LiveDoctor
    from lossdoctor.read.jsonlog import parse

    e = np.arange(1, 41)
    rows = [{"epoch": int(i), "loss": float(np.exp(-i / 8)), "val_loss": float(0.5 + 0.002 * (i - 10) ** 2),
             "_runtime": float(i * 30), "_step": int(i)} for i in e]
    d = diagnose(parse("\n".join(json.dumps(r) for r in rows), "wandb-history.jsonl"))
    assert d.facts.checkpoint.seconds_after_best == 30 * 30
    import itertools

    clock = itertools.count(0, 7)  # every call moves the clock on
    live = LiveDoctor(train_key="loss", budget=None, clock=lambda: next(clock))
    for i in e:
        live.update(int(i), {"loss": float(np.exp(-i / 8)), "val_loss": float(0.5 + 0.002 * (i - 10) ** 2)})
    h = live.history()
    assert h.elapsed is not None and len(h.elapsed) == 40 and np.all(np.diff(h.elapsed.y) > 0)


# -- what the log itself says about the weights kept ---------------------------------------------------

def test_keras_restore_message_is_what_the_fix_keeps():
    import numpy as np

    from lossdoctor import diagnose
    from lossdoctor.read import console

    e = np.arange(1, 31)
    text = "".join(f"Epoch {i}/30\n32/32 - 1s - loss: {np.exp(-i / 8):.4f} - val_loss: {0.5 + 0.002 * (i - 10) ** 2:.4f}\n"
                   for i in e)
    d = diagnose(console.parse(text + "Restoring model weights from the end of the best epoch: 10.\n", "x"))
    assert d.to_dict()["recorded"] == {"restored_epoch": 10} and d.best_epoch == 10
    assert "EarlyStopping already restored the weights of epoch 10, the best one" in d.fixes[0]
    d = diagnose(console.parse(text + "Restoring model weights from the end of the best epoch: 14.\n", "x"))
    assert "restored the weights of epoch 14, while the best val_loss was at epoch 10" in d.fixes[0]
    earlier = "Epoch 1/2\n1/1 - 1s - loss: 1.0 - val_loss: 1.0\nRestoring model weights from the end of the best epoch: 1.\n"
    assert diagnose(console.parse(earlier + text, "x")).to_dict()["recorded"] == {}  # another run's message


def test_the_trainers_best_checkpoint_is_what_the_fix_keeps():
    import json

    import numpy as np

    from lossdoctor import diagnose
    from lossdoctor.read.jsonlog import parse

    e = np.arange(1, 21)
    log = []
    for i in e:
        log.append({"loss": float(np.exp(-i / 6)), "epoch": float(i), "step": int(i * 50)})
        log.append({"eval_loss": float(0.5 + 0.003 * (i - 6) ** 2), "epoch": float(i), "step": int(i * 50)})
    state = {"log_history": log, "best_metric": 0.5, "best_model_checkpoint": "out/checkpoint-300",
             "epoch": 20.0, "num_train_epochs": 20}
    d = diagnose(parse(json.dumps(state), "trainer_state.json"))
    assert d.code == "overfitting"
    assert d.to_dict()["recorded"] == {"best_checkpoint": "checkpoint-300", "best_metric": 0.5, "best_epoch": 6.0}
    assert any("keep checkpoint-300, epoch 6, the checkpoint the Trainer recorded as its best" in f for f in d.fixes)


def test_the_share_after_the_best_is_of_the_whole_run_when_evaluations_start_late():
    """Hugging Face evaluates first after hundreds of steps: 30.5 epochs after a best at epoch 7.6 of
    38.2 trained are 80% of the run, not 97% of the span the evaluations cover."""
    import numpy as np

    from lossdoctor.analyse.checkpoint import analyse

    x = np.array([7.63, 15.26, 22.9, 30.53, 38.17])
    c = analyse(x, np.array([0.321, 0.36, 0.38, 0.40, 0.43]), "eval_loss", 0.017, 0.43)
    assert c.epochs_after_best == pytest.approx(30.54) and c.share_after_best == pytest.approx(30.54 / 38.17)
