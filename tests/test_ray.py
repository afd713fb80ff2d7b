"""The Ray Tune stopper in a real Tune run (`ray.init(num_cpus=2)`) on a tiny function trainable."""

import warnings

import pytest

from conftest import lazy, needs  # noqa: E402

from lossdoctor.ray import LossDoctorStopper  # noqa: E402
from test_optuna import EPOCHS, ONSET, curves  # noqa: E402

pytestmark = [pytest.mark.slow, needs("ray", "optuna")]
ray, tune = lazy("ray"), lazy("ray.tune")  # imported by the tests that run Tune, not at collection


def trainable(config):
    from ray import tune  # in the worker: this module travels by value, its globals with it

    train, val = curves(config["kind"], 0)
    for epoch in range(EPOCHS):
        tune.report({"loss": float(train[epoch]), "val_loss": float(val[epoch]), "kind": config["kind"]})


@pytest.fixture(scope="module")
def ray_cluster():
    import sys

    import test_optuna
    from ray import cloudpickle

    for module in (sys.modules[__name__], test_optuna):  # the workers cannot import the tests: send them whole
        cloudpickle.register_pickle_by_value(module)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=80 * 1024 * 1024,
             configure_logging=False)
    yield
    ray.shutdown()


def test_a_tune_run_stops_its_bad_trials_and_says_why(ray_cluster, tmp_path):
    stopper = LossDoctorStopper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuner = tune.Tuner(trainable,
                           param_space={"kind": tune.grid_search(["learning", "overfitting", "diverging", "nan"])},
                           run_config=tune.RunConfig(stop=stopper, storage_path=str(tmp_path), verbose=0))
        grid = tuner.fit()
    iterations = {r.config["kind"]: r.metrics["training_iteration"] for r in grid}
    assert iterations["learning"] == EPOCHS
    assert iterations["overfitting"] < EPOCHS
    for kind, onset in ONSET.items():
        assert onset <= iterations[kind] <= onset + 3, (kind, iterations)
    codes = {r.config["kind"]: stopper.reasons[r.metrics["trial_id"]]["code"] for r in grid
             if r.config["kind"] != "learning"}
    assert codes == {"overfitting": "overfitting", "diverging": "diverging", "nan": "non_finite"}


def test_results_without_losses_or_with_junk_never_stop_a_trial():
    stopper = LossDoctorStopper()
    for i in range(1, 12):
        assert stopper("t1", {"training_iteration": i, "accuracy": 0.5}) is False
        assert stopper("t2", {"training_iteration": i, "loss": "n/a", "val_loss": [1, 2]}) is False
        assert stopper("t3", {"training_iteration": i, "val_loss": 1.0 / i}) is False  # still learning
    assert stopper.stop_all() is False and stopper.reasons == {}
