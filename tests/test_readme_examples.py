"""The README's `$ lossdoctor ...` examples print what lossdoctor prints today, line for line."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```\n\$ (lossdoctor [^\n]+)\n(.*?)```", README, re.S)


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("command, shown", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example_output_is_current(command, shown):
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
    env["LOSSDOCTOR_LANG"] = "en"
    r = subprocess.run([sys.executable, "-m", "lossdoctor", *command.split()[1:]], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    actual = r.stdout.splitlines()
    lines = [line for line in shown.rstrip("\n").splitlines() if line.strip() != "..."]  # '...' marks a cut
    at = 0
    for line in lines:  # every line shown, in the same order
        assert line in actual[at:], line
        at = actual.index(line, at) + 1
