"""Output files: never over an input or another output, all or nothing, symlinks followed, modes
kept, and no temporary file left behind by SIGTERM or (after the next run) by SIGKILL."""

import os
import signal
import stat
import subprocess
import sys

import pytest

from conftest import SAMPLES
from lossdoctor.core.atomic import TEMP_PREFIX, WritePlan, remove_stale_temporaries, text_writer
from lossdoctor.core.errors import InputFileError

pytest.importorskip("matplotlib")
SAMPLE = SAMPLES / "overfitting.json"


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def copy_sample(tmp_path):
    p = tmp_path / "history.json"
    p.write_bytes(SAMPLE.read_bytes())
    return p


def test_markdown_naming_the_input_is_refused_and_the_history_kept(tmp_path):
    h = copy_sample(tmp_path)
    before = h.read_bytes()
    r = cli("report", h, "-o", tmp_path / "r.png", "--markdown", h)
    assert r.returncode == 2 and "refusing to write" in r.stderr and "it is the input" in r.stderr
    assert h.read_bytes() == before and not (tmp_path / "r.png").exists()


def test_markdown_equal_to_the_figure_is_refused(tmp_path):
    h = copy_sample(tmp_path)
    r = cli("report", h, "-o", tmp_path / "r.png", "--markdown", tmp_path / "r.png")
    assert r.returncode == 2 and "twice in one call" in r.stderr and not (tmp_path / "r.png").exists()


def test_when_one_output_fails_none_is_written(tmp_path):
    h = copy_sample(tmp_path)
    png = tmp_path / "r.png"
    png.write_bytes(b"old figure")
    r = cli("report", h, "-o", png, "--markdown", tmp_path / "missing" / "s.md")
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert png.read_bytes() == b"old figure"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(TEMP_PREFIX)]


def test_a_symlinked_output_writes_its_target_and_stays_a_link(tmp_path):
    h = copy_sample(tmp_path)
    target, link = tmp_path / "real.md", tmp_path / "link.md"
    target.write_text("old")
    link.symlink_to(target)
    r = cli("report", h, "-o", tmp_path / "r.png", "--markdown", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and target.read_text().startswith("## lossdoctor:")


def test_modes_new_files_follow_the_umask_replaced_files_keep_theirs(tmp_path):
    md = tmp_path / "keep.md"
    md.write_text("old")
    os.chmod(md, 0o640)
    old = os.umask(0o022)
    try:
        WritePlan().add(str(tmp_path / "new.md"), text_writer("x")).add(str(md), text_writer("y")).commit()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.md").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(md).st_mode) == 0o640 and md.read_text() == "y"


def test_a_folder_is_not_an_output(tmp_path):
    with pytest.raises(InputFileError, match="it is a folder"):
        WritePlan().add(str(tmp_path), text_writer("x"))


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(
        "import sys, time\n"
        "from lossdoctor.core.atomic import WritePlan\n"
        "def slow(tmp):\n"
        "    open(tmp, 'w').write('partial')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(30)\n"
        f"WritePlan().add({str(tmp_path / 'out.md')!r}, slow).commit()\n")
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=20) == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == ["slow.py"]


def test_a_killed_runs_temporary_file_is_removed_by_the_next_run(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftover = tmp_path / f"{TEMP_PREFIX}{dead.pid}-abc.png"
    leftover.write_bytes(b"half")
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-xyz.png"
    mine.write_bytes(b"in use")
    r = cli("plot", copy_sample(tmp_path), "-o", tmp_path / "p.png")
    assert r.returncode == 0, r.stderr
    assert not leftover.exists() and mine.exists()  # a live process' file is left alone
    assert remove_stale_temporaries(str(tmp_path)) == 0
