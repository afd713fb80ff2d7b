"""No text leaves the figure: every visible text artist of every figure of ../shared/wild and the
samples (and of the grid of them) lies within the figure's bounding box."""

import pytest

from conftest import SAMPLES, SHARED
from lossdoctor import LossDoctorError, diagnose, load_history

pytestmark = pytest.mark.slow
matplotlib = pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from lossdoctor.show.plot import styled_figure, styled_grid  # noqa: E402


def _ticks(fig):
    """(tick labels matplotlib draws, tick labels it keeps but does not draw: beyond the view)."""
    drawn, hidden = [], set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) or 1.0
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                inside = lo - 1e-9 * span <= tick.get_loc() <= hi + 1e-9 * span
                for label in (tick.label1, tick.label2):
                    (drawn.append(label) if inside else hidden.add(id(label)))
    return drawn, hidden


def outside(fig) -> list[str]:
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    bad = []
    _, hidden = _ticks(fig)
    for t in fig.findobj(Text):
        if id(t) in hidden or not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(renderer)
        if bb.x0 < -1 or bb.y0 < -1 or bb.x1 > w + 1 or bb.y1 > h + 1:
            bad.append(t.get_text()[:60])
    return bad


def histories():
    files = sorted(p for p in SAMPLES.iterdir() if p.is_file())  # the JSON and the CSVLogger samples
    wild = SHARED / "wild"
    if wild.is_dir():
        files += sorted(p for p in wild.iterdir() if p.is_file() and not p.name.startswith(("README", ".")))
    for p in files:
        try:
            h = load_history(str(p))
            yield p.name, h, diagnose(h)
        except LossDoctorError:
            continue


def test_no_text_leaves_any_figure():
    seen, bad = 0, {}
    items = []
    for name, h, d in histories():
        seen += 1
        items.append((name, h, d))
        out = outside(styled_figure(h, d))
        if out:
            bad[name] = out
    assert seen >= 8 and not bad, bad
    assert not outside(styled_grid(items[:48], len(items)))
