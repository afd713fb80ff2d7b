"""Small hostile input is read or refused at once; pipes and devices never block or fill memory (#15, item 5)."""

import json
import os
import subprocess
import sys
import threading

import pytest

from conftest import SAMPLES
from lossdoctor import load_history
from lossdoctor.core.errors import HistoryFormatError, InputFileError
import lossdoctor.read.formats as readers

ADVERSARIAL = {
    "backspaces.log": "a" + "\b" * 99_000,
    "blank-lines.log": "x" + "\n" * 99_000,
    "dashes.log": ("loss" + " -a" * 2000 + "\n") * 15,
    "spaces.log": ("Epoch [1/10], Step [1/10] " + " " * 3000 + "x\n") * 30,
    "headers.log": ("Epoch 1/2" + " " * 5000 + "\n") * 20,
}


def test_adversarial_small_files_end_in_one_clear_line(tmp_path):
    # a hang guard, not a speed target: the regular expressions used to backtrack for 35-120 s here
    for name, text in ADVERSARIAL.items():
        p = tmp_path / name
        p.write_text(text)
        r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(p)], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (name, r.stderr)


def test_records_that_each_have_their_own_key(tmp_path):
    rows = [{f"k{i}": 1.0, "loss": 1.0 / (i + 1), "val_loss": 1.1 / (i + 1)} for i in range(3000)]
    h = load_history(_write(tmp_path, "r.json", json.dumps(rows)))
    assert set(h.keys) >= {"loss", "val_loss"} and len(h.keys) < 10
    assert any("left out 3000 key(s) found in a single record" in n for n in h.notes)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_a_named_pipe_is_read_and_a_silent_one_refused(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    payload = (SAMPLES / "still_learning.json").read_bytes()

    def writer():
        with open(fifo, "wb") as fh:
            fh.write(payload)
    t = threading.Thread(target=writer)
    t.start()
    h = load_history(str(fifo))
    t.join()
    assert "loss" in h
    monkeypatch.setattr(readers, "FIFO_WAIT", 0.3)
    with pytest.raises(InputFileError, match="pipe that stayed silent"):
        load_history(str(fifo))


def test_binary_streams_are_refused_at_their_first_chunk():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(HistoryFormatError, match="is binary"):
        load_history("/dev/zero")
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", "-"], input=b"\x00" * 3_000_000,
                       capture_output=True)
    assert r.returncode == 2 and b"is binary" in r.stderr


def test_utf16_without_a_byte_order_mark(tmp_path):
    text = json.dumps({"loss": [1, 0.8, 0.7, 0.6, 0.5, 0.45], "val_loss": [1, 0.9, 0.8, 0.75, 0.7, 0.68]})
    for codec in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"{codec}.json"
        p.write_bytes(text.encode(codec))
        h = load_history(str(p))
        assert "loss" in h and any(codec.upper() in n for n in h.notes)


def test_a_large_numeric_csv_reads_by_the_fast_path_as_the_general_path_would(tmp_path, monkeypatch):
    import numpy as np
    from lossdoctor.read import csvlog

    n = 60_000
    e = np.arange(n)
    lines = ["epoch,loss,val_loss"] + [f"{i},{1 / (i + 1) ** 0.5:.6f},{1.1 / (i + 1) ** 0.5:.6f}" for i in e]
    text = "\n".join(lines) + "\n"
    assert len(text) > 1 << 20 and csvlog._numeric_table(text) is not None
    fast = csvlog.parse(text, "big.csv")
    monkeypatch.setattr(csvlog, "_numeric_table", lambda text: None)
    slow = csvlog.parse(text, "big.csv")
    assert fast.keys == slow.keys and fast.format == slow.format == "csvlogger" and fast.notes == slow.notes
    for k in fast.keys:
        np.testing.assert_array_equal(fast[k].x, slow[k].x)
        np.testing.assert_array_equal(fast[k].y, slow[k].y)


def test_a_large_csv_with_appended_runs_falls_back_to_the_general_path(tmp_path):
    from lossdoctor.read import csvlog

    run = ["epoch,loss,val_loss"] + [f"{i},{1 / (i + 1):.6f},{1.2 / (i + 1):.6f}" for i in range(30_000)]
    text = "\n".join(run + run) + "\n"
    assert csvlog._numeric_table(text) is None
    h = csvlog.parse(text, "appended.csv")
    assert any("found 2 runs appended" in n for n in h.notes)
