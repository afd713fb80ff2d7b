"""Render the README's example figures from sample_histories/ into docs/."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from lossdoctor import diagnose, load_history  # noqa: E402
from lossdoctor.show.plot import render_figure  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
for name, kwargs in [("overfitting", {"smooth": 0.0}), ("data_problem", {}), ("diverging", {}),
                     ("plateau_converged", {})]:
    h = load_history(os.path.join(ROOT, "sample_histories", f"{name}.json"))
    render_figure(h, diagnose(h), os.path.join(ROOT, "docs", f"{name}.png"), **kwargs)
    print("docs/" + name + ".png")

# the HTML page over the samples, one run opened, as headless Chromium shows it (skipped without it)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from browser import chromium, find_browser  # noqa: E402

if find_browser()[2]:
    print("docs/report_page.png skipped:", find_browser()[2])
else:
    import subprocess  # noqa: E402
    import tempfile  # noqa: E402
    from pathlib import Path  # noqa: E402

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "samples.html"
        subprocess.run([sys.executable, "-m", "lossdoctor", "report", os.path.join(ROOT, "sample_histories"),
                        "-o", str(page)], check=True, capture_output=True, cwd=ROOT)
        driver = chromium(1200, 1500)
        try:
            driver.get(page.as_uri())
            driver.find_element("css selector", 'tr[data-run="overfitting_csvlogger.csv"] button.open').click()
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(os.path.join(ROOT, "docs", "report_page.png"))
        finally:
            driver.quit()
    print("docs/report_page.png")
