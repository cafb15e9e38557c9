"""`portkit add` / `portkit adopt` refusals: one line, non-zero, and nothing of the repo touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import COPIER_FIXTURE, git, make_git_template, run_portkit
from test_layers import base_project, hand_made, ok, one_error, release


def everything(project: Path) -> tuple[str, ...]:
    """HEAD, every ref, the index, the status (ignored and untracked too), a merge underway."""
    return (
        git("rev-parse", "HEAD", cwd=project),
        git("for-each-ref", "--format=%(refname) %(objectname)", cwd=project),
        git("ls-files", "--stage", cwd=project),
        git("status", "--porcelain", "--ignored", "--untracked-files=all", cwd=project),
        str(sorted(p.name for p in (project / ".git").iterdir() if p.name.startswith("MERGE"))),
    )


def ignore(project: Path, pattern: str) -> None:
    (project / ".gitignore").write_text(pattern + "\n")
    git("add", ".gitignore", cwd=project)
    git("commit", "-qm", "ignore", cwd=project)


def test_add_refuses_an_ignored_file_where_the_layer_needs_a_folder(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ignore(project, "secret.d")
    (project / "secret.d").write_text("MY PRECIOUS DATA\n")
    before = everything(project)
    result = run_portkit("add", str(layer_template), "secret.d", cwd=project)
    one_error(result, 1, "Error: The layer would overwrite 1 existing file(s): secret.d.")
    assert everything(project) == before
    assert (project / "secret.d").read_text() == "MY PRECIOUS DATA\n"


def test_adopt_refuses_ignored_files_where_the_template_has_folders(tmp_path: Path) -> None:
    files = {**COPIER_FIXTURE, "docs/guide.md": "guide\n", "tests/test_x.py": "x = 1\n"}
    template = make_git_template(tmp_path / "tpl", files)
    repo = hand_made(tmp_path)
    ignore(repo, "docs\ntests")
    (repo / "docs").write_text("my docs\n")
    (repo / "tests").write_text("my tests\n")
    before = everything(repo)
    result = run_portkit("adopt", str(template), cwd=repo)
    one_error(result, 1, "Error: Adopting would overwrite untracked file(s): docs, tests.")
    assert everything(repo) == before
    assert (repo / "docs").read_text() == "my docs\n"
    assert (repo / "tests").read_text() == "my tests\n"


def test_add_into_a_tracked_file_or_symlink_is_refused_before_any_merge(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "notes").write_text("my notes\n")
    (project / "link").symlink_to(outside)
    git("add", "notes", "link", cwd=project)
    git("commit", "-qm", "mine", cwd=project)
    before = everything(project)
    for subdir in ("notes", "link"):
        result = run_portkit("add", str(layer_template), subdir, cwd=project)
        one_error(result, 1, f"Error: The layer would overwrite 1 existing file(s): {subdir}.")
        assert everything(project) == before
    assert (project / "notes").read_text() == "my notes\n"
    assert list(outside.iterdir()) == []
    assert not list(project.glob("*~*"))


@pytest.mark.parametrize(
    "args",
    [
        ["my api"],
        ["."],
        ["./"],
        ["a..b"],
        ["x.lock"],
        ["ends."],
        ["sub/x.lock"],
        ["a:b"],
        ["a%b"],
        ["--name", "my api"],
        ["--name", "x.lock"],
        ["--name", "a..b"],
    ],
)
def test_a_layer_name_git_or_make_cannot_take_is_a_usage_error(
    tmp_path: Path, args: list[str]
) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    before = everything(project)
    result = run_portkit("add", str(layer_template), *args, cwd=project)
    one_error(result, 2, "Error: ")
    assert everything(project) == before


def test_a_dotted_or_underscored_layer_name_is_fine(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ok("add", str(layer_template), "api_v1.2", cwd=project)
    assert git("rev-parse", "--verify", "portkit/layer/api_v1.2", cwd=project)


def test_add_adopt_and_update_refuse_to_run_on_a_branch_of_pristine_renders(
    tmp_path: Path,
) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ok("add", str(layer_template), "rag", cwd=project)
    for render_branch in ("portkit/layer/rag", "portkit/template"):
        git("switch", "--quiet", render_branch, cwd=project)
        before = everything(project)
        for args in (["add", str(layer_template), "api3"], ["update"]):
            result = run_portkit(*args, cwd=project)
            one_error(result, 1, f"Error: You are on {render_branch}, which holds pristine")
            assert everything(project) == before
    git("switch", "--quiet", "portkit/layer/rag", cwd=project)
    git("update-ref", "-d", "refs/heads/portkit/template", cwd=project)  # so adopt would run
    before = everything(project)
    result = run_portkit("adopt", str(layer_template), cwd=project)
    one_error(result, 1, "Error: You are on portkit/layer/rag, which holds pristine")
    assert everything(project) == before


def test_a_portkit_project_nested_in_a_repository_is_no_layer(tmp_path: Path) -> None:
    template = make_git_template(tmp_path / "tpl", COPIER_FIXTURE)
    mono = hand_made(tmp_path)
    ok("new", str(template), str(mono / "proj"), "--defaults", cwd=tmp_path)
    shutil.rmtree(mono / "proj/.git")  # its files now tracked by the enclosing repository
    git("add", "-A", cwd=mono)
    git("commit", "-qm", "a project inside", cwd=mono)
    before = everything(mono)
    result = run_portkit("update", "proj", "--dry-run", cwd=mono)
    one_error(result, 1, f"Error: {mono / 'proj'} is inside the git repository {mono}, not its")
    assert "layers:" not in run_portkit("info", "proj", cwd=mono).stdout
    assert everything(mono) == before


def test_no_commit_over_several_layers_is_refused_before_any_layer_is_touched(
    tmp_path: Path,
) -> None:
    base_template, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ok("add", str(layer_template), "serving", cwd=project)
    release(base_template, {"notes.txt": "base v2\n"}, "v2")
    release(layer_template, {"notes.txt": "layer v2\n"}, "v2")
    before = everything(project)
    result = run_portkit("update", "--no-commit", cwd=project)
    one_error(result, 2, "Error: --no-commit stages one layer's merge; this project has 2 layers")
    assert everything(project) == before
    ok("update", "serving", "--no-commit", cwd=project)  # one layer: staged as before
    assert (project / "serving/notes.txt").read_text() == "layer v2\n"


def test_a_root_readme_that_is_not_utf8_stops_the_add_and_changes_nothing(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    (project / "README.md").write_bytes(b"# Caf\xe9\n")
    git("commit", "-qam", "latin-1", cwd=project)
    before = everything(project)
    result = run_portkit("add", str(layer_template), "sub", cwd=project)
    one_error(result, 1, f"Error: {project / 'README.md'} is not UTF-8 text")
    assert everything(project) == before
    assert (project / "README.md").read_bytes() == b"# Caf\xe9\n"


def test_messages_about_a_layers_branch_name_that_branch(tmp_path: Path) -> None:
    _, project = base_project(tmp_path)
    layer_template = make_git_template(tmp_path / "layer-tpl", COPIER_FIXTURE)
    ok("add", str(layer_template), "serving", cwd=project)
    release(layer_template, {"notes.txt": "layer v2\n"}, "v2")
    git("update-ref", "-d", "refs/heads/portkit/layer/serving", cwd=project)
    result = run_portkit("update", "serving", "--no-commit", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Recovered portkit/layer/serving from your history" in result.stderr
    assert "Rebuilding portkit/layer/serving from" in result.stderr
    assert "portkit/layer/serving then moves to the new render" in result.stdout
    assert "portkit/template" not in result.stdout + result.stderr
