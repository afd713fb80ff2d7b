import json

import numpy as np
import pytest

from conftest import write
from lossdoctor import HistoryFormatError, InputFileError, load_history

VALUES = {"loss": [1.0, 0.8, 0.6], "val_loss": [1.1, 0.9, 0.85]}


def test_keras_json_with_python_nan_tokens(tmp_path):
    h = load_history(write(tmp_path, "h.json", '{"loss": [1.0, NaN, Infinity], "val_loss": [1, 2, 3]}'))
    assert h.format == "keras-json"
    assert np.isnan(h["loss"].y[1]) and np.isinf(h["loss"].y[2])
    assert list(h["loss"].x) == [1, 2, 3]


def test_wrapped_history_and_unequal_lengths(tmp_path):
    h = load_history(write(tmp_path, "h.json", json.dumps({"history": {"loss": [1, 2, 3], "val_loss": [1, 2]}})))
    assert len(h["loss"]) == 3 and len(h["val_loss"]) == 2
    assert any("different lengths" in n for n in h.notes)


def test_csvlogger_with_na_and_crlf(tmp_path):
    text = "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,1.0,NA,NA\r\n1,0.6,0.8,0.55,0.9\r\n2,0.7,0.6,0.6,0.85\r\n"
    h = load_history(write(tmp_path, "log.csv", text))
    assert h.format == "csvlogger"
    assert list(h["loss"].x) == [1, 2, 3]
    assert list(h["val_loss"].x) == [2, 3]


def test_crcrlf_line_endings(tmp_path):
    text = "epoch,loss,val_loss\r\r\n0,1.0,1.1\r\r\n1,0.9,1.0\r\r\n"
    assert list(load_history(write(tmp_path, "log.csv", text))["loss"].y) == [1.0, 0.9]


def test_tsv_without_epoch_column_is_sniffed_by_content(tmp_path):
    h = load_history(write(tmp_path, "metrics.txt", "loss\tval_loss\n1.0\t1.1\n0.9\t1.0\n"))
    assert list(h["val_loss"].y) == [1.1, 1.0] and list(h["loss"].x) == [1, 2]


@pytest.mark.parametrize("content,message", [
    (b"", "is empty"),
    (b"   \n", "is empty"),
    (b'{"loss": [1.0, 0.9', "cut short"),
    (b"\x00\x01\x02garbage", "is binary"),
    (b'{"accuracy": "high"}', "holds no loss series"),
    (b"hello world\nthis is not a log\n", "not a training history"),
])
def test_bad_input_raises_one_clear_error(tmp_path, content, message):
    with pytest.raises(HistoryFormatError, match=message):
        load_history(write(tmp_path, "bad.json", content))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load_history(str(tmp_path / "nope.json"))
    with pytest.raises(InputFileError, match="is a directory"):
        load_history(str(tmp_path))


def test_utf8_bom_and_utf16(tmp_path):
    text = json.dumps(VALUES)
    assert len(load_history(write(tmp_path, "a.json", "\ufeff" + text))["loss"]) == 3
    assert len(load_history(write(tmp_path, "b.json", text.encode("utf-16")))["loss"]) == 3


# -- every variant users have -----------------------------------------------------------------

import math  # noqa: E402

from formats import (hf_trainer_state, keras1_console, keras2_verbose2, keras3_verbose1,  # noqa: E402
                     lightning_metrics_csv, notebook)
from lossdoctor import diagnose  # noqa: E402

L = [1.0, 0.8, 0.65, 0.55, 0.5, 0.46, 0.43]
V = [1.1, 0.9, 0.8, 0.75, 0.74, 0.76, 0.8]


@pytest.mark.parametrize("maker", [keras3_verbose1, keras2_verbose2, keras1_console])
def test_console_logs_all_keras_versions(tmp_path, maker):
    h = load_history(write(tmp_path, "train.log", maker(L, V)))
    assert h.format == "keras-console"
    if maker is not keras1_console:  # Keras 1 printed no step counter
        steps = 5 if maker is keras3_verbose1 else 38
        assert f"Keras reported {steps} steps per epoch (= ceil(training samples / batch_size))" in h.notes
    assert list(h["loss"].y) == pytest.approx(L, abs=1e-4)
    assert list(h["val_loss"].y) == pytest.approx(V, abs=1e-4)
    assert list(h["loss"].x) == list(range(1, 8))


def test_console_with_accuracy_warnings_and_checkpoint_lines(tmp_path):
    text = ("2024-05-01 10:00:00.1: W tensorflow/core/util.cc:42] oneDNN custom operations are on: 1\n"
            + keras3_verbose1(L, V, accs=[0.5 + i / 20 for i in range(7)])
            .replace("Epoch 3/7\n", "Epoch 3/7\nEpoch 2: val_loss improved from 0.9 to 0.8, saving model\n"))
    h = load_history(write(tmp_path, "out.txt", text))
    assert sorted(h.keys) == ["accuracy", "loss", "val_loss"] and len(h["loss"]) == 7


def test_console_several_runs_diagnoses_the_last(tmp_path):
    text = keras2_verbose2(L[:4], V[:4]) + "##### run 2\n" + keras2_verbose2(L, V)
    h = load_history(write(tmp_path, "log.txt", text))
    assert len(h["loss"]) == 7
    assert any("found 2 fit() runs (4, 7 epochs)" in n for n in h.notes)


def test_console_interrupted_epoch_is_left_out(tmp_path):
    text = keras3_verbose1(L[:5], V[:5]) + "Epoch 6/7\n\r\x1b[1m3/5\x1b[0m 0s 2ms/step - loss: 0.4800"
    h = load_history(write(tmp_path, "log.txt", text))
    assert len(h["loss"]) == 5 and any("epoch 6 was interrupted" in n for n in h.notes)


def test_console_nan_and_terminate(tmp_path):
    text = keras2_verbose2([1.0, 0.5, float("nan")], [1.0, 0.6, float("nan")]).replace("nan", "nan") + \
        "Batch 3: Invalid loss, terminating training\n"
    h = load_history(write(tmp_path, "log.txt", text))
    assert math.isnan(h["loss"].y[-1]) and diagnose(h).code == "non_finite"


def test_notebook_stream_outputs(tmp_path):
    h = load_history(write(tmp_path, "train.ipynb", notebook(keras2_verbose2(L, V))))
    assert h.format == "notebook" and len(h["val_loss"]) == 7


def test_lightning_sparse_rows_step_and_epoch_series(tmp_path):
    h = load_history(write(tmp_path, "metrics.csv", lightning_metrics_csv()))
    assert h.format == "lightning-csv"
    step = h["train_loss_step"]
    assert step.per_step and len(step) == 30
    assert 0 < step.x.min() < 1 and step.x.max() == pytest.approx(6.0)
    assert list(h["val_loss"].x) == [1, 2, 3, 4, 5, 6] and not h["val_loss"].per_step
    d = diagnose(h)
    assert (d.train.key, d.val.key) == ("train_loss_epoch", "val_loss")


def test_hf_trainer_state_and_bare_log_history(tmp_path):
    for bare in (False, True):
        h = load_history(write(tmp_path, "trainer_state.json", hf_trainer_state(bare=bare)))
        assert h.format == "hf-trainer"
        assert h["loss"].per_step and len(h["loss"]) == 24 and h["loss"].x[0] == pytest.approx(0.25)
        assert list(h["eval_loss"].x) == [1, 2, 3, 4, 5, 6]
        assert "train_runtime" not in h and "total_flos" not in h
        d = diagnose(h)
        assert d.val.key == "eval_loss" and d.code == "learning"


def test_json_shapes_found_in_the_wild(tmp_path):
    two = {"0": {"loss": L, "val_loss": V}, "1": {"loss": L[:3], "val_loss": V[:3]}}
    runs = load_history(write(tmp_path, "a.json", json.dumps(two)))
    assert len(runs["loss"]) == 3 and any("diagnosing the last, '1'" in n for n in runs.notes)
    pyrepr = load_history(write(tmp_path, "b.json", json.dumps(str({"loss": L, "val_loss": [float("nan")] + V[1:]}))))
    assert len(pyrepr["loss"]) == 7 and math.isnan(pyrepr["val_loss"].y[0])
    plural = load_history(write(tmp_path, "c.json", json.dumps({"train_losses": L, "val_losses": V, "stopped_early": "yes",
                                                               "config": {"lr": 0.1}})))
    assert plural.keys == ["loss", "val_loss"]
    records = load_history(write(tmp_path, "d.json", json.dumps([{"epoch": i, "loss": l, "val_loss": v}
                                                                 for i, (l, v) in enumerate(zip(L, V))])))
    assert list(records["loss"].x) == list(range(1, 8))


def test_evil_python_repr_is_not_evaluated(tmp_path):
    with pytest.raises(HistoryFormatError, match="neither JSON nor a Python dict"):
        load_history(write(tmp_path, "e.json", json.dumps("__import__('os').system('echo hacked')")))


def test_csvlogger_appended_runs_and_pandas_index(tmp_path):
    text = "epoch,loss,val_loss\n" + "".join(f"{i},{l},{v}\n" for i, (l, v) in enumerate(zip(L[:3], V[:3]))) + \
        "".join(f"{i},{l},{v}\n" for i, (l, v) in enumerate(zip(L, V)))
    h = load_history(write(tmp_path, "log.csv", text))
    assert len(h["loss"]) == 7 and any("found 2 runs appended" in n for n in h.notes)
    pandas = ",loss,val_loss\n" + "".join(f"{i},{l},{v}\n" for i, (l, v) in enumerate(zip(L, V)))
    h = load_history(write(tmp_path, "p.csv", pandas))
    assert h.keys == ["loss", "val_loss"] and any("pandas index" in n for n in h.notes)


def test_duplicated_epochs_keep_the_last_and_say_so(tmp_path):
    text = "epoch,loss,val_loss\n0,1.0,1.0\n1,0.9,0.95\n1,0.8,0.9\n2,0.7,0.85\n3,0.6,0.8\n4,0.5,0.75\n"
    h = load_history(write(tmp_path, "log.csv", text))
    # a repeated epoch does not go back, so it is not a new run: the later value wins
    assert list(h["loss"].y) == [1.0, 0.8, 0.7, 0.6, 0.5]
    assert "'loss' logged 1 epoch(s) twice; kept the last value of each" in diagnose(h).notes


def test_non_numeric_cells_and_columns(tmp_path):
    text = "epoch,loss,val_loss,created_at\n0,1.0,1.1,2020-01-01\n1,oops,1.0,2020-01-02\n2,0.8,0.9,2020-01-03\n"
    h = load_history(write(tmp_path, "m.csv", text))
    assert list(h["loss"].y) == [1.0, 0.8]
    assert any("created_at" in n for n in h.notes)


def test_tensorboard_keras_and_lightning_layouts(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.util import tensor_util

    def write_events(folder, tag_values, tensor=False):
        folder.mkdir(parents=True, exist_ok=True)
        w = EventFileWriter(str(folder))
        for step, values in tag_values:
            vals = []
            for tag, v in values.items():
                if tensor:
                    vals.append(summary_pb2.Summary.Value(tag=tag, tensor=tensor_util.make_tensor_proto(v)))
                else:
                    vals.append(summary_pb2.Summary.Value(tag=tag, simple_value=v))
            w.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + 60 * step, summary=summary_pb2.Summary(value=vals)))
        w.close()

    keras_dir = tmp_path / "keras_run"
    write_events(keras_dir / "train", [(i, {"epoch_loss": l, "epoch_accuracy": 0.5}) for i, l in enumerate(L)], tensor=True)
    write_events(keras_dir / "validation", [(i, {"epoch_loss": v}) for i, v in enumerate(V)], tensor=True)
    h = load_history(str(keras_dir))
    assert h.format == "tensorboard" and sorted(h.keys) == ["accuracy", "loss", "val_loss"]
    assert list(h["val_loss"].x) == list(range(1, 8)) and list(h["val_loss"].y) == pytest.approx(V)
    assert list(h.elapsed.y) == [60.0 * i for i in range(7)] and "wall_time" not in h.keys  # the events' times

    pl_dir = tmp_path / "lightning" / "version_0"
    events = []
    for e in range(4):
        for s in range(5):
            events.append((e * 5 + s, {"train_loss": 1.0 / (1 + e + s / 5), "epoch": float(e)}))
        events.append((e * 5 + 4, {"val_loss": 1.1 / (1 + e), "epoch": float(e)}))
    write_events(pl_dir, events)
    h = load_history(str(pl_dir))
    assert list(h["val_loss"].x) == [1, 2, 3, 4] and h["train_loss"].per_step


def test_pytorch_style_step_prints(tmp_path):
    lines = []
    for e in range(1, 5):
        lines += [f"INFO:root:Epoch [{e}/4], Step [{s}/600], Loss: {1 / (e + s / 600):.4f}" for s in range(100, 700, 100)]
        lines += [f"Training Loss: {1 / (e + 0.5):.4f}", f"Validation Loss: {1.1 / (e + 0.3):.4f}"]
    h = load_history(write(tmp_path, "training.log", "\n".join(lines)))
    assert h.format == "step-log"
    assert h["loss"].per_step and len(h["loss"]) == 24 and h["loss"].x[0] == pytest.approx(1 / 6)
    assert list(h["val_loss"].x) == [1, 2, 3, 4] and list(h["loss_epoch"].x) == [1, 2, 3, 4]
    d = diagnose(h)
    assert d.code == "learning" and any("'val_loss' is judged on only 4 points" in n for n in d.notes)


def test_lightning_step_key_pairs_with_the_validation_loss_not_its_epoch_twin(tmp_path):
    from formats import lightning_metrics_csv
    h = load_history(write(tmp_path, "metrics.csv", lightning_metrics_csv()))
    d = diagnose(h, train_key="train_loss_step")
    assert d.train.key == "train_loss_step" and d.val.key == "val_loss"
    d = diagnose(h, train_key="train_loss_epoch")
    assert d.val.key == "val_loss"


def wandb_export(runs=("brisk-sun-3", "calm-sea-4"), epochs=20):
    cols = ["Step"] + [f"{r} - {m}{s}" for r in runs for m in ("loss", "val_loss") for s in ("", "__MIN", "__MAX")]
    lines = [",".join(f'"{c}"' for c in cols)]
    for i in range(epochs):
        cells = [str(i)]
        for k, _ in enumerate(runs):
            for m in (1.0, 1.1):
                v = m * (1 + k) * 0.9 ** i
                cells += [str(v)] * 3 if not (k == 1 and i == 3) else ['""'] * 3
        lines.append(",".join(f'"{c}"' if c != '""' else c for c in cells))
    return "\n".join(lines) + "\n"


def test_wandb_ui_export_csv(tmp_path):
    h = load_history(write(tmp_path, "wandb_export_2026.csv", wandb_export()))
    assert h.format == "wandb-csv" and set(h.keys) >= {"loss", "val_loss"}
    assert not any("__MIN" in k or " - " in k for k in h.keys)
    assert list(h["loss"].x[:3]) == [1, 2, 3] and h.x_unit == "epoch"
    assert any("2 runs (brisk-sun-3, calm-sea-4); diagnosing 'brisk-sun-3'" in n for n in h.notes)
    assert diagnose(h).code == "learning"


def test_wandb_offline_history_jsonl_with_a_line_cut_short(tmp_path):
    rows = [json.dumps({"_step": i, "_runtime": 3.0 * i, "_timestamp": 1.7e9 + i, "epoch": i,
                        "loss": 0.9 ** i, "val_loss": 1.1 * 0.9 ** i}) for i in range(15)]
    text = "\n".join(rows) + "\n" + rows[0][:20]
    h = load_history(write(tmp_path, "wandb-history.jsonl", text))
    assert len(h["loss"]) == 15 and "_runtime" not in h.keys and "_timestamp" not in h.keys
    assert diagnose(h).code == "learning"


def test_gbk_csv_from_a_chinese_windows_machine(tmp_path):
    rows = ["轮次,训练损失,验证损失,备注"] + [f"{e},{0.9 ** e:.4f},{1.1 * 0.9 ** e:.4f},正常" for e in range(20)]
    path = tmp_path / "训练记录.csv"
    path.write_bytes("\r\n".join(rows).encode("gbk"))
    h = load_history(str(path))
    assert "训练损失" in h.keys and "验证损失" in h.keys
    assert any("GB18030" in n for n in h.notes)
    d = diagnose(h)  # the Chinese names are recognised as the training and validation loss
    assert d.train.key == "训练损失" and d.val.key == "验证损失" and d.code == "learning"


def test_a_latin1_byte_in_an_english_log_is_not_taken_for_chinese(tmp_path):
    text = "epoch,loss,val_loss,note\n" + "".join(f"{e},{0.9 ** e},{0.95 ** e},caf\xe9\n" for e in range(10))
    path = tmp_path / "h.csv"
    path.write_bytes(text.encode("latin-1"))
    h = load_history(str(path))
    assert not any("GB18030" in n for n in h.notes) and len(h["loss"]) == 10


@pytest.mark.parametrize("obj,train,val,note", [
    ([0.9 ** i for i in range(12)], "loss", None, "a bare list of numbers"),
    ({"train": {"loss": [0.9 ** i for i in range(12)]}, "val": {"loss": [1.1 * 0.9 ** i for i in range(12)]}},
     "loss", "val_loss", "nested under their own keys"),
    ({"loss": [0.9 ** i for i in range(12)], "test_loss": [1.1 * 0.9 ** i for i in range(12)]},
     "loss", "test_loss", "no validation series was logged"),
])
def test_other_json_shapes_people_save(tmp_path, obj, train, val, note):
    d = diagnose(load_history(write(tmp_path, "h.json", json.dumps(obj))))
    assert d.train.key == train and (d.val.key if d.val else None) == val
    assert any(note in n for n in d.notes) and d.code == "learning"


EPOCH_PRINTS = {
    "bracketed_counter": "Epoch [{e}/30], Train Loss: {t:.4f}, Val Loss: {v:.4f}",
    "key_equals": "epoch {e}: loss={t:.4f} val_loss={v:.4f} lr=1e-3",
    "tag_first": "[epoch {e}] train loss {t:.4f} | val loss {v:.4f} | acc 0.5",
    "python_logging": "2026-11-30 12:00:{e:02d},123 - INFO - Epoch {e}/30 - train_loss: {t:.4f} - val_loss: {v:.4f}",
}


@pytest.mark.parametrize("dialect", sorted(EPOCH_PRINTS))
def test_hand_written_epoch_prints(tmp_path, dialect):
    lines = ["starting training", *(EPOCH_PRINTS[dialect].format(e=e, t=0.9 ** e, v=1.1 * 0.93 ** e)
                                    for e in range(1, 31)), "done"]
    h = load_history(write(tmp_path, "train.log", "\n".join(lines)))
    d = diagnose(h)
    assert h.format == "epoch-log" and d.epochs == 30 and d.val is not None
    assert d.train.key in ("loss", "train_loss") and d.val.key == "val_loss" and d.code == "learning"


def test_train_and_val_on_separate_lines_are_merged_per_epoch(tmp_path):
    lines = []
    for e in range(1, 21):
        lines += [f"Epoch {e} train loss: {0.9 ** e:.4f}", f"Epoch {e} val loss: {1.1 * 0.93 ** e:.4f}"]
    h = load_history(write(tmp_path, "train.log", "\n".join(lines)))
    assert len(h["train_loss"]) == 20 and len(h["val_loss"]) == 20


def test_keras_console_with_checkpoint_messages_stays_a_console_log(tmp_path):
    from formats import keras2_verbose2
    text = keras2_verbose2(L, V)
    text = text.replace("Epoch 2/", "Epoch 00001: val_loss improved from inf to 0.61234, saving model\nEpoch 2/")
    assert load_history(write(tmp_path, "k.log", text)).format == "keras-console"


def test_a_long_line_of_spaces_and_words_is_read_at_once(tmp_path):
    import time
    line = "epoch 1 " + "loss " * 2000 + " " * 50000
    t = time.perf_counter()
    with pytest.raises(HistoryFormatError, match="is not a training history lossdoctor recognises"):
        load_history(write(tmp_path, "junk.log", "\n".join([line] * 20)))
    assert time.perf_counter() - t < 2


def test_a_run_that_ended_before_its_planned_epochs_is_noted(tmp_path):
    import json
    from formats import hf_trainer_state
    lines = []
    for e in range(1, 9):
        lines += [f"Epoch {e}/40", f"3/3 - 0s - loss: {1 / e:.4f} - val_loss: {1.2 / e:.4f}"]
    h = load_history(write(tmp_path, "console.log", "\n".join(lines) + "\n"))
    assert any("training ended at epoch 8 of the 40 planned" in n for n in h.notes)
    state = json.loads(hf_trainer_state(epochs=12))
    state.update(num_train_epochs=30, epoch=12.0, best_metric=0.41,
                 best_model_checkpoint="out/checkpoint-1200")
    h = load_history(write(tmp_path, "trainer_state.json", json.dumps(state)))
    assert any("training ended at epoch 12 of the 30 planned" in n for n in h.notes)
    assert any("best_metric 0.41 at checkpoint-1200" in n for n in h.notes)


def _tb_file(folder, events):
    """An event file written by TensorBoard's own writer: `events` is [(step, {tag: value})]."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder.mkdir(parents=True, exist_ok=True)
    w = EventFileWriter(str(folder))
    for step, values in events:
        vals = [summary_pb2.Summary.Value(tag=k, simple_value=v) for k, v in values.items()]
        w.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary_pb2.Summary(value=vals)))
    w.close()
    return next(folder.glob("events.out.tfevents.*"))


def test_tensorboard_file_cut_short_keeps_its_whole_records(tmp_path):
    pytest.importorskip("tensorboard")
    f = _tb_file(tmp_path / "run", [(s, {"train_loss": 1.0 / (1 + s)}) for s in range(50)])
    data = f.read_bytes()
    f.write_bytes(data[:-7])  # killed while writing the last record
    h = load_history(str(tmp_path / "run"))
    assert len(h["train_loss"]) == 49 and h["train_loss"].y[-1] == pytest.approx(1 / 49)
    assert any("left out a last record cut short" in n for n in h.notes)


def test_tensorboard_record_claiming_a_terabyte_allocates_nothing(tmp_path):
    pytest.importorskip("tensorboard")
    f = _tb_file(tmp_path / "run", [(s, {"train_loss": 1.0 / (1 + s)}) for s in range(20)])
    f.write_bytes(f.read_bytes() + (1 << 40).to_bytes(8, "little") + b"\0" * 8)
    import tracemalloc

    tracemalloc.start()
    h = load_history(str(tmp_path / "run"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(h["train_loss"]) == 20 and peak < 50 << 20
    assert any("cut short" in n for n in h.notes)


def test_tensorboard_damaged_record_stops_with_a_note(tmp_path):
    pytest.importorskip("tensorboard")
    f = _tb_file(tmp_path / "run", [(s, {"train_loss": 1.0 / (1 + s)}) for s in range(20)])
    bad = b"\xff" * 10
    f.write_bytes(f.read_bytes() + len(bad).to_bytes(8, "little") + b"\0" * 4 + bad + b"\0" * 4)
    h = load_history(str(tmp_path / "run"))
    assert len(h["train_loss"]) == 20 and any("stopped at a damaged record" in n for n in h.notes)


def test_tensorboard_resumed_into_the_same_file_drops_the_abandoned_steps(tmp_path):
    """Steps 0-29 logged, then the run resumed from step 20 and stopped at 25: what the abandoned run
    logged at 26-29 is gone too, as TensorBoard's own loader purges it."""
    pytest.importorskip("tensorboard")
    first = [(s, {"train_loss": 1.0}) for s in range(30)]
    again = [(s, {"train_loss": 0.5}) for s in range(20, 26)]
    _tb_file(tmp_path / "run", first + again)
    h = load_history(str(tmp_path / "run"))
    assert list(h["train_loss"].x) == list(range(26)) and list(h["train_loss"].y) == [1.0] * 20 + [0.5] * 6


def test_mutated_tensorboard_files_are_read_or_refused_never_crash(tmp_path):
    """300 seeded mutations of a real event file (bytes replaced, deleted, inserted, cut): each is
    a history or one LossDoctorError."""
    pytest.importorskip("tensorboard")
    import random
    import time

    from lossdoctor.core.errors import LossDoctorError

    f = _tb_file(tmp_path / "run", [(s, {"train_loss": 1.0 / (1 + s), "val_loss": 1.2 / (1 + s)}) for s in range(40)])
    base, rng = f.read_bytes(), random.Random(0)
    for _ in range(300):
        b = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            k, op = rng.randrange(len(b)), rng.random()
            if op < 0.4:
                b[k] = rng.randrange(256)
            elif op < 0.7:
                del b[k:k + rng.randint(1, 40)]
            else:
                b[k:k] = rng.randbytes(rng.randint(1, 16))
            if len(b) < 16:
                break
        f.write_bytes(bytes(b))
        start = time.perf_counter()
        try:
            diagnose(load_history(str(tmp_path / "run")))
        except LossDoctorError:
            pass
        assert time.perf_counter() - start < 5  # the deadline the fuzz tests use for super-linear reading


def test_hugging_face_table_training_loss_staircase_is_not_noise(tmp_path):
    """The Trainer's notebook table repeats the last logged training loss on each evaluation row
    ("No log" before the first log): the repeats are not values, and no oscillation is read into them."""
    from lossdoctor import diagnose, load_history

    rows = ["Epoch\tTraining Loss\tValidation Loss\tAccuracy", "1\tNo log\t0.512345\t0.80", "2\tNo log\t0.456789\t0.82"]
    train = [0.6123, 0.6123, 0.4012, 0.4012, 0.3011, 0.3011]
    val = [0.44, 0.43, 0.445, 0.452, 0.47, 0.49]
    rows += [f"{e}\t{t:.6f}\t{v:.6f}\t0.84" for e, (t, v) in enumerate(zip(train, val), 3)]
    p = tmp_path / "trainer_table.tsv"
    p.write_text("\n".join(rows) + "\n")
    h = load_history(str(p))
    assert list(h["Training Loss"].x) == [3.0, 5.0, 7.0] and list(h["Training Loss"].y) == [0.6123, 0.4012, 0.3011]
    assert len(h["Validation Loss"].y) == 8
    assert any("repeats its value on 3 row(s)" in n for n in h.notes)
    d = diagnose(h)
    assert d.code == "overfitting" and not any("oscillates" in e for e in d.evidence)


@pytest.mark.parametrize("summary", ["Epoch [{e}/4] val_loss: {v:.4f}", "Epoch [{e}/4] TrainLoss={t:.4f} | ValLoss={v:.4f}",
                                     "valid loss = {v:.4f}"])
def test_step_prints_keep_the_validation_loss_however_it_is_spelt(tmp_path, summary):
    """Beside 'Epoch [e/E], Step [s/S], Loss: x' lines, the epoch's validation line is read by its
    names and roles (it was read only as 'Validation Loss: x', and dropped silently otherwise)."""
    lines, val = [], [0.9, 0.8, 0.75, 0.74]
    for e, v in enumerate(val, 1):
        lines += [f"Epoch [{e}/4], Step [{s}/600], Loss: {1 / (e + s / 600):.4f}" for s in range(100, 700, 100)]
        lines.append(summary.format(e=e, t=1 / (e + 0.5), v=v))
    h = load_history(write(tmp_path, "training.log", "\n".join(lines)))
    assert h.format == "step-log" and list(h["val_loss"].y) == val and list(h["val_loss"].x) == [1, 2, 3, 4]
    assert "val_loss = " in h.notes[0]
    if "TrainLoss" in summary:
        assert list(h["loss_epoch"].y) == [round(1 / (e + 0.5), 4) for e in range(1, 5)]
