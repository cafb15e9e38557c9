"""Structure-aware merges and remembered resolutions in `portkit update` (issue 14, items 1-2).

Every scenario runs against a copier, a cookiecutter and a built-in template (the sources of
`test_update`), each shipping a `pyproject.toml`, a `.pre-commit-config.yaml` and a workflow.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import V1_FILES, Source, git, run_portkit, write_tree
from test_update import commit_edits, update

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


@pytest.fixture
def v1_files() -> dict[str, str | None]:
    """The shared first version plus the configuration files these merges are about."""
    return {**V1_FILES, **CONFIG}


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
    assert update(source, project, dry_run=True).conflicts == []  # `portkit diff` agrees
    rerere = ["git", "config", "--local", "--get-regexp", "^rerere"]
    assert subprocess.run(rerere, cwd=project, capture_output=True).stdout == b""  # dry run
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
        "Note: pyproject.toml: merged entry by entry; both sides changed "
        "project.dependencies[fastapi]." in notes
    )
    assert (
        "Note: .pre-commit-config.yaml: merged entry by entry; both sides changed "
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


# --- remembered resolutions -----------------------------------------------------------------

MINE = "# Demo\n\nMy own introduction.\n"
THEIRS_V2 = "# %project_name%\n\nThe template's new introduction.\n"
RESOLVED = "# Demo\n\nMy own introduction, and the template's.\n"
CONFLICTED = (
    "# Demo\n\n<<<<<<< HEAD\nMy own introduction.\n=======\n"
    "The template's new introduction.\n>>>>>>> portkit/update\n"
)


def resolve_on_a_branch(source: Source, project: Path) -> None:
    """v1 -> v2 on a branch of its own (a pull request), conflicted, resolved and committed.

    The branch is not merged into main (the pull request was closed, or left open while v3 came
    out): the next update on main merges from the same base and meets the same conflict again.
    """
    commit_edits(project, {"README.md": MINE})
    source.release({"README.md": THEIRS_V2})
    git("switch", "--quiet", "-c", "update-v2", cwd=project)
    with pytest.raises(UpdateConflictError):
        update(source, project)
    assert (project / "README.md").read_text() == CONFLICTED
    (project / "README.md").write_text(RESOLVED)
    git("add", "README.md", cwd=project)
    committed = subprocess.run(
        ["git", "commit", "--quiet", "--no-edit"], cwd=project, capture_output=True, text=True
    )
    assert committed.returncode == 0
    assert "Recorded resolution for 'README.md'." in committed.stderr
    git("switch", "--quiet", "main", cwd=project)
    source.release({"notes.txt": "a v3 note\n" + "".join(V1_FILES["notes.txt"] or "")})


def test_resolution_is_replayed_two_versions_later(source: Source, project: Path) -> None:
    resolve_on_a_branch(source, project)
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert (project / "README.md").read_text() == RESOLVED
    assert (project / "notes.txt").read_text().startswith("a v3 note\n")
    assert git("status", "--porcelain", "--untracked-files=no", cwd=project) == ""
    assert git("rev-parse", "HEAD^2", cwd=project) == git(
        "rev-parse", "portkit/template", cwd=project
    )
    assert result.notes == [
        "Resolved as you resolved them before (git rerere): README.md. "
        "Review with `git show` (or `git diff --cached` before committing)."
    ]
    assert git("config", "--local", "rerere.enabled", cwd=project) == "true"
    assert git("config", "--local", "rerere.autoUpdate", cwd=project) == "true"
    assert "turns on git's rerere" in (project / ".portkit.yml").read_text()


def test_replayed_resolution_left_staged_with_no_commit(source: Source, project: Path) -> None:
    resolve_on_a_branch(source, project)
    head = git("rev-parse", "HEAD", cwd=project)
    result = update(source, project, commit=False)
    assert result.outcome is Outcome.STAGED
    assert git("rev-parse", "HEAD", cwd=project) == head
    assert "M  README.md" in git("status", "--porcelain", cwd=project).splitlines()
    assert (project / "README.md").read_text() == RESOLVED


def test_forget_resolutions_brings_the_conflict_back(source: Source, project: Path) -> None:
    resolve_on_a_branch(source, project)
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project, forget_resolutions=True)
    assert caught.value.conflicts == ["README.md"]
    assert (project / "README.md").read_text() == CONFLICTED
    assert "Note: Forgot 1 remembered resolution(s)." in caught.value.notes


CORRUPTIONS = {
    "cache-is-a-file": ("rr-cache", "not a folder\n", "rr-cache is not a folder"),
    "merge-rr-garbage": ("MERGE_RR", "garbage", "MERGE_RR is unreadable"),
    "entry-is-a-file": ("rr-cache/" + "0" * 40, "garbage", "its entry 000000000000 is damaged"),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupted_cache_is_moved_aside_with_a_warning(
    source: Source, project: Path, corruption: str
) -> None:
    name, text, problem = CORRUPTIONS[corruption]
    write_tree(project / ".git", {name: text})
    moved = name.split("/")[0]
    commit_edits(project, {"README.md": MINE})
    source.release({"README.md": THEIRS_V2})
    with pytest.raises(UpdateConflictError) as caught:  # a conflict, not a failed update
        update(source, project)
    assert caught.value.conflicts == ["README.md"]
    assert caught.value.notes[0] == (
        f"Warning: Your remembered resolutions were damaged ({problem}): moved aside to "
        f".git/{moved}.damaged, and this update started afresh. "
        "`portkit update --forget-resolutions` deletes them."
    )
    damaged = project / ".git" / f"{moved}.damaged"
    assert (damaged / name.partition("/")[2] if "/" in name else damaged).read_text() == text
    (project / "README.md").write_text(RESOLVED)
    git("add", "README.md", cwd=project)
    committed = subprocess.run(
        ["git", "commit", "--quiet", "--no-edit"], cwd=project, capture_output=True, text=True
    )
    assert (committed.returncode, committed.stderr) == (
        0,
        "Recorded resolution for 'README.md'.\n",
    )


@pytest.mark.parametrize("source", ["copier"], indirect=True)
def test_cli_reports_a_replayed_resolution_and_exits_0(source: Source, project: Path) -> None:
    resolve_on_a_branch(source, project)
    result = run_portkit("update", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "Note: Resolved as you resolved them before (git rerere): README.md. "
        "Review with `git show` (or `git diff --cached` before committing)."
    )
    assert "Merged into main as " in result.stdout


@pytest.mark.parametrize("source", ["copier"], indirect=True)
def test_cli_warns_about_a_corrupted_cache(source: Source, project: Path) -> None:
    (project / ".git" / "rr-cache").write_text("not a folder\n")
    source.release({"notes.txt": "v2 notes\n"})
    result = run_portkit("update", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Warning: Your remembered resolutions were damaged (rr-cache is not a folder)" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("source", ["copier"], indirect=True)
def test_forget_resolutions_cannot_go_with_a_dry_run(source: Source, project: Path) -> None:
    result = run_portkit("update", "--dry-run", "--forget-resolutions", cwd=project)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "Error: --forget-resolutions deletes remembered resolutions; a dry run changes nothing."
    )


def test_users_global_attributes_keep_working(
    source: Source, project: Path, isolated_environment: Path
) -> None:
    """portkit replaces core.attributesFile for its merge only, and copies the user's into it."""
    attributes = isolated_environment / "my-attributes"
    attributes.write_text("keep.txt merge=union\n")
    git("config", "--global", "core.attributesFile", str(attributes), cwd=project)
    commit_edits(project, {"keep.txt": "keep\nmine\n"})
    source.release({"keep.txt": "keep\ntheirs\n"})
    result = update(source, project)  # a conflict without the user's union merge
    assert result.outcome is Outcome.MERGED
    assert (project / "keep.txt").read_text() == "keep\nmine\ntheirs\n"


def test_a_portkit_folder_in_the_project_never_runs_as_the_driver(
    source: Source, project: Path
) -> None:
    """Git runs merge drivers in the project's folder; its files are not portkit's code."""
    trap = "from pathlib import Path\nPath('TRAPPED').write_text('ran')\n"
    commit_edits(
        project,
        {
            "portkit/__init__.py": trap,
            "portkit/merge_driver.py": trap,
            "pyproject.toml": edited(PYPROJECT, ADD_HTTPX),
        },
    )
    source.release({"pyproject.toml": edited(PYPROJECT, BUMP)})
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert "pyproject.toml: merged entry by entry, both sides' changes kept." in result.notes
    assert not (project / "TRAPPED").exists()
