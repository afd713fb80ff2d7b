"""The Optuna pruner in real studies on an SQLite storage, two worker processes at once."""

import math
import multiprocessing
import warnings

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

import lossdoctor.optuna as ld  # noqa: E402

pytestmark = pytest.mark.slow

EPOCHS = 30


def curves(kind: str, seed: int, epochs: int = EPOCHS):
    """A training run of each kind, epoch by epoch: (loss, val_loss)."""
    rng = np.random.default_rng(seed)
    e = np.arange(1, epochs + 1, dtype=float)
    noise = 1 + 0.01 * rng.standard_normal((2, epochs))
    if kind == "learning":
        train, val = 2 * np.exp(-e / 12) + 0.3, 2.1 * np.exp(-e / 12) + 0.35
    elif kind == "overfitting":
        train, val = 2 * np.exp(-e / 5) + 0.05, 0.6 + 0.03 * (e - 6) ** 2 / 6
    elif kind == "diverging":  # fine for 6 epochs, then the loss climbs 30% an epoch
        train = np.where(e <= 6, 2 * np.exp(-e / 8), 2 * np.exp(-6 / 8) * 1.3 ** (e - 6))
        val = train * 1.1
    elif kind == "chance":  # stuck at chance for two classes
        train, val = np.full(epochs, math.log(2)), np.full(epochs, math.log(2))
    else:  # nan from epoch 8
        train, val = 2 * np.exp(-e / 8), 2.2 * np.exp(-e / 8)
        train[7:] = val[7:] = np.nan
    return train * noise[0], val * noise[1]


KINDS = ("learning", "overfitting", "diverging", "nan")
ONSET = {"diverging": 7, "nan": 8}


def objective(trial):
    kind = KINDS[trial.number % len(KINDS)]  # trial numbers are unique across workers (enqueued trials are not)
    trial.set_user_attr("kind", kind)
    train, val = curves(kind, trial.number)
    for epoch in range(1, EPOCHS + 1):
        if ld.report(trial, epoch, {"loss": train[epoch - 1], "val_loss": val[epoch - 1]}):
            raise optuna.TrialPruned()
    return float(val[-1])


def worker(storage: str, n: int) -> None:
    study = optuna.load_study(study_name="sweep", storage=storage, pruner=ld.LossDoctorPruner())
    study.optimize(objective, n_trials=n)


def test_two_workers_prune_bad_trials_and_record_why(tmp_path):
    storage = f"sqlite:///{tmp_path / 'sweep.db'}"
    optuna.create_study(study_name="sweep", storage=storage)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=worker, args=(storage, 6)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    trials = optuna.load_study(study_name="sweep", storage=storage).trials
    assert len(trials) == 12
    for t in trials:
        kind, state, attrs = t.user_attrs["kind"], t.state, t.user_attrs
        if kind in ("learning",):
            assert state == optuna.trial.TrialState.COMPLETE, (kind, attrs)
            assert "lossdoctor_code" not in attrs
        else:
            assert state == optuna.trial.TrialState.PRUNED, (kind, attrs)
            step = attrs["lossdoctor_step"]
            assert attrs["lossdoctor_code"] in {"overfitting": ("overfitting",), "diverging": ("diverging",),
                                                "nan": ("non_finite",)}[kind], attrs
            assert attrs["lossdoctor_reason"]
            if kind in ONSET:  # stopped within 3 epochs of the onset
                assert ONSET[kind] <= step <= ONSET[kind] + 3, (kind, step)
    df = optuna.load_study(study_name="sweep", storage=storage).trials_dataframe()
    assert "user_attrs_lossdoctor_code" in df.columns


def test_wrapping_a_ranking_pruner_and_a_pruner_that_never_breaks_a_study(tmp_path):
    """Healthy trials go to the wrapped pruner; values that cannot be diagnosed make it abstain
    (with one warning), never raise."""
    calls = []

    class Recording(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            calls.append(trial.number)
            return False

    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}", pruner=ld.LossDoctorPruner(Recording()))

    def odd(trial):
        for epoch in range(1, 12):
            logs = {"loss": "not a number", "val_loss": 1.0 / epoch} if trial.number == 0 else \
                {"loss": None, "val_loss": [1, 2]} if trial.number == 1 else {"val_loss": 1.0 / epoch}
            if ld.report(trial, epoch, logs):
                raise optuna.TrialPruned()
        return 0.0

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning from these: they are healthy or ignored values
        study.optimize(odd, n_trials=3)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3
    assert set(calls) == {0, 1, 2}  # the diagnosis kept them all: the wrapped pruner decided


def test_a_history_the_diagnosis_refuses_makes_the_pruner_abstain_with_one_warning(tmp_path, monkeypatch):
    import sys

    diag = sys.modules["lossdoctor.judge.diagnosis"]

    def broken(*a, **k):
        raise ValueError("boom")

    monkeypatch.setattr(diag, "decide", broken)
    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}", pruner=ld.LossDoctorPruner())

    def run(trial):
        for epoch in range(1, 10):
            if ld.report(trial, epoch, {"loss": 1.0 / epoch, "val_loss": 1.1 / epoch}):
                raise optuna.TrialPruned()
        return 0.0

    with pytest.warns(UserWarning, match="could not be diagnosed"):
        study.optimize(run, n_trials=2)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def test_the_training_loss_lives_in_the_storage():
    study = optuna.create_study()
    trial = study.ask()
    for epoch, (t, v) in enumerate(zip([1.0, 0.8, math.nan], [1.1, 0.9, 0.85]), 1):
        ld.report(trial, epoch, {"loss": t, "val_loss": v})
    frozen = study.trials[0]
    h = ld.trial_history(frozen)
    assert list(h["val_loss"].y) == [1.1, 0.9, 0.85] and h["loss"].y[:2].tolist() == [1.0, 0.8]
    assert math.isnan(h["loss"].y[2])
