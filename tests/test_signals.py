"""What the log says beyond the trends: learning rate, gradient norms, spikes, zero losses."""

import numpy as np

from conftest import write
from formats import hf_trainer_state
from lossdoctor import History, diagnose, load_history
from lossdoctor.read.history import Series
from lossdoctor.analyse.signals import classify_spikes

E = np.arange(1.0, 41.0)


def test_a_plateau_under_a_decayed_schedule_is_the_schedule():
    loss = 0.5 + 0.5 * np.exp(-E / 4)
    lr = 1e-3 * np.exp(-E / 4)
    d = diagnose(History.from_dict({"loss": list(loss), "val_loss": list(loss * 1.1), "lr": list(lr)}))
    assert (d.code, d.variant) == ("plateau", "lr_decayed")
    assert f"decayed to {lr[-1]:.2g}" in d.summary and f"({lr.max() / 100:.2g})" in d.fixes[0]
    assert any("decayed to almost nothing" in e for e in d.evidence)


def test_fixes_give_a_number_when_the_learning_rate_is_logged():
    loss = 1.0 + np.r_[np.zeros(20), 0.08 * np.arange(1, 21)]
    d = diagnose(History.from_dict({"loss": list(loss), "val_loss": list(loss * 1.2), "learning_rate": [1e-3] * 40}))
    assert d.code == "diverging"
    assert "from 0.001 to 0.0001" in " ".join(d.fixes)


def test_spikes_are_classified():
    assert classify_spikes((5.0, 15.0, 25.0, 35.0), False) == ("periodic", 10.0)
    assert classify_spikes((3.0, 11.0, 13.0, 30.0), False) == ("recurring", None)
    assert classify_spikes((2.0, 3.0, 4.0), True)[0] == "epoch_boundary"
    assert classify_spikes((7.0,), False) == (None, None)


def test_recurring_spikes_in_a_real_shaped_history_are_named():
    loss = np.exp(-E / 20)
    for s in (8, 19, 27, 33):
        loss[s - 1] *= 3
    d = diagnose(History.from_dict({"loss": list(loss), "val_loss": list(np.exp(-E / 22) * 1.1)}))
    said = " ".join(d.evidence)
    assert "loss spiked 4 times (epoch 8, 19, 27, 33), each time recovering: the learning rate is near" in said
    assert d.to_dict()["signals"]["spike_pattern"] == "recurring"


def test_exploding_gradient_norms_from_a_hugging_face_log(tmp_path):
    import json
    state = json.loads(hf_trainer_state(epochs=20))
    for i, row in enumerate(r for r in state["log_history"] if "loss" in r):
        row["grad_norm"] = 1.0 if i < 70 else 40.0  # the last 10 of 80 logging steps
    d = diagnose(load_history(write(tmp_path, "trainer_state.json", json.dumps(state))))
    assert d.facts.signals.grad_state == "exploding"
    assert any(e.startswith("grad_norm is exploding") for e in d.evidence)


def test_a_loss_of_exactly_zero_is_pointed_out():
    h = History({"loss": Series("loss", E, np.r_[np.exp(-E[:30] / 20), np.zeros(10)]),
                 "val_loss": Series("val_loss", E, np.exp(-E / 20) + 0.1)})
    d = diagnose(h)
    assert any("exactly 0 at epoch 31, 32" in e for e in d.evidence)
