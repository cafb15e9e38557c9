"""A real headless Chromium asks the generated rag-chatbot's chat page a question.

`portkit new rag-chatbot` -> `make setup` -> `make ingest` -> the server on a free 127.0.0.1 port
-> Debian's chromium (driven by Selenium through Debian's chromedriver) types a sample question
and must see an answer with a clickable source. Skipped, with the reason, when chromium,
chromedriver or selenium is missing (CI installs them: `apt-get install chromium chromium-driver`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: list[str], cwd: Path, timeout: int = 900) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture
def chat_server(tmp_path: Path) -> Iterator[str]:
    """A generated, set-up and ingested rag-chatbot project, served on 127.0.0.1."""
    _require_browser()
    _run([sys.executable, "-m", "portkit", "new", "rag-chatbot", "bot", "--defaults"], tmp_path)
    project = tmp_path / "bot"
    _run(["make", "setup"], project)
    _run(["make", "ingest"], project)
    port = _free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    python = project / ".venv" / "bin" / "python"
    package = next(p.name for p in (project / "src").iterdir() if p.is_dir())
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(python), "-m", package, "run"], cwd=project, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "the chat server did not start:\n" + (tmp_path / "server.log").read_text()
                )
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_chat_page_answers_with_a_source_link(chat_server: str, tmp_path: Path) -> None:
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
