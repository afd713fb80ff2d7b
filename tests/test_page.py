"""The HTML report page: `lossdoctor report runs/ -o sweep.html`, built and read back, then opened in
headless Chromium (sorted, filtered, a run opened, runs overlaid, a screenshot checked)."""

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from browser import chromium, find_browser
from conftest import SAMPLE_CODES, SAMPLES, SHARED

HOSTILE_KEY = "<script>window.pwned=1;alert(1)</script>_loss"  # loss-like: chosen as the training loss
HOSTILE_FILE = "<img src=x onerror=window.pwned=2>.json"


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The bundled samples, an unreadable file and a hostile run in one folder, and its page."""
    d = tmp_path_factory.mktemp("sweep")
    runs = d / "runs"
    shutil.copytree(SAMPLES, runs)
    (runs / "broken.json").write_text('{"loss": [1, 2')
    rng = np.random.default_rng(0)
    loss = list(np.exp(-np.arange(20) / 6) + 0.01 * rng.random(20))
    (runs / HOSTILE_FILE).write_text(json.dumps({HOSTILE_KEY: loss, "val_" + HOSTILE_KEY: loss[::-1]}))
    r = cli("report", "runs", "-o", "sweep.html", "--markdown", "summary.md", cwd=d)
    assert r.returncode == 0, r.stderr
    return d


def page_text(sweep) -> str:
    return (sweep / "sweep.html").read_text(encoding="utf-8")


def runs_data(text: str) -> list:
    block = re.search(r'<script type="application/json" id="runs-data">(.*?)</script>', text, re.S).group(1)
    return json.loads(block)


# -- the file itself ------------------------------------------------------------------------------

def test_page_is_self_contained(sweep):
    text = page_text(sweep)
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text)  # nothing fetched from a network
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert text.count("<script") == 3  # the data and words blocks, and the page's own script


def test_page_allows_only_its_own_script(sweep):
    text = page_text(sweep)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp


def test_page_lists_every_run_with_its_diagnosis_and_the_unreadable_one_with_its_error(sweep):
    text = page_text(sweep)
    data = runs_data(text)
    by_run = {r["run"]: r for r in data}
    assert len(data) == len(SAMPLE_CODES) + 2 == text.count('<tr data-i="')
    for name, (code, variant) in SAMPLE_CODES.items():
        assert by_run[name]["code"] == code
        assert variant is None or by_run[name]["variant"] == variant
    import html

    error = by_run["broken.json"]["error"]
    assert "JSON" in error and html.escape(error) in text and "unreadable" in text
    assert by_run[HOSTILE_FILE]["train"]["key"] == HOSTILE_KEY


def test_page_numbers_agree_with_the_json_report(sweep):
    """The table's best epoch and loss, and the run's words, are the diagnosis' own."""
    r = cli("diagnose", "runs/overfitting.json", "--format", "json", cwd=sweep)
    d = json.loads(r.stdout)
    entry = next(x for x in runs_data(page_text(sweep)) if x["run"] == "overfitting.json")
    assert entry["title"] == d["diagnosis"]["title"] and entry["fixes"] == d["fixes"]
    assert entry["evidence"] == d["diagnosis"]["evidence"]
    assert entry["best"][0] == d["best_epoch"] and entry["best"][1] == pytest.approx(d["best_value"], rel=1e-4)
    row = re.search(r'<tr data-i="\d+" data-code="overfitting" data-run="overfitting.json"[^>]*>', page_text(sweep))
    assert f'data-k5="{d["best_epoch"]}' in row.group(0)


def test_page_escapes_hostile_names_and_keys(sweep):
    text = page_text(sweep)
    assert HOSTILE_KEY not in text and "<img src=x" not in text
    block = re.search(r'id="runs-data">(.*?)</script>', text, re.S).group(1)
    assert "<" not in block and ">" not in block
    assert any(r["run"] == HOSTILE_FILE for r in runs_data(text))


def test_markdown_links_the_page(sweep):
    md = (sweep / "summary.md").read_text()
    assert "[Open the interactive report (sweep.html)](sweep.html)" in md
    assert "![" not in md  # -o sweep.html writes the page alone: no image to show


def test_page_beside_an_image_and_a_single_run(tmp_path):
    r = cli("report", SAMPLES / "overfitting.json", "-o", "f.png", "--html", "one.html", "--markdown", "one.md",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "one.md").read_text()
    assert "](f.png)" in md and "(one.html)" in md
    assert len(runs_data((tmp_path / "one.html").read_text())) == 1


def test_page_output_refused_when_it_is_the_input_or_not_html(tmp_path):
    src = tmp_path / "h.json"
    src.write_text((SAMPLES / "overfitting.json").read_text())
    before = src.read_bytes()
    r = cli("report", src, "-o", "x.png", "--html", src, cwd=tmp_path)
    assert r.returncode == 2 and src.read_bytes() == before and not (tmp_path / "x.png").exists()
    r = cli("report", src, "-o", "x.png", "--html", "page.txt", cwd=tmp_path)
    assert r.returncode == 2 and "must end in .html" in r.stderr and not (tmp_path / "x.png").exists()
    r = cli("report", src, "-o", "x.html", "--html", "y.html", cwd=tmp_path)
    assert r.returncode == 2 and not list(tmp_path.glob("*.html"))


# -- in a real browser ----------------------------------------------------------------------------

browser_missing = find_browser()[2]


@pytest.fixture(scope="module")
def driver():
    if browser_missing:
        pytest.skip(browser_missing)
    d = chromium()
    yield d
    d.quit()


def load(driver, path):
    driver.get(path.as_uri())
    assert driver.execute_script("return document.body.dataset.ready") == "1"


def visible_rows(driver) -> list:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#runs tbody tr')).filter(r => !r.hidden)"
        ".map(r => [r.dataset.run, r.dataset.code, r.getAttribute('data-k1')])")


def test_browser_sorts_and_filters(driver, sweep):
    load(driver, sweep / "sweep.html")
    assert len(visible_rows(driver)) == len(SAMPLE_CODES) + 2
    driver.find_element("css selector", 'th[data-col="1"] button').click()  # epochs
    epochs = [float(k) for _, code, k in visible_rows(driver) if k]
    assert epochs == sorted(epochs) and len(set(epochs)) > 2
    assert driver.find_element("css selector", 'th[data-col="1"]').get_attribute("aria-sort") == "ascending"
    driver.find_element("css selector", 'th[data-col="1"] button').click()
    epochs = [float(k) for _, code, k in visible_rows(driver) if k]
    assert epochs == sorted(epochs, reverse=True)
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", "code-filter")).select_by_value("overfitting")
    rows = visible_rows(driver)
    expected = sum(r.get("code") == "overfitting" for r in runs_data(page_text(sweep)))
    assert {c for _, c, _ in rows} == {"overfitting"} and len(rows) == expected >= 2
    assert driver.find_element("id", "shown").text == f"{expected} of {len(SAMPLE_CODES) + 2} runs shown"
    Select(driver.find_element("id", "code-filter")).select_by_value("")
    driver.find_element("id", "name-filter").send_keys("PLATEAU")
    assert sorted(n for n, _, _ in visible_rows(driver)) == ["plateau_converged.json", "plateau_stuck.json"]
    driver.find_element("id", "name-filter").clear()
    driver.execute_script("document.getElementById('name-filter').dispatchEvent(new Event('input'))")
    driver.find_element("css selector", 'button.count[data-code="error"]').click()  # the summary bar filters
    assert [n for n, _, _ in visible_rows(driver)] == ["broken.json"]


def test_browser_opens_a_run_from_the_keyboard(driver, sweep):
    from selenium.webdriver.common.keys import Keys

    load(driver, sweep / "sweep.html")
    entry = next(x for x in runs_data(page_text(sweep)) if x["run"] == "overfitting.json")
    button = driver.find_element("css selector", 'tr[data-run="overfitting.json"] button.open')
    button.send_keys(Keys.ENTER)
    panel = driver.find_element("id", "panel")
    assert panel.is_displayed()
    assert entry["title"] in panel.find_element("tag name", "h2").text
    items = panel.find_elements("css selector", "ul:not(.legend) li")
    assert [i.text for i in items[: len(entry["evidence"])]] == entry["evidence"]
    assert [i.text for i in panel.find_elements("css selector", "ol li")] == entry["fixes"]
    lines = panel.find_elements("css selector", "svg.chart polyline")
    assert len(lines) >= 2  # train and validation at least
    assert panel.find_elements("css selector", "svg.chart circle.best")
    legend = [li.text for li in panel.find_elements("css selector", ".legend li")]
    assert entry["best_label"] in legend and any(entry["best_label"] in e for e in entry["evidence"])
    assert driver.switch_to.active_element.tag_name == "h2"  # focus moved to the panel
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not panel.is_displayed()
    assert driver.switch_to.active_element.text == "overfitting.json"  # back on the run's button


def test_browser_overlays_chosen_runs(driver, sweep):
    load(driver, sweep / "sweep.html")
    button = driver.find_element("id", "overlay-btn")
    assert not button.is_enabled()
    for name in ("still_learning.json", "overfitting.json", "plateau_converged.json"):
        driver.find_element("css selector", f'tr[data-run="{name}"] input.pick').click()
    assert button.is_enabled() and button.text == "Overlay 3 chosen runs"
    button.click()
    overlay = driver.find_element("id", "overlay")
    assert overlay.is_displayed()
    assert len(overlay.find_elements("css selector", "svg.chart polyline")) == 3
    legend = [li.text for li in overlay.find_elements("css selector", ".legend li")]
    assert any(t.startswith("overfitting.json (val_loss") for t in legend) and len(legend) == 3


def test_browser_runs_no_code_from_the_data(driver, sweep):
    from selenium.common.exceptions import NoAlertPresentException

    load(driver, sweep / "sweep.html")
    row = driver.find_element("css selector", "tr[data-i] button.open[aria-label*='onerror']")
    assert row.text == HOSTILE_FILE  # shown as text
    row.click()
    with pytest.raises(NoAlertPresentException):
        _ = driver.switch_to.alert.text
    assert driver.execute_script("return window.pwned === undefined")
    panel = driver.find_element("id", "panel").text
    assert HOSTILE_FILE in panel and HOSTILE_KEY in panel  # the key as text, in the evidence and notes
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_browser_screenshot_is_not_blank(driver, sweep, tmp_path):
    import matplotlib.image

    load(driver, sweep / "sweep.html")
    driver.find_element("css selector", 'tr[data-run="diverging.json"] button.open').click()
    shot = tmp_path / "page.png"
    driver.save_screenshot(str(shot))
    pixels = matplotlib.image.imread(shot)[..., :3]
    colours = np.unique((pixels.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert pixels.std() > 0.05 and len(colours) > 50
    # the diagnosis colours are on the page (the code's swatch) beside its name as text
    red = np.all(np.abs(pixels - np.array([0xCC, 0, 0]) / 255) < 0.08, axis=-1)
    assert red.sum() > 100


def test_browser_print_leaves_out_the_controls(driver, sweep):
    load(driver, sweep / "sweep.html")
    driver.find_element("css selector", 'tr[data-run="overfitting.json"] button.open').click()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element("css selector", ".controls").is_displayed()
        assert not driver.find_element("css selector", "input.pick").is_displayed()
        assert driver.find_element("id", "runs").is_displayed() and driver.find_element("id", "panel").is_displayed()
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(driver.print_page())
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_browser_single_run_page_opens_its_run(driver, tmp_path):
    r = cli("report", SAMPLES / "still_learning.json", "-o", "one.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    load(driver, tmp_path / "one.html")
    assert driver.find_element("id", "panel").is_displayed()
    assert "Still learning" in driver.find_element("css selector", "#panel h2").text


@pytest.mark.slow
def test_browser_page_over_the_corpus(driver, tmp_path):
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip("../shared/corpus is not beside this clone")
    r = cli("report", corpus, "-o", "corpus.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    load(driver, tmp_path / "corpus.html")
    data = runs_data((tmp_path / "corpus.html").read_text())
    assert len(visible_rows(driver)) == len(data) > 60
    for i in [i for i, r in enumerate(data) if "error" not in r][::5]:
        driver.find_element("css selector", f'tr[data-i="{i}"] button.open').click()
        finite = sum(v is not None for v in data[i]["train"]["y"])
        lines = driver.find_elements("css selector", "#panel svg.chart polyline")
        assert (len(lines) >= 1) == (finite >= 2), data[i]["run"]
        assert data[i]["title"] in driver.find_element("css selector", "#panel h2").text
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_a_chinese_page_has_no_english_cells(tmp_path):
    """Every cell the page writes for a run is in the diagnosis' language: a NaN run's note and the
    forecast column in a zh page read in Chinese (they were English, with a raw unit code)."""
    from lossdoctor.run.batch import diagnose_loaded
    from lossdoctor.read.history import History
    from lossdoctor.core.i18n import language
    from lossdoctor.show.page import _forecast_cell, run_data

    nan_run = History.from_dict({"loss": [1.0, 0.8, 0.7, 0.6, float("nan")], "val_loss": [1.1, 0.9, 0.8, 0.7, 0.75]})
    learning = History.from_dict({"loss": list(np.exp(-np.arange(1, 31) / 10) + 0.1),
                                  "val_loss": list(np.exp(-np.arange(1, 31) / 12) + 0.15)})
    with language("zh"):
        batch, _ = diagnose_loaded([("a", "a", lambda: nan_run), ("b", "b", lambda: learning)])
        rows = {r.name: r for r in batch.results}
        data = run_data(rows["a"])
        cell, _ = _forecast_cell(rows["b"].diagnosis.forecast)
    assert data["nonfinite"] == ["loss 在第 5 轮变成了 NaN/inf"]
    assert re.search(r" \((有帮助|无提升|不确定)\)$", cell), cell
