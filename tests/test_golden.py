"""Every word of the reports on the bundled samples, pinned: the text report in English and
Chinese, the Markdown report and the sweep table. A change of wording or of judgement shows here
as a diff; when it is meant, `python scripts/golden.py` writes the new reports (review the diff)."""

import difflib
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import golden  # noqa: E402


def test_the_reports_on_the_samples_are_word_for_word_the_golden_ones():
    made = golden.reports()
    stored = {p.name: p.read_text(encoding="utf-8") for p in golden.GOLDEN.iterdir()}
    assert sorted(stored) == sorted(made), "golden files and reports differ in name: run python scripts/golden.py"
    for name in sorted(made):
        if made[name] != stored[name]:
            diff = "\n".join(difflib.unified_diff(stored[name].splitlines(), made[name].splitlines(),
                                                  f"golden/{name}", "now", lineterm="", n=1))
            raise AssertionError(f"{name} changed (python scripts/golden.py writes it when meant):\n{diff[:3000]}")


def test_the_golden_reports_cover_every_sample_in_both_languages():
    names = {p.name for p in golden.GOLDEN.iterdir()}
    samples = [p.stem for p in (ROOT / "sample_histories").iterdir() if p.suffix in (".json", ".csv")]
    assert samples and all({f"{s}.en.txt", f"{s}.zh.txt", f"{s}.en.md"} <= names for s in samples)
    assert "sweep.en.txt" in names
