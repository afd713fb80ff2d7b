"""In a notebook, a Diagnosis shows as a panel: tested on its HTML and by running a notebook headless."""

import json

import numpy as np
import pytest

from lossdoctor import diagnose

E = np.arange(1, 31)
LOSS, VAL = list(1 / E), list(np.r_[1.1 / E[:12], 1.1 / 12 * np.exp((E[12:] - 12) / 15)])


def test_the_panel_holds_the_verdict_the_figure_and_the_fixes():
    pytest.importorskip("matplotlib")
    d = diagnose({"loss": LOSS, "val_loss": VAL})
    page = d._repr_html_()
    assert f"[{d.code}]" in page and "data:image/png;base64," in page
    assert all(f"<li>{fix.split('(')[0]}" in page.replace("&#x27;", "'") for fix in d.fixes[:1])
    assert "More epochs:" in page and "Timeline:" in page


def test_the_panel_escapes_what_comes_from_the_log():
    key = "<script>alert(1)</script>"
    d = diagnose({key: LOSS, f"val_{key}": VAL}, train_key=key)
    page = d._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.slow
def test_a_notebook_run_headless_shows_the_panel(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from lossdoctor import diagnose\n"
        f"history = {json.dumps({'loss': LOSS, 'val_loss': VAL})}\n"
        "d = diagnose(history)\nd")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    html = next(o["data"]["text/html"] for o in outputs if o.get("output_type") == "execute_result")
    assert "lossdoctor" in html and "data:image/png;base64," in html and "[overfitting]" in html


def test_a_batch_shows_its_table_and_the_panel_of_each_run(tmp_path, samples):
    import lossdoctor

    (tmp_path / "a.json").write_text(json.dumps({"loss": LOSS, "val_loss": VAL}))
    (tmp_path / "<b>bad.json").write_text("{")
    batch = lossdoctor.diagnose_many([str(tmp_path)])
    page = batch._repr_html_()
    assert "2 runs: " in page and "1 overfitting" in page and "1 error" in page
    assert page.count("<tr>") == 3 and "unreadable" in page and "&lt;b&gt;bad.json" in page
    assert "<details><summary>a.json: [overfitting]" in page and "data:image/png;base64," in page
