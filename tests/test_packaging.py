"""The wheel and the sdist build, pass `twine check`, and the wheel installs into a fresh venv and runs."""

import json
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
pytest.importorskip("build")
pytest.importorskip("twine")


def test_wheel_and_sdist_build_check_and_install(tmp_path):
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))
    r = subprocess.run([sys.executable, "-m", "twine", "check", str(wheel), str(sdist)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.count("PASSED") == 2, r.stdout + r.stderr
    names = zipfile.ZipFile(wheel).namelist()
    assert "lossdoctor/read/jsonlog.py" in names and not any(n.startswith("tests/") for n in names)
    assert {"lossdoctor/show/assets/page.js", "lossdoctor/show/assets/page.css"} <= set(names)  # the HTML page's
    assert "lossdoctor/locale/zh/LC_MESSAGES/lossdoctor.mo" in names  # the compiled zh catalogue
    with tarfile.open(sdist) as tar:
        assert any(n.endswith("lossdoctor/show/assets/page.js") for n in tar.getnames())

    # a fresh venv (the heavy dependencies come from this interpreter's site-packages; lossdoctor from the wheel)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall", str(wheel)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    where = subprocess.run([str(py), "-c", "import lossdoctor; print(lossdoctor.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path).stdout
    assert str(venv) in where, where
    history = tmp_path / "h.json"
    history.write_text(json.dumps({"loss": [1 / e for e in range(1, 21)], "val_loss": [1.1 / e for e in range(1, 21)]}))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([str(venv / "bin" / "lossdoctor"), "diagnose", str(history)], capture_output=True, text=True,
                       cwd=tmp_path, env=env)
    assert r.returncode == 0 and r.stdout.startswith("[learning]"), r.stderr
    r = subprocess.run([str(venv / "bin" / "lossdoctor"), "report", str(history), "-o", "page.html"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and "lossdoctorReady" in (tmp_path / "page.html").read_text(), r.stderr
    r = subprocess.run([str(venv / "bin" / "lossdoctor"), "diagnose", str(history), "--lang", "zh"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0 and "train loss 不断下降，val loss 不断下降" in r.stdout, r.stdout + r.stderr
