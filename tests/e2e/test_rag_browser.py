"""A real headless Chromium asks the generated rag-chatbot's chat page a question.

`portkit new rag-chatbot` -> `make setup` -> `make ingest` -> the server on a free 127.0.0.1 port
-> Debian's chromium (driven by Selenium through Debian's chromedriver) types a sample question
and must see an answer with a clickable source. Skipped, with the reason, when chromium,
chromedriver or selenium is missing (CI installs them: `apt-get install chromium chromium-driver`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from generated import clean_env, generate, run_job_or_server, step

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,900",
]


def _require_browser() -> None:
    """Skip where no browser is installed; in CI (PORTKIT_REQUIRE_BROWSER=1) fail instead."""
    missing = [
        why
        for present, why in (
            (Path(CHROMIUM).is_file(), "chromium is not installed (apt-get install -y chromium)"),
            (
                Path(CHROMEDRIVER).is_file(),
                "chromedriver is not installed (apt-get install -y chromium-driver)",
            ),
        )
        if not present
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium is not installed (portkit's dev extra)")
    if missing and os.environ.get("PORTKIT_REQUIRE_BROWSER"):
        pytest.fail("; ".join(missing))
    if missing:
        pytest.skip("; ".join(missing))


@pytest.fixture
def ingested_project(tmp_path: Path) -> Path:
    """A generated, set-up and ingested rag-chatbot project."""
    _require_browser()
    project = generate("rag-chatbot", tmp_path, "bot")
    step("make", "setup", cwd=project, env=clean_env())
    step("make", "ingest", cwd=project, env=clean_env())
    return project


def test_chat_page_answers_with_a_source_link(ingested_project: Path, tmp_path: Path) -> None:
    package = next(p.name for p in (ingested_project / "src").iterdir() if p.is_dir())
    serve = f".venv/bin/python -m {package} run"

    def ask(base: str) -> None:
        ask_in_the_browser(base, tmp_path)

    assert run_job_or_server(serve, ingested_project, clean_env(), while_serving=ask) == "server"


def ask_in_the_browser(chat_server: str, tmp_path: Path) -> None:
    """Chromium opens the chat page at CHAT_SERVER, asks, and follows the cited source."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(30)
        driver.get(chat_server + "/")
        wait = WebDriverWait(driver, 30)
        wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "chunks indexed"))
        box = driver.find_element(By.ID, "question")
        box.send_keys("Is it safe to cut PVC on the laser cutter?")
        driver.find_element(By.ID, "send").click()
        turn = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".turn[data-done]")))
        answer = turn.find_element(By.CSS_SELECTOR, ".answer").text
        assert "chlorine" in answer and "[1]" in answer
        link = turn.find_element(By.CSS_SELECTOR, ".sources li.cited a.source-link")
        assert link.get_attribute("href").endswith("/files/laser-cutter.html")
        driver.save_screenshot(str(tmp_path / "chat.png"))
        link.click()  # the source opens in a new tab
        wait.until(lambda d: len(d.window_handles) == 2)
        driver.switch_to.window(driver.window_handles[1])
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Forbidden materials"))
    finally:
        driver.quit()
