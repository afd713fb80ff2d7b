"""Agreement with the multi-seed truth of short real Keras histories (default: ../shared/seeds).

Usage: python bench/seeds_agreement.py [SEEDS_DIR] [-v] [--live]

Each item is one seed's history cut at E epochs; its truth comes from the mean curve over six
seeds of the same configuration (see the folder's README). An item counts as right on a field
when lossdoctor's answer is among the accepted ones; "all three" needs train trend, val trend
and code right together (items whose cut holds NaN/inf have no trend truth: only the code counts).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor import diagnose, load_history  # noqa: E402
from lossdoctor.rules import TREND_TABLE  # noqa: E402

DEFAULT_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
FIELDS = ("train", "val", "code", "all")

# The release before the trend engine was rebuilt (0.1.0: Theil-Sen slope and Mann-Kendall test
# over the last third, 4.5% practical threshold), measured with this script on ../shared/seeds.
PREVIOUS_RELEASE = {"train": 253, "val": 227, "code": 241, "all": 222, "n": 270,
                    "per_code": {"data_problem": (24, 30), "diverging": (13, 24), "learning": (68, 78),
                                 "non_finite": (18, 18), "overfitting": (22, 42), "plateau": (77, 78)}}

# The same release's callback (a verdict announced at every change), replayed as in `live_report`.
PREVIOUS_RELEASE_LIVE = f"{1.87:<14.2f}{11:<6}{'66/66 (100.0%)':<16}{'+2.0':<14}{'-0.5':<12}{'0/60 (0.0%)':<14}"


def naive_trend(y, last: int = 5, tolerance: float = 0.01) -> str:
    """Least-squares slope over the last 5 epochs: falling/rising beyond 1% of the mean, else flat."""
    seg = np.asarray(y[-last:], dtype=float)
    if len(seg) < 2 or not np.all(np.isfinite(seg)):
        return "unknown"
    slope = np.polyfit(np.arange(len(seg)), seg, 1)[0]
    rel = slope * (len(seg) - 1) / max(abs(seg.mean()), 1e-12)
    return "flat" if abs(rel) < tolerance else ("falling" if rel < 0 else "rising")


def naive_code(train, val) -> tuple[str, str, str]:
    """The naive slope's trends, through lossdoctor's own rule table (only the estimate differs)."""
    t, v = naive_trend(train), naive_trend(val)
    if not (np.all(np.isfinite(train)) and np.all(np.isfinite(val))):
        return t, v, "non_finite"
    if t == "unknown":
        return t, v, "insufficient_data"
    return t, v, TREND_TABLE[(t, None if v == "unknown" else v)].code


def lossdoctor_answer(path: Path) -> tuple[str, str | None, str]:
    d = diagnose(load_history(str(path)))
    return d.train.trend, d.val.trend if d.val else None, d.code


def naive_answer(path: Path) -> tuple[str, str, str]:
    h = json.loads(path.read_text())
    return naive_code([float(x) for x in h["loss"]], [float(x) for x in h["val_loss"]])


def judge(answer, t: dict) -> dict[str, bool]:
    """Which fields of an answer the truth accepts."""
    tr, vr, code = answer
    if t["train_trend"] is None:
        right = {"train": True, "val": True}
    else:
        right = {"train": tr in t["train_trend"], "val": vr in t["val_trend"]}
    right["code"] = code in t["code"]
    right["all"] = all(right.values())
    return right


def score(folder: Path, method=lossdoctor_answer) -> dict:
    """Tallies of one method on every item: overall, per truth code, per history length."""
    truth = json.loads((folder / "truth.json").read_text())
    total, per_code, per_length, misses = Counter(), Counter(), Counter(), []
    for item, t in sorted(truth.items()):
        answer = method(folder / f"{item}.history.json")
        right = judge(answer, t)
        for f in FIELDS:
            total[f] += right[f]
        total["n"] += 1
        per_code[t["primary_code"], "all"] += right["all"]
        per_code[t["primary_code"], "code"] += right["code"]
        per_code[t["primary_code"], "n"] += 1
        per_length[t["E"], "all"] += right["all"]
        per_length[t["E"], "n"] += 1
        if not right["all"]:
            misses.append((item, t["config"], t["E"], answer, (t["train_trend"], t["val_trend"], t["code"])))
    return {"total": total, "per_code": per_code, "per_length": per_length, "misses": misses}


def pct(a, b) -> str:
    return f"{a}/{b} ({a / b:.1%})" if b else "n/a"


def report(folder: Path, verbose: bool = False) -> None:
    ours, naive = score(folder), score(folder, naive_answer)
    prev = PREVIOUS_RELEASE
    n = ours["total"]["n"]
    print(f"Short real histories with a multi-seed truth: {folder} ({n} items)\n")
    print(f"  {'method':<26}" + "".join(f"{h:<20}" for h in ("train trend", "val trend", "code", "all three")))
    for name, t in (("lossdoctor", ours["total"]), ("naive 5-epoch slope", naive["total"]),
                    ("previous release (0.1.0)", prev)):
        print(f"  {name:<26}" + "".join(f"{pct(t[f], t['n']):<20}" for f in FIELDS))
    print("\n  Per truth code (all three fields right / code right)")
    print(f"  {'code':<16}{'items':<8}{'lossdoctor':<28}{'naive slope':<28}{'previous release':<20}")
    codes = sorted({c for c, _ in ours["per_code"]})
    for c in codes:
        o, v = ours["per_code"], naive["per_code"]
        old = prev["per_code"].get(c)
        print(f"  {c:<16}{o[c, 'n']:<8}{pct(o[c, 'all'], o[c, 'n']) + ' / ' + str(o[c, 'code']):<28}"
              f"{pct(v[c, 'all'], v[c, 'n']) + ' / ' + str(v[c, 'code']):<28}"
              f"{pct(*old) if old else '-':<20}")
    print("\n  Per history length E (all three fields right)")
    lengths = sorted({e for e, _ in ours["per_length"]})
    print("  " + "".join(f"{'E=' + str(e):<14}" for e in lengths))
    print("  " + "".join(f"{str(ours['per_length'][e, 'all']) + '/' + str(ours['per_length'][e, 'n']):<14}"
                         for e in lengths) + "  lossdoctor")
    print("  " + "".join(f"{str(naive['per_length'][e, 'all']) + '/' + str(naive['per_length'][e, 'n']):<14}"
                         for e in lengths) + "  naive slope")
    noise_report()
    if verbose:
        print("\n  lossdoctor's misses (item, config, E, answer, accepted):")
        for m in ours["misses"]:
            print("   ", *m)


def replay(full: dict, confirm: int) -> list[tuple[int, str]]:
    """The (epoch, code) announcements of the live core fed one seed's full history epoch by epoch."""
    from lossdoctor.live.core import LiveDoctor  # noqa: PLC0415

    core = LiveDoctor(budget=None, confirm=confirm, stop_on=())
    for e in range(len(full["loss"])):
        core.update(e + 1, {k: v[e] for k, v in full.items() if e < len(v)})
    return [(epoch, d.code) for epoch, d in core.announcements]


def early_stopping_epoch(val, patience: int, min_delta: float = 0.0) -> int | None:
    """1-based epoch at which Keras' EarlyStopping(monitor='val_loss', patience, min_delta) would stop.

    An epoch improves when val_loss < best - min_delta; training stops once `patience` epochs in
    a row have not improved.
    """
    best, wait = float("inf"), 0
    for epoch, v in enumerate(val, 1):
        if v < best - min_delta:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= patience and epoch > 1:
                return epoch
    return None


def noise_report(runs: int = 300, spread: float = 0.1) -> None:
    """How often a trend is called on white noise (no trend at all), by history length."""
    from lossdoctor.analyse.trend import FLAT, fit_trend  # noqa: PLC0415

    cells = []
    for n in (10, 20, 40):
        x = np.arange(1.0, n + 1)
        called = sum(fit_trend(x, np.exp(spread * np.random.default_rng(s).standard_normal(n))).trend != FLAT
                     for s in range(runs))
        cells.append(f"{n} epochs: {pct(called, runs)}")
    print(f"\n  A trend called on white noise ({spread:.0%} spread, {runs} runs each): " + ", ".join(cells))


def live_report(folder: Path) -> None:
    """Stability of the announced verdict and overfitting onset, replaying the full 3E histories."""
    truth = json.loads((folder / "truth.json").read_text())
    fulls = {k: json.loads((folder / f"{k}.full.json").read_text()) for k in truth}
    onset = {k: t["onset_epoch"] for k, t in truth.items() if t["onset_epoch"] is not None}
    calm = [k for k, t in truth.items() if t["primary_code"] == "learning" and t["more_epochs_help"]
            and t["onset_epoch"] is None]
    print(f"\nLive: each seed's full history (3E epochs) replayed epoch by epoch ({len(truth)} runs; "
          f"{len(onset)} whose mean curve overfits, {len(calm)} still learning)")
    print(f"  {'detector':<42}{'changes/run':<14}{'max':<6}{'onset found':<16}{'median delay':<14}"
          f"{'mean delay':<12}{'false alarms':<14}")
    detectors = {f"lossdoctor callback, confirm={c}" + (" (default)" if c == 2 else ""):
                 (lambda full, c=c: replay(full, c)) for c in (1, 2)}
    for name, run in detectors.items():
        ann = {k: run(full) for k, full in fulls.items()}
        changes = [sum(a != b for a, b in zip(codes, codes[1:])) for codes in
                   ([c for _, c in a] for a in ann.values())]
        first = {k: next((e for e, c in a if c == "overfitting"), None) for k, a in ann.items()}
        _onset_row(name, first, onset, calm, f"{np.mean(changes):<14.2f}{max(changes):<6}")
    print(f"  {'previous release (0.1.0), recorded':<42}{PREVIOUS_RELEASE_LIVE}")
    for p in (2, 5):
        first = {k: early_stopping_epoch([float(v) for v in full["val_loss"]], p) for k, full in fulls.items()}
        _onset_row(f"EarlyStopping(patience={p})", first, onset, calm, f"{'-':<14}{'-':<6}")
    print("  Delay: epochs from the mean curve's val-loss minimum to the first overfitting announcement; "
          "false alarms: announced on runs still learning.")


def _onset_row(name, first, onset, calm, stability: str) -> None:
    delays = [first[k] - e for k, e in onset.items() if first[k] is not None]
    fa = sum(first[k] is not None for k in calm)
    med = f"{np.median(delays):+.1f}" if delays else "-"
    mean = f"{np.mean(delays):+.1f}" if delays else "-"
    print(f"  {name:<42}{stability}{pct(len(delays), len(onset)):<16}{med:<14}{mean:<12}{pct(fa, len(calm)):<14}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    folder = Path(args[0]) if args else DEFAULT_SEEDS
    if not (folder / "truth.json").exists():
        sys.exit(f"Error: {folder}: no truth.json there; pass the seeds folder")
    report(folder, "-v" in sys.argv)
    if "--live" in sys.argv:
        live_report(folder)


if __name__ == "__main__":
    main()
