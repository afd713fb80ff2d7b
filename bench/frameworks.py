"""Cost of the Lightning and Hugging Face callbacks in real fits, and the MLflow reader's throughput.

Usage: python bench/frameworks.py [--quick]

6. Lightning and Hugging Face: per-epoch time inside LossDoctor (the live core's update) against
   the fit's own per-epoch time, for a small model on CPU (each skipped without its framework).
7. MLflow: runs per second read and diagnosed from a local `mlflow server` (sqlite) holding 200
   runs of 100 epochs, logged with the real client (skipped without mlflow).
Machines are shared and noisy: read the figures as orders of magnitude beside each other.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUICK = "--quick" in sys.argv


def timed_core(cb):
    """Wrap the callback's core.update to add up the seconds spent in it."""
    spent = [0.0]
    real = cb.core.update

    def update(*a, **k):
        t = time.perf_counter()
        try:
            return real(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t
    cb.core.update = update
    return spent


def lightning_cost(epochs: int) -> None:
    try:
        import lightning.pytorch as pl
        from test_lightning import Net, loaders
        from lossdoctor.lightning import LossDoctor
    except ImportError:
        print("6a. Lightning: not installed, skipped\n")
        return
    print(f"6a. Lightning {pl.__version__}, a 64-unit MLP, 1,000 samples, {epochs} epochs")
    for budget in (None, 0.01):
        cb = LossDoctor(verbose=0, budget=budget)
        spent = timed_core(cb)
        pl.seed_everything(0)
        trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                             enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                             callbacks=[cb])
        t = time.perf_counter()
        trainer.fit(Net(hidden=64), *loaders(1000))
        total = time.perf_counter() - t
        _row(budget, total, spent[0], epochs, len(cb.diagnoses), "fit()")
    print()


def _row(budget, total: float, spent: float, epochs: int, diagnoses: int, what: str) -> None:
    label = "budget=None (every epoch)" if budget is None else f"budget={budget} (default)"
    print(f"   {label:<27}{what} {total / epochs * 1000:7.1f} ms/epoch; inside LossDoctor "
          f"{spent / epochs * 1000:5.2f} ms/epoch = {spent / total:.2%}; {diagnoses} diagnoses")


def huggingface_cost(epochs: int) -> None:
    try:
        import transformers
        from test_huggingface import Tokens, tiny_model
        from lossdoctor.huggingface import LossDoctor
    except ImportError:
        print("6b. Hugging Face: not installed, skipped\n")
        return
    print(f"6b. Hugging Face transformers {transformers.__version__}, a 2-layer BERT from a config, 256 samples, "
          f"{epochs} epochs (on_log and on_evaluate)")
    for budget in (None, 0.01):
        cb = LossDoctor(verbose=0, budget=budget)
        spent = timed_core(cb)
        with tempfile.TemporaryDirectory() as tmp:
            args = transformers.TrainingArguments(
                output_dir=tmp, num_train_epochs=epochs, learning_rate=1e-3, per_device_train_batch_size=16,
                eval_strategy="epoch", logging_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True,
                disable_tqdm=True, seed=0)
            trainer = transformers.Trainer(model=tiny_model(), args=args, train_dataset=Tokens(256, 0),
                                           eval_dataset=Tokens(128, 1), callbacks=[cb])
            t = time.perf_counter()
            trainer.train()
            total = time.perf_counter() - t
        _row(budget, total, spent[0], epochs, len(cb.diagnoses), "train()")
    print()


def mlflow_throughput(runs: int, epochs: int) -> None:
    try:
        import mlflow
        from mlflow.entities import Metric
        from mlflow.tracking import MlflowClient
    except ImportError:
        print("7. MLflow: not installed, skipped\n")
        return
    import numpy as np
    from lossdoctor.run.options import Options
    from lossdoctor.run.tracked import diagnose_tracked

    with tempfile.TemporaryDirectory() as root, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        uri = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
                                 "--backend-store-uri", f"sqlite:///{root}/m.db", "--artifacts-destination",
                                 f"{root}/a", "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(180):
                try:
                    urllib.request.urlopen(uri + "/health", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.5)
            c = MlflowClient(tracking_uri=uri)
            exp = c.create_experiment("bench")
            rng = np.random.default_rng(0)
            e = np.arange(epochs)
            now = int(time.time() * 1000)
            for i in range(runs):
                rid = c.create_run(exp, run_name=f"run{i:03d}").info.run_id
                loss = np.exp(-e / (20 + i % 30)) * np.exp(0.02 * rng.standard_normal(epochs))
                val = 1.1 * loss + 0.001 * e * (i % 3)
                metrics = [Metric(k, float(v), now, int(j)) for k, ys in (("loss", loss), ("val_loss", val))
                           for j, v in enumerate(ys)]
                for k in range(0, len(metrics), 1000):
                    c.log_batch(rid, metrics=metrics[k:k + 1000])
            t = time.perf_counter()
            batch, _, _ = diagnose_tracked(["mlflow:bench"], Options(), uri)
            took = time.perf_counter() - t
        finally:
            proc.terminate()
            proc.wait(20)
    print(f"7. MLflow {mlflow.__version__}: {runs} runs of {epochs} epochs (loss, val_loss) on a local server")
    print(f"   read and diagnosed          {runs / took:7.1f} runs/s ({took:.1f} s; {len(batch.results)} rows, "
          f"{batch.failed} unreadable)\n")


def main() -> None:
    lightning_cost(10 if QUICK else 30)
    huggingface_cost(5 if QUICK else 20)
    mlflow_throughput(20 if QUICK else 200, 100)


if __name__ == "__main__":
    main()
