"""The forecast against what more epochs really brought (default: ../shared/seeds).

Usage: python bench/forecast_agreement.py [SEEDS_DIR]

Each seeds item is one seed's history cut at E epochs; `ID.full.json` holds the same seed trained
to 3E, and `truth.json` says whether more epochs helped the mean curve over six seeds
(`more_epochs_help`). The forecast looks to 3E (its default horizon), so per item:

- `more_epochs_help`: right on how many of the items the truth decides (true or false), and on
  how many of those it answers at all;
- `expected_loss` within 5% of the seed's actual best validation loss up to 3E;
- the 80% interval covering that actual best (calibrated: 75-85%, not wide).

Beside it, the baselines: "helps when the validation loss reached a new low (by more than 1%) in
the last 3 epochs"; "no further gain" (the expected best is the best so far); a plain power-law
fit y = a + b x^-c of the whole validation curve. The same figures at 0.5E and 0.7E (the seeds'
full histories cut there, horizon three times that, the truth taken from the mean curves in
`configs.json` with the same 2% / 0.5% rule) check that the calibration carries over.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor import History, diagnose  # noqa: E402
from lossdoctor.analyse.forecast import HELP, NO_HELP, _Fit, _fit_family  # noqa: E402

DEFAULT_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def items(folder: Path, cut: float = 1.0):
    """(history dict, horizon, actual best val up to it or None, truth help or None) per seed."""
    truth = json.loads((folder / "truth.json").read_text())
    configs = json.loads((folder / "configs.json").read_text())
    for cfg in configs.values():
        mean = np.asarray(cfg["mean_val_loss"], float) if "mean_val_loss" in cfg else None
        for item in cfg["items"]:
            full = json.loads((folder / f"{item}.full.json").read_text(), parse_constant=float)
            e = max(3, int(round(cut * cfg["truth"]["E"])))
            horizon = 3 * e
            val = np.asarray(full["val_loss"], float)
            if len(val) < horizon:
                continue  # stopped early (NaN guard): no actual to compare with
            h = {k: v[:e] for k, v in full.items()}
            head = np.asarray(h["val_loss"], float)
            actual = float(np.min(val[:horizon])) if np.all(np.isfinite(val[:horizon])) else None
            actual = actual if np.all(np.isfinite(head)) else None
            if cut == 1.0:
                helps = truth[item]["more_epochs_help"]
            else:
                helps = None if mean is None else _help(mean, e, horizon)
            yield h, horizon, actual, helps


def _help(mean: np.ndarray, e: int, horizon: int) -> bool | None:
    if not (np.all(np.isfinite(mean[:horizon])) and np.all(mean[:horizon] > 0)):
        return None
    before, after = float(np.min(mean[:e])), float(np.min(mean[e:horizon]))
    gain = (before - after) / before
    return True if gain > HELP else (False if gain < NO_HELP else None)


def lossdoctor(h: dict, horizon: float) -> tuple:
    fc = diagnose(History.from_dict(h), horizon=horizon).forecast
    return fc.expected_loss, fc.expected_loss_low, fc.expected_loss_high, fc.more_epochs_help


def new_low_rule(h: dict, horizon: float) -> tuple:
    v = np.asarray(h["val_loss"], float)
    if len(v) < 4 or not np.all(np.isfinite(v)):
        return None, None, None, None
    before, last = float(np.min(v[:-3])), float(np.min(v[-3:]))
    return None, None, None, bool(last < 0.99 * before)


def no_gain(h: dict, horizon: float) -> tuple:
    v = np.asarray(h["val_loss"], float)
    return (float(np.min(v)) if np.all(np.isfinite(v)) else None), None, None, None


def power_law(h: dict, horizon: float) -> tuple:
    """A plain, unweighted power-law fit of the whole validation curve (the same grid as lossdoctor's)."""
    v = np.asarray(h["val_loss"], float)
    if len(v) < 3 or not np.all(np.isfinite(v)):
        return None, None, None, None
    x = np.arange(1.0, len(v) + 1)
    c = np.geomspace(0.05, 4.0, 48)
    fit: _Fit = _fit_family("power", x, v, np.ones_like(v), np.exp(-np.outer(c, np.log(x))), c, x[-1])
    return min(float(np.min(v)), fit.at(horizon)), None, None, None


METHODS = {"lossdoctor": lossdoctor, "new low in the last 3 epochs": new_low_rule,
           "no further gain": no_gain, "plain power-law fit": power_law}


def score(folder: Path, method, cut: float = 1.0) -> dict:
    t = dict(decided=0, answered=0, right=0, n=0, within=0, intervals=0, covered=0)
    for h, horizon, actual, helps in items(folder, cut):
        expected, low, high, says = method(h, horizon)
        if helps is not None:
            t["decided"] += 1
            if says is not None:
                t["answered"] += 1
                t["right"] += says == helps
        if actual is not None and expected is not None and math.isfinite(expected):
            t["n"] += 1
            t["within"] += abs(expected - actual) <= 0.05 * actual
            if low is not None:
                t["intervals"] += 1
                t["covered"] += low <= actual <= high
    return t


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({a / b:.1%})" if b else "-"


def report(folder: Path) -> None:
    print(f"Forecast: what more epochs bring, against each seed trained on to 3x its epochs ({folder})\n")
    print(f"  {'cut':<8}{'method':<30}{'more_epochs_help right':<26}{'answered':<20}"
          f"{'expected within 5%':<22}{'80% interval covers':<20}")
    for cut in (1.0, 0.7, 0.5):
        for i, (name, method) in enumerate(METHODS.items()):
            t = score(folder, method, cut)
            print(f"  {(f'{cut:g} x E' if i == 0 else ''):<8}{name:<30}{pct(t['right'], t['answered']):<26}"
                  f"{pct(t['answered'], t['decided']):<20}{pct(t['within'], t['n']):<22}"
                  f"{pct(t['covered'], t['intervals']):<20}")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SEEDS
    if not (folder / "configs.json").exists():
        sys.exit(f"Error: {folder}: no configs.json there; pass the seeds folder")
    report(folder)


if __name__ == "__main__":
    main()
