"""Agreement with an engineer's reading of real training runs (default: ../shared/wild).

Usage: python bench/wild_agreement.py [WILD_DIR] [-v]

Each `NNN_*.json` holds the series parsed from a real log committed to a public repository;
`labels.json` says how an engineer reads the END of the run (its current regime): the accepted
train and val trends (`absent`: no validation series) and, where it is not the five-case grid
over those trends, the accepted codes. Items with `scored: false` are left out. A field is right
when lossdoctor's answer is among the accepted ones; "all three" needs the two trends and the code.
Shown per source format, per length and per labelled code, beside the naive 5-epoch slope.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lossdoctor import History, diagnose  # noqa: E402
from lossdoctor.read.history import Series  # noqa: E402
from lossdoctor.read.records import _keep_last  # noqa: E402
from lossdoctor.rules import TREND_TABLE  # noqa: E402
from seeds_agreement import naive_code  # noqa: E402

DEFAULT_WILD = Path(__file__).resolve().parents[1].parent / "shared" / "wild"
FIELDS = ("train", "val", "code", "all")


def _values(v) -> np.ndarray:
    """Floats, with NaN for "NaN" (a logged NaN) and None (null: not logged; see `_present`)."""
    return np.array([float("nan") if e in ("NaN", None) else float(e) for e in v], dtype=float)


def _present(v) -> np.ndarray:
    return np.array([e is not None for e in v], dtype=bool)


AXES = ("epoch", "step", "index")


def as_history(item: dict, name: str) -> History:
    """The item's series on the epoch axis: `<key>__epoch` (0-based, or fractional as Hugging Face
    logs it) and `<key>__step` place sparse values; an `epoch` or `step` column places every row;
    step-only logs keep steps as their axis; plain lists sit at epochs 1..n."""
    raw = item["series"]
    keys = [k for k in raw if not k.endswith(("__step", "__epoch")) and k not in AXES]
    ends = {}  # the last step of each (0-based) epoch, from every series that has both
    for k in keys:
        if f"{k}__step" in raw and f"{k}__epoch" in raw:
            for s, e in zip(_values(raw[f"{k}__step"]), _values(raw[f"{k}__epoch"])):
                if np.isfinite(s) and np.isfinite(e):
                    ends[e] = max(ends.get(e, -1.0), s)
    fractional = any(np.isfinite(e) and e != round(e) for e in ends)
    unit, series = "epoch", {}
    for k in keys:
        y = _values(raw[k])
        step, epoch = raw.get(f"{k}__step"), raw.get(f"{k}__epoch")
        if step is not None and not any(_present(step)):
            step = None
        if epoch is not None and fractional:
            x = _values(epoch)
        elif epoch is not None and step is not None and len(ends) > 1:
            e_sorted = sorted(ends)
            x = np.interp(_values(step), [-1.0] + [ends[e] for e in e_sorted], [e_sorted[0]] + [e + 1.0 for e in e_sorted])
        elif epoch is not None:
            x = _values(epoch) + 1.0
        elif step is not None:
            x, unit = _values(step), "step"
        elif "epoch" in raw and len(raw["epoch"]) == len(y):
            e = _values(raw["epoch"])
            x = e + 1.0 if np.nanmin(e) == 0 else e
            if np.any(np.diff(x) <= 0):  # appended runs or a constant epoch column: file order
                x = np.arange(1, len(y) + 1, dtype=float)
        elif "step" in raw and len(raw["step"]) == len(y):
            x, unit = _values(raw["step"]), "step"
        else:
            x = np.arange(1, len(y) + 1, dtype=float)
        ok = np.isfinite(x) & _present(raw[k])
        if not ok.any():
            continue
        per_step = len(y) > 1.5 * max(1, len(set(np.ceil(x[ok])))) and bool(np.any(x[ok] != np.round(x[ok]))) \
            if epoch is not None else False
        xs, ys = x[ok], y[ok]
        if not per_step:  # a position logged twice keeps its last value, as the readers do
            xs, ys, _ = _keep_last(xs, ys)
        series[k] = Series(k, xs, ys, per_step=per_step)
    return History(series, source=name, format=item["source"]["format"], x_unit=unit)


def accepted_codes(label: dict) -> set[str]:
    if label.get("code"):
        return set(label["code"])
    vals = [None if v == "absent" else v for v in label["val"]]
    return {TREND_TABLE[(t, v)].code for t in label["train"] for v in vals if (t, v) in TREND_TABLE}


def judge(answer: tuple, label: dict) -> dict[str, bool]:
    tr, vr, code = answer
    right = {"train": label["train"] is None or tr in label["train"],
             "val": label["val"] is None or (vr or "absent") in label["val"],
             "code": code in accepted_codes(label)}
    right["all"] = all(right.values())
    return right


def keys(h: History) -> tuple:
    return ("loss" if "loss" in h else None), ("val_loss" if "val_loss" in h else None)


def lossdoctor_answer(h: History) -> tuple:
    try:
        d = diagnose(h, *keys(h))
    except Exception as err:  # noqa: BLE001 - a bench counts what it cannot read
        return "error", None, type(err).__name__
    return d.train.trend, d.val.trend if d.val else None, d.code


def naive_answer(h: History) -> tuple:
    tkey, vkey = keys(h)
    if tkey is None:
        return "error", None, "no loss"
    train = h[tkey].y
    if vkey is None:
        from seeds_agreement import naive_trend  # noqa: PLC0415
        t = naive_trend(train)
        return t, None, TREND_TABLE[(t, None)].code if t != "unknown" else "insufficient_data"
    return naive_code(list(train), list(h["val_loss"].y))


def items(folder: Path):
    labels = json.loads((folder / "labels.json").read_text())
    for p in sorted(folder.glob("[0-9][0-9][0-9]_*.json")):
        if ".orig." in p.name:
            continue
        label = labels.get(p.name[:3])
        if label is None or not label.get("scored", True):
            continue
        item = json.loads(p.read_text())
        yield p.name, item, label, as_history(item, p.name)


def length_bin(n: int) -> str:
    return "<=20" if n <= 20 else "21-100" if n <= 100 else ">100"


def score(folder: Path, method=lossdoctor_answer, verbose: bool = False) -> dict:
    total, groups, misses = Counter(), defaultdict(Counter), []
    for name, item, label, h in items(folder):
        answer = method(h)
        right = judge(answer, label)
        total["n"] += 1
        total.update(k for k, v in right.items() if v)
        for group in (f"format {item['source']['format']}", f"length {length_bin(h.epochs)}",
                      f"code {'/'.join(sorted(accepted_codes(label)))}"):
            groups[group]["n"] += 1
            groups[group].update(k for k, v in right.items() if v)
        if not right["all"]:
            misses.append((name, answer, label))
    if verbose:
        for name, answer, label in misses:
            print(f"  miss {name[:44]:<44} got {answer}  want train {label['train']} val {label['val']} "
                  f"code {sorted(accepted_codes(label))}")
    return {"total": total, "groups": groups}


def pct(c: Counter, k: str) -> str:
    return f"{c[k]}/{c['n']} ({100 * c[k] / c['n']:.1f}%)" if c["n"] else "-"


# the release before the judgement was calibrated on these runs, measured with this script
PREVIOUS_RELEASE = {"train": 52, "val": 52, "code": 49, "all": 47, "n": 56}


def report(folder: Path = DEFAULT_WILD, verbose: bool = False) -> None:
    ours, naive = score(folder, verbose=verbose), score(folder, naive_answer)
    print(f"Real runs of {folder} (labels.json, scored items): lossdoctor | naive 5-epoch slope")
    print(f"{'':<34}" + "".join(f"{f:<20}" for f in FIELDS))
    for name, res in (("lossdoctor", ours), ("naive slope", naive)):
        print(f"{name:<34}" + "".join(f"{pct(res['total'], f):<20}" for f in FIELDS))
    print(f"{'previous release, recorded':<34}" + "".join(f"{pct(Counter(PREVIOUS_RELEASE), f):<20}" for f in FIELDS))
    print("lossdoctor, all three right, by group:")
    for group in sorted(ours["groups"]):
        print(f"  {group:<32}{pct(ours['groups'][group], 'all'):<16} (naive {pct(naive['groups'][group], 'all')})")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    report(Path(args[0]) if args else DEFAULT_WILD, verbose="-v" in sys.argv)
