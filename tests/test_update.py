"""`portkit update` scenarios, in-process, for a copier, a cookiecutter and a built-in template.

Each template source is an adapter that writes the same logical template (README rendered from
the answers, static notes, a file later removed) in its engine's syntax and releases new versions:
a new tag for git templates, a changed templates folder (a newer portkit) for built-ins.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import (
    NOTES,
    V1_FILES,
    V1_QUESTIONS,
    BuiltinSource,
    CopierSource,
    Source,
    git,
    write_tree,
)

from portkit.catalog import Catalog
from portkit.errors import DirtyTreeError, ProjectError, UpdateConflictError, UsageError
from portkit.models import NewRequest
from portkit.new import new_project
from portkit.update import BaseSource, Outcome, UpdateRequest, UpdateResult, update_project


@pytest.fixture
def project(source: Source, tmp_path: Path) -> Path:
    return source.new(tmp_path / "project")


def update(source: Source, project: Path, **options: object) -> UpdateResult:
    return update_project(UpdateRequest(project=project, **options), source.catalog())  # type: ignore[arg-type]


def commit_edits(project: Path, files: dict[str, str | None], message: str = "my edits") -> None:
    for relative, text in files.items():
        if text is None:
            git("rm", "--quiet", relative, cwd=project)
        else:
            write_tree(project, {relative: text})
            git("add", relative, cwd=project)
    git("commit", "--quiet", "-m", message, cwd=project)


def state(project: Path) -> dict[str, object]:
    """Everything an update must leave alone when it refuses or is aborted."""
    files = {
        str(p.relative_to(project)): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }
    return {
        "head": git("rev-parse", "HEAD", cwd=project),
        "refs": git("for-each-ref", "--format=%(refname) %(objectname)", cwd=project),
        "status": git("status", "--porcelain", "--untracked-files=all", cwd=project),
        "files": files,
    }


def recorded(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / ".portkit.yml").read_text())
    return loaded


# --- scenarios ---------------------------------------------------------------------------------


def test_clean_update_keeps_user_edits(source: Source, project: Path) -> None:
    commit_edits(project, {"keep.txt": "keep\nmy own line\n", "src/mine.py": "x = 1\n"})
    source.release(
        {
            "README.md": "# %project_name%\n\nMade from the template, version 2.\n",
            "new.txt": "added in v2\n",
        }
    )
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert result.base_source is BaseSource.BRANCH
    assert (project / "keep.txt").read_text() == "keep\nmy own line\n"
    assert (project / "src/mine.py").read_text() == "x = 1\n"
    assert (project / "README.md").read_text() == "# Demo\n\nMade from the template, version 2.\n"
    assert (project / "new.txt").read_text() == "added in v2\n"
    assert git("status", "--porcelain", cwd=project) == ""
    assert result.commit == git("rev-parse", "HEAD", cwd=project)
    parents = git("rev-list", "--parents", "-n1", "HEAD", cwd=project).split()[1:]
    assert parents[1] == git("rev-parse", "portkit/template", cwd=project)
    subject = git("log", "-1", "--format=%s", cwd=project)
    assert subject.startswith(("Update ", "Re-render "))
    assert {c.path for c in result.changes} >= {"README.md", "new.txt"}
    if source.kind != "builtin":
        assert recorded(project)["version"] == "v2"
        assert result.old_version == "v1" and result.new_version == "v2"


def test_conflicting_edit_and_abort_restores_exactly(source: Source, project: Path) -> None:
    commit_edits(project, {"README.md": "# Demo\n\nMy own introduction.\n"})
    (project / "scratch.txt").write_text("untracked work\n")
    before = state(project)
    before_template = git("rev-parse", "portkit/template", cwd=project)
    source.release({"README.md": "# %project_name%\n\nThe template's new introduction.\n"})
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project)
    assert caught.value.exit_code == 3
    assert caught.value.conflicts == ["README.md"]
    text = (project / "README.md").read_text()
    assert "<<<<<<<" in text and "My own introduction." in text
    assert "The template's new introduction." in text
    # the template branch has not moved yet: it moves only once the merge is committed
    assert git("rev-parse", "portkit/template", cwd=project) == before_template
    assert git("rev-parse", "MERGE_HEAD^", cwd=project) == before_template
    git("merge", "--abort", cwd=project)
    assert state(project) == before  # HEAD, every ref, the index and the files
    # the next run offers the same update again
    again = update(source, project, dry_run=True)
    assert "README.md" in {change.path for change in again.changes}
    assert again.conflicts == ["README.md"]


def conflict_on_readme(source: Source, project: Path) -> UpdateConflictError:
    """Update into a README conflict and resolve it, ready to commit."""
    commit_edits(project, {"README.md": "# Demo\n\nMy own introduction.\n"})
    source.release({"README.md": "# %project_name%\n\nThe template's new introduction.\n"})
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project)
    (project / "README.md").write_text("# Demo\n\nBoth introductions, merged by hand.\n")
    git("add", "README.md", cwd=project)
    return caught.value


def resolve_readme_conflict(source: Source, project: Path) -> str:
    """Update into a README conflict, resolve it and commit; return the merged render."""
    conflict_on_readme(source, project)
    render = git("rev-parse", "MERGE_HEAD", cwd=project)
    git("commit", "--quiet", "--no-edit", cwd=project)
    return render


def hook_files(project: Path, hooks: str = ".git/hooks") -> list[str]:
    """What portkit may leave in the git folder while a merge it started is pending."""
    names = [f"{hooks}/post-commit", ".git/portkit-pending-render"]
    return [name for name in names if (project / name).exists()]


@pytest.mark.parametrize(
    "conclude",
    [
        ["commit", "--quiet", "--no-edit"],
        ["commit", "--quiet", "--no-verify", "--no-edit"],
        ["-c", "core.editor=true", "merge", "--continue"],
    ],
    ids=["commit", "no-verify", "merge-continue"],
)
def test_committing_the_resolved_merge_moves_the_template_branch_at_once(
    source: Source, project: Path, conclude: list[str]
) -> None:
    conflict = conflict_on_readme(source, project)
    assert "portkit/template then moves to the new render" in conflict.hint
    render = git("rev-parse", "MERGE_HEAD", cwd=project)
    git(*conclude, cwd=project)
    # right after the commit, before any portkit command: a push now sends the right branch
    assert git("rev-parse", "portkit/template", cwd=project) == render
    assert git("rev-parse", "HEAD^2", cwd=project) == render
    assert hook_files(project) == []
    assert git("status", "--porcelain", cwd=project) == ""
    # git rerere, which `portkit update` turns on, recorded the resolution for next time
    assert [p.name for p in (project / ".git/rr-cache").glob("*/postimage")] == ["postimage"]


def test_abort_then_an_unrelated_commit_leaves_the_template_branch_and_removes_the_hook(
    source: Source, project: Path
) -> None:
    tip = git("rev-parse", "portkit/template", cwd=project)
    commit_edits(project, {"README.md": "# Demo\n\nMy own introduction.\n"})
    before = state(project)
    source.release({"README.md": "# %project_name%\n\nThe template's new introduction.\n"})
    with pytest.raises(UpdateConflictError):
        update(source, project)
    assert hook_files(project) == [".git/hooks/post-commit", ".git/portkit-pending-render"]
    git("merge", "--abort", cwd=project)
    assert state(project) == before  # refs, index and work tree: the hook lives in .git only
    commit_edits(project, {"keep.txt": "keep\nlater work\n"}, "unrelated")
    assert git("rev-parse", "portkit/template", cwd=project) == tip
    assert hook_files(project) == []


def test_leftover_hook_after_an_abort_is_removed_by_the_next_update(
    source: Source, project: Path
) -> None:
    commit_edits(project, {"README.md": "# Demo\n\nMy own introduction.\n"})
    source.release({"README.md": "# %project_name%\n\nThe template's new introduction.\n"})
    with pytest.raises(UpdateConflictError):
        update(source, project)
    git("reset", "--quiet", "--merge", cwd=project)  # an abort by another name
    assert update(source, project, dry_run=True).conflicts == ["README.md"]  # only reads
    assert len(hook_files(project)) == 2
    commit_edits(project, {"README.md": "# Demo\n\nThe template's new introduction.\n"})
    assert update(source, project).outcome is Outcome.MERGED
    assert hook_files(project) == []


def test_users_own_post_commit_hook_is_kept_and_the_next_update_moves_the_branch(
    source: Source, project: Path
) -> None:
    hook = project / ".git/hooks/post-commit"
    script = "#!/bin/sh\necho ran >> .git/my-hook-ran\nexit 5\n"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(script)
    hook.chmod(0o755)
    conflict = conflict_on_readme(source, project)
    assert "run `portkit update` once more" in conflict.hint
    assert "your own post-commit hook is kept" in conflict.hint
    assert hook.read_text() == script and hook.stat().st_mode & 0o777 == 0o755
    assert not (project / ".git/portkit-pending-render").exists()
    tip = git("rev-parse", "portkit/template", cwd=project)
    render = git("rev-parse", "MERGE_HEAD", cwd=project)
    ran = (project / ".git/my-hook-ran").read_text()  # by the user's edits in conflict_on_readme
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert (project / ".git/my-hook-ran").read_text() == ran + "ran\n"
    assert git("rev-parse", "portkit/template", cwd=project) == tip  # the fallback: not yet
    assert update(source, project).outcome is Outcome.UP_TO_DATE
    assert git("rev-parse", "portkit/template", cwd=project) == render
    assert hook.read_text() == script


def test_hooks_path_outside_the_project_gets_the_hook(
    source: Source, project: Path, tmp_path: Path
) -> None:
    hooks = tmp_path / "my-hooks"
    git("config", "core.hooksPath", str(hooks), cwd=project)
    conflict_on_readme(source, project)
    assert (hooks / "post-commit").is_file()
    assert not (project / ".git/hooks/post-commit").exists()
    render = git("rev-parse", "MERGE_HEAD", cwd=project)
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert git("rev-parse", "portkit/template", cwd=project) == render
    assert list(hooks.iterdir()) == []


@pytest.mark.parametrize(
    ("hooks_path", "reason"),
    [
        (".githooks", "core.hooksPath is inside the project"),
        ("/dev/null", "the git hooks folder cannot be written"),
    ],
    ids=["inside-the-project", "dev-null"],
)
def test_no_hook_where_it_cannot_go_and_the_next_update_moves_the_branch(
    source: Source, project: Path, hooks_path: str, reason: str
) -> None:
    git("config", "core.hooksPath", hooks_path, cwd=project)
    conflict = conflict_on_readme(source, project)
    assert reason in conflict.hint
    assert not (project / ".githooks").exists()
    assert hook_files(project) == []
    render = git("rev-parse", "MERGE_HEAD", cwd=project)
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert update(source, project).outcome is Outcome.UP_TO_DATE
    assert git("rev-parse", "portkit/template", cwd=project) == render


def test_template_branch_moved_during_the_merge_is_not_overwritten(
    source: Source, project: Path
) -> None:
    conflict_on_readme(source, project)
    elsewhere = git("rev-parse", "HEAD", cwd=project)
    git("update-ref", "refs/heads/portkit/template", elsewhere, cwd=project)
    committed = subprocess.run(
        ["git", "commit", "--quiet", "--no-edit"], cwd=project, capture_output=True, text=True
    )
    assert committed.returncode == 0
    assert committed.stderr == (
        "Recorded resolution for 'README.md'.\n"  # git rerere, which `portkit update` turns on
        "portkit: portkit/template was moved during the merge; left where it is.\n"
    )
    assert git("rev-parse", "portkit/template", cwd=project) == elsewhere
    assert hook_files(project) == []


def test_resolved_conflict_moves_the_template_branch_and_is_the_next_base(
    source: Source, project: Path
) -> None:
    render = resolve_readme_conflict(source, project)
    assert git("rev-parse", "HEAD^2", cwd=project) == render
    head = git("rev-parse", "HEAD", cwd=project)
    # the next update finds the merged render: nothing to do, and the branch moves to it
    result = update(source, project)
    assert result.outcome is Outcome.UP_TO_DATE
    assert git("rev-parse", "portkit/template", cwd=project) == render
    assert git("rev-parse", "HEAD", cwd=project) == head
    # and it is the base of the update after: the resolved README is not re-opened
    source.release({"new.txt": "added in v3\n"})
    assert update(source, project).outcome is Outcome.MERGED
    assert (project / "README.md").read_text() == "# Demo\n\nBoth introductions, merged by hand.\n"
    assert (project / "new.txt").read_text() == "added in v3\n"


def test_resolved_conflict_pushed_at_once_gives_clones_the_right_base(
    source: Source, project: Path, tmp_path: Path
) -> None:
    """`git push origin main portkit/template` right after the commit, then update in a clone."""
    render = resolve_readme_conflict(source, project)
    remote = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    git("push", "--quiet", str(remote), "main", "portkit/template", cwd=project)
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(remote), str(clone), cwd=tmp_path)
    source.release({"new.txt": "added in v3\n"})
    result = update(source, clone)
    assert result.outcome is Outcome.MERGED
    assert {change.path for change in result.changes} == {".portkit.yml", "new.txt"} - (
        {".portkit.yml"} if source.kind == "builtin" else set()
    )
    assert (clone / "README.md").read_text() == "# Demo\n\nBoth introductions, merged by hand.\n"
    assert git("rev-parse", "portkit/template^", cwd=clone) == render


def test_staged_merge_committed_later_moves_the_template_branch(
    source: Source, project: Path
) -> None:
    before = state(project)
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    assert update(source, project, commit=False).outcome is Outcome.STAGED
    git("merge", "--abort", cwd=project)
    assert state(project) == before
    assert update(source, project, commit=False).outcome is Outcome.STAGED
    render = git("rev-parse", "MERGE_HEAD", cwd=project)
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert git("rev-parse", "portkit/template", cwd=project) == render  # at once
    assert hook_files(project) == []
    assert update(source, project).outcome is Outcome.UP_TO_DATE
    assert git("rev-parse", "portkit/template", cwd=project) == render


def test_file_deleted_by_user_stays_deleted(source: Source, project: Path) -> None:
    commit_edits(project, {"keep.txt": None})
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    assert update(source, project).outcome is Outcome.MERGED
    assert not (project / "keep.txt").exists()
    assert "keep.txt" not in git("ls-files", cwd=project).split()


def test_user_modified_file_deleted_by_template_is_a_conflict(
    source: Source, project: Path
) -> None:
    commit_edits(project, {"old.txt": "the template drops this file in v2\nbut I changed it\n"})
    source.release({"old.txt": None})
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project)
    assert caught.value.conflicts == ["old.txt"]
    assert "but I changed it" in (project / "old.txt").read_text()
    assert git("status", "--porcelain", "old.txt", cwd=project).startswith("UD")


def test_rename_by_template_keeps_the_users_edit(source: Source, project: Path) -> None:
    commit_edits(project, {"notes.txt": NOTES + "my note\n"})
    source.release({"notes.txt": None, "docs/notes.txt": NOTES})
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert not (project / "notes.txt").exists()
    assert (project / "docs/notes.txt").read_text() == NOTES + "my note\n"
    assert any(c.status == "renamed" and c.old_path == "notes.txt" for c in result.changes)


def test_rename_and_rewrite_by_template_is_a_modify_delete_conflict(
    source: Source, project: Path
) -> None:
    """Beyond git's rename threshold the rename is a deletion plus a new file (docs/update.md)."""
    commit_edits(project, {"notes.txt": NOTES + "my note\n"})
    rewritten = "".join(f"entirely new line {n}\n" for n in range(1, 9))
    source.release({"notes.txt": None, "docs/notes.txt": rewritten})
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project)
    assert caught.value.conflicts == ["notes.txt"]
    assert (project / "notes.txt").read_text() == NOTES + "my note\n"
    assert (project / "docs/notes.txt").read_text() == rewritten


def test_new_question_takes_its_default(source: Source, project: Path) -> None:
    source.release({"LICENSE": "Licence: %licence%\n"}, {"licence": "MIT"})
    update(source, project)
    assert (project / "LICENSE").read_text() == "Licence: MIT\n"
    assert recorded(project)["answers"]["licence"] == "MIT"  # type: ignore[index]


def test_answer_changed_with_data(source: Source, project: Path) -> None:
    commit_edits(project, {"keep.txt": "keep\nedited\n"})
    result = update(source, project, data={"project_name": "Fraud API"})
    assert result.outcome is Outcome.MERGED
    assert (project / "README.md").read_text().startswith("# Fraud API\n")
    assert recorded(project)["answers"]["project_name"] == "Fraud API"  # type: ignore[index]
    assert (project / "keep.txt").read_text() == "keep\nedited\n"
    again = update(source, project)
    assert again.outcome is Outcome.UP_TO_DATE  # the new answer is now the recorded one


def test_dirty_tree_refused_and_nothing_touched(source: Source, project: Path) -> None:
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    (project / "keep.txt").write_text("uncommitted\n")
    before = state(project)
    with pytest.raises(DirtyTreeError) as caught:
        update(source, project)
    assert caught.value.paths == ["keep.txt"]
    assert state(project) == before
    git("add", "keep.txt", cwd=project)  # staged counts too
    with pytest.raises(DirtyTreeError):
        update(source, project)


def test_untracked_file_survives(source: Source, project: Path) -> None:
    write_tree(project, {"scratch.txt": "mine\n", "data/raw.csv": "a,b\n"})
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n", "new.txt": "new\n"})
    assert update(source, project).outcome is Outcome.MERGED
    assert (project / "scratch.txt").read_text() == "mine\n"
    assert (project / "data/raw.csv").read_text() == "a,b\n"
    assert git("status", "--porcelain", cwd=project) == "?? data/\n?? scratch.txt"


def test_untracked_file_in_the_way_is_named_and_nothing_touched(
    source: Source, project: Path
) -> None:
    write_tree(project, {"new.txt": "my untracked file\n"})
    source.release({"new.txt": "added by the template\n"})
    before = state(project)
    with pytest.raises(ProjectError, match=r"overwrite untracked file.*new\.txt"):
        update(source, project)
    assert state(project) == before


def test_update_right_after_new_is_a_no_op(source: Source, project: Path) -> None:
    before = state(project)
    result = update(source, project)
    assert result.outcome is Outcome.UP_TO_DATE
    assert result.changes == [] and result.commit is None
    assert state(project) == before


def test_missing_template_branch_is_recovered_from_history(source: Source, project: Path) -> None:
    commit_edits(project, {"keep.txt": "keep\nmine\n"})
    git("branch", "-D", "portkit/template", cwd=project)
    if source.kind == "builtin":
        # the same portkit can re-render the recorded version: the branch comes back, no commit
        head = git("rev-parse", "HEAD", cwd=project)
        result = update(source, project)
        assert result.outcome is Outcome.UP_TO_DATE
        assert result.base_source is BaseSource.HISTORY
        assert git("rev-parse", "HEAD", cwd=project) == head
        assert git("rev-parse", "portkit/template", cwd=project) == git(
            "rev-list", "--max-parents=0", "HEAD", cwd=project
        )
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    result = update(source, project)
    assert result.outcome is Outcome.MERGED
    assert (project / "README.md").read_text() == "# Demo\n\nVersion 2.\n"
    assert (project / "keep.txt").read_text() == "keep\nmine\n"


def test_missing_template_branch_taken_from_origin(
    source: Source, project: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(project), str(clone), cwd=tmp_path)
    assert "portkit/template" not in git("branch", "--list", cwd=clone)
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    result = update(source, clone)
    assert result.base_source is BaseSource.REMOTE
    assert result.outcome is Outcome.MERGED
    parents = git("rev-list", "--parents", "-n1", "HEAD", cwd=clone).split()
    assert parents[2] == git("rev-parse", "portkit/template", cwd=clone)
    assert (clone / "README.md").read_text() == "# Demo\n\nVersion 2.\n"


def test_template_branch_rebuilt_when_history_has_no_render(source: Source, tmp_path: Path) -> None:
    """A project whose history was squashed: the base is re-rendered and grafted in."""
    project = source.new(tmp_path / "project")
    shutil.rmtree(project / ".git")
    git("init", "--quiet", cwd=project)
    (project / "keep.txt").write_text("keep\nmine\n")
    (project / "README.md").write_text("# Demo\n\nMy README.\n")
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "my project", cwd=project)
    if source.kind == "builtin":
        # only this portkit's templates can rebuild the base, so rebuild it before they change
        head = git("rev-parse", "HEAD", cwd=project)
        result = update(source, project)
        assert (result.outcome, result.base_source) == (Outcome.UP_TO_DATE, BaseSource.REBUILT)
        assert git("rev-parse", "HEAD", cwd=project) == head
        assert git("rev-list", "--count", "portkit/template", cwd=project) == "1"
    source.release(
        {
            "README.md": "# %project_name%\n\nThe template's README.\n",
            "notes.txt": NOTES.replace("note line 8", "note line eight"),
        }
    )
    with pytest.raises(UpdateConflictError) as caught:
        update(source, project)
    assert caught.value.conflicts == ["README.md"]
    assert (project / "keep.txt").read_text() == "keep\nmine\n"  # not a conflict: base known
    assert "note line eight" in (project / "notes.txt").read_text()
    git("merge", "--abort", cwd=project)
    assert (project / "README.md").read_text() == "# Demo\n\nMy README.\n"
    assert git("status", "--porcelain", cwd=project) == ""
    # resolve for real this time; the next update then has an ordinary merge base
    with pytest.raises(UpdateConflictError):
        update(source, project)
    (project / "README.md").write_text("# Demo\n\nMy README, merged.\n")
    git("add", "README.md", cwd=project)
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert len(git("rev-list", "--parents", "-n1", "HEAD", cwd=project).split()) == 3
    source.release({"new.txt": "v3\n"})
    assert update(source, project).outcome is Outcome.MERGED
    assert (project / "README.md").read_text() == "# Demo\n\nMy README, merged.\n"
    assert (project / "new.txt").read_text() == "v3\n"


def test_no_commit_leaves_the_merge_staged(source: Source, project: Path) -> None:
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    head = git("rev-parse", "HEAD", cwd=project)
    result = update(source, project, commit=False)
    assert result.outcome is Outcome.STAGED and result.commit is None
    assert git("rev-parse", "HEAD", cwd=project) == head
    assert "M  README.md" in git("status", "--porcelain", cwd=project).splitlines()
    git("commit", "--quiet", "--no-edit", cwd=project)
    assert len(git("rev-list", "--parents", "-n1", "HEAD", cwd=project).split()) == 3


def test_dry_run_lists_changes_and_conflicts_without_touching(
    source: Source, project: Path
) -> None:
    commit_edits(project, {"README.md": "# Demo\n\nMine.\n"})
    source.release(
        {"README.md": "# %project_name%\n\nTheirs.\n", "new.txt": "n\n", "old.txt": None}
    )
    before = state(project)
    result = update(source, project, dry_run=True)
    assert result.outcome is Outcome.PREVIEW
    assert {(c.status, c.path) for c in result.changes} >= {
        ("modified", "README.md"),
        ("added", "new.txt"),
        ("deleted", "old.txt"),
    }
    assert result.conflicts == ["README.md"]
    assert state(project) == before
    assert len(git("worktree", "list", cwd=project).splitlines()) == 1


def test_mid_merge_refused(source: Source, project: Path) -> None:
    commit_edits(project, {"README.md": "# Demo\n\nMine.\n"})
    source.release({"README.md": "# %project_name%\n\nTheirs.\n"})
    with pytest.raises(UpdateConflictError):
        update(source, project)
    with pytest.raises(ProjectError, match="middle of a merge"):
        update(source, project)


def test_to_picks_a_version_for_git_templates(source: Source, project: Path) -> None:
    source.release({"README.md": "# %project_name%\n\nVersion 2.\n"})
    source.release({"README.md": "# %project_name%\n\nVersion 3.\n"})
    if source.kind == "builtin":
        with pytest.raises(UsageError, match="--to only applies to git templates"):
            update(source, project, to="v2")
        return
    result = update(source, project, to="v2")
    assert result.new_version == "v2"
    assert (project / "README.md").read_text() == "# Demo\n\nVersion 2.\n"
    assert update(source, project).new_version == "v3"
    assert (project / "README.md").read_text() == "# Demo\n\nVersion 3.\n"


def test_not_a_portkit_project(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    with pytest.raises(ProjectError, match="not a portkit project"):
        update_project(UpdateRequest(project=folder), Catalog())


def test_plain_folder_cookiecutter_template(tmp_path: Path) -> None:
    """A template that is a plain folder (no git): what `copier update` and cruft cannot update."""
    from conftest import COOKIECUTTER_FIXTURE

    template = write_tree(tmp_path / "plain-cc", COOKIECUTTER_FIXTURE)
    project = tmp_path / "project"
    new_project(NewRequest(template=str(template), destination=project, defaults=True), Catalog())
    assert recorded(project)["source"] == "path"
    commit_edits(project, {"notes.txt": "static notes\nmine\n"})
    write_tree(template, {"{{cookiecutter.project_slug}}/CHANGELOG.md": "newer\n"})
    result = update_project(UpdateRequest(project=project), Catalog())
    assert result.outcome is Outcome.MERGED
    assert (project / "CHANGELOG.md").read_text() == "newer\n"
    assert (project / "notes.txt").read_text() == "static notes\nmine\n"
    assert update_project(UpdateRequest(project=project), Catalog()).outcome is Outcome.UP_TO_DATE


@pytest.fixture
def copier_project(tmp_path: Path) -> tuple[Source, Path]:
    source = CopierSource(tmp_path / "template")
    source.root.mkdir(parents=True)
    source.release(V1_FILES, V1_QUESTIONS)
    return source, source.new(tmp_path / "project")


def test_runs_from_a_subfolder_of_the_project(copier_project: tuple[Source, Path]) -> None:
    source, project = copier_project
    source.release({"new.txt": "v2\n"})
    (project / "src").mkdir()
    assert update(source, project / "src").outcome is Outcome.MERGED
    assert (project / "new.txt").is_file()


def test_refuses_detached_head_and_the_template_branch(
    copier_project: tuple[Source, Path],
) -> None:
    source, project = copier_project
    git("checkout", "--quiet", "portkit/template", cwd=project)
    with pytest.raises(ProjectError, match="You are on portkit/template"):
        update(source, project)
    git("checkout", "--quiet", "--detach", "main", cwd=project)
    with pytest.raises(ProjectError, match="HEAD is detached"):
        update(source, project)


def test_missing_branch_and_unavailable_version_explains_recovery(tmp_path: Path) -> None:
    source = BuiltinSource(tmp_path / "templates")
    source.release(V1_FILES, V1_QUESTIONS)
    project = source.new(tmp_path / "project")
    record = (project / ".portkit.yml").read_text().replace("version: ", "version: 0.0.1-", 1)
    commit_edits(project, {".portkit.yml": record}, "made by an older portkit")
    git("branch", "-D", "portkit/template", cwd=project)
    before = state(project)
    with pytest.raises(ProjectError, match="branch is missing") as caught:
        update(source, project)
    assert "git fetch origin portkit/template:portkit/template" in caught.value.hint
    assert state(project) == before


def test_secret_answers_take_their_default_unless_given_again(tmp_path: Path) -> None:
    """Secrets are not recorded: an update renders the default, even in a terminal, unless
    `--data` gives it again (docs/update.md, "Secret answers")."""
    from conftest import COPIER_FIXTURE, make_git_template

    files = {**COPIER_FIXTURE, "token.txt.jinja": "{{ api_token }}\n"}
    template = make_git_template(tmp_path / "tpl", files)
    project = tmp_path / "project"
    request = NewRequest(
        template=str(template), destination=project, data={"api_token": "given"}, defaults=True
    )
    new_project(request, Catalog())
    assert (project / "token.txt").read_text() == "given\n"
    assert "api_token" not in recorded(project)["answers"]  # type: ignore[operator]
    write_tree(template, {"CHANGELOG.md": "v2\n"})
    git("add", "--all", cwd=template)
    git("commit", "--quiet", "-m", "v2", cwd=template)
    git("tag", "v2", cwd=template)
    # interactive (a terminal) but no new question: nothing is asked, the secret is the default
    preview = update_project(
        UpdateRequest(project=project, interactive=True, dry_run=True), Catalog()
    )
    assert {c.path for c in preview.changes} == {".portkit.yml", "CHANGELOG.md", "token.txt"}
    given = update_project(
        UpdateRequest(project=project, interactive=True, data={"api_token": "given"}), Catalog()
    )
    assert given.outcome is Outcome.MERGED
    assert (project / "token.txt").read_text() == "given\n"
