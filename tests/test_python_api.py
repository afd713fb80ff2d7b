"""`lossdoctor.diagnose` takes what people have in hand after training."""

import numpy as np
import pytest

from lossdoctor import History, diagnose
from lossdoctor.errors import HistoryFormatError

E = np.arange(1, 21)
LOSS, VAL = list(1 / E), list(1.1 / E + 0.02)


def test_a_dict_of_lists():
    d = diagnose({"loss": LOSS, "val_loss": VAL})
    assert d.code == "learning" and d.epochs == 20


def test_a_pandas_dataframe_with_its_epoch_column():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"epoch": E - 1, "loss": LOSS, "val_loss": VAL})  # CSVLogger counts from 0
    d = diagnose(df)
    assert d.code == "learning" and d.epochs == 20 and d.format == "dataframe"


def test_the_history_keras_fit_returns():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((64, 3)).astype("float32")
    y = x @ np.array([1.0, -1.0, 0.5], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(x, y, validation_split=0.25, epochs=6, verbose=0)
    d = diagnose(history)
    assert d.format == "keras-json" and d.val.key == "val_loss" and d.epochs == 6
    assert "EarlyStopping(" in " ".join(d.fixes) or d.code in ("learning", "plateau")


def test_anything_else_is_one_clear_error():
    with pytest.raises(HistoryFormatError, match="pass what model.fit\\(\\) returned"):
        diagnose([1, 2, 3])
    assert isinstance(diagnose(History.from_dict({"loss": LOSS})).code, str)
