"""Agreement of lossdoctor's diagnosis with the labelled corpus (default: ../shared/corpus).

Usage: python bench/corpus_agreement.py [CORPUS_DIR] [--formats history.json,csv,console.log] [-v]

Reads the `observed` and `code` columns of the corpus README, diagnoses every run from each
file format, and prints agreement on the train trend, the val trend and the code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor.judge.diagnosis import diagnose  # noqa: E402
from lossdoctor.core.errors import LossDoctorError  # noqa: E402
from lossdoctor.read.formats import load_history  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# observed label -> (train trend, accepted val trends, accepted codes, plateau variant or None)
EXPECTED = {
    "still_learning": ("falling", {"falling"}, {"learning"}, None),
    "overfitting": ("falling", {"flat", "rising"}, {"overfitting"}, None),
    "dataset_problem": ("flat", {"falling"}, {"data_problem"}, None),
    "learning_bottleneck": ("flat", {"flat"}, {"plateau"}, "not_converged"),
    "converged": ("flat", {"flat"}, {"plateau"}, "converged"),
    "both_rising": ("rising", {"rising"}, {"diverging"}, None),
    "divergence": (None, None, {"non_finite", "diverging"}, None),
    "other(train rising, val flat)": ("rising", {"flat"}, {"train_rising"}, None),
}


def read_labels(corpus: Path) -> dict[str, str]:
    labels = {}
    for line in (corpus / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 2 and cells[0] and cells[0] not in ("id", "---") and not cells[0].startswith("-"):
            if (corpus / f"{cells[0]}.meta.json").exists():
                labels[cells[0]] = cells[1]
    return labels


def score(corpus: Path, formats: list[str], verbose: bool = False) -> dict:
    labels = read_labels(corpus)
    tally = Counter()
    confusion = Counter()
    misses = []
    for fmt in formats:
        for rid, observed in sorted(labels.items()):
            path = corpus / f"{rid}.{fmt}"
            if not path.exists():
                continue
            train_exp, val_exp, codes, variant = EXPECTED[observed]
            try:
                d = diagnose(load_history(str(path)))
            except LossDoctorError as err:
                tally[fmt, "read_error"] += 1
                misses.append(f"{fmt} {rid}: {err}")
                continue
            tally[fmt, "runs"] += 1
            confusion[observed, d.code] += 1
            ok_code = d.code in codes
            tally[fmt, "code"] += ok_code
            if train_exp is not None:
                tally[fmt, "trend_runs"] += 1
                ok_t = d.train.trend == train_exp
                ok_v = d.val is not None and d.val.trend in val_exp
                tally[fmt, "train"] += ok_t
                tally[fmt, "val"] += ok_v
            else:
                ok_t = ok_v = True
            if variant and d.code == "plateau":
                tally[fmt, "variant_runs"] += 1
                tally[fmt, "variant"] += (d.variant == "converged") == (variant == "converged")
            if verbose and not (ok_code and ok_t and ok_v):
                misses.append(f"{fmt} {rid}: label {observed}, got {d.code}/{d.variant} "
                              f"train {d.train.trend} {d.train.relative_change:+.3f} p={d.train.p_value:.2g}, "
                              f"val {d.val.trend if d.val else None} "
                              f"{d.val.relative_change if d.val else float('nan'):+.3f} "
                              f"p={d.val.p_value if d.val else float('nan'):.2g}")
    return {"tally": tally, "confusion": confusion, "misses": misses}


def pct(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.1%}" if b else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=os.environ.get("LOSSDOCTOR_CORPUS", DEFAULT_CORPUS))
    ap.add_argument("--formats", default="history.json,csv,console.log")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / "README.md").exists():
        sys.exit(f"Error: {corpus}: no labelled corpus there (README.md missing); pass its folder")
    res = score(corpus, args.formats.split(","), args.verbose)
    t = res["tally"]
    print(f"{'format':<14}{'runs':>6}  {'train trend':<18}{'val trend':<18}{'code':<18}{'converged/not':<18}")
    for fmt in args.formats.split(","):
        print(f"{fmt:<14}{t[fmt, 'runs']:>6}  {pct(t[fmt, 'train'], t[fmt, 'trend_runs']):<18}"
              f"{pct(t[fmt, 'val'], t[fmt, 'trend_runs']):<18}{pct(t[fmt, 'code'], t[fmt, 'runs']):<18}"
              f"{pct(t[fmt, 'variant'], t[fmt, 'variant_runs']):<18}"
              + (f" read errors: {t[fmt, 'read_error']}" if t[fmt, "read_error"] else ""))
    print("\nconfusion (label -> code: count), all formats:")
    for (obs, code), n in sorted(res["confusion"].items()):
        print(f"  {obs:<32} -> {code:<18} {n}")
    if res["misses"]:
        print("\ndisagreements:")
        print("\n".join("  " + m for m in res["misses"]))


if __name__ == "__main__":
    main()
