"""lossdoctor against the rules other tools use, on a labelled corpus (default ../shared/corpus).

Usage: python bench/accuracy.py [CORPUS_DIR] [--seeds SEEDS_DIR] [--no-live]

First, on the short real histories with a multi-seed truth (default ../shared/seeds, see
seeds_agreement.py, and re-cut at other lengths, see seeds_recut.py; the forecast of more epochs,
see forecast_agreement.py): agreement of lossdoctor,
the naive slope and the previous release on the
train trend, the val trend, the code and all three, per truth code and per history length; then
(unless --no-live) the live callback replayed epoch by epoch: verdict changes per run and how
many epochs after the truth's overfitting onset it is announced, beside EarlyStopping.

Then on the real runs of ../shared/wild with an engineer's labels (wild_agreement.py: per source
format, per length, per labelled code, beside the naive slope).

Then, on the labelled corpus (default ../shared/corpus), for lossdoctor and a naive last-5-epochs least-squares slope,
agreement on the train
trend, the val trend and the code, and a confusion matrix; for every detector (lossdoctor,
Keras EarlyStopping, SageMaker Debugger's Overfit rule, the naive slope) how well it finds the
runs labelled overfitting; and for the live setting, how many epochs after the val-loss minimum
lossdoctor's callback and EarlyStopping (patience 2, 5, 10) flag overfitting, and how often they
fire on runs that are still learning.

The alternatives are implemented from their documentation:
- Keras EarlyStopping(monitor="val_loss", min_delta, patience): an epoch improves when
  val_loss < best - min_delta; training stops once `patience` epochs in a row have not improved.
  Read as an overfitting detector: it "detects" when it would have stopped the run.
- SageMaker Debugger Overfit rule (start_step=0, patience=1, ratio_threshold=0.1): fires when
  (val loss - train loss) / train loss exceeds ratio_threshold for `patience` consecutive steps.
- Naive slope: least-squares slope of each loss over the last 5 epochs; falling/rising when the
  fitted line moves more than 1% of the mean, flat otherwise; the pair goes through lossdoctor's
  own rule table, so only the trend estimate differs.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_agreement import DEFAULT_CORPUS, EXPECTED, read_labels  # noqa: E402
from lossdoctor import History, diagnose  # noqa: E402
from seeds_agreement import (DEFAULT_SEEDS, early_stopping_epoch, live_report, naive_code, replay,  # noqa: E402
                             report as seeds_report)
from forecast_agreement import report as forecast_report  # noqa: E402
from seeds_recut import confidence_report as recut_confidence, report as recut_report  # noqa: E402
from wild_agreement import DEFAULT_WILD, report as wild_report  # noqa: E402

CODES = ["learning", "overfitting", "data_problem", "plateau", "diverging", "train_rising", "non_finite",
         "insufficient_data"]


# -- the alternatives -------------------------------------------------------------------------

def sagemaker_overfit_epoch(train: list[float], val: list[float], ratio_threshold: float = 0.1,
                            patience: int = 1, start_step: int = 0) -> int | None:
    """1-based epoch at which SageMaker Debugger's Overfit rule would fire, or None."""
    count = 0
    for epoch, (t, v) in enumerate(zip(train, val), 1):
        if epoch - 1 < start_step or not (math.isfinite(t) and math.isfinite(v)) or t == 0:
            count = 0
            continue
        count = count + 1 if (v - t) / abs(t) > ratio_threshold else 0
        if count >= patience:
            return epoch
    return None


def live_detection_epoch(train: list[float], val: list[float]) -> int | None:
    """First epoch at which lossdoctor's callback (default settings) announces overfitting."""
    return next((e for e, code in replay({"loss": train, "val_loss": val}, 2) if code == "overfitting"), None)


# -- scoring ------------------------------------------------------------------------------------

def pct(a, b):
    return f"{a}/{b} ({a / b:.0%})" if b else "n/a"


def main() -> None:
    args = sys.argv[1:]
    seeds = Path(args[args.index("--seeds") + 1]) if "--seeds" in args else DEFAULT_SEEDS
    positional = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] != "--seeds")]
    corpus = Path(positional[0]) if positional else DEFAULT_CORPUS
    if not (corpus / "README.md").exists():
        sys.exit(f"Error: {corpus}: no labelled corpus there; pass its folder")
    if (seeds / "truth.json").exists():
        seeds_report(seeds)
        print()
        recut_report(seeds)
        recut_confidence(seeds)
        print()
        forecast_report(seeds)
        if "--no-live" not in args:
            live_report(seeds)
        print()
    else:
        print(f"({seeds}: no truth.json there; the seeds sections are left out)\n")
    if (DEFAULT_WILD / "labels.json").exists():
        wild_report(DEFAULT_WILD)
        print()
    labels = read_labels(corpus)
    runs = {}
    for rid in sorted(labels):
        h = json.loads((corpus / f"{rid}.history.json").read_text())
        runs[rid] = ([float(x) for x in h["loss"]], [float(x) for x in h["val_loss"]])

    tally = Counter()
    confusion = {"lossdoctor": Counter(), "naive slope": Counter()}
    detectors = {"lossdoctor": {}, "naive slope": {}, "EarlyStopping(patience=5)": {},
                 "SageMaker Overfit rule": {}}
    for rid, (train, val) in runs.items():
        exp_t, exp_v, codes, _ = EXPECTED[labels[rid]]
        d = diagnose(History.from_dict({"loss": train, "val_loss": val}))
        nt, nv, ncode = naive_code(train, val)
        for name, (t, v, code) in {"lossdoctor": (d.train.trend, d.val.trend if d.val else None, d.code),
                                   "naive slope": (nt, nv, ncode)}.items():
            confusion[name][labels[rid], code] += 1
            tally[name, "code"] += code in codes
            if exp_t is not None:
                tally[name, "trend_runs"] += 1
                tally[name, "train"] += t == exp_t
                tally[name, "val"] += v in exp_v
            detectors[name][rid] = code == "overfitting"
        detectors["EarlyStopping(patience=5)"][rid] = early_stopping_epoch(val, 5) is not None
        detectors["SageMaker Overfit rule"][rid] = sagemaker_overfit_epoch(train, val) is not None

    n = len(runs)
    print(f"Labelled corpus: {corpus} ({n} runs)\n")
    print("Agreement with the labels (trends on the runs whose label names them)")
    print(f"  {'method':<14}{'train trend':<16}{'val trend':<16}{'code':<16}")
    for name in ("lossdoctor", "naive slope"):
        print(f"  {name:<14}{pct(tally[name, 'train'], tally[name, 'trend_runs']):<16}"
              f"{pct(tally[name, 'val'], tally[name, 'trend_runs']):<16}{pct(tally[name, 'code'], n):<16}")

    for name in ("lossdoctor", "naive slope"):
        print(f"\nConfusion matrix, {name} (rows: label, columns: code)")
        used = [c for c in CODES if any(confusion[name][lab, c] for lab in EXPECTED)]
        print("  " + " " * 30 + "".join(f"{c[:11]:>12}" for c in used))
        for lab in EXPECTED:
            row = [confusion[name][lab, c] for c in used]
            if sum(row):
                print(f"  {lab[:30]:<30}" + "".join(f"{v:>12}" for v in row))

    truth = {rid: labels[rid] == "overfitting" for rid in runs}
    print("\nFinding the runs labelled overfitting (the whole run, judged at its end)")
    print(f"  {'detector':<28}{'recall':<14}{'precision':<14}{'false alarms on still_learning':<32}")
    learning = [r for r in runs if labels[r] == "still_learning"]
    for name, flags in detectors.items():
        tp = sum(flags[r] and truth[r] for r in runs)
        fp = sum(flags[r] and not truth[r] for r in runs)
        pos = sum(truth.values())
        fa = sum(flags[r] for r in learning)
        print(f"  {name:<28}{pct(tp, pos):<14}{pct(tp, tp + fp):<14}{pct(fa, len(learning)):<32}")

    print("\nOverfitting onset, live: epochs after the val-loss minimum until a detector fires")
    print(f"  {'detector':<28}{'detected':<14}{'median delay':<14}{'mean delay':<12}{'before the minimum':<20}"
          f"{'false alarms on still_learning':<32}")
    over = [r for r in runs if truth[r]]
    live = {"lossdoctor callback": lambda t, v: live_detection_epoch(t, v)}
    for p in (2, 5, 10):
        live[f"EarlyStopping(patience={p})"] = lambda t, v, p=p: early_stopping_epoch(v, p)
    for name, detect in live.items():
        delays = []
        for r in over:
            train, val = runs[r]
            epoch = detect(train, val)
            if epoch is not None:
                delays.append(epoch - (int(np.nanargmin(val)) + 1))
        fa = sum(detect(*runs[r]) is not None for r in learning)
        med = f"{np.median(delays):+.1f}" if delays else "-"
        mean = f"{np.mean(delays):+.1f}" if delays else "-"
        early = sum(d < 0 for d in delays)
        print(f"  {name:<28}{pct(len(delays), len(over)):<14}{med:<14}{mean:<12}{pct(early, len(delays)):<20}"
              f"{pct(fa, len(learning)):<32}")
    print("\n  A negative delay fires before the run's val-loss minimum: the validation loss went on to a lower"
          "\n  value later, so stopping there would have lost it.")


if __name__ == "__main__":
    main()
