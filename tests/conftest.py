import importlib
import importlib.util
import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

# Reproducible by default (CI); HYPOTHESIS_PROFILE=explore searches new random examples.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

matplotlib.use("Agg")
os.environ.setdefault("KERAS_BACKEND", "jax")
# the suite checks English words unless a test asks for Chinese: a developer's zh locale must not change that
os.environ["LOSSDOCTOR_LANG"] = "en"

ROOT = Path(__file__).resolve().parents[1]

# The slow tests (real fits on every backend, benchmark smoke runs, a million epochs) run in CI
# (CI is set there) or where LOSSDOCTOR_SLOW is set; a developer's `python -m pytest -q` skips
# them, saying so, and finishes in minutes. `-m slow` (or any -m) chooses for itself.
RUN_SLOW = bool(os.environ.get("CI") or os.environ.get("LOSSDOCTOR_SLOW"))


def pytest_collection_modifyitems(config, items):
    if RUN_SLOW or config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow (real fits, benchmark runs): CI runs it; set LOSSDOCTOR_SLOW=1 to run it here")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
SAMPLES = ROOT / "sample_histories"
SHARED = ROOT.parent / "shared"

# sample file -> expected diagnosis code (and plateau variant)
SAMPLE_CODES = {
    "still_learning.json": ("learning", "default"),
    "overfitting.json": ("overfitting", None),
    "overfitting_csvlogger.csv": ("overfitting", None),
    "data_problem.json": ("data_problem", "default"),
    "plateau_converged.json": ("plateau", "converged"),
    "plateau_stuck.json": ("plateau", "stuck"),
    "diverging.json": ("diverging", "default"),
    "nan_loss.json": ("non_finite", "default"),
}


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def corpus() -> Path:
    path = SHARED / "corpus"
    if not (path / "README.md").exists():
        pytest.skip("../shared/corpus is not beside this clone")
    return path


@pytest.fixture
def seeds() -> Path:
    path = SHARED / "seeds"
    if not (path / "truth.json").exists():
        pytest.skip("../shared/seeds is not beside this clone")
    return path


def write(tmp_path: Path, name: str, content) -> str:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, newline="")
    return str(p)


def needs(*modules: str):
    """Skip unless these packages are installed, without importing them at collection (a framework
    imported by a test module at its top costs every run of the suite seconds)."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} (pip install -e '.[test-frameworks]')")


class lazy:  # noqa: N801 - reads as the module it stands for
    """A module imported when a test first uses it: `torch = lazy("torch")` at a test module's top."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):  # pytest's collection asks every module global for `__test__`: no import
            raise AttributeError(attr)
        return getattr(importlib.import_module(self._name), attr)
