"""`lossdoctor.diagnose` takes what people have in hand after training."""

import numpy as np
import pytest

from conftest import SAMPLES
from lossdoctor import History, diagnose
from lossdoctor.core.errors import HistoryFormatError

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


def test_report_from_python_does_what_the_command_does(tmp_path):
    """`lossdoctor.report(...)` writes the figure and the Markdown, and says what the CLI would exit with."""
    import lossdoctor
    from lossdoctor.run.reports import OptionError

    sample = str(SAMPLES / "overfitting.json")
    r = lossdoctor.report(sample, output=str(tmp_path / "r.png"), markdown=str(tmp_path / "s.md"),
                          fail_on=["overfitting"])
    assert r.single and r.exit_code == 1 and r.failing[0].code == "overfitting"
    assert r.written == (str(tmp_path / "r.png"), str(tmp_path / "s.md"))
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "r.png" in (tmp_path / "s.md").read_text()
    many = lossdoctor.report([str(SAMPLES)], markdown=str(tmp_path / "sweep.md"),
                             options=lossdoctor.Options(window=10), fail_on=["diverging/default"])
    assert not many.single and len(many.batch.results) >= 8
    assert many.failing and all((x.code, x.diagnosis.variant) == ("diverging", "default") for x in many.failing)
    assert many.exit_code == 1
    with pytest.raises(OptionError, match="already names the HTML page"):
        lossdoctor.report(sample, output=str(tmp_path / "a.html"), html=str(tmp_path / "b.html"))
    assert not (tmp_path / "a.html").exists()
