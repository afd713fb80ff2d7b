"""lossdoctor beside the closest tools on the package index, on the same short real histories.

Usage: python bench/peers.py [SEEDS_DIR]

The peers are not dependencies of lossdoctor; install them into the same environment to include
them (each is skipped, with a line saying so, when it is missing):

    pip install training-doctor sk-autod

- training-doctor 0.1.0 (a framework-agnostic training monitor with Hugging Face and Lightning
  integrations): every epoch is logged with `Doctor.log(step, loss=..., eval_loss=...)`, then
  `Doctor.analyze()`;
- sk-autod 0.1.1 (a training-curve diagnostician): `sk_autod.diagnose(train_loss, val_loss)`.

Neither speaks in lossdoctor's codes, so their findings are mapped to the five documented cases
by what each says it detected, the most severe finding first (the mapping is `TD_CODES` and
`SK_CODES` below): overfitting and missed early stopping -> overfitting; a learning rate too high,
exploding gradients, NaN -> diverging; a plateau, a learning rate too low, underfitting, dying
units -> plateau; leakage -> data_problem; nothing found -> learning. An item counts as right
when the code is among the codes its truth accepts (../shared/seeds/README.md); the breakdown is
by the truth's primary code. A history whose loss went NaN is credited to both peers as
`non_finite` (sk-autod refuses non-finite values, training-doctor says nothing of them). Each tool
also gets the share of items where it reported something other than "learning", and its time per item.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lossdoctor import History, diagnose  # noqa: E402

DEFAULT_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

TD_CODES = {"overfitting": "overfitting", "train_eval_mismatch": "overfitting", "lr_too_high": "diverging",
            "gradient_instability": "diverging", "mixed_precision_instability": "diverging",
            "plateau": "plateau", "early_plateau": "plateau", "lr_too_low": "plateau"}
SK_CODES = {"Classic overfitting": "overfitting", "Missed early stopping": "overfitting",
            "Exploding gradient": "diverging", "LR too high": "diverging", "LR too low": "plateau",
            "Underfitting": "plateau", "Dying ReLU proxy": "plateau", "Label noise floor": "plateau",
            "Noisy training": "plateau", "Data leakage": "data_problem"}


def items(folder: Path):
    truth = json.loads((folder / "truth.json").read_text())
    for item, t in sorted(truth.items()):
        h = json.loads((folder / f"{item}.history.json").read_text(), parse_constant=float)
        yield item, h, set(t["code"]), t["primary_code"]


def lossdoctor_code(h: dict) -> str:
    return diagnose(History.from_dict(h, format="keras-json")).code


def training_doctor_code(h: dict) -> str | None:
    from training_doctor import Doctor  # noqa: PLC0415

    doc = Doctor()
    for i, (loss, val) in enumerate(zip(h["loss"], h.get("val_loss", [math.nan] * len(h["loss"])))):
        doc.log(step=i, loss=float(loss), eval_loss=float(val))
    rank = {"critical": 0, "error": 1, "warning": 2, "info": 3}
    found = sorted(doc.analyze(), key=lambda d: rank.get(str(getattr(d.severity, "name", d.severity)).lower(), 9))
    codes = [TD_CODES.get(getattr(d, "detector_name", ""), None) for d in found]
    if any(not (math.isfinite(v)) for v in h["loss"]):
        return "non_finite"
    return next((c for c in codes if c), "learning")


def sk_autod_code(h: dict) -> str | None:
    from sk_autod import diagnose as sk_diagnose  # noqa: PLC0415

    if any(not math.isfinite(v) for v in h["loss"] + h.get("val_loss", [])):
        return "non_finite"  # sk-autod refuses non-finite values; count its refusal as the right reading
    report = sk_diagnose(list(map(float, h["loss"])), list(map(float, h["val_loss"])))
    names = [f.detector_name for f in report.findings]  # already most severe first
    return next((SK_CODES[n] for n in names if n in SK_CODES), "learning")


def available(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SEEDS
    if not (folder / "truth.json").is_file():
        sys.exit(f"no seeds there ({folder}/truth.json); pass the ../shared/seeds folder")
    data = list(items(folder))
    tools = [("lossdoctor", lossdoctor_code)]
    for module, name, fn in (("training_doctor", "training-doctor 0.1.0", training_doctor_code),
                             ("sk_autod", "sk-autod 0.1.1", sk_autod_code)):
        if available(module):
            tools.append((name, fn))
        else:
            print(f"{name}: not installed, left out (pip install {name.split()[0]})")
    print(f"Peers on {folder} at E: {len(data)} items, a code counted right when the truth accepts it\n")
    print(f"  {'tool':<24}{'code right':>18}{'said something':>18}{'ms/item':>10}   per primary truth code, right/items")
    for name, fn in tools:
        right, said, per = 0, 0, Counter()
        total = Counter()
        start = time.perf_counter()
        for _item, h, codes, primary in data:
            try:
                code = fn(h)
            except Exception:  # noqa: BLE001 - a peer that fails on an item gets it wrong
                code = None
            total[primary] += 1
            ok = code in codes
            right += ok
            per[primary] += ok
            said += code not in (None, "learning")
        spent = (time.perf_counter() - start) / len(data) * 1000
        breakdown = ", ".join(f"{c} {per[c]}/{total[c]}" for c in sorted(total))
        print(f"  {name:<24}{right:>8}/{len(data)} ({right / len(data):.1%}){said:>10}/{len(data)}"
              f"{spent:>10.1f}   {breakdown}")


if __name__ == "__main__":
    main()
