"""Outputs go to what the user named: streams are appended to, devices, pipes and read-only files are
refused (exit 2, one line), hard links and symlinks survive, nothing else is replaced."""

import os
import stat
import subprocess
import sys

import pytest

from conftest import SAMPLES

SAMPLE = str(SAMPLES / "overfitting.json")


def run(*args, cwd, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *args], cwd=cwd, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120)


def test_markdown_to_dev_stdout_appends_to_a_redirected_file(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier content\n")
    with open(summary, "a") as out:  # what `>> summary.md` in a CI step does
        r = run("report", SAMPLE, "-o", "r.png", "--markdown", "/dev/stdout", cwd=tmp_path, stdout=out)
    assert r.returncode == 0, r.stderr
    text = summary.read_text()
    assert text.startswith("earlier content\n") and "## lossdoctor:" in text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_is_refused_not_replaced(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    r = run("report", SAMPLE, "-o", "r.png", "--markdown", "pipe", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not a regular file" in r.stderr
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode) and not (tmp_path / "r.png").exists()


def test_a_device_is_refused(tmp_path):
    r = run("report", SAMPLE, "-o", "r.png", "--markdown", "/dev/null", cwd=tmp_path)
    assert r.returncode == 2 and "not a regular file" in r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_read_only_file_is_refused_and_kept(tmp_path):
    ro = tmp_path / "ro.md"
    ro.write_text("keep me\n")
    ro.chmod(0o444)
    r = run("report", SAMPLE, "-o", "r.png", "--markdown", "ro.md", cwd=tmp_path)
    assert r.returncode == 2 and "read-only" in r.stderr and r.stderr.count("\n") == 1
    assert ro.read_text() == "keep me\n" and stat.S_IMODE(ro.stat().st_mode) == 0o444


def test_hard_links_and_symlinks_survive(tmp_path):
    a = tmp_path / "a.md"
    a.write_text("old\n")
    os.link(a, tmp_path / "b.md")
    os.symlink("a.md", tmp_path / "c.md")
    assert run("report", SAMPLE, "-o", "r.png", "--markdown", "b.md", cwd=tmp_path).returncode == 0
    assert os.stat(a).st_ino == os.stat(tmp_path / "b.md").st_ino and os.stat(a).st_nlink == 2
    assert a.read_text().startswith("## lossdoctor:")
    assert run("report", SAMPLE, "-o", "r2.png", "--markdown", "c.md", cwd=tmp_path).returncode == 0
    assert os.path.islink(tmp_path / "c.md") and (tmp_path / "c.md").read_text() == a.read_text()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".lossdoctor-")]
