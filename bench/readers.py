"""How the readers do on real files: read, read with the right series, misread, refused.

Usage: python bench/readers.py [WILD_DIR] [--extra DIR ...] [-v]

On the original files of WILD_DIR (default ../shared/wild: `NNN_*.orig.*`, each original file as
it was committed), the series lossdoctor picks are compared with the series the folder's
`NNN_*.json` holds for that file (`loss` the training loss, `val_loss` the validation loss):
- read right: both picked by name, the same number of points, the same values (to 1e-6);
- the last of several runs: the file holds several runs (appended CSVLogger runs, several fit()
  calls in a notebook), lossdoctor reads the last and says so, the folder's series hold another;
- misread: read without an error, but a series differs (the worst outcome: a normal-looking
  report on the wrong numbers; target 0);
- refused: an error line (exit 2).
Each `--extra DIR` (files of your own, e.g. logs saved from public repositories) is read too, and
what was read is listed (format, epochs, the series picked, the reader's first note), to be
checked by eye. The time to sniff a 1 MB file that is no training log is printed last.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor import load_history  # noqa: E402
from lossdoctor.core.errors import LossDoctorError  # noqa: E402
from lossdoctor.read.keys import resolve_keys  # noqa: E402

DEFAULT_WILD = Path(__file__).resolve().parents[1].parent / "shared" / "wild"


def _values(v) -> np.ndarray:
    return np.array([np.nan if e in ("NaN", None) else float(e) for e in v if e is not None], dtype=float)


def _same(ours, truth, positions=None) -> bool:
    """The same values; or the same once a value logged twice at one position keeps its last
    (a Trainer's final evaluate() at the last epoch, which lossdoctor notes)."""
    if truth is None or ours is None:
        return truth is None and ours is None
    a, b = np.asarray(ours, dtype=float), _values(truth)
    if len(a) == len(b):
        return bool(np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True))
    if positions is not None and len(positions) == len(b):
        x = _values(positions)
        last = np.r_[x[1:] != x[:-1], True]
        return _same(a, list(b[last]))
    return False


def check_original(path: Path, truth: dict) -> tuple[str, str]:
    """('right' | 'misread' | 'refused', what was read or the error)."""
    try:
        h = load_history(str(path))
        tkey, vkey, _ = resolve_keys(h)
    except LossDoctorError as err:
        return "refused", str(err)[:120]
    series = truth["series"]
    train_ok = _same(h[tkey].y, series.get("loss"), series.get("loss__epoch"))
    val_ok = _same(h[vkey].y if vkey else None, series.get("val_loss"), series.get("val_loss__epoch"))
    what = f"{h.format}: {tkey} ({len(h[tkey])}) / {vkey} ({len(h[vkey]) if vkey else 0})"
    if train_ok and val_ok:
        return "right", what
    runs = next((n for n in h.notes if "runs" in n and "diagnosing the last" in n), None)
    if runs:  # the folder's series may hold another run, or all of them: lossdoctor reads the last and says so
        return "other run", f"{what}; {runs[:90]}"
    return "misread", what + ("" if train_ok else "  TRAIN DIFFERS") + ("" if val_ok else "  VAL DIFFERS")


def originals(folder: Path, verbose: bool) -> None:
    counts = {"right": 0, "other run": 0, "misread": 0, "refused": 0}
    files = sorted(p for p in folder.glob("*.orig.*"))
    for p in files:
        truth = json.loads((folder / (p.name.split(".orig.")[0] + ".json")).read_text())
        outcome, what = check_original(p, truth)
        counts[outcome] += 1
        if verbose or outcome != "right":
            print(f"  {outcome:<8} {p.name[:52]:<52} {what}")
    n = len(files)
    print(f"originals of {folder}: {n} files; read with the right series {counts['right']}/{n}, the last of "
          f"several runs (noted; the folder's series hold another or all) {counts['other run']}, "
          f"misread {counts['misread']} (target 0), refused {counts['refused']}")


def extra(folder: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    read = refused = 0
    for p in files:
        try:
            h = load_history(str(p))
            tkey, vkey, _ = resolve_keys(h)
            read += 1
            print(f"  read     {p.name[:44]:<44} {h.format:<13} {h.epochs:>5} ep  {tkey} / {vkey}  "
                  f"{(h.notes[0] if h.notes else '')[:90]}")
        except LossDoctorError as err:
            refused += 1
            print(f"  refused  {p.name[:44]:<44} {str(err)[:140]}")
    print(f"{folder}: {len(files)} files; read {read}, refused {refused} (check each line by eye)")


def sniff_cost() -> None:
    from lossdoctor.read.formats import TEXT_FORMATS  # noqa: PLC0415

    samples = {"a 1 MB CSV of other numbers": "x,y,z\n" + "0.25,17,3.5\n" * 90_000,
               "1 MB of prose": "The loss of the epoch was written in the epic poem at length. " * 16_000}
    for name, text in samples.items():
        per = {}
        for fmt in TEXT_FORMATS:
            fmt.sniff(text)  # imports
            t0 = time.perf_counter()
            for _ in range(20):
                fmt.sniff(text)
            per[fmt.name] = (time.perf_counter() - t0) / 20 * 1000
        print(f"sniffing {name}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in per.items()))


def main() -> None:
    args = sys.argv[1:]
    verbose = "-v" in args
    extras = [Path(args[i + 1]) for i, a in enumerate(args) if a == "--extra"]
    plain = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "--extra")]
    wild = Path(plain[0]) if plain else DEFAULT_WILD
    if (wild / "labels.json").exists() or any(wild.glob("*.orig.*")):
        originals(wild, verbose)
    else:
        print(f"{wild}: no original files there (../shared/wild is not beside this clone?)")
    for folder in extras:
        extra(folder)
    sniff_cost()


if __name__ == "__main__":
    main()
