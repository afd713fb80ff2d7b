"""Pruning a real sweep: LossDoctorPruner against Optuna's own pruners, replayed through Optuna.

Usage: python bench/sweeps.py [--quick] [--no-ray]

The sweep is real and made here (about a minute on 2 cores): scikit-learn's MLPClassifier on a
3-class task (1,500 samples, 20 features, 600 for training), trained epoch by epoch with
`partial_fit` for 30 epochs, the validation log-loss measured after each, for 100 configurations
(learning rate 1e-4 to 1, batch 16 or 128, width 16 or 256, L2 alpha 1e-5 to 1e-1; no dropout in
scikit-learn) and 2 seeds: some diverge or go NaN, some overfit, some learn slowly, some win.

Every method sees the same histories through Optuna's real ask/tell loop (`trial.report` each
epoch, `trial.should_prune()`, a pruned trial told PRUNED), once in a fixed order of the
configurations and once in the order a TPE sampler asks for them (5 sampler seeds; `--quick`: 1).
Per method, side by side:
epochs spent (share of no pruning), the best validation loss found and its regret against no
pruning, how many of the 5 best trials (by no pruning's best validation loss) were stopped, and how many
of them before reaching their best, and for the trials that diverge or go NaN, epochs from the
onset to the stop (median and largest; negative: stopped before the onset).

The same histories then run through Ray Tune (a real `ray.init(num_cpus=2)`: a function trainable
reports each epoch with `tune.report`, two trials at a time, in the fixed order): no stopping,
`ASHAScheduler`, `TrialPlateauStopper`, `LossDoctorStopper`, and `LossDoctorStopper` beside ASHA.
`--no-ray` leaves them out.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EPOCHS = 30
LRS, BATCHES, WIDTHS, ALPHAS = (1e-4, 1e-3, 1e-2, 0.1, 1.0), (16, 128), (16, 256), (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
CONFIGS = list(itertools.product(LRS, BATCHES, WIDTHS, ALPHAS))
SEEDS = (0, 1)
SAMPLER_SEEDS = (0, 1, 2, 3, 4)


def train_run(config, seed: int) -> tuple[list[float], list[float]]:
    """One real run: (training loss, validation log-loss) per epoch; NaN once the model blows up."""
    from sklearn.datasets import make_classification
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    lr, batch, width, alpha = config
    x, y = make_classification(n_samples=1500, n_features=20, n_informative=8, n_classes=3, random_state=0)
    xt, yt, xv, yv = x[:600], y[:600], x[600:], y[600:]
    model = MLPClassifier(hidden_layer_sizes=(width,), learning_rate_init=lr, batch_size=batch, alpha=alpha,
                          random_state=seed)
    train, val = [], []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for _ in range(EPOCHS):
            try:
                model.partial_fit(xt, yt, classes=[0, 1, 2])
                t = float(model.loss_)
                p = model.predict_proba(xv)
                v = float(log_loss(yv, p, labels=[0, 1, 2])) if np.all(np.isfinite(p)) else math.nan
            except (ValueError, FloatingPointError, OverflowError):
                t = v = math.nan
            train.append(t if math.isfinite(t) else math.nan)
            val.append(v)
    return train, val


def sweep(configs) -> dict:
    return {(i, s): train_run(c, s) for i, c in enumerate(configs) for s in SEEDS}


def onset(train, val) -> int | None:
    """The 1-based epoch a run diverges or goes NaN: a non-finite value, or a loss 3x its best so far."""
    for k in range(len(train)):
        t, v = train[k], val[k]
        if not (math.isfinite(t) and math.isfinite(v)):
            return k + 1
        if k >= 1 and (t > 3 * min(train[:k + 1]) or v > 3 * min(val[:k + 1])):
            return k + 1
    return None


def methods():
    import optuna

    import lossdoctor.optuna as ld
    med = dict(n_startup_trials=5, n_warmup_steps=5)
    return {
        "no pruning": (lambda: optuna.pruners.NopPruner(), False),
        "MedianPruner": (lambda: optuna.pruners.MedianPruner(**med), False),
        "SuccessiveHalving": (lambda: optuna.pruners.SuccessiveHalvingPruner(), False),
        "Hyperband": (lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=EPOCHS), False),
        "Patient(Median, 3)": (lambda: optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(**med), 3), False),
        "LossDoctorPruner": (lambda: ld.LossDoctorPruner(), True),
        "LossDoctor(Median)": (lambda: ld.LossDoctorPruner(optuna.pruners.MedianPruner(**med)), True),
    }


def replay(runs: dict, order: str, make, with_train: bool, seed: int = 0) -> list[dict]:
    """Every run through Optuna's ask/tell with this pruner; one dict per trial run."""
    import optuna

    import lossdoctor.optuna as ld
    n = len({k[0] for k in runs})
    sampler = optuna.samplers.TPESampler(seed=seed) if order == "sampler" else None
    study = optuna.create_study(pruner=make(), sampler=sampler)
    out = []
    keys = list(runs)
    for k in range(len(keys)):
        trial = study.ask()
        if order == "sampler":
            key = (trial.suggest_int("config", 0, n - 1), trial.suggest_int("seed", 0, len(SEEDS) - 1))
        else:
            key = keys[k]
        train, val = runs[key]
        spent, stopped = 0, False
        for epoch in range(1, EPOCHS + 1):
            spent = epoch
            t, v = train[epoch - 1], val[epoch - 1]
            if with_train:
                prune = ld.report(trial, epoch, {"loss": t, "val_loss": v})
            else:
                trial.report(v, epoch)
                prune = trial.should_prune()
            if prune:
                stopped = True
                break
        seen = [x for x in val[:spent] if math.isfinite(x)]
        best = min(seen) if seen else math.inf
        study.tell(trial, state=optuna.trial.TrialState.PRUNED) if stopped else study.tell(trial, best)
        out.append({"key": key, "spent": spent, "stopped": stopped, "best": best})
    return out


def tune_methods():
    from ray import tune

    from lossdoctor.ray import LossDoctorStopper

    def asha():
        return tune.schedulers.ASHAScheduler(metric="val_loss", mode="min", max_t=EPOCHS, grace_period=1)

    return {
        "Tune, no stopping": (lambda: None, lambda: None),
        "ASHA": (asha, lambda: None),
        "TrialPlateauStopper": (lambda: None, lambda: tune.stopper.TrialPlateauStopper(metric="val_loss", mode="min")),
        "LossDoctorStopper": (lambda: None, LossDoctorStopper),
        "LossDoctor + ASHA": (asha, LossDoctorStopper),
    }


def _replay_trainable(config, runs):
    from ray import tune

    train, val = runs[tuple(config["key"])]
    for t, v in zip(train, val):
        tune.report({"loss": float(t), "val_loss": float(v)})


def tune_replay(runs: dict, scheduler, stopper, storage: str) -> list[dict]:
    """Every run through a real Ray Tune run with this scheduler and stopper; one dict per trial."""
    from ray import tune

    keys = [list(k) for k in runs]
    tuner = tune.Tuner(tune.with_parameters(_replay_trainable, runs=runs),
                       param_space={"key": tune.grid_search(keys)},
                       tune_config=tune.TuneConfig(scheduler=scheduler, max_concurrent_trials=2, reuse_actors=True),
                       run_config=tune.RunConfig(stop=stopper, storage_path=storage, verbose=0))
    out = []
    for r in tuner.fit():
        key = tuple(r.config["key"])
        spent = int(r.metrics.get("training_iteration", 0)) if r.metrics else 0
        seen = [x for x in runs[key][1][:spent] if math.isfinite(x)]
        out.append({"key": key, "spent": spent, "stopped": spent < EPOCHS, "best": min(seen) if seen else math.inf})
    return out


def tune_report(runs: dict, finals: dict, top5: set, onsets: dict) -> None:
    import os
    import tempfile

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # no progress boxes between the tables
    try:
        import ray
    except ImportError:
        print("Ray Tune: not installed here (pip install 'lossdoctor[ray]'); its table is left out")
        return

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             object_store_memory=100 * 1024 * 1024)
    try:
        results = {}
        with tempfile.TemporaryDirectory(prefix="lossdoctor-tune-") as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, (scheduler, stopper) in tune_methods().items():
                t = time.perf_counter()
                results[name] = (tune_replay(runs, scheduler(), stopper(), tmp), time.perf_counter() - t)
    finally:
        ray.shutdown()
    print("Ray Tune: the configurations in a fixed order, two trials at a time")
    table(results, "Tune, no stopping", finals, top5, onsets)


def table(results: dict, base: str, finals: dict, top5: set, onsets: dict) -> None:
    base_epochs = sum(r["spent"] for r in results[base][0])
    base_best = min(r["best"] for r in results[base][0])
    print(f"  {'method':<22}{'epochs':>9}{'share':>8}{'best val':>10}{'regret':>9}{'top-5 stopped':>15}"
          f"{'before best':>13}{'onset->stop':>13}{'s':>7}")
    for name, (rows, secs) in results.items():
        epochs = sum(r["spent"] for r in rows)
        best = min(r["best"] for r in rows)
        stopped_top = sum(1 for r in rows if r["stopped"] and r["key"] in top5)
        lost_top = sum(1 for r in rows if r["stopped"] and r["key"] in top5 and r["best"] > finals[r["key"]])
        lags = [r["spent"] - onsets[r["key"]] for r in rows if r["key"] in onsets]
        lag = f"{int(np.median(lags))}, {max(lags)}" if lags else "-"
        print(f"  {name:<22}{epochs:>9}{epochs / base_epochs:>8.0%}{best:>10.4f}"
              f"{(best - base_best) / base_best:>9.2%}{stopped_top:>15}{lost_top:>13}{lag:>13}{secs:>7.1f}")
    print()


def sampler_table(runs: dict, finals: dict, top5: set, seeds) -> None:
    """The sampler's order, once per sampler seed: each seed's path through the sweep differs (TPE
    learns from what each pruner told it), so one seed's regret is mostly that path's luck."""
    per = {name: [] for name in methods()}
    for seed in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = {name: replay(runs, "sampler", make, wt, seed) for name, (make, wt) in methods().items()}
        base_epochs = sum(r["spent"] for r in res["no pruning"])
        base_best = min(r["best"] for r in res["no pruning"])
        for name, rows in res.items():
            lost = sum(1 for r in rows if r["stopped"] and r["key"] in top5 and r["best"] > finals[r["key"]])
            per[name].append((sum(r["spent"] for r in rows) / base_epochs,
                              (min(r["best"] for r in rows) - base_best) / base_best, lost))
    print(f"Order: as a TPE sampler asks for them, {len(seeds)} sampler seed(s); regret against no pruning's "
          "best on the same seed")
    print(f"  {'method':<22}{'share':>8}{'regret mean':>13}{'worst':>8}{'seeds <= 0.5%':>15}{'top-5 lost/seed':>17}")
    for name, rows in per.items():
        shares, regrets, lost = zip(*rows)
        print(f"  {name:<22}{np.mean(shares):>8.0%}{np.mean(regrets):>13.2%}{max(regrets):>8.2%}"
              f"{sum(r <= 0.005 for r in regrets):>11}/{len(rows):<3}{np.mean(lost):>17.1f}")
    print()


def report(runs: dict, with_ray: bool = False, quick: bool = False) -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    finals = {k: min([x for x in v if math.isfinite(x)], default=math.inf) for k, (_, v) in runs.items()}
    top5 = set(sorted(finals, key=finals.get)[:5])
    onsets = {k: o for k, (t, v) in runs.items() if (o := onset(t, v)) is not None}
    print(f"A real sweep: {len({k[0] for k in runs})} configurations x {len(SEEDS)} seeds x {EPOCHS} epochs "
          f"({sum(1 for k in runs if k in onsets)} runs diverge or go NaN)\n")
    results = {}
    for name, (make, with_train) in methods().items():
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[name] = (replay(runs, "fixed", make, with_train), time.perf_counter() - t)
    print("Order: the configurations in a fixed order")
    table(results, "no pruning", finals, top5, onsets)
    sampler_table(runs, finals, top5, SAMPLER_SEEDS[:1] if quick else SAMPLER_SEEDS)
    if with_ray:
        tune_report(runs, finals, top5, onsets)


def main() -> None:
    quick = "--quick" in sys.argv
    configs = CONFIGS[::10] if quick else CONFIGS
    t = time.perf_counter()
    runs = sweep(configs)
    print(f"(the sweep trained in {time.perf_counter() - t:.0f} s)")
    report(runs, with_ray="--no-ray" not in sys.argv, quick=quick)


if __name__ == "__main__":
    main()
