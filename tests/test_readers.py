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
