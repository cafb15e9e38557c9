"""`portkit status`: each file against the render the project is on, and `--upstream`, for a
copier, a cookiecutter and a built-in template (the sources of test_update.py), then the CLI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import V1_FILES, Source, git, run_portkit, write_tree
from test_update import commit_edits, state

from portkit.errors import DirtyTreeError, ProjectError
from portkit.status import FileState, StatusRequest, StatusResult, project_status


@pytest.fixture
def project(source: Source, tmp_path: Path) -> Path:
    return source.new(tmp_path / "project")


def status(source: Source, project: Path, **options: object) -> StatusResult:
    return project_status(StatusRequest(project=project, **options), source.catalog())  # type: ignore[arg-type]


def states(result: StatusResult) -> dict[str, tuple[str, str | None]]:
    return {f.path: (f.state.value, f.old_path) for f in result.files}


def customise(project: Path) -> None:
    """One file of each kind: customised, deleted, renamed and edited, own (committed and not)."""
    git("mv", "notes.txt", "NOTES.md", cwd=project)
    commit_edits(
        project,
        {
            "README.md": "# Demo\n\nMy own introduction.\n",
            "old.txt": None,
            "NOTES.md": V1_FILES["notes.txt"] + "my note\n",  # type: ignore[operator]
            "src/mine.py": "x = 1\n",
        },
    )
    write_tree(project, {"scratch.txt": "untracked\n"})


def test_status_classifies_every_file_without_touching_anything(
    source: Source, project: Path
) -> None:
    customise(project)
    before = state(project)
    result = status(source, project)
    assert states(result) == {
        ".portkit.yml": ("template", None),
        "keep.txt": ("template", None),
        "README.md": ("customised", None),
        "NOTES.md": ("customised", "notes.txt"),
        "old.txt": ("deleted", None),
        "src/mine.py": ("own", None),
        "scratch.txt": ("own", None),
    }
    assert result.render == git("rev-parse", "portkit/template", cwd=project)
    assert result.upstream is None
    assert state(project) == before


def test_status_needs_no_render(source: Source, project: Path, tmp_path: Path) -> None:
    """The template may be gone: plain status reads git only."""
    customise(project)
    shutil.rmtree(source.root)
    assert states(status(source, project))["README.md"] == ("customised", None)


def test_status_follows_an_update(source: Source, project: Path) -> None:
    from test_update import update

    customise(project)
    source.release({"keep.txt": "keep\nkeep more\n", "new.txt": "new\n"})
    update(source, project)
    found = states(status(source, project))
    assert found["keep.txt"] == found["new.txt"] == ("template", None)
    assert found["README.md"] == ("customised", None)


def test_upstream_says_which_files_newer_versions_change(source: Source, project: Path) -> None:
    customise(project)
    (project / "scratch.txt").unlink()  # --upstream is a dry run: it wants a clean tree
    source.release(
        {
            "README.md": "# %project_name%\n\nThe template's new introduction.\n",
            "keep.txt": "keep\nkeep more\n",
            "notes.txt": V1_FILES["notes.txt"].replace("line 1\n", "line one\n"),  # type: ignore[union-attr]
            "new.txt": "new\n",
        }
    )
    before = state(project)
    result = status(source, project, upstream=True)
    assert result.upstream is not None
    assert {c.path for c in result.upstream.changes} >= {"README.md", "keep.txt", "new.txt"}
    marked = {f.path: (f.state, f.upstream, f.conflict) for f in result.files if f.upstream}
    expected = {
        "README.md": (FileState.CUSTOMISED, "modified", True),
        "keep.txt": (FileState.TEMPLATE, "modified", False),
        "NOTES.md": (FileState.CUSTOMISED, "modified", False),  # renamed here: merges cleanly
    }
    if source.kind != "builtin":  # a git template's version moves: .portkit.yml records it
        expected[".portkit.yml"] = (FileState.TEMPLATE, "modified", False)
    assert marked == expected
    assert state(project) == before


def test_upstream_with_uncommitted_changes_says_to_commit(source: Source, project: Path) -> None:
    (project / "keep.txt").write_text("dirty\n")
    assert states(status(source, project))["keep.txt"] == ("customised", None)
    with pytest.raises(DirtyTreeError):
        status(source, project, upstream=True)


def test_missing_template_branch_says_how_to_recover(source: Source, project: Path) -> None:
    git("branch", "-D", "portkit/template", cwd=project)
    with pytest.raises(ProjectError) as caught:
        status(source, project)
    assert "git fetch origin portkit/template:portkit/template" in caught.value.hint


# --- through the command line ------------------------------------------------------------------


@pytest.fixture
def made(workdir: Path, copier_template: Path) -> Path:
    result = run_portkit("new", str(copier_template), "proj", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return workdir / "proj"


def test_cli_status_text_and_json(made: Path, copier_template: Path) -> None:
    (made / "README.md").write_text("# Demo\n\nMine.\n")
    git("commit", "--quiet", "-am", "my readme", cwd=made)
    (made / "mine.txt").write_text("mine\n")
    render = git("rev-parse", "portkit/template", cwd=made)
    template = yaml.safe_load((made / ".portkit.yml").read_text())["template"]
    text = run_portkit("status", cwd=made)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        f"{template} v1: compared with its render {render[:12]} (portkit/template)",
        "  customised README.md",
        "  yours      mine.txt",
        "2 file(s) match the template; the others are listed above.",
    ]
    (made / "mine.txt").unlink()
    git("checkout", "portkit/template", "--", "README.md", cwd=made)
    assert run_portkit("status", cwd=made).stdout.endswith("\nAll 3 file(s) match the template.\n")
    (made / "mine.txt").write_text("mine\n")
    git("checkout", "HEAD", "--", "README.md", cwd=made)
    listed = run_portkit("status", "--all", cwd=made).stdout.splitlines()
    assert listed[1:4] == [
        "  template   .portkit.yml",
        "  customised README.md",
        "  yours      mine.txt",
    ]
    data = json.loads(run_portkit("status", "--json", cwd=made).stdout)
    assert data["version"] == "v1" and data["render"] == render and data["upstream"] is None
    assert {f["path"]: f["state"] for f in data["files"]} == {
        ".portkit.yml": "template",
        "README.md": "customised",
        "mine.txt": "own",
        "notes.txt": "template",
    }


def test_cli_status_upstream(made: Path, copier_template: Path) -> None:
    (made / "README.md").write_text("# Demo\n\nMine.\n")
    git("commit", "--quiet", "-am", "my readme", cwd=made)
    write_tree(
        copier_template,
        {
            "README.md.jinja": "# {{ project_name }}\n\nTheirs.\n",
            "notes.txt": "static notes\nmore\n",
        },
    )
    git("add", "--all", cwd=copier_template)
    git("commit", "--quiet", "-m", "v2", cwd=copier_template)
    git("tag", "v2", cwd=copier_template)
    result = run_portkit("status", "--upstream", cwd=made)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    template = yaml.safe_load((made / ".portkit.yml").read_text())["template"]
    at = lines.index(f"Changed upstream in {template} v2:")
    assert lines[at + 1 :] == [
        "  modified .portkit.yml  (unchanged by you: merges cleanly)",
        "  modified README.md     (customised by you: would conflict)",
        "  modified notes.txt     (unchanged by you: merges cleanly)",
    ]
    data = json.loads(run_portkit("status", "--upstream", "--json", cwd=made).stdout)
    assert data["upstream"]["version"] == "v2" and data["upstream"]["conflicts"] == ["README.md"]
    assert git("status", "--porcelain", cwd=made) == ""


def test_cli_status_not_a_project(workdir: Path) -> None:
    result = run_portkit("status", cwd=workdir)
    assert result.returncode == 1 and "is not a portkit project" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_imports_no_template_engine(made: Path) -> None:
    """No render, so none of the engines (half a second to import) is loaded."""
    import subprocess
    import sys

    from test_startup_imports import PROBE

    done = subprocess.run(
        [sys.executable, "-c", PROBE, "status"], cwd=made, capture_output=True, text=True
    )
    assert "HEAVY=\n" in done.stderr, done.stderr
    assert done.stdout.splitlines()[-1] == "All 3 file(s) match the template."  # it ran
