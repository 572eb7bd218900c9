"""The HTML fleet report in a real headless browser: Debian's chromium driven by chromedriver through selenium.

It must render with no console error, show summary and matrix with JavaScript off, and filter the matrix with
JavaScript on. The screenshots are kept under build/ as test artefacts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.compliance_report.task import run_compliance_report
from tests.collection_path import REPO_ROOT
from tests.report_results import sample_fleet, write_run

ARTEFACTS = REPO_ROOT / "build" / "report"
HOSTS = 12


def browser(javascript: bool) -> webdriver.Chrome:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium, "Debian package chromium missing: scripts/system-packages.sh installs it"
    assert driver, "Debian package chromium-driver missing: scripts/system-packages.sh installs it"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,2400", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    report_dir = tmp_path_factory.mktemp("reports")
    for day in range(1, 6):  # earlier runs for the trend
        write_run(report_dir, "202611%02dT050000Z" % (25 + day), sample_fleet("x")[: 6 + day])
    write_run(report_dir, "20261202T050000Z", sample_fleet("20261202T050000Z"))
    return Path(run_compliance_report({"report_dir": str(report_dir), "formats": ["html"]})["files"]["html"])


def test_renders_without_console_errors_and_filters_with_javascript(report_html):
    driver = browser(javascript=True)
    try:
        driver.get(report_html.as_uri())
        assert driver.title == "Schannel compliance report"
        assert driver.find_element(By.ID, "filter").is_displayed()
        rows = driver.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
        assert len(rows) == HOSTS
        driver.find_element(By.CSS_SELECTOR, '#filter button[data-status="drifted"]').click()
        visible = [r.get_attribute("data-status") for r in rows if r.is_displayed()]
        assert visible == ["drifted"] * 3
        driver.find_element(By.CSS_SELECTOR, '#filter button[data-status="all"]').click()
        assert sum(r.is_displayed() for r in rows) == HOSTS
        trend = driver.find_element(By.CSS_SELECTOR, "#trend svg")
        assert trend.size["width"] > 600
        assert len(driver.find_elements(By.CSS_SELECTOR, "#trend svg polyline")) == 5
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTEFACTS / "compliance-report.png"))
        problems = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        assert problems == []
    finally:
        driver.quit()


def test_summary_and_matrix_work_with_javascript_off(report_html):
    driver = browser(javascript=False)
    try:
        driver.get(report_html.as_uri())
        summary = driver.find_element(By.ID, "summary")
        assert summary.is_displayed()
        fleet_row = summary.find_element(By.CSS_SELECTOR, "tr.total").text.split()
        assert fleet_row == ["Fleet", "12", "5", "3", "1", "1", "1", "1"]
        assert not driver.find_element(By.ID, "filter").is_displayed()  # the script never ran
        rows = driver.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
        assert [r.is_displayed() for r in rows] == [True] * HOSTS
        cell = driver.find_element(By.CSS_SELECTOR, "#matrix tbody tr:nth-child(2) td.s-drifted")
        assert cell.value_of_css_property("background-color") == "rgba(239, 108, 0, 1)"
        assert driver.find_element(By.CSS_SELECTOR, "#trend svg").is_displayed()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTEFACTS / "compliance-report-no-js.png"))
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
