"""Speed and memory of lossdoctor, as ratios measured side by side in one run.

Usage: python bench/speed.py [--quick] [--files N]

1. CLI cold start: `python -m lossdoctor diagnose <sample>` against `python -c "import numpy, click"`
   (target: at most 1.3x).
2. Diagnosis time and peak traced memory for 1e3, 1e5 and 1e6 points (target: 1e6 points under
   2 s and 300 MB), and how they grow.
   In-process, on a 100-epoch history: the decision alone (`lossdoctor.decide`, target 1 ms),
   the diagnosis with its words, and with every analysis a report shows (target 3 ms); the Optuna
   pruner's decision per report and the Ray Tune stopper's per result (target 1 ms each; skipped
   without optuna or ray).
3. Batch throughput on 10,000 small history files, one process against all cores (target: above
   500 files/s on 2 cores).
4. The Keras callback's cost per epoch against a bare fit() of a small model (target: under 1%),
   and per epoch after thousands of epochs (skipped without keras).
5. Drawing the annotated figure (target: well under 2 s).
6. Large logs: time and peak memory of `diagnose`, beside the file size.
7. The HTML report page for 1,000 runs: writing it, its size (target under 30 MB), and in headless
   Chromium the time to interactive (target under 2 s), to sort the table and to open a run
   (skipped without the browser; see tests/browser.py).
Machines are shared and noisy: each figure is the median of interleaved repeats.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lossdoctor import History, diagnose  # noqa: E402
from lossdoctor.run.batch import diagnose_many  # noqa: E402

QUICK = "--quick" in sys.argv


def timed(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env)
    return time.perf_counter() - t


def _pycache(remove: bool) -> None:
    """lossdoctor's bytecode: removed (every run then compiles the sources, as on a machine with
    PYTHONDONTWRITEBYTECODE set), or compiled (what `pip install` leaves, and any run caches)."""
    import compileall  # noqa: PLC0415

    package = ROOT / "lossdoctor"
    if remove:
        for folder in package.rglob("__pycache__"):
            shutil.rmtree(folder, ignore_errors=True)
    else:
        compileall.compile_dir(str(package), quiet=1)


def _python_script(path: Path) -> bool:
    """A script whose first line runs Python (pip's console script), not a shell shim."""
    with open(path, "rb") as f:
        first = f.readline(200)
    return first.startswith(b"#!") and b"python" in first


def cold_start(repeats: int) -> None:
    """numpy and click are compared as installed (compiled); lossdoctor both ways, each beside them."""
    sample = str(ROOT / "sample_histories" / "overfitting.json")
    # the console script pip installed beside this interpreter, run directly as `python` is: a version
    # manager's shim on PATH (pyenv's is a bash script) would add its own 30-60 ms to one side only
    script = next((str(p) for p in (Path(sys.executable).with_name("lossdoctor"), Path(shutil.which("lossdoctor") or ""))
                   if p.is_file() and _python_script(p)), None)
    ours = [script, "diagnose", sample] if script else [sys.executable, "-m", "lossdoctor", "diagnose", sample]
    base = [sys.executable, "-c", "import numpy, click"]
    print(f"1. CLI cold start (median of {repeats} interleaved runs)")
    for compiled in (False, True):
        _pycache(remove=not compiled)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        timed(ours, env), timed(base, env)  # warm the file cache
        a, b = [], []
        for _ in range(repeats):
            a.append(timed(ours, env))
            b.append(timed(base, env))
        ma, mb = statistics.median(a), statistics.median(b)
        how = "bytecode compiled, as installed" if compiled else "from source, no bytecode cached"
        print(f"   {how}:")
        print(f"     {'lossdoctor diagnose' if script else 'python -m lossdoctor diagnose':<27}{ma * 1000:7.0f} ms")
        print(f"     python -c 'import numpy, click' {mb * 1000:4.0f} ms")
        print(f"     ratio                      {ma / mb:7.2f}x" + ("   (target <= 1.3x)" if compiled else ""))
    print()


def history_of(n: int, seed: int = 0) -> History:
    rng = np.random.default_rng(seed)
    x = np.arange(1, n + 1, dtype=float)
    base = 1 / np.sqrt(x / max(n / 100, 1))
    return History.from_dict({"loss": base * (1 + 0.05 * rng.standard_normal(n)),
                              "val_loss": base * 1.1 * (1 + 0.05 * rng.standard_normal(n))})


def scaling(repeats: int) -> None:
    print("2. Diagnosis time and peak traced memory by history length")
    print(f"   {'points':>9}  {'time':>9}  {'peak memory':>12}")
    times = {}
    for n in (100, 1_000, 100_000, 1_000_000):
        h = history_of(n)
        diagnose(h)
        ts = []
        for _ in range(repeats):
            t = time.perf_counter()
            diagnose(h)
            ts.append(time.perf_counter() - t)
        tracemalloc.start()
        diagnose(h)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        times[n] = statistics.median(ts)
        print(f"   {n:>9,}  {times[n] * 1000:7.1f} ms  {peak / 2**20:9.1f} MB")
    print(f"   growth 1e3 -> 1e5: {times[100_000] / times[1_000]:.1f}x time for 100x points; "
          f"1e5 -> 1e6: {times[1_000_000] / times[100_000]:.1f}x for 10x  (target: 1e6 under 2 s, 300 MB)")
    forecast_share(history_of(100), repeats)
    in_process(50 if QUICK else 300)


def median_ms(fn, repeats: int = 200) -> float:
    fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000


def in_process(repeats: int) -> None:
    """The short path (the verdict) against the whole diagnosis, and what pruners and stoppers pay."""
    from lossdoctor import decide  # noqa: PLC0415

    h = history_of(100)

    def everything():
        d = diagnose(h)
        return d.forecast, d.timeline

    print("   in-process, a 100-epoch history (median of repeats):")
    rows = [("decide (the code and variant)", lambda: decide(h), "target 1 ms"),
            ("diagnose (with its words)", lambda: diagnose(h), ""),
            ("diagnose + forecast + timeline", everything, "target 3 ms")]
    rows += _sweep_rows(h)
    for name, fn, target in rows:
        print(f"   {name:<44}{median_ms(fn, repeats):7.2f} ms  {target}")
    print()


def _sweep_rows(h: History) -> list:
    rows = []
    train, val = (h[k].y for k in ("loss", "val_loss"))
    try:
        import optuna  # noqa: PLC0415

        import lossdoctor.optuna as ld  # noqa: PLC0415
    except ImportError:
        print("   (optuna is not installed: the pruner's cost is not measured)")
    else:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        pruner = ld.LossDoctorPruner()
        study = optuna.create_study(pruner=pruner)
        trial = study.ask()
        for epoch in range(1, 101):
            trial.set_user_attr(f"{ld.TRAIN_PREFIX}{epoch}", float(train[epoch - 1]))
            trial.report(float(val[epoch - 1]), epoch)
        frozen = study._storage.get_trial(trial._trial_id)
        rows.append(("Optuna LossDoctorPruner.prune, per report", lambda: pruner.prune(study, frozen), "target 1 ms"))
    try:
        from lossdoctor.ray import LossDoctorStopper  # noqa: PLC0415
        LossDoctorStopper()
    except ImportError:
        print("   (ray is not installed: the stopper's cost is not measured)")
    else:
        stopper = LossDoctorStopper()
        for epoch in range(1, 100):
            stopper("t", {"training_iteration": epoch, "loss": float(train[epoch - 1]), "val_loss": float(val[epoch - 1])})
        last = {"training_iteration": 100, "loss": float(train[99]), "val_loss": float(val[99])}

        def one_result():
            stopper("t", last)
            for k in ("x", "train", "val"):
                stopper.runs["t"][k].pop()
        rows.append(("Ray LossDoctorStopper, per result", one_result, "target 1 ms"))
    return rows


def forecast_share(h: History, repeats: int) -> None:
    """What the forecast adds to one diagnosis of a 100-epoch history."""
    from lossdoctor.judge.diagnosis import forecast_of  # noqa: PLC0415

    d = diagnose(h)
    ts = []
    for _ in range(max(repeats, 20)):
        t = time.perf_counter()
        forecast_of(d.facts, h, d.code, d.variant)
        ts.append(time.perf_counter() - t)
    print(f"   the forecast's part of a 100-epoch diagnosis: {statistics.median(ts) * 1000:.2f} ms "
          "(target: the whole diagnosis under 20 ms)\n")


def batch_throughput(n_files: int) -> None:
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_files):
            n = int(rng.integers(15, 80))
            x = np.arange(1, n + 1)
            loss = (1 / np.sqrt(x) * (1 + 0.03 * rng.standard_normal(n))).round(5).tolist()
            val = (1.1 / np.sqrt(x) + rng.uniform(-0.002, 0.004) * x).round(5).tolist()
            with open(os.path.join(tmp, f"run_{i:05d}.json"), "w") as fh:
                json.dump({"loss": loss, "val_loss": val}, fh)
        serial_n = min(n_files, 2000)
        serial_files = sorted(Path(tmp).iterdir())[:serial_n]
        t = time.perf_counter()
        diagnose_many([str(p) for p in serial_files], workers=1)
        serial = serial_n / (time.perf_counter() - t)
        t = time.perf_counter()
        batch = diagnose_many([tmp])
        parallel = n_files / (time.perf_counter() - t)
    cores = os.cpu_count() or 1
    print(f"3. Batch throughput on {n_files:,} small files")
    print(f"   one process                {serial:7.0f} files/s")
    print(f"   {cores} processes (default)     {parallel:7.0f} files/s   ({parallel / serial:.2f}x; target >= 1,000 files/s)")
    print(f"   {len(batch.results):,} rows, {batch.failed} unreadable\n")


def callback_overhead(epochs: int, repeats: int) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        print("4. Keras callback overhead: skipped (pip install 'lossdoctor[keras]' and a backend)\n")
        return
    from lossdoctor.keras import LossDoctor

    class Timed(LossDoctor().__class__):
        spent = 0.0

        def on_epoch_end(self, epoch, logs=None):
            t = time.perf_counter()
            super().on_epoch_end(epoch, logs)
            type(self).spent += time.perf_counter() - t

    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 20)).astype("float32")
    y = (x[:, :5].sum(axis=1) > 0).astype("float32")

    def fit(callbacks):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        model.fit(x, y, validation_split=0.2, epochs=2, batch_size=32, verbose=0)  # compile outside the timing
        t = time.perf_counter()
        model.fit(x, y, validation_split=0.2, epochs=epochs, batch_size=32, verbose=0, callbacks=callbacks)
        return time.perf_counter() - t

    from lossdoctor.live.core import FREE_SECONDS

    bare, with_cb, share, share_raw, per_cb, per_raw, beyond = [], [], [], [], [], [], []
    for _ in range(repeats):
        bare.append(fit([]))
        Timed.spent = 0.0
        t = fit([Timed(verbose=0)])
        with_cb.append(t)
        share.append(Timed.spent / t)
        beyond.append(max(Timed.spent - FREE_SECONDS, 0.0) / t)
        per_cb.append(Timed.spent / epochs)
        Timed.spent = 0.0
        t = fit([Timed(verbose=0, budget=None)])
        share_raw.append(Timed.spent / t)
        per_raw.append(Timed.spent / epochs)
    mb, mc = statistics.median(bare), statistics.median(with_cb)
    per_epoch = mb / epochs
    print(f"4. Keras callback ({keras.__version__}, {keras.backend.backend()} backend), a 64-unit MLP, "
          f"1,600 samples, batch 32, {epochs} epochs")
    print(f"   bare fit()                 {per_epoch * 1000:7.1f} ms/epoch")
    print(f"   fit() with LossDoctor()    {mc / epochs * 1000:7.1f} ms/epoch   (difference {(mc - mb) / mb:+.1%}; "
          "fit-to-fit noise is several %)")
    print(f"   time inside the callback   {statistics.median(per_cb) * 1000:7.2f} ms/epoch = "
          f"{statistics.median(share):.2%} of that fit()'s time (default budget=0.01)")
    print(f"     beyond the first {FREE_SECONDS:g} s that any run may spend (so a fit of seconds is still diagnosed): "
          f"{statistics.median(beyond):.2%} (target < 1%)")
    print(f"   budget=None, every epoch   {statistics.median(per_raw) * 1000:7.2f} ms/epoch = "
          f"{statistics.median(share_raw):.2%} of that fit()'s time")
    cb = LossDoctor(verbose=0, budget=None)
    cb.on_train_begin()
    long = 5000
    for e in range(long):
        cb.core._record(e + 1, {"loss": 1 / np.sqrt(e + 1), "val_loss": 1.1 / np.sqrt(e + 1)})
    t = time.perf_counter()
    for e in range(long, long + 50):
        cb.on_epoch_end(e, {"loss": 1 / np.sqrt(e + 1), "val_loss": 1.1 / np.sqrt(e + 1)})
    per = (time.perf_counter() - t) / 50
    print(f"   one diagnosis after {long:,} epochs {per * 1000:5.2f} ms = {per / per_epoch:.0%} of a bare epoch here: "
          "the budget spaces them out\n")


def figure_time(repeats: int) -> None:
    from lossdoctor import load_history
    from lossdoctor.show.plot import render_figure

    h = load_history(str(ROOT / "sample_histories" / "overfitting.json"))
    d = diagnose(h)
    with tempfile.TemporaryDirectory() as tmp:
        render_figure(h, d, os.path.join(tmp, "warm.png"))
        ts = []
        for i in range(repeats):
            t = time.perf_counter()
            render_figure(h, d, os.path.join(tmp, f"f{i}.png"))
            ts.append(time.perf_counter() - t)
    print(f"5. Annotated figure of an 80-epoch history with an accuracy panel, PNG: "
          f"{statistics.median(ts) * 1000:.0f} ms (target: well under 2 s)\n")


def _write_csvlogger(path: str, rows: int) -> None:
    e = np.arange(rows)
    with open(path, "w") as fh:
        fh.write("epoch,loss,val_loss\n")
        for i in range(0, rows, 200_000):
            block = np.column_stack([e[i:i + 200_000], 1 / np.sqrt(e[i:i + 200_000] + 1),
                                     1.1 / np.sqrt(e[i:i + 200_000] + 1)])
            np.savetxt(fh, block, fmt=["%d", "%.6f", "%.6f"], delimiter=",")


def _write_console(path: str, epochs: int) -> None:
    with open(path, "w") as fh:
        for e in range(1, epochs + 1):
            fh.write(f"Epoch {e}/{epochs}\n32/32 - 0s - 3ms/step - loss: {1 / e ** 0.5:.4f} - "
                     f"val_loss: {1.1 / e ** 0.5:.4f}\n")


def large_logs(sizes) -> None:
    """Time and peak memory of `lossdoctor diagnose` on large logs, each in its own process."""
    # the peak of this process alone: VmHWM starts afresh at exec, while ru_maxrss keeps the high-water
    # mark of the benchmark process it was forked from (hundreds of MB after the sections above)
    child = ("import resource, sys\nfrom lossdoctor.cli import main\nsys.argv = ['lossdoctor', 'diagnose', sys.argv[1]]\n"
             "def peak():\n"
             "    try:\n"
             "        return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
             "    except (OSError, StopIteration):\n"
             "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "try:\n    main()\nfinally:\n"
             "    sys.stderr.write(f'PEAK {peak()}\\n')\n")
    print("6. Large logs: `lossdoctor diagnose`, each in a fresh process")
    print(f"   {'log':<34}{'file':>10}{'time':>10}{'peak memory':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n in sizes:
            path = os.path.join(tmp, f"{kind}-{n}.{'csv' if kind == 'CSVLogger' else 'log'}")
            (_write_csvlogger if kind == "CSVLogger" else _write_console)(path, n)
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-c", child, path], capture_output=True, text=True)
            spent = time.perf_counter() - t
            peak = int(r.stderr.rsplit("PEAK ", 1)[-1].split()[0]) if "PEAK " in r.stderr else 0
            size = os.path.getsize(path) / 1e6
            what = f"{kind}, {n:,} {'rows' if kind == 'CSVLogger' else 'epochs'}"
            status = "" if r.returncode == 0 else f"  exit {r.returncode}"
            print(f"   {what:<34}{size:8.0f} MB{spent:8.1f} s{peak / 1024:10.0f} MB{status}")
    print("   (peak resident memory of each process; logs over 32 MB are streamed: a console log keeps the values of "
          "its last run, a plain numeric CSV is parsed in C block by block)\n")


def _write_sweep(folder: str, n: int) -> None:
    """`n` small Keras histories of 5 to 300 epochs, in the five shapes."""
    rng = np.random.default_rng(7)
    for i in range(n):
        e = np.arange(1, int(rng.integers(5, 300)) + 1, dtype=float)
        train = np.exp(-e / rng.uniform(5, 60)) + 0.1 + rng.normal(0, 0.01, len(e))
        val = train + rng.choice([0.0, 0.002, -0.001]) * e + rng.normal(0, 0.015, len(e))
        with open(os.path.join(folder, f"run-{i:04d}-lr{rng.choice(['1e-2', '1e-3', '1e-4'])}.json"), "w") as fh:
            json.dump({"loss": train.tolist(), "val_loss": val.tolist()}, fh)


def page_speed(n: int) -> None:
    """Write the page for `n` runs, then load it in headless Chromium and time what a user does."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium, find_browser  # noqa: PLC0415

    print(f"7. HTML report page for {n:,} runs")
    with tempfile.TemporaryDirectory() as tmp:
        runs = os.path.join(tmp, "runs")
        os.mkdir(runs)
        _write_sweep(runs, n)
        page = os.path.join(tmp, "sweep.html")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lossdoctor", "report", runs, "-o", page], check=True,
                       capture_output=True)
        print(f"   lossdoctor report -o sweep.html {time.perf_counter() - t:7.1f} s (diagnosis included)")
        print(f"   page size                       {os.path.getsize(page) / 1e6:7.1f} MB   (target < 30 MB)")
        why = find_browser()[2]
        if why:
            print(f"   browser figures skipped: {why}\n")
            return
        driver = chromium()
        try:
            loads, sorts, opens = [], [], []
            for _ in range(3):
                driver.get(Path(page).as_uri())
                loads.append(driver.execute_script("return window.lossdoctorReady") / 1000)
                sorts.append(driver.execute_script(
                    "var t = performance.now(); document.querySelector('th[data-col=\"6\"] button').click();"
                    "document.body.offsetHeight; return performance.now() - t") / 1000)
                opens.append(driver.execute_script(
                    "var b = document.querySelectorAll('button.open'); var t = performance.now(); b[b.length >> 1].click();"
                    "document.body.offsetHeight; return performance.now() - t") / 1000)
        finally:
            driver.quit()
        print(f"   time to interactive (Chromium)  {statistics.median(loads):7.2f} s   (target < 2 s; median of 3 loads)")
        print(f"   sort {n:,} rows by best loss{' ' * (8 - len(f'{n:,}'))}{statistics.median(sorts) * 1000:7.0f} ms")
        print(f"   open a run (curves drawn)       {statistics.median(opens) * 1000:7.0f} ms\n")


def main() -> None:
    print(f"lossdoctor speed benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    cold_start(5 if QUICK else 15)
    scaling(1 if QUICK else 3)
    files = int(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else (1000 if QUICK else 10_000)
    batch_throughput(files)
    callback_overhead(10 if QUICK else 40, 1 if QUICK else 3)
    figure_time(2 if QUICK else 5)
    large_logs([("CSVLogger", 1_000_000), ("console", 200_000)] if QUICK else
               [("CSVLogger", 1_000_000), ("CSVLogger", 7_200_000), ("console", 1_000_000), ("console", 8_000_000)])
    page_speed(200 if QUICK else 1000)


if __name__ == "__main__":
    main()
