"""Do the tests catch a broken behaviour? A small mutation check over chosen lines.

Usage: python bench/mutants.py [-k WORD] [--list]

Each mutant changes one line of the package in a way that breaks a behaviour users rely on (the
judgement, the readers' units, escaping, the callbacks' guards, the numbering fixes name), runs the
tests that cover that module, and restores the file. A mutant the tests still pass is a survivor:
a behaviour no test pins down. The tests run as they run here: the slow ones (real fits) are left
out unless LOSSDOCTOR_SLOW or CI is set. `tests/test_pinned.py` runs with every mutant: it pins exact
values the broader tests let through. Prints one line per mutant and the survivors at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (what breaks, file, the exact text, its mutation, the tests to run)
MUTANTS = [
    ("a validation loss that stopped improving read as falling", "lossdoctor/analyse/trend.py",
     "if held_out and trend == FALLING and _stopped(kz, kw0, last, s):",
     "if False and held_out and trend == FALLING and _stopped(kz, kw0, last, s):",
     ["tests/test_judgement.py", "tests/test_trend.py"]),
    ("a study that maximises a score read as losses", "lossdoctor/read/optunastudy.py",
     "if study.direction == optuna.study.StudyDirection.MAXIMIZE and not any(",
     "if False and not any(", ["tests/test_optuna_study.py"]),
    ("earlier live diagnoses keep their history's recipes", "lossdoctor/judge/diagnosis.py",
     "state = {k: v for k, v in self.__dict__.items() if not isinstance(v, Later)}",
     "state = dict(self.__dict__)", ["tests/test_live.py"]),
    ("notebook panel title unescaped", "lossdoctor/show/html.py",
     "f'{_e(d.title)}</div>'", "f'{d.title}</div>'", ["tests/test_notebook.py", "tests/test_safe_text.py",
                                                      "tests/test_page.py"]),
    ("live core records booleans as values", "lossdoctor/live/core.py",
     "isinstance(value, (bool, str, bytes, complex))", "isinstance(value, (str, bytes, complex))",
     ["tests/test_live.py", "tests/test_missing_values.py"]),
    ("live core records keys that are not names", "lossdoctor/live/core.py",
     "if f is None or not isinstance(k, str):", "if f is None:", ["tests/test_live.py"]),
    ("Hugging Face ignores state.epoch", "lossdoctor/live/huggingface.py",
     'position=as_float(getattr(state, "epoch", None))', "position=None",
     ["tests/test_huggingface.py", "tests/test_live.py"]),
    ("console 'm' duration read as seconds", "lossdoctor/read/console.py",
     '"m": 60.0', '"m": 1.0', ["tests/test_readers.py", "tests/test_checkpoint.py"]),
    ("MLflow millisecond timestamps not divided", "lossdoctor/read/mlflow.py",
     "m.timestamp / 1000.0", "m.timestamp / 1.0", ["tests/test_mlflow.py", "tests/test_checkpoint.py"]),
    ("JSON epochs not rounded", "lossdoctor/words/numbers.py",
     "else round(float(v), 3)", "else float(v)", ["tests/test_outputs.py", "tests/test_diagnose.py",
                                                   "tests/test_words.py"]),
    ("a confidence cut moved", "lossdoctor/analyse/confidence.py",
     "if change >= min_change / BORDERLINE_CHANGE and z >= z_bar:", "if change >= min_change and z >= z_bar:",
     ["tests/test_confidence.py"]),
    ("forecast 'helps' threshold moved", "lossdoctor/analyse/forecast.py",
     "HELP, NO_HELP = 0.02, 0.005", "HELP, NO_HELP = 0.05, 0.005", ["tests/test_forecast.py"]),
    ("trend threshold moved", "lossdoctor/analyse/trend.py",
     "min_change: float = 0.035", "min_change: float = 0.05", ["tests/test_trend.py", "tests/test_judgement.py"]),
    ("spikes kept in the fit", "lossdoctor/analyse/trend.py",
     "keep[spiky] = False", "keep[spiky] = True", ["tests/test_trend.py"]),
    ("control characters reach the terminal", "lossdoctor/core/safe.py",
     "        return repr(c)[1:-1] if c not in", "        return c if c not in", ["tests/test_safe_text.py"]),
    ("Lightning checkpoint named 1-based", "lossdoctor/words/context.py",
     "zero=int(e) - 1)", "zero=int(e))", ["tests/test_diagnose.py"]),
    ("Hugging Face checkpoint step ignored", "lossdoctor/analyse/facts.py",
     "best_step=_step_at(history, best_epoch)", "best_step=None", ["tests/test_diagnose.py"]),
    ("split names beside a loss read as losses", "lossdoctor/read/printed.py",
     "if named_loss and _is_loss(key):", "if False:", ["tests/test_printed.py"]),
    ("a role heading ignored", "lossdoctor/read/printed.py",
     "heading = _heading(raw) if x is None else None", "heading = None", ["tests/test_printed.py"]),
    ("PaddlePaddle evaluation read as training", "lossdoctor/read/console.py",
     "    at = text.rfind(EVAL_BEGIN, start, end)\n    if at < 0:", "    at = -1\n    if at < 0:",
     ["tests/test_printed.py", "tests/test_readers.py"]),
    ("a bracket then text taken for JSON", "lossdoctor/read/sniff.py",
     "and not _bracket_then_text().match(s)", "", ["tests/test_printed.py", "tests/test_readers.py"]),
    ("TensorBoard resume not purged", "lossdoctor/read/tensorboard.py",
     "        if step < latest:\n            _purge(out, step)", "        if False:\n            _purge(out, step)",
     ["tests/test_readers.py"]),
    ("CSVLogger epochs not shifted to 1-based", "lossdoctor/read/records.py",
     "base = 1.0 if fin.size and fin.min() == 0 else 0.0", "base = 0.0", ["tests/test_readers.py"]),
    ("a logged value twice keeps the first", "lossdoctor/read/records.py",
     "last = np.r_[xs[1:] != xs[:-1], True]", "last = np.r_[True, xs[1:] != xs[:-1]]", ["tests/test_readers.py"]),
    ("a missing value read as NaN", "lossdoctor/read/history.py",
     "if isinstance(values, list) and any(v is None for v in values):", "if False:",
     ["tests/test_missing_values.py", "tests/test_readers.py"]),
    ("a script's own metrics dict taken for the Trainer's", "lossdoctor/read/printed.py",
     "return rows if len(rows) >= 2 and trainer else None", "return rows if len(rows) >= 2 else None",
     ["tests/test_printed.py"]),
    ("quoted names in a printed dict not read", "lossdoctor/read/printed.py",
     'line = QUOTED.sub(r"\\2:", line)', "pass", ["tests/test_printed.py"]),
    ("a table's rule ignored (blank cells shift the columns)", "lossdoctor/read/csvlog.py",
     "cells = _cells(line, spans) if spans else line.split()", "cells = line.split()", ["tests/test_printed.py"]),
    ("'validation loss at iteration N' read as a loss of N", "lossdoctor/read/printed.py",
     'len(words) > 2 and words[-1] in STEP_NAMES and words[-2] in ("at", "after")):', "False):",
     ["tests/test_printed.py"]),
    ("print(history.history) refused as bad JSON", "lossdoctor/read/jsonlog.py",
     "printed = _python_printed(text)", "printed = None", ["tests/test_printed.py", "tests/test_readers.py"]),
    ("torchtune's global step ignored", "lossdoctor/read/printed.py",
     'out.step = int(tune.group("n"))', "pass", ["tests/test_printed.py"]),
    ("AllenNLP's progress bars mixed into its table", "lossdoctor/read/printed.py",
     'if tabled and " ||: " in raw:', "if False:", ["tests/test_printed.py"]),
    ("a heading that is a role alone ignored", "lossdoctor/read/printed.py",
     "if not words or len(words) > 3 or not set(words) <= HEADING_WORDS:", "if True:", ["tests/test_printed.py"]),
    ("a loss on two lines of every epoch read as two steps", "lossdoctor/read/printed.py",
     "    for key in two:", "    for key in []:", ["tests/test_printed.py"]),
    ("one noisy loss printed twice an epoch taken for two series", "lossdoctor/read/printed.py",
     "and gap > 1.5 * move and firsts[-1] <= firsts[0]):", "and firsts[-1] <= firsts[0]):", ["tests/test_printed.py"]),
    ("a table's column bars kept as text", "lossdoctor/read/sniff.py",
     'return line.translate(BOX) if ("|" in line', 'return line if ("|" in line', ["tests/test_printed.py"]),
    ("a summary after the last epoch turns its keys into steps", "lossdoctor/read/printed.py",
     "if len(es) == 1 and run.length >= 3}", "if False}", ["tests/test_printed.py"]),
    ("'end of epoch N' read as a mention", "lossdoctor/read/printed.py",
     'said[-1].lower() == "of" and said[-2].lower().strip("|") == "end"', "False", ["tests/test_printed.py"]),
    ("the Trainer table's repeated training loss read as values", "lossdoctor/read/csvlog.py",
     "    last = _held(runs[-1], notes)", "    last = runs[-1]", ["tests/test_readers.py"]),
    ("step prints drop a validation loss not spelt 'Validation Loss'", "lossdoctor/read/console.py",
     'found = read_line(line) if "oss" in line or "OSS" in line else None', "found = None",
     ["tests/test_readers.py"]),
    ("PaddleClas' [Avg] lines read as one more step", "lossdoctor/read/printed.py",
     'averaged = "[Avg]" in line', "averaged = False", ["tests/test_printed.py"]),
    ("a frame's role rows not read", "lossdoctor/read/printed.py",
     "        if frame and (row := _frame_row(raw, frame)) is not None:\n            lines.append(row)",
     "        if False:\n            lines.append(row)", ["tests/test_printed.py"]),
    ("Markdown emphasis not escaped", "lossdoctor/core/safe.py",
     r"([\\`<>\[\]|*~]", r"([\\`<>\[\]|~]", ["tests/test_safe_text.py", "tests/test_outputs.py"]),
]


def run(tests: list[str]) -> bool:
    """True when the tests pass."""
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/test_pinned.py", *tests],
                       cwd=ROOT, capture_output=True, text=True)
    return r.returncode == 0


def main() -> int:
    pick = sys.argv[sys.argv.index("-k") + 1] if "-k" in sys.argv else ""
    chosen = [m for m in MUTANTS if pick.lower() in m[0].lower()]
    if "--list" in sys.argv:
        for what, path, *_ in chosen:
            print(f"{path:<36} {what}")
        return 0
    survivors, missing = [], []
    for what, path, old, new, tests in chosen:
        file = ROOT / path
        text = file.read_text()
        if text.count(old) != 1:
            missing.append(what)
            print(f"  ?        {what}: the text to mutate is not in {path} exactly once")
            continue
        t = time.perf_counter()
        try:
            file.write_text(text.replace(old, new))
            passed = run([x for x in tests if (ROOT / x).exists()])
        finally:
            file.write_text(text)
        print(f"  {'SURVIVED' if passed else 'killed  '} {what} ({time.perf_counter() - t:.0f} s)", flush=True)
        if passed:
            survivors.append(what)
    done = len(chosen) - len(missing)
    print(f"\n{done} mutants: {done - len(survivors)} killed, {len(survivors)} survived"
          + (f", {len(missing)} not found" if missing else ""))
    for what in survivors:
        print(f"  survivor: {what}")
    return 1 if survivors or missing else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
