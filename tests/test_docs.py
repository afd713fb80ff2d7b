"""The README's framework examples run as written and do what the README says they do."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def block(starting: str) -> str:
    return next(b for b in BLOCKS if b.startswith(starting))


def run(code: str, tmp_path, env_backend=None):
    import os
    env = dict(os.environ, KERAS_BACKEND=env_backend or os.environ.get("KERAS_BACKEND", "jax"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


@pytest.mark.parametrize("start,module", [("import lightning as L", "lightning"),
                                          ("import torch\nfrom transformers import", "transformers")])
def test_framework_example_stops_an_overfitting_run(start, module, tmp_path):
    pytest.importorskip(module)
    out = run(block(start), tmp_path).strip().splitlines()[-1]
    code, _, rest = out.partition(" stopped at ")
    assert code == "overfitting" and "None" not in rest, out


def test_keras_example_runs(tmp_path):
    pytest.importorskip("keras")
    code = block("import os\nos.environ.setdefault(\"KERAS_BACKEND\"").replace("...", "pass")
    run(code, tmp_path)
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "history.json").exists()
