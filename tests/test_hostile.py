"""Readers and the CLI never crash, hang or leave files behind on hostile input."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

import lossdoctor.read.formats as readers
from conftest import write
from formats import hf_trainer_state, keras2_verbose2, keras3_verbose1, lightning_metrics_csv, notebook
from lossdoctor import History, LossDoctorError, diagnose, load_history
from lossdoctor.cli import cli
from lossdoctor.read.formats import parse_text

L = [1.0, 0.8, 0.65, 0.55, 0.5, 0.46, 0.43, 0.41]
V = [1.1, 0.9, 0.8, 0.75, 0.74, 0.76, 0.8, 0.85]
VALID = [
    json.dumps({"loss": L, "val_loss": V}),
    "epoch,loss,val_loss\r\n" + "".join(f"{i},{a},{b}\r\n" for i, (a, b) in enumerate(zip(L, V))),
    keras3_verbose1(L, V), keras2_verbose2(L, V), lightning_metrics_csv(), hf_trainer_state(),
    notebook(keras2_verbose2(L, V)),
]


def survive(text: str) -> None:
    """Either a history that can be diagnosed, or a LossDoctorError: nothing else."""
    try:
        h = parse_text(text, "fuzz")
        diagnose(h)
    except LossDoctorError as err:
        assert str(err) and "\n" not in str(err)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_random_text(text):
    survive(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes(data):
    try:
        survive(readers.decode(data)[0])
    except LossDoctorError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.data())
def test_mutated_valid_logs(text, data):
    kind = data.draw(st.sampled_from(["truncate", "delete", "insert", "replace_digits", "duplicate"]))
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    if kind == "truncate":
        text = text[:i]
    elif kind == "delete":
        text = text[:i] + text[j:]
    elif kind == "insert":
        text = text[:i] + data.draw(st.text(min_size=1, max_size=50)) + text[i:]
    elif kind == "replace_digits":
        junk = data.draw(st.sampled_from(["x", "-", "nan", "inf", "1e309", "-0", "", ",", "\n", "\x1b[1m"]))
        text = text[:i] + "".join(junk if c.isdigit() else c for c in text[i:j]) + text[j:]
    else:
        text = text[:i] + text[i:j] * 3 + text[j:]
    survive(text)


@pytest.mark.parametrize("values", [
    {"loss": [-5.0, -6.0, -7.0, -8.0, -9.0, -10.0], "val_loss": [-4.0, -5.0, -6.0, -6.5, -7.0, -7.2]},
    {"loss": [0.0] * 8, "val_loss": [0.0] * 8},
    {"loss": [1.0] * 8},
    {"loss": [1.0]},
    {"loss": [float("nan")] * 6, "val_loss": [float("inf")] * 6},
    {"loss": [1e300, 1e-300, 1e300, 1e-300, 1e300, 1e-300]},
    {"loss": [1.0, 0.5, 0.4, 0.3, 0.2, 0.1], "val_loss": []},
])
def test_odd_values_still_diagnose(values):
    d = diagnose(History.from_dict(values))
    assert d.code and d.title and json.dumps(d.to_dict(), allow_nan=False)


def test_permission_denied(tmp_path, monkeypatch):
    p = write(tmp_path, "h.json", json.dumps({"loss": L}))
    if os.geteuid() == 0:  # root reads anything: simulate the refusal
        def refuse(*a, **k):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr(readers, "open", refuse, raising=False)
    else:
        os.chmod(p, 0)
    with pytest.raises(LossDoctorError, match="permission denied"):
        load_history(p)


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_BYTES", 100)
    with pytest.raises(LossDoctorError, match="larger than the"):
        load_history(write(tmp_path, "big.json", json.dumps({"loss": L * 10})))


@pytest.mark.slow
def test_a_million_epochs(tmp_path):
    n = 1_000_000
    loss = 1 / np.sqrt(np.arange(1, n + 1))
    p = tmp_path / "million.csv"
    with open(p, "w") as fh:
        fh.write("epoch,loss,val_loss\n")
        np.savetxt(fh, np.column_stack([np.arange(n), loss, loss * 1.1]), fmt=["%d", "%.7g", "%.7g"], delimiter=",")
    d = diagnose(load_history(str(p)))
    assert d.epochs == n and d.train.n_points <= 300


HOSTILE = {
    "empty.json": b"",
    "blank.csv": b"\n\n  \n",
    "truncated.json": json.dumps({"loss": L, "val_loss": V}).encode()[:40],
    "junk.bin": bytes(range(256)) * 20,
    "random.txt": os.urandom(4096).replace(b"\x00", b"\x01"),
    "utf16.json": json.dumps({"loss": L, "val_loss": V}).encode("utf-16"),
    "bom.csv": b"\xef\xbb\xbfepoch,loss,val_loss\n0,1,1\n1,0.9,0.95\n2,0.8,0.9\n3,0.7,0.88\n4,0.6,0.87\n5,0.5,0.86\n",
    "words.csv": b"epoch,loss,val_loss\n0,a,b\n1,c,d\n",
    "header_only.csv": b"epoch,loss,val_loss\n",
    "no_loss.json": json.dumps({"accuracy": [0.1, 0.2]}).encode(),
    "wrong_columns.csv": b"a,b,c\n1,2,3\n4,5,6\n",
    "negative.json": json.dumps({"loss": [-1, -2, -3, -4, -5, -6], "val_loss": [-1, -2, -2, -2, -2, -2]}).encode(),
    "zeros.csv": b"epoch,loss,val_loss\n" + b"".join(b"%d,0,0\n" % i for i in range(10)),
    "dup_epochs.csv": b"epoch,loss,val_loss\n0,1,1\n1,0.9,0.9\n1,0.8,0.9\n2,0.7,0.8\n3,0.6,0.7\n4,0.5,0.6\n",
    "nan_everywhere.json": b'{"loss": [NaN, NaN, NaN], "val_loss": [NaN, Infinity, -Infinity]}',
    "deep.json": b"[" * 5000 + b"]" * 5000,
    "huge_number.json": b'{"loss": [1e999999, 1, 2, 3, 4, 5]}',
    "pyrepr_attack.json": json.dumps("().__class__.__bases__[0].__subclasses__()").encode(),
    "console_no_values.log": b"Epoch 1/3\nEpoch 2/3\nEpoch 3/3\n",
}


@pytest.fixture
def hostile_dir(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, data in HOSTILE.items():
        (folder / name).write_bytes(data)
    (folder / "a_directory").mkdir()
    return folder


def test_cli_over_a_folder_of_hostile_files(hostile_dir):
    runner = CliRunner()
    seen = {}
    for p in sorted(hostile_dir.iterdir()):
        r = runner.invoke(cli, ["diagnose", str(p)])
        seen[p.name] = r.exit_code
        assert r.exit_code in (0, 2), (p.name, r.output, r.stderr)
        assert "Traceback" not in r.output + r.stderr
        if r.exit_code == 2:
            lines = r.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"Error: {p}: "), (p.name, r.stderr)
            assert len(lines[0]) > len(f"Error: {p}: ") + 15
    assert seen["negative.json"] == seen["zeros.csv"] == seen["bom.csv"] == seen["dup_epochs.csv"] == 0
    assert seen["empty.json"] == seen["junk.bin"] == seen["a_directory"] == seen["deep.json"] == 2
    assert sorted(p.name for p in hostile_dir.iterdir()) == sorted([*HOSTILE, "a_directory"])


def test_hostile_files_through_a_real_subprocess(hostile_dir):
    for name in ("truncated.json", "junk.bin", "utf16.json"):
        r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(hostile_dir / name)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode in (0, 2) and "Traceback" not in r.stderr


# -- structural fuzzing: the tokens the readers' patterns look for, repeated and run together ---------

TOKENS = ["Epoch", "epoch", " ", "  " * 40, "\t", "\n", "\r", "\b", "[", "]", "/", ",", ":", "=", "|", "-a",
          "1", "10", "9" * 400, "loss", "val_loss", "Step", " - ", "0.5", "nan", "1e309", "\x1b[2J", "\u202e",
          '"', "{", "}", "Epoch 1/2", "Epoch [1/3], Step [2/9]", "loss: 0.5", "k=1 "]


@settings(max_examples=250, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=400))
def test_structural_token_soup(tokens):
    # the deadline guards against super-linear patterns: inputs here are a few KB
    survive("".join(tokens))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40))
def test_any_key_name_renders_safely(key):
    from lossdoctor.show.render import to_markdown, to_text
    from lossdoctor.core.safe import printable

    h = History.from_dict({key: L, f"val_{key}": V} if key not in ("", ) else {"loss": L})
    try:
        d = diagnose(h, train_key=printable(key) if key in h or printable(key) in h else None)
    except LossDoctorError:
        return
    for out in (to_text(d), to_markdown(d)):
        assert not any(0 <= ord(c) < 32 and c not in "\n" for c in out)
        assert "\x1b" not in out and "\u202e" not in out
