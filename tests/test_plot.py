import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest

from conftest import SAMPLES
from lossdoctor import History, diagnose, load_history
from lossdoctor.show.plot import plot_diagnosis, render_figure, tensorboard_smooth, wants_log_scale


def fig_for(name, **kw):
    h = load_history(str(SAMPLES / name))
    d = diagnose(h)
    return h, d, plot_diagnosis(h, d, **kw)


def texts(fig):
    out = [t.get_text() for ax in fig.axes for t in ax.texts]
    out += [t.get_text() for ax in fig.axes for t in (ax.get_legend().get_texts() if ax.get_legend() else [])]
    out += [ax.get_title(loc="left") for ax in fig.axes]
    return "\n".join(out)


def test_overfitting_figure_content():
    h, d, fig = fig_for("overfitting.json")
    ax = fig.axes[0]
    labels = [l.get_label() for l in ax.get_lines()]
    assert any(l.startswith("train loss") for l in labels)
    assert any(l.startswith("validation val_loss") for l in labels)
    assert any("trend: falling" in l for l in labels) and any("trend: rising" in l for l in labels)
    trend = next(l for l in ax.get_lines() if "val_loss trend" in l.get_label())
    assert trend.get_xdata()[0] == pytest.approx(d.window[0]) and trend.get_xdata()[-1] == pytest.approx(d.window[1])
    spans = [p for p in ax.patches if "analysis window" in p.get_label()]
    assert len(spans) == 1
    assert any("overfitting begins" in l for l in labels)
    t = texts(fig)
    assert d.title in t and "1. Keep the checkpoint of the best val_accuracy" in t
    assert len(fig.axes) == 3  # loss, accuracy, verdict box


def test_nan_marks_and_log_scale_choice():
    _, _, fig = fig_for("nan_loss.json")
    assert any("NaN/inf" in l.get_label() for l in fig.axes[0].get_lines())
    _, _, fig = fig_for("diverging.json")
    assert fig.axes[0].get_yscale() == "log"
    _, _, fig = fig_for("diverging.json", logy=False)
    assert fig.axes[0].get_yscale() == "linear"
    _, _, fig = fig_for("still_learning.json")
    assert fig.axes[0].get_yscale() == "linear" and len(fig.axes) == 2  # no accuracy panel


def test_smoothing_matches_tensorboard_and_keeps_raw_points():
    y = np.array([1.0, 0.0, 1.0, np.nan, 0.0])
    s = tensorboard_smooth(y, 0.5)
    assert s[0] == pytest.approx(1.0)            # debiased: first point unchanged
    assert s[1] == pytest.approx(0.25 / 0.75)   # last = 0.5*0.5 + 0.5*0, debias 1 - 0.5**2
    assert np.isnan(s[3])
    _, _, fig = fig_for("overfitting.json", smooth=0.6)
    labels = [l.get_label() for l in fig.axes[0].get_lines()]
    assert any("smoothed 0.6" in l for l in labels)
    faint = [l for l in fig.axes[0].get_lines() if l.get_alpha() == pytest.approx(0.3)]
    assert len(faint) == 2


def test_wants_log_scale():
    h = History.from_dict({"loss": [1000, 1, 0.1]})
    assert wants_log_scale(h["loss"])
    assert not wants_log_scale(History.from_dict({"loss": [2, 1, 0.5]})["loss"])


@pytest.mark.parametrize("ext,magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_files_written_and_png_read_back(tmp_path, ext, magic):
    h = load_history(str(SAMPLES / "overfitting.json"))
    out = tmp_path / f"curves{ext}"
    render_figure(h, diagnose(h), str(out))
    assert out.read_bytes()[:5].startswith(magic)
    if ext == ".png":
        img = mpimg.imread(str(out))
        assert img.shape[0] > 500 and img.shape[1] > 1000
        assert img[..., :3].std() > 0.05  # not blank
    assert not list(tmp_path.glob(".lossdoctor-*"))


def test_same_figure_every_time(tmp_path):
    h = load_history(str(SAMPLES / "data_problem.json"))
    d = diagnose(h)
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    render_figure(h, d, str(a))
    render_figure(h, d, str(b))
    assert a.read_bytes() == b.read_bytes()


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    import lossdoctor.show.plot as plot
    h = load_history(str(SAMPLES / "overfitting.json"))
    fig = plot.plot_diagnosis(h, diagnose(h))

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError):
        plot.save_figure(fig, str(tmp_path / "x.png"))
    assert list(tmp_path.iterdir()) == []


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_report_fail_on_exit_codes_as_subprocess(tmp_path):
    png, md = tmp_path / "report.png", tmp_path / "summary.md"
    r = run_cli("report", str(SAMPLES / "overfitting.json"), "-o", str(png), "--markdown", str(md),
                "--fail-on", "overfitting,diverging,non_finite")
    assert r.returncode == 1
    assert "failing because the diagnosis is overfitting" in r.stderr
    assert png.read_bytes()[:4] == b"\x89PNG"
    text = md.read_text()
    assert text.startswith("## lossdoctor: Over-confident") and "![loss curves" in text and "(report.png)" in text
    r = run_cli("report", str(SAMPLES / "still_learning.json"), "-o", str(png), "--fail-on", "overfitting")
    assert r.returncode == 0
    r = run_cli("report", str(SAMPLES / "still_learning.json"), "-o", str(png), "--fail-on", "nonsense")
    assert r.returncode == 2 and "unknown code(s) nonsense" in r.stderr


def test_plot_bad_extension_is_exit_2(tmp_path):
    r = run_cli("plot", str(SAMPLES / "overfitting.json"), "-o", str(tmp_path / "x.gif"))
    assert r.returncode == 2 and "unknown image type .gif" in r.stderr
    assert not list(tmp_path.iterdir())


def test_the_verdict_box_holds_the_top_fixes_in_full_and_sits_at_the_bottom(samples):
    from lossdoctor import diagnose, load_history
    from lossdoctor.show.plot import plot_diagnosis
    h = load_history(str(samples / "overfitting.json"))
    d = diagnose(h)
    fig = plot_diagnosis(h, d)
    box = fig.axes[-1].texts[0]
    text = " ".join(box.get_text().split())
    for fix in d.fixes[:3]:
        assert " ".join(fix.split()) in text  # never cut with "..."
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    bb = box.get_window_extent(canvas.get_renderer())
    fig_h = fig.get_size_inches()[1] * fig.dpi
    assert bb.y0 >= 0 and bb.y1 <= fig_h and bb.y0 < 0.1 * fig_h  # inside the figure, no empty band below


def test_a_validation_accuracy_alone_gets_its_panel():
    """Lightning runs often log val_acc and no training accuracy."""
    import numpy as np
    from lossdoctor import History, diagnose
    from lossdoctor.show.plot import plot_diagnosis
    e = np.arange(1, 21, dtype=float)
    h = History.from_dict({"train_loss": list(1 / e), "val_loss": list(1.1 / e + 0.05), "val_acc": list(1 - 0.5 / e)})
    fig = plot_diagnosis(h, diagnose(h))
    assert len(fig.axes) == 3 and fig.axes[1].get_ylabel() == "val_acc"
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()][0] == "validation val_acc"
