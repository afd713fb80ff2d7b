"""Log content never reaches a terminal or a Markdown file raw: escapes, newlines, markup (#15, item 3)."""

import re
import subprocess
import sys

from lossdoctor.core.safe import md, md_code, printable

EVIL_KEY = "loss\x1b]0;pwned\x07\x1b[2J<script>alert(1)</script>|`x`\n## injected"


def test_printable_shows_control_characters_as_escapes():
    assert printable("a\x1b[2Jb\nc\u202ed") == "a\\x1b[2Jb\\nc\\u202ed"
    assert printable("val_loss 验证损失") == "val_loss 验证损失"


def test_markdown_helpers():
    assert md("<b>[x](y)|") == "\\<b\\>\\[x\\](y)\\|"
    assert md_code("a`b|c") == "``a`b\\|c``"


def _csv(tmp_path, name="h.csv"):
    rows = [f"epoch,{EVIL_KEY.replace(chr(10), ' ')},val_loss"]
    rows += [f"{e},{1 / (e + 1):.4f},{1.1 / (e + 1):.4f}" for e in range(20)]
    p = tmp_path / name
    p.write_text("\n".join(rows) + "\n")
    return p


def run(*args):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *map(str, args)], capture_output=True, text=True)


def test_a_hostile_header_reaches_neither_the_terminal_nor_the_markdown_raw(tmp_path):
    p = _csv(tmp_path)
    r = run("diagnose", p, "--train-key", EVIL_KEY.replace("\n", " ").replace("\x1b", "\\x1b").replace("\x07", "\\x07"))
    for out in (r.stdout, r.stderr):
        assert "\x1b" not in out and "\x07" not in out
    r = run("diagnose", p, "--format", "markdown", "--train-key",
            EVIL_KEY.replace("\n", " ").replace("\x1b", "\\x1b").replace("\x07", "\\x07"))
    outside_code = re.sub(r"(`+)(.+?)\1", "", r.stdout)  # inside a code span, markup is shown as text
    assert not re.search(r"(?<!\\)<script", outside_code) and "\x1b" not in r.stdout
    assert "\n## injected" not in r.stdout


def test_a_hostile_file_name_keeps_the_error_on_one_line(tmp_path):
    bad = tmp_path / "x\nError: forged\x1b[2J.json"
    bad.write_text("not json at all")
    r = run("diagnose", bad)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("Error: ")
    assert "\x1b" not in r.stderr and "\\nError: forged\\x1b[2J" in r.stderr


def test_a_hostile_file_name_in_a_sweep_table_and_its_markdown(tmp_path):
    src = _csv(tmp_path)
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a|b<img src=x>\x1b[31m.csv").write_bytes(src.read_bytes())
    (folder / "ok.csv").write_bytes(src.read_bytes())
    r = run("diagnose", folder)
    assert "\x1b" not in r.stdout
    r = run("diagnose", folder, "--format", "markdown")
    assert not re.search(r"(?<!\\)<img", re.sub(r"(`+)(.+?)\1", "", r.stdout)) and "\x1b" not in r.stdout
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == rows[0].count(" | ") for line in rows)
