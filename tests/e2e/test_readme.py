"""portkit's own README, followed as written.

The top block (`make demo`, `make test`): `make test` is what `.ci/run` ends with (running it from
inside the test suite would recurse), and every other line runs verbatim in a fresh clone of this
repository (its committed HEAD). The Install block: its first line, `pipx install portkit`, is
mapped onto installing the wheel built from this checkout into a fresh venv (the package is not
downloaded); every other line runs verbatim, in order, with that venv's `bin` first on PATH.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from generated import ROOT, clean_env, code_block, run_job_or_server, step
from test_wheel import _build_wheel, _venv_with

README = (ROOT / "README.md").read_text()
TEST_COMMAND = "make test"


def command(line: str) -> str:
    """LINE without its trailing comment."""
    return " ".join(shlex.split(line, comments=True))


def top_block() -> list[str]:
    """The commands of the README's first bash block, before any section."""
    return code_block(README, README.splitlines()[0])


def test_ci_ends_with_the_readme_test_command() -> None:
    assert TEST_COMMAND in [command(line) for line in top_block()]
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    last = [line for line in lines if line.strip() and not line.lstrip().startswith("#")][-1]
    assert command(last) == TEST_COMMAND


@pytest.mark.slow
def test_readme_top_block_runs_verbatim_in_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "portkit"
    step("git", "clone", "--quiet", str(ROOT), str(clone), cwd=tmp_path, env=clean_env())
    lines = [line for line in top_block() if command(line) != TEST_COMMAND]
    assert lines, "the README's top block runs nothing but the tests"
    for line in lines:
        assert run_job_or_server(line, clone, clean_env()) == "job", line
    assert (clone / "demo" / ".venv").is_dir() and (clone / "demo" / "mlflow.db").is_file()


@pytest.mark.slow
def test_readme_install_block_runs_verbatim(tmp_path: Path) -> None:
    first, *rest = code_block(README, "## Install")
    assert command(first).startswith("pipx install portkit"), first
    portkit = _venv_with(_build_wheel(tmp_path / "dist"), tmp_path / "venv")
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env()
    env["PATH"] = f"{portkit.parent}:{env['PATH']}"
    for line in rest:
        run_job_or_server(line, work, env)
