"""Write the golden reports that tests/test_golden.py compares against: the text report in English
and Chinese and the Markdown report of every bundled sample, and the sweep table of all of them.

Usage: python scripts/golden.py     (after a change to the wording or the judgement that is meant:
review `git diff tests/golden` before committing it)

       python scripts/golden.py --against REV [PATH ...]
           (a change meant to keep behaviour: every report of every log under PATH, found as
           `lossdoctor report` finds them, by default the bundled samples and ../shared's wild, seeds
           and corpus folders, made by the revision REV and by the working tree, compared word for
           word: the JSON, the text report in English and Chinese, the Markdown report, or the
           one-line error. Prints each run that differs and exits 1 if any does.)
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOLDEN = ROOT / "tests" / "golden"


def reports() -> dict[str, str]:
    """The golden file name -> its expected content, made by the current code."""
    from lossdoctor import diagnose, load_history
    from lossdoctor.run.batch import diagnose_many
    from lossdoctor.core.i18n import language
    from lossdoctor.show.render import batch_to_text, to_markdown, to_text

    out = {}
    samples = sorted(p for p in (ROOT / "sample_histories").iterdir() if p.suffix in (".json", ".csv"))
    for path in samples:
        h = load_history(str(path))
        source = f"sample_histories/{path.name}"
        for lang in ("en", "zh"):
            d = diagnose(h, lang=lang)
            out[f"{path.stem}.{lang}.txt"] = to_text(_at(d, source))
        out[f"{path.stem}.en.md"] = to_markdown(_at(diagnose(h, lang="en"), source))
    cwd = os.getcwd()
    os.chdir(ROOT)  # the sweep names its runs by their paths, as the user typed them
    try:
        with language("en"):  # whatever language an earlier test or the environment set
            out["sweep.en.txt"] = batch_to_text(diagnose_many(["sample_histories"], workers=1))
    finally:
        os.chdir(cwd)
    return out


def _at(d, source: str):
    """The diagnosis as if read from `source` (the golden files do not depend on where the clone is)."""
    from dataclasses import replace

    return replace(d, source=source)


# Run by the tree under comparison, through the public paths every revision has.
DUMP = r"""
import json, sys
import lossdoctor
from lossdoctor import render
out = {"": {"module": lossdoctor.__file__}}
for path in sys.argv[2:]:
    try:
        h = lossdoctor.load_history(path)
        en, zh = lossdoctor.diagnose(h, lang="en"), lossdoctor.diagnose(h, lang="zh")
        out[path] = {"json": render.to_json(en), "text": render.to_text(en), "zh": render.to_text(zh),
                     "markdown": render.to_markdown(en)}
    except lossdoctor.LossDoctorError as err:
        out[path] = {"error": str(err)}
json.dump(out, open(sys.argv[1], "w"))
"""


def histories(paths) -> list[str]:
    """Every log under `paths`, as `lossdoctor report` finds them (absolute: each tree runs from its own folder)."""
    from lossdoctor.run.batch import expand

    return [os.path.realpath(p) for p in expand(paths)]


def dump(tree: Path, files: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        env = {**os.environ, "PYTHONPATH": str(tree), "LOSSDOCTOR_LANG": "en"}
        # run from the tree itself: `python -c` puts the working directory first on the path
        subprocess.run([sys.executable, "-c", DUMP, f.name, *files], env=env, check=True, cwd=tree)
        return json.load(open(f.name, encoding="utf-8"))


def against(rev: str, paths: list[str]) -> int:
    """Compare every report of the revision `rev` with the working tree's; 1 if any differs."""
    shared = ROOT.parent / "shared"
    paths = paths or [str(ROOT / "sample_histories"), *(str(shared / d) for d in ("wild", "seeds", "corpus")
                                                        if (shared / d).is_dir())]
    files = histories(paths)
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old_tree), rev], cwd=ROOT, check=True)
        try:
            before = dump(old_tree, files)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=True)
    after = dump(ROOT, files)
    assert before.pop("")["module"].startswith(str(old_tree)) and after.pop("")["module"].startswith(str(ROOT))
    differ = [f for f in files if before.get(f) != after.get(f)]
    for f in differ:
        for kind in sorted(set(before[f]) | set(after[f])):
            a, b = before[f].get(kind, ""), after[f].get(kind, "")
            if a != b:
                print(f"--- {f} ({kind})")
                print("".join(list(difflib.unified_diff(a.splitlines(True), b.splitlines(True), rev, "working tree",
                                                        n=1))[:40]))
    print(f"{len(files)} histories, {len(files) - len(differ)} with the same reports at {rev} and in the working tree, "
          f"{len(differ)} different")
    return 1 if differ else 0


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--against":
        sys.exit(against(sys.argv[2], sys.argv[3:]))
    GOLDEN.mkdir(exist_ok=True)
    for name, text in reports().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(list(GOLDEN.iterdir()))} golden reports in {GOLDEN}")


if __name__ == "__main__":
    main()
