"""End to end, per built-in template, as its user meets it (slow: real installs, warm cache).

`portkit new` -> `make setup` -> `make test` -> `pre-commit run --all-files` -> `make demo` (the
template's PREPARE targets, then `run`; a server is stopped once `/health` answers) ->
`make writeup`, then the Results section must hold the best run's real metrics, read straight from
the project's `mlflow.db`. A template whose `cli.py` does not exist yet is skipped, so it turns on
by itself when the template lands.
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import run_portkit

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES = sorted(
    p.name for p in TEMPLATES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
)
STEP_TIMEOUT = 900  # seconds for one step; a cold package cache is the slow case
RUN_TIMEOUT = 600


def has_cli(template: str) -> bool:
    package = TEMPLATES_DIR / template / "src" / "{{ package_name }}"
    return (package / "cli.py").is_file() or (package / "cli.py.jinja").is_file()


def template_param(template: str) -> object:
    reason = f"templates/{template} has no src/{{{{ package_name }}}}/cli.py yet"
    return pytest.param(template, marks=pytest.mark.skipif(not has_cli(template), reason=reason))


def step(*command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def run_demo(project: Path, env: dict[str, str]) -> str:
    """`make demo` until it exits by itself (a job) or `/health` answers (a server, then stopped)."""
    port = free_port()
    log = project / ".e2e-demo.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "demo"],
            cwd=project,
            env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    assert process.returncode == 0, f"make demo failed:\n{log.read_text()}"
                    return "job"
                if healthy(port):
                    return "server"
                time.sleep(1)
            pytest.fail(f"make demo neither finished nor served /health:\n{log.read_text()}")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.unlink(missing_ok=True)
    raise AssertionError("unreachable")


def results_block(writeup: Path) -> str:
    text = writeup.read_text()
    start = text.index("<!-- portkit:results:start -->")
    return text[start : text.index("<!-- portkit:results:end -->", start)]


def table_rows(block: str, header: str) -> dict[str, str]:
    """The rows of the two-column Markdown table whose header's first cell is HEADER."""
    lines = block.splitlines()
    first = lines.index(f"| {header} | value |")
    rows = {}
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        name, value = (cell.strip().replace("\\|", "|") for cell in line.strip("|").split(" | "))
        rows[name] = value
    return rows


def stored_metrics(database: Path, run_prefix: str) -> dict[str, float]:
    with sqlite3.connect(database) as connection:
        runs = connection.execute(
            "SELECT run_uuid FROM runs WHERE run_uuid LIKE ?", (run_prefix + "%",)
        ).fetchall()
        assert len(runs) == 1, f"run {run_prefix} not found once in {database}"
        rows = connection.execute(
            "SELECT key, value FROM latest_metrics WHERE run_uuid = ?", (runs[0][0],)
        ).fetchall()
    return {key: float(value) for key, value in rows}


@pytest.mark.slow
@pytest.mark.parametrize("template", [template_param(t) for t in TEMPLATES])
def test_generated_project_goes_green_offline(tmp_path: Path, template: str) -> None:
    result = run_portkit("new", template, "project", "--defaults", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "project"
    env = {**os.environ}
    env.pop("VIRTUAL_ENV", None)

    step("make", "setup", cwd=project, env=env)
    assert (project / ".git" / "hooks" / "pre-commit").is_file()
    step("make", "test", cwd=project, env=env)
    # The venv is not on PATH, as for a user who never activates it: the hooks still find it.
    pre_commit = str(project / ".venv" / "bin" / "pre-commit")
    step(pre_commit, "run", "--all-files", "--show-diff-on-failure", cwd=project, env=env)
    changed = step("git", "status", "--porcelain", cwd=project, env=env).stdout
    assert changed == "", f"setup, tests or hooks changed the tree:\n{changed}"
    (project / "NOTES.md").write_text("A note of mine.\n")
    step("git", "add", "NOTES.md", cwd=project, env=env)
    committed = step("git", "commit", "-m", "Add notes", cwd=project, env=env)
    assert "ruff check" in committed.stdout + committed.stderr  # the git hook ran every hook

    run_demo(project, env)
    step("make", "writeup", cwd=project, env=env)

    block = results_block(project / "docs" / "writeup.md")
    run_prefix = re.search(r"\(run `([0-9a-f]{8})`", block)
    assert run_prefix, f"no run named in the Results section:\n{block}"
    shown = table_rows(block, "metric")
    stored = stored_metrics(project / "mlflow.db", run_prefix.group(1))
    assert shown and set(shown) == set(stored)
    for name, value in stored.items():
        if math.isnan(value):
            assert shown[name] == "nan", name
        else:
            assert math.isclose(float(shown[name]), value, rel_tol=1e-3, abs_tol=1e-9), name
    assert (project / "docs" / "img" / "results.png").stat().st_size > 0
