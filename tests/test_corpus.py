"""Agreement with the labelled corpus in ../shared (skipped when it is not there)."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from corpus_agreement import score  # noqa: E402


def test_agreement_at_least_90_percent(corpus):
    for fmt in ("history.json", "csv"):
        t = score(corpus, [fmt])["tally"]
        assert t[fmt, "runs"] == 62
        for what, of in (("train", "trend_runs"), ("val", "trend_runs"), ("code", "runs")):
            assert t[fmt, what] / t[fmt, of] >= 0.9, (fmt, what)
