"""A round of mutated inputs through the readers and the diagnosis, counted: what the README's
Reliability section reports.

Usage: python bench/fuzz.py [N] [--seed S]

N inputs (default 10,000) are made from the bundled samples and, when it is beside the clone,
the original files of ../shared/wild: each is cut short, has bytes deleted, inserted, replaced or
duplicated, digits swapped for huge or odd numbers, lines shuffled, or separators doubled (one to
three mutations each). Each goes through `parse_text` and `diagnose` in this process. Printed:
inputs tried, read and diagnosed, refused with a clear error (a `LossDoctorError`), internal
errors (anything else: the target is 0; each is listed), and inputs under 1 MB that took over 2 s
(target 0), with the slowest.
"""

from __future__ import annotations

import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor import diagnose  # noqa: E402
from lossdoctor.core.errors import LossDoctorError  # noqa: E402
from lossdoctor.read.formats import decode, parse_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WILD = ROOT.parent / "shared" / "wild"
ODD = ["nan", "inf", "-inf", "1e309", "-0", "9" * 400, "0.0", "1e-320", "NaN", "\x1b[2J", "\u202e", "|", ",", "\r",
       "Epoch 1/1", "loss: ", "val_loss=", "{", "[", '"']


def seeds() -> list[str]:
    files = sorted((ROOT / "sample_histories").iterdir()) + (sorted(WILD.glob("*.orig.*")) if WILD.exists() else [])
    out = []
    for p in files:
        try:
            out.append(decode(p.read_bytes())[0])
        except LossDoctorError:
            continue
    return out


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        n = len(text)
        if n == 0:
            return rng.choice(ODD)
        i = rng.randrange(n)
        op = rng.randrange(8)
        if op == 0:
            text = text[: rng.randrange(n)]                                  # cut short
        elif op == 1:
            text = text[:i] + text[i + rng.randint(1, 200):]                  # delete a run
        elif op == 2:
            text = text[:i] + rng.choice(ODD) + text[i:]                      # insert an odd token
        elif op == 3:
            j = min(n, i + rng.randint(1, 2000))
            text = text[:j] + text[i:j] * rng.randint(2, 20) + text[j:]       # duplicate a run
        elif op == 4:
            digits = [k for k in range(max(0, i - 200), min(n, i + 200)) if text[k].isdigit()]
            if digits:
                k = rng.choice(digits)
                text = text[:k] + rng.choice(["9" * 30, "0", "nan", "-1", "1e308"]) + text[k + 1:]
        elif op == 5:
            lines = text.split("\n")
            a = rng.randrange(len(lines))
            lines[a:a + 20] = rng.sample(lines[a:a + 20], len(lines[a:a + 20]))  # shuffle some lines
            text = "\n".join(lines)
        elif op == 6:
            sep = rng.choice([",", " ", "\t", ":", "|", "\n"])
            text = text.replace(sep, sep * rng.randint(2, 50), rng.randint(1, 50))  # double separators
        else:
            text = text[:i] + chr(rng.randrange(0x20, 0x3000)) + text[i + 1:]     # replace a character
    return text


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 0
    rng = random.Random(seed)
    base = seeds()
    counts = {"diagnosed": 0, "refused": 0, "internal": 0}
    internal, slow = [], []
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    for k in range(n):
        text = mutate(rng.choice(base), rng)
        t0 = time.perf_counter()
        try:
            diagnose(parse_text(text, f"<mutant {k}>"))
            counts["diagnosed"] += 1
        except LossDoctorError:
            counts["refused"] += 1
        except Exception as err:  # noqa: BLE001 - this is what the bench counts
            counts["internal"] += 1
            internal.append((k, f"{type(err).__name__}: {str(err)[:120]}"))
        dt = time.perf_counter() - t0
        if dt > 2.0 and len(text.encode("utf-8", "replace")) < 1 << 20:
            slow.append((dt, k, len(text)))
    total = time.perf_counter() - start
    print(f"{n} mutated inputs from {len(base)} files (seed {seed}), {total:.0f} s: diagnosed {counts['diagnosed']}, "
          f"refused with a clear error {counts['refused']}, internal errors {counts['internal']} (target 0), "
          f"inputs under 1 MB over 2 s {len(slow)} (target 0)")
    for k, what in internal[:20]:
        print(f"  internal error on mutant {k}: {what}")
    for dt, k, size in sorted(slow, reverse=True)[:10]:
        print(f"  slow: mutant {k}, {size} characters, {dt:.1f} s")


if __name__ == "__main__":
    main()
