"""Bad input and a bad environment: one line and exit 2, never an internal error (#15, items 4 and 6)."""

import json
import os
import subprocess
import sys

import pytest

from conftest import SAMPLES


def run(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kw)


def one_line_exit_2(r):
    err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
    assert r.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("Error: ") and "internal error" not in err


@pytest.mark.parametrize("text", [
    '{"loss": [1, 0.9, ' + "9" * 5000 + ', 0.7, 0.6], "val_loss": [1, 0.9, 0.8, 0.7, 0.6]}',
    '{"loss": [1, 0.9, 1' + "0" * 400 + ', 0.7, 0.6], "val_loss": [1, 0.9, 0.8, 0.7, 0.6]}',
    '{"loss": [1, 0.9, 1e309, 0.7, 0.6], "val_loss": [1, 0.9, 0.8, 0.7, 0.6]}',
], ids=["5000-digits", "401-digits", "1e309"])
def test_numbers_beyond_a_float_overflow_with_a_note(tmp_path, text):
    p = tmp_path / "h.json"
    p.write_text(text)
    r = run("diagnose", p, "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["diagnosis"]["code"] == "non_finite"
    assert any("beyond the largest float" in n and "overflowed" in n for n in d["notes"])


@pytest.mark.parametrize("name,content", [
    ("console.log", "Epoch 1/" + "9" * 5000 + "\n3/3 - 0s - loss: 0.5 - val_loss: 0.6\n"),
    ("big.csv", "epoch,loss,val_loss\n0,1," + "1" * 140_000 + "\n1,0.5,0.6\n"),
    ("a.ipynb", json.dumps({"cells": None, "nbformat": 4})),
    ("b.ipynb", json.dumps({"cells": [{"cell_type": "code", "outputs": 7}], "nbformat": 4})),
    ("c.ipynb", json.dumps({"cells": [{"outputs": [{"output_type": "stream", "text": 5}]}], "nbformat": 4})),
], ids=["huge-epoch-count", "huge-csv-field", "cells-null", "outputs-a-number", "text-a-number"])
def test_odd_structures_are_one_clear_line(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content)
    one_line_exit_2(run("diagnose", p))


def test_a_dollar_sign_in_a_name_is_text_not_mathtext(tmp_path):
    p = tmp_path / "price_$100_$200.json"
    p.write_text(json.dumps({"loss": [1, 0.8, 0.7, 0.6, 0.5], "val_loss": [1, 0.9, 0.8, 0.7, 0.65],
                             "$x$_acc": [0.1, 0.2, 0.3, 0.4, 0.5]}))
    r = run("plot", p, "-o", tmp_path / "p.png")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from lossdoctor import diagnose, load_history
    from lossdoctor.show.plot import plot_diagnosis
    h = load_history(str(p))
    fig = plot_diagnosis(h, diagnose(h), logy=True)
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    ax = fig.axes[0]
    assert not ax.title.get_parse_math() and ax.get_title(loc="left").startswith("price_$100_$200.json")
    assert all(t.get_parse_math() for t in ax.get_yticklabels())  # 10^-1 ticks keep their mathtext


def test_non_finite_option_values_are_refused():
    for args in (("diagnose", SAMPLES / "overfitting.json", "--window", "nan"),
                 ("diagnose", SAMPLES / "overfitting.json", "--horizon", "inf"),
                 ("plot", SAMPLES / "overfitting.json", "--smooth", "nan", "-o", "/tmp/never.png")):
        r = run(*args)
        assert r.returncode == 2 and "not a finite number" in r.stderr or "not in the range" in r.stderr


def test_stdout_on_a_full_disk_or_closed_is_exit_2():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(SAMPLES / "overfitting.json")],
                           stdout=full, stderr=subprocess.PIPE, text=True)
    one_line_exit_2(r)
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(SAMPLES / "overfitting.json")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, close_fds=True,
                       preexec_fn=lambda: os.close(1))
    assert r.returncode == 2


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "ascii"])
def test_a_terminal_that_is_not_utf8_gets_every_report(encoding):
    for fmt in ("text", "markdown"):
        r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(SAMPLES / "overfitting.json"),
                            "--format", fmt], capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding})
        assert r.returncode == 0 and r.stdout.decode(encoding, "replace").startswith(("[", "##")), r.stderr


def test_file_names_that_are_not_utf8_plot_report_and_grid(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    name = os.path.join(os.fsencode(folder), b"bad\xff\xfename.json")
    with open(name, "wb") as fh:
        fh.write((SAMPLES / "still_learning.json").read_bytes())
    shown = os.fsdecode(name)
    for args in (("plot", shown, "-o", tmp_path / "a.png"),
                 ("report", shown, "-o", tmp_path / "b.png", "--markdown", tmp_path / "b.md"),
                 ("plot", folder, "-o", tmp_path / "grid.png")):
        r = run(*args)
        assert r.returncode == 0, r.stderr
    assert "\\udcff" in (tmp_path / "b.md").read_text()
