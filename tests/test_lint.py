"""The code passes the linter configured in pyproject.toml (ruff: pycodestyle, pyflakes, bugbear, pyupgrade)."""

import shutil
import subprocess

import pytest

from conftest import ROOT


def test_ruff_passes():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]' brings it)")
    r = subprocess.run([ruff, "check", "--output-format", "concise", "lossdoctor", "bench", "tests", "scripts"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
