"""End to end, per built-in template, as its user meets it (slow: real installs, warm cache).

`portkit new`, then the generated README's Quick start, every command as written and in order
(`make setup` with the network; every later command, `make run` and `make test`, without it: a
server runs until `/health` answers, then stops) -> `pre-commit run --all-files` -> `make demo`
-> `make writeup` (all offline), then the Results section must hold the best run's real metrics,
read straight from the project's `mlflow.db`. How the network was taken away (a network namespace,
or the refusing-proxy fallback) is printed at the start of the run. A template without the
`cli.py` that templates/README.md requires fails.
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path

import pytest
from generated import (
    ONLINE,
    TEMPLATES,
    Network,
    clean_env,
    code_block,
    generate,
    has_cli,
    offline_network,
    run_job_or_server,
    step,
)


@pytest.fixture(scope="module")
def offline(request: pytest.FixtureRequest) -> Network:
    """The way commands run without the network here, announced in the test output."""
    network = offline_network()
    plugins = request.config.pluginmanager
    reporter, capture = plugins.getplugin("terminalreporter"), plugins.getplugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nGenerated projects' offline steps run {network.describe()}")
    return network


def results_block(writeup: Path) -> str:
    text = writeup.read_text()
    start = text.index("<!-- portkit:results:start -->")
    return text[start : text.index("<!-- portkit:results:end -->", start)]


def table_rows(block: str, header: str) -> dict[str, list[str]]:
    """The rows of the Markdown table whose header's first cell is HEADER: first cell -> the rest."""
    lines = block.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = {}
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().replace("\\|", "|") for cell in line.strip("|").split(" | ")]
        rows[cells[0]] = cells[1:]
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


def run_quick_start(project: Path, env: dict[str, str], offline: Network) -> None:
    """The README's Quick start as written: up to `make setup` online, everything after offline."""
    commands = code_block((project / "README.md").read_text(), "## Quick start")
    named = [" ".join(line.split("#")[0].split()) for line in commands]
    assert {"make setup", "make run", "make test"} <= set(named), commands
    network = ONLINE
    for line in commands:
        run_job_or_server(line, project, env, network)
        if "setup" in line:
            network = offline


def assert_results_match_the_store(project: Path) -> None:
    """Every score of the reported run, and its baseline when logged, as the store holds them."""
    block = results_block(project / "docs" / "writeup.md")
    run_prefix = re.search(r"\(run `([0-9a-f]{8})`", block)
    assert run_prefix, f"no run named in the Results section:\n{block}"
    shown = table_rows(block, "metric")
    stored = stored_metrics(project / "mlflow.db", run_prefix.group(1))
    scores = {
        name: value
        for name, value in stored.items()
        if not name.startswith(("baseline_", "stage_seconds_")) and not name.endswith("_std")
    }
    assert shown and set(shown) == set(scores)
    for name, value in scores.items():
        assert close(shown[name][0], value), name
        baseline = stored.get(f"baseline_{name}")
        assert shown[name][2] == "—" if baseline is None else close(shown[name][2], baseline), name
    assert (project / "docs" / "img" / "journey.png").stat().st_size > 0


def close(shown: str, value: float) -> bool:
    if math.isnan(value):
        return shown == "nan"
    return math.isclose(float(shown), value, rel_tol=1e-3, abs_tol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_project_goes_green_offline(
    tmp_path: Path, template: str, offline: Network
) -> None:
    assert has_cli(template), (
        f"templates/{template} has no src/{{{{ package_name }}}}/cli.py, "
        "which templates/README.md requires"
    )
    project = generate(template, tmp_path)
    env = clean_env()

    run_quick_start(project, env, offline)
    assert (project / ".git" / "hooks" / "pre-commit").is_file()
    # The venv is not on PATH, as for a user who never activates it: the hooks still find it.
    pre_commit = str(project / ".venv" / "bin" / "pre-commit")
    run_job_or_server(f"{pre_commit} run --all-files --show-diff-on-failure", project, env, offline)
    changed = step("git", "status", "--porcelain", cwd=project, env=env).stdout
    assert changed == "", f"setup, run, tests or hooks changed the tree:\n{changed}"
    (project / "NOTES.md").write_text("A note of mine.\n")
    step("git", "add", "NOTES.md", cwd=project, env=env)
    committed = step("git", "commit", "-m", "Add notes", cwd=project, env=env)
    assert "ruff check" in committed.stdout + committed.stderr  # the git hook ran every hook

    run_job_or_server("make demo", project, env, offline)
    run_job_or_server("make writeup", project, env, offline)
    assert_results_match_the_store(project)


def test_every_template_has_the_required_cli() -> None:
    """templates/README.md requires src/{{ package_name }}/cli.py: a template without it fails."""
    missing = [t for t in TEMPLATES if not has_cli(t)]
    assert not missing, f"templates without src/{{{{ package_name }}}}/cli.py: {missing}"
