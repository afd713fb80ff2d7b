"""The seeds' truth rules applied at other cut points: a check of how the judgement generalises.

Usage: python bench/seeds_recut.py [SEEDS_DIR] [--cut 0.5,0.7,1.5,2] [-v]

`../shared/seeds` gives, per item, one seed's history cut at E epochs and the full 3E-epoch
history of the same seed, and per configuration the mean curves over its six seeds
(`configs.json`). Cutting every seed's full history at another length E' (by default 1.5E and 2E)
and applying the folder README's truth rules to the mean curves at E' gives new items whose
windows, phases and lengths the calibration never saw (by default 0.5E, 0.7E, 1.5E and 2E; at
least 3 epochs). The rules, as the README states them (at E itself they give back `truth.json`
exactly, which the test suite checks):

- trends: a least-squares line through log(mean loss) over the last w = max(3, ceil(E'/3))
  epochs; its relative change: falling below -4%, rising above +4%, flat within +-2%, both
  adjacent labels between 2% and 4%; flat is also accepted when the seeds' own slopes over the
  window are not significant across seeds (|t| < 2);
- code: the five-case grid over the accepted trends, plus `overfitting` when the training loss
  may be falling and the mean validation loss reached its minimum at least
  max(2, E'//5) epochs before E' and sits >= 1% above it, `diverging` when the mean training loss
  is 10 times its minimum or more, `non_finite` when the item's own cut holds NaN/inf.

The truth's seed set is the item's own, so these items are not independent of the calibration
set in their noise; they are in where the window falls and what phase training is in.
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

from lossdoctor import History, diagnose  # noqa: E402
from seeds_agreement import judge, naive_code  # noqa: E402

DEFAULT_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


# The five documented cases (pairs off the grid give no code of their own).
GRID = {("falling", "falling"): "learning", ("falling", "flat"): "overfitting",
        ("falling", "rising"): "overfitting", ("flat", "falling"): "data_problem",
        ("flat", "flat"): "plateau", ("rising", "rising"): "diverging"}


def window(e: int) -> int:
    return max(3, math.ceil(e / 3))


def change(y: np.ndarray) -> float:
    """Relative change of the least-squares line through log(y) over its span."""
    x = np.arange(len(y), dtype=float)
    slope = np.polyfit(x, np.log(y), 1)[0]
    return math.expm1(slope * (len(y) - 1))


def labels(c: float) -> list[str]:
    if c < -0.04:
        return ["falling"]
    if c > 0.04:
        return ["rising"]
    if c < -0.02:
        return ["falling", "flat"]
    if c > 0.02:
        return ["flat", "rising"]
    return ["flat"]


def seed_t(seeds: list[np.ndarray]) -> float:
    """t statistic of the seeds' own window slopes (log scale) across seeds."""
    slopes = [np.polyfit(np.arange(len(s), dtype=float), np.log(s), 1)[0] for s in seeds]
    sd = float(np.std(slopes, ddof=1))
    return float(np.mean(slopes)) / (sd / math.sqrt(len(slopes))) if sd > 0 else math.inf


def truth_at(mean_t, mean_v, seeds_t, seeds_v, e: int) -> dict | None:
    """The accepted trends and codes of a configuration's mean curves cut at `e` epochs."""
    w = window(e)
    mt, mv = np.asarray(mean_t[:e], float), np.asarray(mean_v[:e], float)
    if not (np.all(np.isfinite(mt)) and np.all(np.isfinite(mv)) and np.all(mt > 0) and np.all(mv > 0)):
        return None
    st = [s[e - w:e] for s in seeds_t if np.all(np.isfinite(s[:e])) and np.all(s[:e] > 0)]
    sv = [s[e - w:e] for s in seeds_v if np.all(np.isfinite(s[:e])) and np.all(s[:e] > 0)]
    if len(st) < 3 or len(sv) < 3:
        return None
    tt, vt = labels(change(mt[-w:])), labels(change(mv[-w:]))
    if "flat" not in tt and abs(seed_t(st)) < 2:
        tt.append("flat")
    if "flat" not in vt and abs(seed_t(sv)) < 2:
        vt.append("flat")
    codes = {GRID[a, b] for a in tt for b in vt if (a, b) in GRID}
    vmin = int(np.argmin(mv))
    if "falling" in tt and vmin + 1 <= e - max(2, e // 5) and mv[-1] >= 1.01 * mv[vmin]:
        codes.add("overfitting")
    if mt[-1] >= 10 * float(np.min(mt)):
        codes.add("diverging")
    return {"train_trend": tt, "val_trend": vt, "code": sorted(codes)}


def items(folder: Path, cuts: list[float]):
    """(name, history dict, truth, E') for every seed of every configuration at every cut."""
    configs = json.loads((folder / "configs.json").read_text())
    for name, cfg in sorted(configs.items()):
        t = cfg["truth"]
        if "mean_loss" not in cfg:
            continue
        fulls = {k: json.loads((folder / f"{k}.full.json").read_text(), parse_constant=float)
                 for k in cfg["items"]}
        seeds_t = [np.asarray(f["loss"], float) for f in fulls.values()]
        seeds_v = [np.asarray(f["val_loss"], float) for f in fulls.values()]
        full_len = len(cfg["mean_loss"])
        for cut in cuts:
            e = max(3, min(int(round(cut * t["E"])), full_len))
            for k, f in fulls.items():
                h = {key: v[:e] for key, v in f.items()}
                own = np.asarray(h["loss"] + h["val_loss"], float)
                if not np.all(np.isfinite(own)):
                    yield name, k, h, {"train_trend": None, "val_trend": None, "code": ["non_finite"]}, e
                    continue
                truth = truth_at(cfg["mean_loss"], cfg["mean_val_loss"], seeds_t, seeds_v, e)
                if truth is not None:
                    yield name, k, h, truth, e


def answer(h: dict):
    d = diagnose(History.from_dict(h))
    return d.train.trend, d.val.trend if d.val else None, d.code


def naive(h: dict):
    return naive_code([float(x) for x in h["loss"]], [float(x) for x in h["val_loss"]])


def score(folder: Path, cuts: list[float], method=answer):
    total, per_code, misses = Counter(), Counter(), []
    for name, k, h, t, e in items(folder, cuts):
        right = judge(method(h), t)
        for f in ("train", "val", "code", "all"):
            total[f] += right[f]
        total["n"] += 1
        primary = t["code"][0] if len(t["code"]) == 1 else "/".join(t["code"])
        per_code[primary, "all"] += right["all"]
        per_code[primary, "n"] += 1
        if not right["all"]:
            misses.append((k, name, e, method(h), (t["train_trend"], t["val_trend"], t["code"])))
    return total, per_code, misses


CUTS = (0.5, 0.7, 1.5, 2.0)


def report(folder: Path, cuts=CUTS, verbose: bool = False) -> None:
    """Agreement of lossdoctor and of the naive slope at each cut, side by side."""
    print(f"Seeds re-cut: each seed's full history cut at another length, the README's truth rules "
          f"applied to the mean curves there ({folder})\n")
    print(f"  {'cut':<10}{'items':<7}{'method':<22}" + "".join(f"{h:<18}" for h in ("train", "val", "code", "all three")))
    for cut in cuts:
        ours, per_code, misses = score(folder, [cut])
        nv, _, _ = score(folder, [cut], naive)
        n = ours["n"]
        for i, (label, t) in enumerate((("lossdoctor", ours), ("naive 5-epoch slope", nv))):
            head = f"{cut:g} x E" if i == 0 else ""
            print(f"  {head:<10}{(str(n) if i == 0 else ''):<7}{label:<22}"
                  + "".join(f"{t[f]} ({t[f] / n:.1%})".ljust(18) for f in ("train", "val", "code", "all")))
        if verbose:
            print("    per truth code (all three): " + ", ".join(
                f"{c} {per_code[c, 'all']}/{per_code[c, 'n']}" for c in sorted({c for c, _ in per_code})))
            for m in misses:
                print("     ", *m)


def by_confidence(folder: Path, cuts=(1.0, *CUTS)) -> Counter:
    """Agreement (all three fields) per confidence level, over the items of every cut."""
    tally = Counter()
    for _, _, h, t, _ in items(folder, list(cuts)):
        d = diagnose(History.from_dict(h))
        right = judge((d.train.trend, d.val.trend if d.val else None, d.code), t)["all"]
        tally[d.confidence, "n"] += 1
        tally[d.confidence, "all"] += right
    return tally


def confidence_report(folder: Path) -> None:
    t = by_confidence(folder)
    cells = [f"{lv} {t[lv, 'all']}/{t[lv, 'n']} ({t[lv, 'all'] / t[lv, 'n']:.1%})" for lv in ("high", "medium", "low")
             if t[lv, "n"]]
    print("  Agreement (all three fields) by the verdict's confidence, at E and every cut: " + ", ".join(cells))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    cuts = CUTS
    if "--cut" in sys.argv:
        value = sys.argv[sys.argv.index("--cut") + 1]
        cuts = tuple(float(c) for c in value.split(","))
        args = [a for a in args if a != value]
    folder = Path(args[0]) if args else DEFAULT_SEEDS
    if not (folder / "configs.json").exists():
        sys.exit(f"Error: {folder}: no configs.json there; pass the seeds folder")
    report(folder, cuts, "-v" in sys.argv)
    confidence_report(folder)


if __name__ == "__main__":
    main()
