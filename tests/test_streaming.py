"""Large Keras console logs are read chunk by chunk, and give the same history as read whole."""

import numpy as np
import pytest

from lossdoctor import load_history
from lossdoctor.read import formats as readers
from lossdoctor.read import console


def verbose2(epochs, planned, start=1, offset=0.0):
    return "".join(f"Epoch {e}/{planned}\n32/32 - 0s - 3ms/step - loss: {1 / e ** 0.5 + offset:.4f} - "
                   f"val_loss: {1.1 / e ** 0.5 + offset:.4f}\n" for e in range(start, epochs + 1))


def verbose1(epochs, planned, steps=40):
    out = []
    for e in range(1, epochs + 1):
        out.append(f"Epoch {e}/{planned}\n")
        for s in range(1, steps + 1):  # a progress bar rewritten with \r, and \b in older Keras
            out.append(f"\r{s:>3}/{steps} [{'=' * (s * 20 // steps):<20}] - ETA: 0s - loss: {2 / e + 1 / s:.4f}"
                       + "\b" * 3)
        out.append(f" - 1s 20ms/step - loss: {2 / e:.4f} - accuracy: {1 - 1 / (e + 1):.4f} - "
                   f"val_loss: {2.2 / e:.4f} - val_accuracy: {1 - 1.2 / (e + 1):.4f}\n")
    return "".join(out)


LOGS = {
    "verbose2": verbose2(300, 300),
    "verbose1_progress_bars": verbose1(60, 80),
    "two_runs_and_an_interrupted_epoch": verbose2(50, 50) + verbose2(40, 100, offset=0.1) + "Epoch 41/100\n12/32 [====",
    "last_run_only_interrupted": verbose2(30, 30) + "Epoch 1/10\n 3/32 [=>....] - ETA: 1s - loss: 0.9",
}


def same(a, b):
    assert a.keys == b.keys and a.notes == b.notes and a.format == b.format and a.x_unit == b.x_unit
    for k in a.keys:
        np.testing.assert_array_equal(a[k].x, b[k].x)
        np.testing.assert_array_equal(a[k].y, b[k].y)


@pytest.mark.parametrize("name", sorted(LOGS))
@pytest.mark.parametrize("chunk", [7, 4096, 1 << 20])
def test_streamed_equals_whole(name, chunk, tmp_path, monkeypatch):
    path = tmp_path / f"{name}.log"
    path.write_text(LOGS[name])
    whole = console.parse(LOGS[name], str(path))
    monkeypatch.setattr(readers, "STREAM_FROM", 0)
    monkeypatch.setattr(readers, "CHUNK", chunk)  # chunks cut through headers, numbers and progress bars
    calls, real = [], console.parse_stream
    monkeypatch.setattr(console, "parse_stream", lambda chunks, source: calls.append(1) or real(chunks, source))
    streamed = load_history(str(path))
    assert calls == [1]
    same(streamed, whole)


def test_an_endless_progress_bar_is_carried_by_its_head_and_tail(monkeypatch):
    bar = "".join(f"\r{s}/99999 [====] - loss: {1 / s:.4f}" for s in range(1, 30000))
    text = "Epoch 1/2\n" + bar + " - val_loss: 0.5\nEpoch 2/2\n10/10 - loss: 0.3 - val_loss: 0.4\n"
    monkeypatch.setattr(console, "MAX_CARRY", 4096)
    streamed = console.parse_stream((text[i:i + 1000] for i in range(0, len(text), 1000)), "x")
    whole = console.parse(text, "x")
    same(streamed, whole)


def test_small_files_and_other_formats_are_read_whole(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(console, "parse_stream", lambda *a: calls.append(a))
    path = tmp_path / "h.log"
    path.write_text(verbose2(20, 20))
    assert load_history(str(path)).format == "keras-console" and not calls  # under STREAM_FROM
    monkeypatch.setattr(readers, "STREAM_FROM", 0)
    csv = tmp_path / "h.csv"
    csv.write_text("epoch,loss,val_loss\n" + "".join(f"{e},{1 / (e + 1)},{1.1 / (e + 1)}\n" for e in range(30)))
    assert load_history(str(csv)).format == "csvlogger" and not calls  # not console output


def csvlogger(rows, start=0):
    return "".join(f"{e},{1 / (e + 1):.6f},{1.1 / (e + 1):.6f}\n" for e in range(start, rows))


@pytest.mark.parametrize("text", [
    "epoch,loss,val_loss\n" + csvlogger(3000),
    "epoch,loss,val_loss\n" + csvlogger(1000) + "epoch,loss,val_loss\n" + csvlogger(800),  # appended: read whole
    'epoch,loss,val_loss\n' + csvlogger(500) + '"1",0.5,0.6\n',  # quoted cells: read whole
])
@pytest.mark.parametrize("chunk", [64, 1 << 20])
def test_a_large_numeric_table_streamed_equals_whole(text, chunk, tmp_path, monkeypatch):
    from lossdoctor.read import csvlog

    path = tmp_path / "log.csv"
    path.write_text(text)
    whole = csvlog.parse(text, str(path))
    monkeypatch.setattr(readers, "STREAM_FROM", 0)
    monkeypatch.setattr(readers, "CHUNK", chunk)
    same(load_history(str(path)), whole)
