"""Small hand-made fixtures that reproduce the log variants users have (no copied files)."""

import json

ESC = "\x1b"
BAR = "\u2501" * 20


def keras3_verbose1(losses, vals, steps=5, accs=None):
    out = []
    for e, (l, v) in enumerate(zip(losses, vals), 1):
        out.append(f"Epoch {e}/{len(losses)}\n")
        out.append(f"\r{ESC}[1m1/{steps}{ESC}[0m {ESC}[32m{BAR[:4]}{ESC}[0m {ESC}[1m0s{ESC}[0m 2ms/step - loss: {l * 1.3:.4f}")
        out.append("\b" * 50)
        acc = f" - accuracy: {accs[e - 1]:.4f}" if accs else ""
        out.append(f"\r{ESC}[1m{steps}/{steps}{ESC}[0m {ESC}[32m{BAR}{ESC}[0m {ESC}[1m0s{ESC}[0m 3ms/step{acc} "
                   f"- loss: {l:.4f} - val_loss: {v:.4f}\n")
    return "".join(out)


def keras2_verbose2(losses, vals):
    return "".join(f"Epoch {e}/{len(losses)}\n38/38 - 0s - 853us/step - loss: {l:.4f} - val_loss: {v:.4f}\n"
                   for e, (l, v) in enumerate(zip(losses, vals), 1))


def keras1_console(losses, vals):
    lines = ["Train on 800 samples, validate on 200 samples\r\n"]
    for e, (l, v) in enumerate(zip(losses, vals), 1):
        lines.append(f"Epoch {e}/{len(losses)}\r\n 10s - loss: {l:.4f} - val_loss: {v:.4f}\r\n")
        lines.append(f"Epoch {e:05d}: val_loss improved from inf to {v:.5f}, saving model to best.h5\r\n")
    return "".join(lines)


def lightning_metrics_csv(epochs=6, steps_per_epoch=10, log_every=2):
    rows = ["epoch,step,train_loss_step,val_loss,train_loss_epoch,lr-Adam"]
    step = 0
    for e in range(epochs):
        for s in range(steps_per_epoch):
            if s % log_every == log_every - 1:
                rows.append(f"{e},{step},{2.0 / (1 + e + s / steps_per_epoch):.5f},,,")
            step += 1
        rows.append(f"{e},{step - 1},,{2.2 / (1 + e):.5f},,")
        rows.append(f"{e},{step - 1},,,{2.0 / (1 + e + 0.5):.5f},")
    return "\n".join(rows) + "\n"


def hf_trainer_state(epochs=6, logs_per_epoch=4, bare=False):
    log = []
    steps = 100
    for e in range(epochs):
        for k in range(1, logs_per_epoch + 1):
            frac = e + k / logs_per_epoch
            log.append({"epoch": round(frac, 2), "step": int(frac * steps), "loss": round(3.0 / (1 + frac), 4),
                        "learning_rate": 5e-5, "grad_norm": 1.0})
        log.append({"epoch": float(e + 1), "step": (e + 1) * steps, "eval_loss": 3.3 / (2 + e),
                    "eval_runtime": 1.2, "eval_samples_per_second": 100.0})
    log.append({"epoch": float(epochs), "step": epochs * steps, "train_loss": 1.0, "train_runtime": 60.0,
                "total_flos": 1e12})
    return json.dumps(log if bare else {"best_metric": None, "global_step": epochs * steps, "log_history": log})


def notebook(stream_text):
    cell = {"cell_type": "code", "source": ["model.fit(...)"], "outputs": [
        {"output_type": "stream", "name": "stdout", "text": stream_text.splitlines(keepends=True)}]}
    return json.dumps({"cells": [{"cell_type": "markdown", "source": ["# run"]}, cell],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
