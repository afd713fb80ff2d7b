"""Write the golden reports that tests/test_golden.py compares against: the text report in English
and Chinese and the Markdown report of every bundled sample, and the sweep table of all of them.

Usage: python scripts/golden.py     (after a change to the wording or the judgement that is meant:
review `git diff tests/golden` before committing it)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOLDEN = ROOT / "tests" / "golden"


def reports() -> dict[str, str]:
    """The golden file name -> its expected content, made by the current code."""
    from lossdoctor import diagnose, load_history
    from lossdoctor.batch import diagnose_many
    from lossdoctor.i18n import language
    from lossdoctor.render import batch_to_text, to_markdown, to_text

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


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, text in reports().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(list(GOLDEN.iterdir()))} golden reports in {GOLDEN}")


if __name__ == "__main__":
    main()
