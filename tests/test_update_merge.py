"""Structure-aware merges and remembered resolutions in `portkit update` (issue 14, items 1-2).

Every scenario runs against a copier, a cookiecutter and a built-in template (the sources of
`test_update`), each shipping a `pyproject.toml`, a `.pre-commit-config.yaml` and a workflow.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git
from test_update import SOURCES, V1_FILES, V1_QUESTIONS, Source, commit_edits, update

from portkit.errors import UpdateConflictError
from portkit.update import Outcome

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
# Runtime dependencies
dependencies = [
    "fastapi>=0.110",
    "uvicorn>=0.29",
]

[project.optional-dependencies]
dev = ["pytest>=8"]

[tool.ruff]
line-length = 100
"""
PRE_COMMIT = """\
# Hooks that `pre-commit` runs
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.0
    hooks:
      - id: ruff
      - id: ruff-format
"""
WORKFLOW = """\
name: CI
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Test
        run: make test
"""
CONFIG = {
    "pyproject.toml": PYPROJECT,
    ".pre-commit-config.yaml": PRE_COMMIT,
    ".github/workflows/ci.yml": WORKFLOW,
}


@pytest.fixture(params=sorted(SOURCES))
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Source:
    made = SOURCES[request.param](tmp_path / "template")
    made.root.mkdir(parents=True, exist_ok=True)
    made.release({**V1_FILES, **CONFIG}, V1_QUESTIONS)
    return made


@pytest.fixture
def project(source: Source, tmp_path: Path) -> Path:
    return source.new(tmp_path / "project")


def edited(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


BUMP = ('"fastapi>=0.110"', '"fastapi>=0.115"')
ADD_HTTPX = ('"fastapi>=0.110",\n', '"fastapi>=0.110",\n    "httpx>=0.27",  # for the client\n')


# --- structure-aware merges -----------------------------------------------------------------


def test_adjacent_dependency_edits_merge_cleanly_and_keep_comments(
    source: Source, project: Path
) -> None:
    mine = edited(
        PYPROJECT,
        ("[project]\n", "# My service\n[project]\n"),
        ADD_HTTPX,
        ("line-length = 100\n", 'line-length = 100\ntarget-version = "py311"  # mine\n'),
    )
    commit_edits(project, {"pyproject.toml": mine})
    source.release({"pyproject.toml": edited(PYPROJECT, BUMP, ("= 100", "= 110"))})
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert (project / "pyproject.toml").read_text() == edited(
        mine, BUMP, ("line-length = 100", "line-length = 110")
    )
    assert "pyproject.toml: merged entry by entry, both sides' changes kept." in result.notes
    assert git("status", "--porcelain", cwd=project) == ""


def test_hook_added_beside_a_changed_one_merges(source: Source, project: Path) -> None:
    mine = edited(PRE_COMMIT, ("- id: ruff-format\n", "- id: ruff-format\n      - id: mine  # x\n"))
    commit_edits(project, {".pre-commit-config.yaml": mine})
    theirs = edited(PRE_COMMIT, ("- id: ruff-format\n", "- id: ruff-format\n        args: [-q]\n"))
    source.release({".pre-commit-config.yaml": edited(theirs, ("v0.6.0", "v0.7.0"))})
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert (project / ".pre-commit-config.yaml").read_text() == edited(
        mine,
        ("v0.6.0", "v0.7.0"),
        ("- id: ruff-format\n", "- id: ruff-format\n        args: [-q]\n"),
    )
    assert ".pre-commit-config.yaml: merged entry by entry, both sides' changes kept." in (
        result.notes
    )


def test_workflow_steps_merge_by_name(source: Source, project: Path) -> None:
    lint = "      - name: Lint\n        run: make lint\n"
    mine = edited(WORKFLOW, ("      - name: Test\n", lint + "      - name: Test\n"))
    commit_edits(project, {".github/workflows/ci.yml": mine})
    source.release(
        {
            ".github/workflows/ci.yml": edited(
                WORKFLOW, ("checkout@v4", "checkout@v5"), ("make test", "make test PY=3.12")
            )
        }
    )
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert (project / ".github/workflows/ci.yml").read_text() == edited(
        mine, ("checkout@v4", "checkout@v5"), ("make test", "make test PY=3.12")
    )


def test_same_entry_changed_on_both_sides_conflicts_with_markers(
    source: Source, project: Path
) -> None:
    mine = edited(PYPROJECT, ADD_HTTPX, ('"fastapi>=0.110"', '"fastapi>=0.111"'))
    commit_edits(
        project,
        {"pyproject.toml": mine, ".pre-commit-config.yaml": PRE_COMMIT.replace("v0.6.0", "v0.6.5")},
    )
    theirs = edited(
        PYPROJECT, BUMP, ('"uvicorn>=0.29",\n', '"uvicorn>=0.29",\n    "pydantic>=2",\n')
    )
    source.release(
        {
            "pyproject.toml": theirs,
            ".pre-commit-config.yaml": PRE_COMMIT.replace("v0.6.0", "v0.7.0"),
        }
    )
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project)
    assert caught.value.conflicts == [".pre-commit-config.yaml", "pyproject.toml"]
    assert (project / "pyproject.toml").read_text() == edited(
        PYPROJECT,
        (
            '    "fastapi>=0.110",\n',
            "<<<<<<< HEAD\n"
            '    "fastapi>=0.111",\n'
            "=======\n"
            '    "fastapi>=0.115",\n'
            ">>>>>>> portkit/update\n"
            '    "httpx>=0.27",  # for the client\n',
        ),
        ('"uvicorn>=0.29",\n', '"uvicorn>=0.29",\n    "pydantic>=2",\n'),
    )
    assert (project / ".pre-commit-config.yaml").read_text() == edited(
        PRE_COMMIT,
        (
            "    rev: v0.6.0\n",
            "<<<<<<< HEAD\n    rev: v0.6.5\n=======\n    rev: v0.7.0\n>>>>>>> portkit/update\n",
        ),
    )
    notes = caught.value.notes
    assert (
        "pyproject.toml: merged entry by entry; both sides changed project.dependencies[fastapi]."
        in notes
    )
    assert (
        ".pre-commit-config.yaml: merged entry by entry; both sides changed "
        "repos[https://github.com/astral-sh/ruff-pre-commit].rev." in notes
    )
    status = git("status", "--porcelain", "--untracked-files=no", cwd=project).splitlines()
    assert "UU pyproject.toml" in status and "UU .pre-commit-config.yaml" in status


def test_unparsable_file_falls_back_to_a_line_merge_with_a_note(
    source: Source, project: Path
) -> None:
    broken = PYPROJECT + "\n[tool.ruff]\nfix = true  # a second [tool.ruff]: not TOML\n"
    commit_edits(project, {"pyproject.toml": broken})
    source.release({"pyproject.toml": edited(PYPROJECT, BUMP)})
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert (project / "pyproject.toml").read_text() == edited(broken, BUMP)
    [note] = [note for note in result.notes if note.startswith("pyproject.toml")]
    assert note.startswith("pyproject.toml: your side does not parse as TOML (")
    assert note.endswith("); merged line by line instead.")


def test_users_own_merges_keep_gits_line_merge(source: Source, project: Path) -> None:
    source.release({"pyproject.toml": edited(PYPROJECT, ("0.1.0", "0.2.0"))})
    assert update(source, project).outcome is Outcome.MERGED
    config = ["git", "config", "--get-regexp", "^(merge|core\\.attributesfile)"]
    assert subprocess.run(config, cwd=project, capture_output=True).stdout == b""
    assert not (project / ".gitattributes").exists()
    assert not (project / ".git/info/attributes").exists()
    git("switch", "--quiet", "-c", "feature", cwd=project)
    commit_edits(project, {"pyproject.toml": edited(PYPROJECT, ("0.1.0", "0.2.0"), BUMP)})
    git("switch", "--quiet", "main", cwd=project)
    commit_edits(project, {"pyproject.toml": edited(PYPROJECT, ("0.1.0", "0.2.0"), ADD_HTTPX)})
    merged = subprocess.run(
        ["git", "merge", "feature"], cwd=project, capture_output=True, text=True
    )
    assert merged.returncode == 1
    assert "CONFLICT (content): Merge conflict in pyproject.toml" in merged.stdout
    assert ">>>>>>> feature\n" in (project / "pyproject.toml").read_text()
