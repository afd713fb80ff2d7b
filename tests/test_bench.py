"""The benchmark and checking scripts run (their figures are read by people, not asserted)."""

import subprocess
import sys

import pytest

from conftest import ROOT, SHARED


def run(*args, timeout=300):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.slow
def test_speed_benchmark_runs_quick():
    r = run("bench/speed.py", "--quick", "--files", "200")
    assert r.returncode == 0, r.stderr
    for heading in ("1. CLI cold start", "2. Diagnosis time", "3. Batch throughput", "4. Keras callback",
                    "5. Annotated figure", "7. HTML report page", "decide (the code and variant)",
                    "diagnose + forecast + timeline"):
        assert heading in r.stdout


@pytest.mark.slow
def test_accuracy_benchmark_runs(corpus):
    r = run("bench/accuracy.py", str(corpus), "--no-live")
    assert r.returncode == 0, r.stderr
    assert "EarlyStopping(patience=10)" in r.stdout and "SageMaker Overfit rule" in r.stdout
    assert "Confusion matrix, lossdoctor" in r.stdout


def test_wild_check_runs():
    wild = SHARED / "wild"
    if not wild.is_dir():
        pytest.skip("../shared/wild is not beside this clone")
    r = run("bench/check_wild.py", str(wild), "--originals-only")
    assert r.returncode == 0, r.stderr
    assert "internal errors (exit 3)" in r.stdout and " 0 internal errors" in r.stdout


def test_benchmarks_say_what_is_missing(tmp_path):
    r = run("bench/accuracy.py", str(tmp_path))
    assert r.returncode == 1 and "no labelled corpus there" in r.stderr


@pytest.mark.slow
def test_framework_benchmark_runs_quick():
    r = run("bench/frameworks.py", "--quick", timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    for heading in ("6a. Lightning", "6b. Hugging Face", "7. MLflow"):
        assert heading in r.stdout


def test_peers_benchmark_runs_without_the_peers():
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared/seeds is not beside this clone")
    r = run("bench/peers.py", str(SHARED / "seeds"))
    assert r.returncode == 0, r.stderr
    ours = next(line for line in r.stdout.splitlines() if line.strip().startswith("lossdoctor"))
    assert "/270" in ours
    for peer in ("training-doctor", "sk-autod"):  # installed or not, each is named
        assert peer in r.stdout


@pytest.mark.slow
def test_sweep_benchmark_runs_quick():
    pytest.importorskip("optuna")
    pytest.importorskip("sklearn")
    r = run("bench/sweeps.py", "--quick")
    assert r.returncode == 0, r.stderr
    for method in ("no pruning", "MedianPruner", "Hyperband", "LossDoctorPruner", "LossDoctor(Median)"):
        assert r.stdout.count(f"  {method} ") == 2  # in the fixed order and in the sampler's
    try:
        import ray  # noqa: F401
    except ImportError:
        assert "Ray Tune: not installed here" in r.stdout
    else:  # a real Tune run per method, in the same table's columns
        for method in ("Tune, no stopping", "ASHA", "TrialPlateauStopper", "LossDoctorStopper", "LossDoctor + ASHA"):
            assert f"  {method} " in r.stdout
