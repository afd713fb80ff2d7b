"""Printed training logs and hand-saved files: every style read with the right series by name, never
one series taken for another, a clear refusal otherwise."""

import subprocess
import sys

import numpy as np
import pytest

from lossdoctor import diagnose, load_history
from lossdoctor.core.errors import HistoryFormatError, MissingSeriesError
from lossdoctor.read.keys import resolve_keys
from lossdoctor.read.formats import parse_text
from lossdoctor.read import sniff

from conftest import write

E = np.arange(1, 21)
TRAIN = [round(float(v), 4) for v in 2 * np.exp(-E / 8) + 0.3]
VAL = [round(float(v), 4) for v in 2 * np.exp(-E / 8) + 0.45 + 0.002 * (E - 10) ** 2]

# (style, one epoch's lines from (epoch, train, val)) - the styles real scripts print
STYLES = {
    "bracket_dash": lambda i, t, v: f"Epoch [{i}/20] - Train Loss: {t:.4f}, Valid Loss: {v:.4f}",
    "logging_pipes": lambda i, t, v: (f"2025-03-02 10:41:{i:02d} | INFO | Epoch [{i:03d}/020] TrainLoss={t:.4f} "
                                      f"TrainAcc=71.2% | ValLoss={v:.4f} ValAcc=66.0% | LR=1.0e-04"),
    "key_equals_step": lambda i, t, v: f"epoch={i} step={i * 400} train_loss={t:.4f} val_loss={v:.4f}",
    "not_keras_dashes": lambda i, t, v: f"Epoch {i}/20 - train loss: {t:.4f} - val loss: {v:.4f}",
    "pipes": lambda i, t, v: f"Epoch {i}/20 | train loss: {t:.4f} | val loss: {v:.4f}",
    "python_logging": lambda i, t, v: f"INFO:root:epoch={i} train_loss={t:.4f} val_loss={v:.4f}",
    "parenthesised_roles": lambda i, t, v: f"[epoch {i}] loss(train)={t:.4f} loss(valid)={v:.4f}",
    "separate_eval_line": lambda i, t, v: (f"Epoch {i}\n- Train metrics: accuracy: 0.712 ; loss: {t:.4f}\n"
                                           f"- Eval metrics: accuracy: 0.660 ; loss: {v:.4f}"),
    "segment_roles": lambda i, t, v: f"Epoch {i} | Train: loss {t:.4f} acc 0.8 | Val: loss {v:.4f} acc 0.7",
    "zero_based_ep": lambda i, t, v: f"ep {i - 1}: trn_loss {t:.4f}, dev loss {v:.4f}",
    "chinese": lambda i, t, v: f"-------第 {i} 轮训练开始-------\n整体训练集上的Loss: {t:.4f}\n整体验证集上的Loss: {v:.4f}",
    "ansi_and_tqdm": lambda i, t, v: (f"\x1b[32m100%|██████████| 50/50 [00:02<00:00, 21.3it/s]\x1b[0m\r"
                                      f"Epoch {i:3d}/20 train_loss={t:.4f}, val_loss={v:.4f}, lr=1e-3"),
    "val_first": lambda i, t, v: f"Epoch: {i} | val_loss: {v:.4f} | train_loss: {t:.4f}",
    "thousands": lambda i, t, v: f"Epoch {i}/20 samples: 12,800 loss: {t:.4f} val_loss: {v:.4f}",
    # a script's own metrics dict, printed as Python prints it: quoted names, tensors, numpy scalars
    "python_dict": lambda i, t, v: f"Epoch {i}: {{'train_loss': {t:.4f}, 'val_loss': {v:.4f}, 'val_acc': 0.81}}",
    "tensor_dict": lambda i, t, v: (f"Epoch {i}: {{'train_loss': tensor({t:.4f}), 'val_loss': tensor({v:.4f}, "
                                    f"device='cuda:0'), 'lr': tensor(0.0010)}}"),
    "numpy_dict": lambda i, t, v: f"epoch {i} {{'loss': np.float64({t:.4f}), 'val_loss': np.float32({v:.4f})}}",
    "json_dict": lambda i, t, v: f'Epoch {i}/20 {{"train_loss": {t:.4f}, "val_loss": {v:.4f}}}',
    "role_from_the_line": lambda i, t, v: (f"2023.01.18 17:14:{i:02d} [Epoch: {i:02d}] Train acc: 0.8006 | loss: {t:.4f}\n"
                                           f"2023.01.18 17:15:{i:02d} [Epoch: {i:02d}] Valid acc: 0.8429 | loss: {v:.4f}"),
}


def log_text(style):
    lines = "\n".join(STYLES[style](i, t, v) for i, t, v in zip(E, TRAIN, VAL))
    return "Starting training on 12800 samples\nmodel: resnet18\n" + lines + "\nTraining done.\n"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_printed_style_gives_the_right_series_by_name(style):
    text = log_text(style)
    assert sniff.json_like(text) is False and sniff.console(text) is False
    h = parse_text(text, style)
    tkey, vkey, _ = resolve_keys(h)
    assert h.format == "epoch-log" and h.epochs == 20
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL, (tkey, vkey)
    assert list(h[tkey].x) == list(map(float, E)) and list(h[vkey].x) == list(map(float, E))
    assert h.notes[0].startswith("read 20 epochs from '")
    assert diagnose(h).code == "learning"


def test_the_read_note_says_which_lines_and_names_were_taken():
    h = parse_text(log_text("bracket_dash"), "x")
    assert h.notes[0] == "read 20 epochs from 'Epoch [n/N]' lines; train_loss = 'Train Loss', val_loss = 'Valid Loss'"
    zh = parse_text(log_text("logging_pipes"), "x")
    assert "train_loss = 'TrainLoss', val_loss = 'ValLoss'" in zh.notes[0]


def test_a_value_named_validation_is_never_the_training_loss():
    # val first on the line, validation words in every spelling: the roles follow the names
    for style in ("val_first", "parenthesised_roles", "logging_pipes"):
        h = parse_text(log_text(style), style)
        assert resolve_keys(h)[0] in ("train_loss", "loss") and list(h[resolve_keys(h)[0]].y) == TRAIN


def test_two_values_of_one_name_on_a_line_are_not_guessed(tmp_path):
    text = "\n".join(f"Epoch {i}/20 loss: {t:.4f} loss: {v:.4f}" for i, t, v in zip(E, TRAIN, VAL))
    path = write(tmp_path, "same.log", text)
    with pytest.raises(MissingSeriesError, match=r"gives 'loss' twice.*available keys: loss, loss_2.*--train-key"):
        diagnose(load_history(path))
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", path], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--val-key" in r.stderr
    chosen = diagnose(load_history(path), "loss", "loss_2")
    assert list(chosen.history["loss_2"].y) == VAL


def test_a_second_phase_is_its_own_run_and_the_last_is_diagnosed():
    pre = "\n".join(f"Epoch {i} | Train Loss: {t:.4f} | Val Loss: {v:.4f}" for i, t, v in zip(E, TRAIN, VAL))
    fine = "\n".join(f"Fine-tune Epoch {i} | Train Loss: {t / 2:.4f} | Val Loss: {v / 2:.4f}"
                     for i, t, v in zip(E[:8], TRAIN, VAL))
    h = parse_text(pre + "\n" + fine, "x")
    assert h.epochs == 8 and list(h["train_loss"].y) == [round(t / 2, 4) for t in TRAIN[:8]]
    assert "found 2 runs in the log (20 epochs, fine-tune 8 epochs); diagnosing the last" in h.notes


def test_a_summary_line_after_the_run_is_not_a_run():
    text = log_text("pipes") + "Best model found at epoch 7, val loss: 0.61\nEpoch 0 | test loss: 0.7\n"
    h = parse_text(text, "x")
    assert h.epochs == 20 and list(h["val_loss"].y) == VAL


def test_mentions_of_an_epoch_do_not_start_rows():
    lines = []
    for i, t, v in zip(E, TRAIN, VAL):
        lines.append(f"Epoch {i}/20 - train loss: {t:.4f} - val loss: {v:.4f}")
        lines.append(f"saved the best model at epoch {max(1, i - 3)} (val loss 9.99)")
    h = parse_text("\n".join(lines), "x")
    assert list(h["val_loss"].y) == VAL and h.epochs == 20


def test_step_lines_and_epoch_lines_in_one_file():
    lines = []
    for i, t, v in zip(E, TRAIN, VAL):
        lines += [f"Epoch [{i}/20], Step [{s}/4], Loss: {t + 0.1 * (4 - s):.4f}" for s in range(1, 5)]
        lines.append(f"Epoch [{i}/20] done: Train Loss: {t:.4f}, Validation Loss: {v:.4f}")
    h = parse_text("\n".join(lines), "x")
    tkey, vkey, _ = resolve_keys(h)
    assert vkey == "val_loss" and list(h["val_loss"].y) == VAL
    assert list(h[tkey].y) == TRAIN and not h[tkey].per_step  # the epoch-level loss is judged
    assert h["loss"].per_step and len(h["loss"]) == 80


def test_average_meter_lines_give_the_epoch_mean():
    """pytorch/examples' ImageNet style: `Loss 0.46 (0.51)`, the value now and its running mean."""
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL)):
        for s in range(0, 100, 25):
            lines.append(f"Epoch: [{i}][{s}/100]\tTime 0.30 (0.31)\tData 0.01 (0.02)\tLoss {t + 0.2:.4f} ({t:.4f})")
        lines += [f"Test: [{s}/50]\tTime 0.10 (0.10)\tLoss {v + 0.1:.4f} ({v:.4f})" for s in (0, 40)]
        lines.append(" * Acc@1 71.2 Acc@5 90.1")
    h = parse_text("\n".join(lines), "x")
    tkey, vkey, _ = resolve_keys(h)
    assert tkey == "loss" and list(h["loss"].y) == TRAIN and list(h[vkey].y) == VAL and vkey == "test_loss"
    assert h["loss_step"].per_step and h.epochs == 20


def test_trainer_dicts_printed_to_stdout():
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), start=1):
        lines.append(f"{{'loss': {t}, 'grad_norm': 1.5, 'learning_rate': 5e-05, 'epoch': {i - 0.5}}}")
        lines.append(f"{{'eval_loss': {v}, 'eval_runtime': 1.2, 'epoch': {float(i)}}}")
    h = parse_text("  5%|▌ | 10/200 [00:01<00:20]\n" + "\n".join(lines), "x")
    assert h.format == "hf-trainer" and list(h["eval_loss"].y) == VAL and list(h["loss"].y) == TRAIN
    assert list(h["eval_loss"].x) == list(map(float, E))


def test_keras_console_output_is_still_keras():
    from formats import keras2_verbose2, keras3_verbose1
    for text in (keras3_verbose1(TRAIN, VAL), keras2_verbose2(TRAIN, VAL)):
        assert sniff.console(text)
        assert parse_text(text, "k").format == "keras-console"


def test_a_bracketed_text_log_is_not_invalid_json():
    text = "\n".join(f"[2025-03-02 10:41:{i:02d}] epoch {i} train_loss={t} val_loss={v}"
                     for i, t, v in zip(E, TRAIN, VAL))
    assert not sniff.json_like(text) and sniff.json_like("[1, 2, 3]") and sniff.json_like('[{"loss": 1}]')
    assert parse_text(text, "x").format == "epoch-log"


@pytest.mark.parametrize("text,says", [
    ("-------第 1 轮训练开始-------\n  3%|▎ | 3/101 [00:11<04:35]\n-------第 2 轮训练开始-------\n",
     "naming an epoch but no loss"),
    ("Traceback (most recent call last):\n  File \"train.py\", line 3\n    loss = step(batch)\nKeyError: 'x'\n",
     "a Python traceback"),
    ("step 10 loss 0.5\nstep 20 loss 0.4\nstep 30 loss 0.3\n", "names a loss but no epoch"),
    ("<html><body>Not found</body></html>", "HTML"),
])
def test_refusals_say_what_the_file_looked_like(text, says):
    with pytest.raises(HistoryFormatError, match=f"it looks like .*{says}"):
        parse_text(text, "x")


@pytest.mark.parametrize("orient", ["columns", "index", "records", "split", "table"])
def test_pandas_to_json_in_every_orient(tmp_path, orient):
    pd = pytest.importorskip("pandas")
    path = str(tmp_path / "h.json")
    pd.DataFrame({"loss": TRAIN, "val_loss": VAL}).to_json(path, orient=orient)
    h = load_history(path)
    assert list(h["loss"].y) == TRAIN and list(h["val_loss"].y) == VAL and list(h["loss"].x) == list(map(float, E))


def test_pandas_csv_with_its_index_column(tmp_path):
    pd = pytest.importorskip("pandas")
    path = str(tmp_path / "h.csv")
    pd.DataFrame({"loss": TRAIN, "val_loss": VAL}).to_csv(path)
    h = load_history(path)
    assert list(h["val_loss"].y) == VAL and "ignored the unnamed first column (a pandas index)" in h.notes


def test_a_csvlogger_file_whose_epoch_is_always_zero(tmp_path):
    rows = "\n".join(f"0,{t},{v}" for t, v in zip(TRAIN, VAL))
    h = load_history(write(tmp_path, "log.csv", "epoch,loss,val_loss\n" + rows + "\n"))
    assert h.epochs == 20 and list(h["loss"].y) == TRAIN and any("0 on every row" in n for n in h.notes)
    assert diagnose(h).code == "learning"


@pytest.mark.parametrize("train,val", [("Loss/train", "Loss/val"), ("loss_train", "loss_valid"),
                                       ("TrainLoss", "ValidationLoss"), ("train/loss", "val/loss")])
def test_series_named_in_any_spelling_are_paired(train, val):
    from lossdoctor import History
    assert resolve_keys(History.from_dict({"lr": TRAIN, train: TRAIN, val: VAL}))[:2] == (train, val)


def test_an_unused_validation_series_is_named():
    from lossdoctor import History
    d = diagnose(History.from_dict({"loss": TRAIN, "val_accuracy": VAL}))
    assert any("'val_accuracy'" in n and "--val-key" in n for n in d.notes)


def test_a_wandb_run_folder_is_one_run(tmp_path):
    from lossdoctor.read.discover import expand_counted
    run = tmp_path / "wandb" / "run-20260101_000000-abc123"
    (run / "files").mkdir(parents=True)
    (run / "logs").mkdir()
    for name in ("files/output.log", "files/requirements.txt", "logs/debug.log", "logs/debug-internal.log"):
        (run / name).write_text("x")
    (run / "run-abc123.wandb").write_bytes(b"\x00")
    found, passed = expand_counted([str(tmp_path)], (".log", ".txt", ".wandb", ".json"))
    assert found == [str(run / "run-abc123.wandb")] and passed == 4


def test_sniffing_a_large_file_that_is_no_log_reads_only_its_head():
    text = "x,y\n" + "1,2\n" * 300_000  # 1.2 MB
    from lossdoctor.read import printed
    assert not printed.sniff(text)
    assert not printed.sniff("loss " * 300_000)


def test_what_follows_the_last_epoch_of_a_fit_is_not_part_of_it():
    """model.evaluate() after fit() prints `loss: ...` too: it is not the last epoch's loss."""
    from formats import keras2_verbose2, keras3_verbose1
    after = "Restoring model weights from the end of the best epoch: 18.\n" \
            "\r1/4 ━━━━ 0s 3ms/step - accuracy: 0.91 - loss: 9.1234\r4/4 ━━━━ 0s 3ms/step - accuracy: 0.90 - loss: 9.5678\n" \
            "Test loss: 9.5678\n"
    for make in (keras3_verbose1, keras2_verbose2):
        h = parse_text(make(TRAIN, VAL) + after, "k")
        assert list(h["loss"].y) == TRAIN and list(h["val_loss"].y) == VAL
    no_val = "Epoch 1/2\n4/4 - 0s - loss: 0.5000\nEpoch 2/2\n4/4 - 0s - loss: 0.4000\n" + after
    assert list(parse_text(no_val, "k")["loss"].y) == [0.5, 0.4]


def test_two_marker_forms_the_one_with_losses_counts():
    """A tqdm bar prints `Epoch 3/20` (1-based, no loss) and the logger `EPOCH 2/20 | loss` (0-based)."""
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL)):
        lines.append(f"Epoch {i + 1}/20::  50%|#####     | 5/10 [00:01<00:01, 4.1batch/s]")
        lines.append(f"2025-04-28 14:01:{i:02d}|    INFO| Train: STEP {i * 10} - EPOCH {i}/20 | loss: {t:.4f}")
        lines.append(f"2025-04-28 14:01:{i:02d}|    INFO| Valid: EPOCH {i}/20 | loss: {v:.4f}")
    h = parse_text("\n".join(lines), "x")
    assert h.epochs == 20 and list(h["train_loss"].y) == TRAIN and list(h["val_loss"].y) == VAL
    assert h.notes[0].startswith("read 20 epochs from 'EPOCH n/N' lines")


def test_a_log_of_steps_that_names_no_epoch():
    losses = [round(4.0 * 0.99 ** i, 4) for i in range(60)]
    h = parse_text("\n".join(f"batch loss:{v}" for v in losses), "x")
    assert h.format == "step-log" and h.x_unit == "step" and list(h["batch_loss"].y) == losses
    assert h.notes[0].startswith("read 60 lines that name no epoch as steps (in their order)")
    counted = parse_text("\n".join(f"step {10 * (i + 1)} loss {v}" for i, v in enumerate(losses)), "x")
    assert list(counted["loss"].x) == [10.0 * (i + 1) for i in range(60)]
    with pytest.raises(HistoryFormatError, match="names losses, but no epoch"):
        parse_text("\n".join(f"Start train CrossEntropyLoss_run{i} in {i}.5 seconds" for i in range(12)), "x")


# -- styles of widely used training scripts ------------------------------------------------------

def test_split_names_beside_a_named_loss_are_metrics_not_losses():
    """PyTorch Geometric's examples print `Loss` and then accuracies named by split alone."""
    acc = [round(0.5 + 0.02 * i, 4) for i in range(20)]
    text = "\n".join(f"Epoch: {i:03d}, Loss: {t:.4f}, Train: {a + 0.05:.4f}, Val: {a:.4f}, Test: {a - 0.01:.4f}"
                     for i, t, a in zip(E, TRAIN, acc))
    h = parse_text(text, "pyg")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("loss", None)
    assert list(h["val_metric"].y) == acc and "val_loss" not in h and "train_loss" not in h
    assert any("'Val' (val_metric)" in n and "not as losses" in n for n in h.notes)
    assert diagnose(h).code == "learning"  # the rising accuracy is never read as a rising val loss


def test_split_names_alone_are_that_splits_loss_with_a_note():
    text = "\n".join(f"Epoch {i} losses | Train: {t:.4f} | Val: {v:.4f}" for i, t, v in zip(E, TRAIN, VAL))
    h = parse_text(text, "bare")
    tkey, vkey, _ = resolve_keys(h)
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL
    assert any(n.startswith("'Train' (train_loss), 'Val' (val_loss) name a split but no metric: read as its loss")
               for n in h.notes)


def test_timm_train_lines_and_test_lines_give_the_epochs_running_means():
    lines = []
    for e, (t, v) in enumerate(zip(TRAIN, VAL)):
        for b in (0, 50, 100):
            lines.append(f"Train: {e} [ {b:>3}/101 ({b:>3.0f}%)]  Loss: {t * 1.3:#.4g} ({t:#.4g})  Time: 0.312s,  "
                         f"820.31/s  (0.330s,  775.40/s)  LR: 1.000e-03  Data: 0.012 (0.020)")
        lines.append(f"Test: [   0/39]  Time: 0.500 (0.500)  Loss:  {v * 1.2:.4f} ({v * 1.2:.4f})  Acc@1: 80.0 (80.0)")
        lines.append(f"Test: [  39/39]  Time: 0.100 (0.150)  Loss:  {v * 0.7:.4f} ({v:.4f})  Acc@1: 80.0 (81.0)")
    h = parse_text("\n".join(lines), "timm")
    tkey, vkey, _ = resolve_keys(h)
    assert h.epochs == 20 and h.notes[0].startswith("read 20 epochs from 'Train: n' lines")
    assert np.allclose(h[tkey].y, [float(f"{t:#.4g}") for t in TRAIN]) and list(h[tkey].x) == list(map(float, E))
    assert list(h[vkey].y) == VAL and vkey == "test_loss"


def test_fairseq_epoch_summaries_are_read_and_repeated_timings_do_not_block():
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        lines.append(f"2021-03-01 10:00:{i:02d} | INFO | valid | epoch {i:03d} | valid on 'valid' subset | loss {v:.4f} "
                     f"| nll_loss {v * 0.9:.3f} | ppl 10.5 | wps 3000 | num_updates {i * 500}")
        lines.append(f"2021-03-01 10:00:{i:02d} | INFO | train | epoch {i:03d} | loss {t:.4f} | nll_loss {t:.3f} | "
                     f"ppl 11.2 | wps 1000 | num_updates {i * 500} | lr 0.0005 | train_wall 150 | wall 300")
    h = parse_text("\n".join(lines), "fairseq")
    tkey, vkey, _ = resolve_keys(h)
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL and h.roles_unclear == ()


def test_a_loss_given_twice_still_blocks():
    text = "\n".join(f"Epoch {i}: loss: {t:.4f} loss: {v:.4f} wall 3 wall 4" for i, t, v in zip(E, TRAIN, VAL))
    with pytest.raises(MissingSeriesError, match=r"gives 'loss' twice"):
        resolve_keys(parse_text(text, "twice"))


@pytest.mark.parametrize("line", [
    lambda i, t, v: f"[{i}]\ttrain-logloss:{t:.5f}\teval-logloss:{v:.5f}",                          # XGBoost
    lambda i, t, v: f"[{i}]\ttraining's binary_logloss: {t:.6f}\tvalid_1's binary_logloss: {v:.6f}",  # LightGBM
])
def test_boosting_round_prints_are_not_json(line):
    text = "\n".join(line(i, t, v) for i, t, v in zip(E, TRAIN, VAL))
    assert sniff.json_like(text) is False
    h = parse_text(text, "boost")
    tkey, vkey, _ = resolve_keys(h)
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL


@pytest.mark.parametrize("text", ["[0]", "[0, 1]", "[1.5]\n", "[ 0.5 ]\n", "[[1, 2]]", "[1]\n"])
def test_json_arrays_of_numbers_stay_json(text):
    assert sniff.json_like(text) is True


def test_nanogpt_steps_are_placed_by_their_counter():
    lines = []
    for s in range(0, 2000, 10):
        e = s * 20 // 2000
        if s % 100 == 0:
            lines.append(f"step {s}: train loss {TRAIN[e]:.4f}, val loss {VAL[e]:.4f}")
        lines.append(f"iter {s}: loss {TRAIN[e] * 1.01:.4f}, time 120.50ms, mfu 10.50%")
    h = parse_text("\n".join(lines), "nanogpt")
    assert list(h["val_loss"].x) == [float(s) for s in range(0, 2000, 100)] and list(h["val_loss"].y) == VAL
    assert list(h["loss"].x) == [float(s) for s in range(0, 2000, 10)]


def fastai_table(train, val, first=0):
    rows = ["epoch     train_loss  valid_loss  accuracy  time    "]
    rows += [f"{e:<10}{t:<12.6f}{v:<12.6f}{0.8:<10.6f}00:12     " for e, (t, v) in enumerate(zip(train, val), first)]
    return rows


def test_fastai_printed_table_is_read():
    text = "\n".join(["epoch 0 of the schedule", *fastai_table(TRAIN, VAL),
                      "|████████| 100.00% [20/20 04:00<00:00]"])
    assert sniff.spaced_table(text)
    h = parse_text(text, "fastai")
    tkey, vkey, _ = resolve_keys(h)
    assert h.format == "text-table" and (tkey, vkey) == ("train_loss", "valid_loss")
    assert np.allclose(h[tkey].y, TRAIN) and np.allclose(h[vkey].y, VAL) and list(h[tkey].x) == list(map(float, E))
    assert h.notes[0] == "read a table printed with spaces (epoch train_loss valid_loss accuracy time)"


def test_fastai_fine_tune_two_tables_the_last_is_diagnosed():
    text = "\n".join([*fastai_table([1.0], [0.9]), *fastai_table(TRAIN, VAL)])
    h = parse_text(text, "fine_tune")
    assert h.epochs == 20 and np.allclose(h["valid_loss"].y, VAL)
    assert any("runs" in n for n in h.notes)


def test_a_spaced_table_without_rows_is_not_taken():
    assert not sniff.spaced_table("epoch     train_loss  valid_loss\nTraining interrupted\n")
    assert not sniff.spaced_table("epoch step lr\n1 2 3\n")  # no loss column


def test_pytorch_quickstart_test_error_block_is_the_evaluation_not_a_training_step():
    """The official PyTorch quickstart prints 'Test Error:' on its own line, then the values."""
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        lines += [f"Epoch {i}", "-------------------------------"]
        lines += [f"loss: {t * 1.05:>7f}  [{b:>5d}/60000]" for b in (64, 6464, 12864)]
        lines += ["Test Error: ", f" Accuracy: {60 + i}.0%, Avg loss: {v:>8f} ", ""]
    h = parse_text("\n".join(lines + ["Done!"]), "quickstart")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("loss", "test_loss") and np.allclose(h[vkey].y, VAL)
    assert np.allclose(h[tkey].y, np.repeat(np.array(TRAIN) * 1.05, 3), atol=1e-6)  # no test value among them


def test_paddle_hapi_evaluation_lines_are_the_validation_values():
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        lines += [f"Epoch {i}/20", f"step 100/938 - loss: {t * 1.1:.4f} - acc: 0.8000 - 15ms/step",
                  f"step 938/938 - loss: {t:.4f} - acc: 0.8100 - 15ms/step", "Eval begin...",
                  f"step 157/157 - loss: {v:.4f} - acc: 0.8500 - 10ms/step", "Eval samples: 10000"]
    text = "\n".join(lines)
    assert not sniff.step_prints(text)  # "Epoch 1/20" and the next line's "step 100/938" are two lines
    h = parse_text(text, "paddle")
    assert list(h["loss"].y) == TRAIN and list(h["val_loss"].y) == VAL
    assert h.format == "paddle-console" and any("PaddlePaddle's Model.fit" in n for n in h.notes)
    rising = [round(0.5 + 0.02 * (i - 6) ** 2, 4) for i in E]  # an overfitting run: its fixes name Paddle's API
    over = "\n".join(f"Epoch {i}/20\nstep 938/938 - loss: {t:.4f} - acc: 0.81 - 15ms/step\nEval begin...\n"
                     f"step 157/157 - loss: {v:.4f} - acc: 0.85 - 10ms/step\nEval samples: 10000"
                     for i, t, v in zip(E, TRAIN, rising))
    d = diagnose(parse_text(over, "paddle"))
    assert d.code == "overfitting" and any("paddle.callbacks.EarlyStopping(monitor='loss'" in f for f in d.fixes)
    assert not any("restore_best_weights" in f for f in d.fixes)  # no Keras API in a Paddle report


def test_mindspore_loss_is():
    h = parse_text("\n".join(f"epoch: {i} step: 1875, loss is {t:.4f}" for i, t in zip(E, TRAIN)), "ms")
    assert list(h["loss"].y) == TRAIN


def test_pytorch_cifar_tutorial_brackets_are_no_json():
    text = "\n".join(f"[{i}, {b:5d}] loss: {t:.3f}" for i, t in zip(E, TRAIN) for b in (2000, 4000)) + "\nFinished Training\n"
    assert sniff.json_like(text) is False
    h = parse_text(text, "cifar")
    assert np.allclose(h["loss"].y, np.repeat([round(t, 3) for t in TRAIN], 2))


def test_flax_train_and_test_epoch_lines_are_two_series():
    """Flax's examples print `train epoch: 1, loss: ...` and `test epoch: 1, loss: ...`: the word
    before the marker gives the role (they were one interleaved series of steps)."""
    text = "\n".join(f"train epoch: {i}, loss: {t:.4f}, accuracy: 80.00\ntest epoch: {i}, loss: {v:.4f}, accuracy: 78.00"
                     for i, t, v in zip(E, TRAIN, VAL))
    h = parse_text(text, "flax")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("train_loss", "test_loss") and list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL


def test_ignite_results_lines_and_lightning_rich_bars():
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        lines += [f"Epoch[{i}] Iteration[{it}/469] Loss: {t * 1.05:.2f}" for it in (100, 200)]
        lines += [f"Training Results - Epoch: {i}  Avg accuracy: 0.90 Avg loss: {t:.4f}",
                  f"Validation Results - Epoch: {i}  Avg accuracy: 0.89 Avg loss: {v:.4f}"]
    h = parse_text("\n".join(lines), "ignite")
    tkey, vkey, _ = resolve_keys(h)
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL
    rich = "\n".join(f"Epoch {i - 1}/19  ━━━━━━━━━━ 938/938 0:00:15 • 0:00:00 61.20it/s v_num: 0 "
                     f"train_loss_step: {t * 1.1:.3f} val_loss: {v:.4f} train_loss_epoch: {t:.4f}"
                     for i, t, v in zip(E, TRAIN, VAL))
    h = parse_text(rich, "rich")
    tkey, vkey, _ = resolve_keys(h)
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL and list(h[vkey].x) == list(map(float, E))


def test_mmengine_epoch_lines_place_each_step_in_its_epoch_and_the_val_lines_join_them():
    """OpenMMLab (mmengine, mmpretrain, mmdet): `Epoch(train) [3][ 50/625]  ...  loss: 0.81` per
    logging interval, `Epoch(val) [3][100/100]  accuracy/top1: ...  loss: 0.90` after each epoch."""
    lines = []
    for e, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        for b in (100, 300, 500):
            lines.append(f"2023/05/24 10:11:{e:02d} - mmengine - INFO - Epoch(train)  [{e}][{b}/625]  lr: 1.0000e-02  "
                         f"eta: 0:41:05  time: 0.1341  data_time: 0.0030  memory: 2119  loss: {t * (1.1 - b / 2500):.4f}  "
                         f"loss_cls: {t * (1.1 - b / 2500):.4f}")
        lines.append(f"2023/05/24 10:12:{e:02d} - mmengine - INFO - Saving checkpoint at {e} epochs")
        lines.append(f"2023/05/24 10:12:{e:02d} - mmengine - INFO - Epoch(val) [{e}][100/100]    accuracy/top1: "
                     f"{60 + e:.4f}  loss: {v:.4f}  data_time: 0.0030  time: 0.0312")
    h = parse_text("\n".join(lines), "mmengine")
    tkey, vkey, _ = resolve_keys(h)
    assert h.epochs == 20 and h.x_unit == "epoch"
    assert h[tkey].per_step and len(h[tkey]) == 60 and h[tkey].x[0] == pytest.approx(1 / 3) and h[tkey].x[-1] == 20
    assert list(h[tkey].y[2::3]) == [float(f"{t * (1.1 - 500 / 2500):.4f}") for t in TRAIN]
    assert vkey == "val_loss" and list(h[vkey].y) == VAL and list(h[vkey].x) == list(map(float, E))
    assert h.notes[0].startswith("read 20 epochs from 'Epoch(train) [n]' lines")


def test_mmengine_iteration_lines_are_steps_by_their_counter():
    lines = [f"2023/05/24 10:11:56 - mmengine - INFO - Iter(train) [{i:>5}/20000]  lr: 1.0e-02  eta: 1:00:00  "
             f"time: 0.4  data_time: 0.01  memory: 3000  loss: {2 * np.exp(-i / 4000) + 0.2:.4f}  decode.loss_ce: 0.5"
             for i in range(50, 20001, 50)]
    lines.insert(200, "2023/05/24 10:30:00 - mmengine - INFO - Iter(val) [500/500]    aAcc: 93.1  mIoU: 64.2  mAcc: 75.0")
    h = parse_text("\n".join(lines), "mmseg")
    tkey, vkey, _ = resolve_keys(h)
    assert h.x_unit == "step" and h[tkey].x[0] == 50 and h[tkey].x[-1] == 20000 and len(h[tkey]) == 400
    assert vkey is None and diagnose(h).code == "learning"


def test_torchvision_reference_metric_logger_gives_the_epochs_running_means():
    """torchvision's detection and classification references (`utils.MetricLogger`):
    `Epoch: [3]  [ 10/60]  eta: ...  lr: 0.005  loss: 0.81 (0.85)  ...`, then COCO AP lines."""
    lines = []
    for e, t in enumerate(TRAIN):
        for b, f in ((0, 1.2), (20, 1.0), (40, 0.9)):
            lines.append(f"Epoch: [{e}]  [{b:>2}/60]  eta: 0:00:40  lr: 0.005000  loss: {t * f:.4f} ({t:.4f})  "
                         f"loss_classifier: 0.2 (0.2)  time: 0.9761  data: 0.2334  max mem: 2670")
        lines.append(f"Epoch: [{e}] Total time: 0:00:05 (0.9880 s / it)")
        lines.append("Test:  [ 0/50]  eta: 0:00:10  model_time: 0.1 (0.1)  evaluator_time: 0.01 (0.01)  time: 0.2")
        lines.append(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.512")
    h = parse_text("\n".join(lines), "torchvision")
    tkey, vkey, _ = resolve_keys(h)
    assert tkey == "loss" and vkey is None and h.epochs == 20
    assert list(h[tkey].y) == TRAIN and list(h[tkey].x) == list(map(float, E))


def test_detectron2_event_lines_are_steps_and_total_loss_is_the_training_loss():
    lines = [f"[11/22 18:16:45 d2.utils.events]:  eta: 0:05:41  iter: {i}  total_loss: {2 * np.exp(-i / 500) + 0.3:.3f}  "
             f"loss_cls: 0.5  loss_box_reg: 0.3  time: 0.3418  data_time: 0.0208  lr: 0.00039962  max_mem: 2547M"
             for i in range(19, 2000, 20)]
    h = parse_text("\n".join(lines), "detectron2")
    tkey, vkey, _ = resolve_keys(h)
    assert tkey == "total_loss" and vkey is None and h.x_unit == "step"
    assert h[tkey].x[0] == 19 and h[tkey].x[-1] == 1999


def test_dicts_printed_once_per_epoch_are_records_not_the_trainer():
    """`print({'epoch': e, 'train_loss': ..., 'val_loss': ...})` each epoch: the script's own records
    (0-based epochs, as Python counts), not a Hugging Face Trainer log, whose fixes would name its API."""
    text = "\n".join(f"{{'epoch': {i - 1}, 'train_loss': {t}, 'val_loss': {v}, 'val_acc': np.float64(0.8)}}"
                     for i, t, v in zip(E, TRAIN, VAL)) + "\n"
    h = parse_text(text, "dicts")
    assert h.format == "json-records" and list(h["train_loss"].y) == TRAIN and list(h["val_loss"].y) == VAL
    assert list(h["val_loss"].x) == list(map(float, E))
    assert h.notes[0].startswith("read as Python printed it (single quotes), not JSON")
    logged = parse_text("Starting training\n" + text + "Done.\n", "log")  # dicts inside a log: the printed reader's
    assert logged.format == "epoch-log" and list(logged["val_loss"].y) == VAL
    assert list(logged["val_loss"].x) == list(map(float, E))
    trainer = "\n".join(f"{{'loss': {t}, 'grad_norm': 1.5, 'learning_rate': 5e-05, 'epoch': {i}.0}}\n"
                         f"{{'eval_loss': {v}, 'eval_runtime': 1.2, 'epoch': {i}.0}}" for i, t, v in zip(E, TRAIN, VAL))
    assert parse_text(trainer, "trainer").format == "hf-trainer"
    assert parse_text("***** Running training *****\n" + trainer, "trainer log").format == "hf-trainer"


def test_a_printed_history_dict_is_read_like_its_json():
    """`print(history.history)` saved to a file: one Python dict, numpy scalars and nan included."""
    values = ", ".join(f"np.float64({t})" for t in TRAIN[:-1])
    text = f"{{'loss': [{values}, nan], 'val_loss': {VAL!r}}}\n"
    h = parse_text(text, "printed")
    assert h.format == "keras-json" and list(h["val_loss"].y) == VAL
    assert list(h["loss"].y[:-1]) == TRAIN[:-1] and np.isnan(h["loss"].y[-1])
    assert "not JSON" in h.notes[0]
    with pytest.raises(HistoryFormatError, match="not valid JSON"):
        parse_text("{'loss': [0.5, 0.4], 'val_loss': [0.6,", "cut")  # cut short: neither JSON nor Python


def skorch_table(train, val, colour=True):
    """skorch's NeuralNet printout: a rule under the header, the best values coloured, `cp` marked
    only where a checkpoint was saved (blank otherwise)."""
    rows = ["  epoch    train_loss    valid_acc    valid_loss    cp     dur",
            "-------  ------------  -----------  ------------  ----  ------"]
    best = float("inf")
    for e, (t, v) in enumerate(zip(train, val), 1):
        cp = "+" if v < best else ""
        best = min(best, v)
        cell = f"{' ' * 6}\x1b[35m{v:.4f}\x1b[0m" if cp and colour else f"{v:12.4f}"
        rows.append(f"{e:7d}  {t:12.4f}  {0.6:11.4f}  {cell}  {cp:>4}  {0.0340:.4f}")
    return rows


def test_skorch_table_with_a_rule_blank_cells_and_colours():
    text = "\n".join(["Re-initializing module.", *skorch_table(TRAIN, VAL)]) + "\n"
    assert sniff.spaced_table(text)
    h = parse_text(text, "skorch")
    tkey, vkey, _ = resolve_keys(h)
    assert h.format == "text-table" and (tkey, vkey) == ("train_loss", "valid_loss")
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL and list(h[vkey].x) == list(map(float, E))
    assert "cp" not in h.series  # '+' or blank: no numbers, left out with a note
    assert any("cp" in n for n in h.notes)
    best = int(np.argmin(VAL)) + 1
    assert best < 20 and diagnose(h).best_epoch == best  # the rows after the best, with a blank cp, are kept


def test_megatron_iterations_and_its_validation_lines():
    """Megatron-LM (and NeMo, GPT-NeoX) print `iteration 100/ 5000 | ... | lm loss: 7.1E+00 |` and,
    every eval interval, `validation loss at iteration 500 | lm loss value: 6.9E+00 | lm loss PPL: ...`:
    the phrase names the step counter (not a validation loss of 500) and the value is the validation lm loss."""
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        it = 100 * i
        lines.append(f" iteration {it:8d}/    2000 | consumed samples: {it * 512:10d} | learning rate: 1.500E-04 | "
                     f"global batch size:   512 | lm loss: {t:.6E} | loss scale: 65536.0 | grad norm: 1.234 |")
        if i % 2 == 0:
            lines += ["-" * 80, f" validation loss at iteration {it} | lm loss value: {v:.6E} | lm loss PPL: "
                                f"{np.exp(v):.6E} | ", "-" * 80]
    h = parse_text("\n".join(lines) + "\n", "megatron")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("lm_loss", "val_lm_loss") and h.x_unit == "step"
    assert list(h[tkey].x) == [100.0 * i for i in E] and list(h[tkey].y) == TRAIN
    assert list(h[vkey].x) == [100.0 * i for i in E if i % 2 == 0] and list(h[vkey].y) == VAL[1::2]
    assert "val_loss_at_iteration" not in h.series


def test_reinforcement_learning_value_loss_is_not_the_loss():
    text = "\n".join(f"Epoch {i} | policy_loss: 0.12 | value loss: {t:.4f} | loss: {v:.4f}" for i, t, v in zip(E, TRAIN, VAL))
    h = parse_text(text, "ppo")
    assert list(h["loss"].y) == VAL and list(h["value_loss"].y) == TRAIN


def test_an_ultralytics_console_log_points_to_its_results_csv(tmp_path):
    """YOLOv5/v8 print only training losses; their validation losses are in results.csv beside the run."""
    rows = ["      Epoch    GPU_mem   box_loss   obj_loss   cls_loss  Instances       Size"]
    rows += [f"      {e}/19      3.42G    {t / 20:.5f}    {t / 15:.5f}    {t / 40:.5f}        226        640: "
             f"100%|██████████| 8/8 [00:02<00:00,  3.21it/s]\n                 Class     Images  Instances          P"
             f"          R      mAP50   mAP50-95: 100%|██████████| 4/4\n                   all        128        929"
             f"      0.651      0.577      0.632      0.417" for e, t in enumerate(TRAIN)]
    log = write(tmp_path, "train.log", "\n".join(rows) + "\n")
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", log], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Ultralytics (YOLO) console log" in r.stderr and "results.csv" in r.stderr
    assert "Keras History JSON" not in r.stderr
    csv = ["epoch,train/box_loss,train/obj_loss,val/box_loss,val/obj_loss,metrics/mAP_0.5"]
    csv += [f"{e},{t},{t / 2},{v},{v / 2},0.5" for e, (t, v) in enumerate(zip(TRAIN, VAL))]
    h = load_history(write(tmp_path, "results.csv", "\n".join(csv) + "\n"))
    assert resolve_keys(h)[:2] == ("train/box_loss", "val/box_loss") and list(h["val/box_loss"].y) == VAL


def test_a_lightning_log_of_checkpoint_messages_only_points_to_its_metrics(tmp_path):
    """With the progress bar off, Lightning prints only ModelCheckpoint's lines: no training loss."""
    lines = ["GPU available: False, used: False"]
    best = float("inf")
    for e, v in enumerate(VAL):
        if v < best:
            best = v
            lines.append(f"Epoch {e}, global step {50 * (e + 1)}: 'val_loss' reached {v:.5f} (best {v:.5f}), saving "
                         f"model to '/ckpt/epoch={e}.ckpt' as top 1")
        else:
            lines.append(f"Epoch {e}, global step {50 * (e + 1)}: 'val_loss' was not in top 1")
    log = write(tmp_path, "lightning.log", "\n".join(lines) + "\n")
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", log], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "ModelCheckpoint's messages" in r.stderr and "metrics.csv" in r.stderr
    assert "Keras History JSON" not in r.stderr  # its own advice, not the generic one beside it
    zh = subprocess.run([sys.executable, "-m", "lossdoctor", "--lang", "zh", "diagnose", log], capture_output=True,
                        text=True)
    assert zh.returncode == 2 and "ModelCheckpoint" in zh.stderr and "Keras History JSON" not in zh.stderr


def test_torchtune_progress_bar_steps_by_its_global_step():
    """torchtune's bar reads "{epoch}|{global_step}|Loss: {loss}", refreshed with carriage returns."""
    bars = [f"{1 + i // 10}|{5 * (i + 1)}|Loss: {t}: {10 * (i % 10 + 1)}%|███       | {i % 10 + 1}/10 "
            f"[00:0{i % 10}<00:05, 1.9it/s]" for i, t in enumerate(TRAIN)]
    h = parse_text("\r".join(bars) + "\n", "torchtune")
    assert h.x_unit == "step" and list(h["loss"].x) == [5.0 * (i + 1) for i in range(20)] and list(h["loss"].y) == TRAIN


def test_allennlp_training_validation_table():
    """AllenNLP logs each epoch's metrics as a two-column table under a "Training |  Validation" heading."""
    p = "2019-07-09 12:19:33,115 - INFO - allennlp.training.trainer - "
    lines = []
    for e, (t, v) in enumerate(zip(TRAIN, VAL)):
        lines += [f"{p}Epoch {e}/19", f"{p}Training", "accuracy: 0.72, loss: 0.70 ||: 100%|##########| 313/313",
                  f"{p}Validating", "accuracy: 0.78, loss: 0.54 ||: 100%|##########| 79/79",
                  f"{p}                    Training |  Validation", f"{p}accuracy        |     0.718  |     0.786",
                  f"{p}cpu_memory_MB   |  2791.952  |       N/A", f"{p}loss            |     {t:.4f}  |     {v:.4f}",
                  f"{p}Epoch duration: 0:00:54.645039"]
    h = parse_text("\n".join(lines) + "\n", "allennlp")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("train_loss", "val_loss") and h.format == "epoch-log"
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL and list(h[vkey].x) == list(map(float, E))
    assert "val_cpu_memory_mb" not in h.series and list(h["val_accuracy"].y) == [0.786] * 20


@pytest.mark.parametrize("train_head,val_head", [("Train", "Val"), ("--- train ---", "--- val ---"),
                                                 ("=== Training set ===", "=== Validation set ==="),
                                                 ("[Eval]", "[Eval]"), ("Training...", "Validating...")])
def test_a_heading_that_is_a_role_alone_names_the_next_values(train_head, val_head):
    """`Train` / `loss: 0.81` / `Val` / `loss: 0.90`: one name under two headings is two series, never
    one series of two steps per epoch."""
    text = "\n".join(f"Epoch {i}\n{train_head}\nloss: {t}\n{val_head}\nloss: {v}" for i, t, v in zip(E, TRAIN, VAL))
    h = parse_text(text + "\n", "headings")
    if train_head == "[Eval]":  # both headings say evaluation: the second value is no training loss
        assert "train_loss" not in h.series and "loss" not in h.series
        return
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("train_loss", "val_loss") and h.format == "epoch-log"
    assert list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL


def test_one_name_on_two_lines_of_every_epoch_is_not_guessed(tmp_path):
    """`Epoch 3` / `loss: 0.81` / `loss: 0.90`, the second higher: a training and a validation value
    with nothing to tell them apart. Exit 2 with the names; the user names them."""
    text = "\n".join(f"Epoch {i}\nloss: {t}\nloss: {v}" for i, t, v in zip(E, TRAIN, VAL)) + "\n"
    log = write(tmp_path, "two.log", text)
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", log], capture_output=True, text=True)
    assert r.returncode == 2 and "'loss' twice" in r.stderr and "loss, loss_2" in r.stderr
    h = parse_text(text, "two")
    assert list(h["loss"].y) == TRAIN and list(h["loss_2"].y) == VAL
    d = diagnose(h, train_key="loss", val_key="loss_2")
    assert (d.train.key, d.val.key) == ("loss", "loss_2")


def test_two_progress_prints_an_epoch_stay_steps():
    """Two prints of a falling running loss per epoch, or of a loss that climbs (diverging): steps, as printed."""
    falling = "\n".join(f"Epoch {i}\nloss: {t + 0.05}\nloss: {t}" for i, t in zip(E, TRAIN))
    h = parse_text(falling + "\n", "prints")
    assert "loss_2" not in h.series and list(h["loss"].y) == [v for t in TRAIN for v in (t + 0.05, t)]
    climbing = "\n".join(f"Epoch {i}\nloss: {1 + i / 10}\nloss: {1 + i / 10 + 0.05}" for i in E)
    assert "loss_2" not in parse_text(climbing + "\n", "diverging").series
    # the second print a little higher every epoch, by much less than the loss falls from epoch to epoch
    drifting = "\n".join(f"Epoch {i}\nloss: {2 - i / 10:.3f}\nloss: {2 - i / 10 + 0.02:.3f}" for i in E)
    assert "loss_2" not in parse_text(drifting + "\n", "drift").series
    # one noisy loss printed twice an epoch, the second higher in 8 of 10 epochs by chance (seed 8)
    y = (0.5 + 0.3 * np.exp(-np.arange(20) / 10)) * (1 + 0.05 * np.random.default_rng(8).standard_normal(20))
    noisy = "\n".join(f"Epoch {i + 1}\nloss: {y[2 * i]:.4f}\nloss: {y[2 * i + 1]:.4f}" for i in range(10))
    h = parse_text(noisy + "\n", "noisy")
    assert "loss_2" not in h.series and len(h["loss"].y) == 20
    assert any("printed on two lines of most epochs" in n for n in h.notes)  # said, in case one is the validation


def _boxed(style: str) -> str:
    rows = list(zip(E, TRAIN, VAL))
    if style == "markdown":  # tabulate(tablefmt="github"), or a hand-written Markdown table
        return "\n".join(["| epoch | train_loss | val_loss |", "|-------|------------|----------|",
                          *(f"| {e:5d} | {t:10.4f} | {v:8.4f} |" for e, t, v in rows)])
    if style == "grid":  # tabulate(tablefmt="grid")
        sep = "+-------+------------+----------+"
        return "\n".join([sep, "| epoch | train_loss | val_loss |", sep.replace("-", "="),
                          *(f"| {e:5d} | {t:10.4f} | {v:8.4f} |\n{sep}" for e, t, v in rows)])
    return "\n".join(["┏━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━┓", "┃ epoch ┃ train_loss ┃ val_loss ┃",  # rich's Table
                      "┡━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━┩", *(f"│ {e:5d} │ {t:10.4f} │ {v:8.4f} │" for e, t, v in rows),
                      "└───────┴────────────┴──────────┘"])


@pytest.mark.parametrize("style", ["markdown", "grid", "rich"])
def test_tables_drawn_with_pipes_or_boxes_are_read(style):
    text = "Training finished.\n" + _boxed(style) + "\n"
    assert sniff.spaced_table(text)
    h = parse_text(text, style)
    assert h.format == "text-table" and list(h["train_loss"].y) == TRAIN and list(h["val_loss"].y) == VAL
    assert list(h["val_loss"].x) == list(map(float, E))
    assert h.notes[0] == "read a table drawn with column bars (epoch train_loss val_loss)"


@pytest.mark.parametrize("tail", [
    "Training complete.\nFinal: train_loss={t} val_loss=0.4321\n",  # a different final value: the epoch's own is kept
    "wandb: Run history:\nwandb: train_loss █▆▅▄▃▂▁\nwandb: Run summary:\nwandb:      epoch 19\n"
    "wandb: train_loss {t}\nwandb:   val_loss 0.4321\n"])
def test_a_summary_printed_after_the_last_epoch_is_no_step_series(tail):
    text = "\n".join(f"Epoch {i - 1}: train_loss={t} val_loss={v}" for i, t, v in zip(E, TRAIN, VAL))
    h = parse_text(text + "\n" + tail.format(t=TRAIN[-1]), "summary")
    assert h.format == "epoch-log" and list(h["train_loss"].y) == TRAIN and list(h["val_loss"].y) == VAL
    assert list(h["val_loss"].x) == list(map(float, E))
    assert "'train_loss', 'val_loss' printed twice in epoch 20 only" in " ".join(h.notes)


def test_pytorch_word_language_model_end_of_epoch_lines():
    """PyTorch's examples/word_language_model: batch lines, then `| end of epoch N | ... | valid loss X |`
    (which reports epoch N, unlike `best at epoch 7`, which only mentions one)."""
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        lines += [f"| epoch {i:3d} | {b:5d}/ 2983 batches | lr 20.00 | ms/batch 11.52 | loss {t + 0.1 * (1 - b / 3000):5.2f}"
                  f" | ppl {np.exp(t):8.2f}" for b in (1000, 2000)]
        lines += ["-" * 89, f"| end of epoch {i:3d} | time: 35.51s | valid loss {v:5.2f} | valid ppl {np.exp(v):8.2f}", "-" * 89]
    lines += ["=" * 89, "| End of training | test loss  5.12 | test ppl   167.34", "=" * 89]
    h = parse_text("\n".join(lines) + "\n", "word_lm")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("loss", "val_loss") and list(h[vkey].y) == [round(v, 2) for v in VAL]
    assert list(h[vkey].x) == list(map(float, E)) and len(h[tkey].y) == 40
    mention = parse_text("Epoch 9: loss=0.5\nbest at epoch 7: val_loss=0.4\nEpoch 10: loss=0.45\n", "m")
    assert list(mention["loss"].x) == [9.0, 10.0] and "val_loss" not in mention.series


def test_paddleclas_avg_lines_are_the_epoch_values():
    """PaddleClas prints iteration lines and, per epoch, `[Train][Epoch 3/20][Avg]loss: x` and
    `[Eval][Epoch 3][Avg]loss: x`: the [Avg] lines are the epoch's values, not one more step."""
    p = "[2021/06/01 10:00:00] ppcls INFO: "
    lines = []
    for i, (t, v) in enumerate(zip(TRAIN, VAL), 1):
        lines += [f"{p}[Train][Epoch {i}/20][Iter: {it}/100]lr: 0.10000, top1: 0.5, CELoss: {t + 0.05:.5f}, "
                  f"loss: {t + 0.05:.5f}, batch_cost: 0.1 s, ips: 640 images/sec, eta: 0:10:00" for it in (10, 50)]
        lines += [f"{p}[Train][Epoch {i}/20][Avg]top1: 0.5, CELoss: {t:.5f}, loss: {t:.5f}",
                  f"{p}[Eval][Epoch {i}][Iter: 0/40]CELoss: 0.9, loss: 0.9, top1: 0.6",
                  f"{p}[Eval][Epoch {i}][Avg]CELoss: {v:.5f}, loss: {v:.5f}, top1: 0.6"]
    h = parse_text("\n".join(lines) + "\n", "paddleclas")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("train_loss", "val_loss") and list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL
    assert list(h[vkey].x) == list(map(float, E))


def test_a_small_frame_printed_per_epoch_with_roles_as_row_labels():
    """`print(pd.DataFrame(metrics).T)` each epoch: the metric names head the columns, the roles label the rows."""
    text = "\n".join(f"Epoch {i}\n        loss   acc\ntrain  {t:.4f}  0.80\nval    {v:.4f}  0.70"
                     for i, t, v in zip(E, TRAIN, VAL)) + "\n"
    h = parse_text(text, "frame")
    tkey, vkey, _ = resolve_keys(h)
    assert (tkey, vkey) == ("train_loss", "val_loss") and list(h[tkey].y) == TRAIN and list(h[vkey].y) == VAL
    assert list(h["val_acc"].y) == [0.7] * 20
