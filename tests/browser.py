"""Headless Chromium for the page tests and the page benchmark: the system browser (Debian's
`chromium` and `chromium-driver`), driven by Selenium; nothing is downloaded."""

from __future__ import annotations

import os
import shutil


def find_browser() -> tuple[str | None, str | None, str]:
    """(browser, driver, why not): the paths of Chromium and its driver, or the reason they are missing."""
    try:
        import selenium  # noqa: F401, PLC0415
    except ImportError:
        return None, None, "selenium is not installed (pip install -e '.[test]')"
    browser = os.environ.get("LOSSDOCTOR_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = os.environ.get("LOSSDOCTOR_CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not driver:
        return None, None, "no headless Chromium here (apt-get install chromium chromium-driver, as .ci/run does)"
    return browser, driver, ""


def chromium(width: int = 1300, height: int = 1000):
    """A headless Chromium WebDriver on the system browser (the caller quits it)."""
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    browser, driver, why = find_browser()
    if not browser:
        raise RuntimeError(why)
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--allow-file-access-from-files"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)
