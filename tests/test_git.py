"""`portkit.git.Repository`: each named operation against a real repository in tmp_path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git, write_tree

from portkit.git import Repository
from portkit.models import FileChange


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    """A repository on `main` with one commit: a.txt, b.txt and a .gitignore for *.log."""
    root = write_tree(
        tmp_path / "repo", {"a.txt": "a\n", "b.txt": "one\ntwo\nthree\n", ".gitignore": "*.log\n"}
    )
    made = Repository.init(root, "main")
    made.commit_all("Start")
    return made


def commit(repo: Repository, files: dict[str, str], message: str = "Change") -> str:
    write_tree(repo.root, files)
    return repo.commit_all(message)


def folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    return write_tree(tmp_path / name, files)


# --- finding, creating, refs ------------------------------------------------------------------


def test_containing_finds_the_top_folder_and_none_outside(repo: Repository, tmp_path: Path) -> None:
    (repo.root / "sub").mkdir()
    found = Repository.containing(repo.root / "sub")
    assert found is not None and found.root == repo.root.resolve()
    (tmp_path / "plain").mkdir()
    assert Repository.containing(tmp_path / "plain") is None


def test_init_commit_all_and_create_branch(tmp_path: Path) -> None:
    made = Repository.init(write_tree(tmp_path / "new", {"x.txt": "x\n"}), "portkit/template")
    assert not made.has_commits()
    first = made.commit_all("Render it")
    made.create_branch("main")
    assert made.has_commits() and made.head() == first
    assert made.current_branch() == "main"
    assert made.resolve("portkit/template") == first
    assert git("log", "-1", "--format=%s", cwd=made.root) == "Render it"


def test_current_branch_is_none_when_detached(repo: Repository) -> None:
    git("checkout", "--quiet", "--detach", cwd=repo.root)
    assert repo.current_branch() is None


def test_resolve_update_and_delete_ref(repo: Repository) -> None:
    assert repo.resolve("refs/heads/other") is None
    repo.update_ref("refs/heads/other", repo.head(), message="portkit update")
    assert repo.resolve("refs/heads/other") == repo.head()
    assert "portkit update" in git("reflog", "show", "refs/heads/other", cwd=repo.root)
    repo.delete_ref("refs/heads/other")
    repo.delete_ref("refs/heads/other")  # already gone: no error
    assert repo.resolve("refs/heads/other") is None


def test_merge_base_is_none_for_unrelated_histories(repo: Repository, tmp_path: Path) -> None:
    start = repo.head()
    later = commit(repo, {"c.txt": "c\n"})
    assert repo.merge_base(start, later) == start
    tree = repo.snapshot(folder(tmp_path, "other", {"z.txt": "z\n"}), tmp_path / "scratch")
    orphan = repo.commit_tree(tree, None, "Orphan")
    assert repo.merge_base("HEAD", orphan) is None


def test_tree_blob_first_parents_and_commit_with_tree(repo: Repository) -> None:
    start = repo.head()
    later = commit(repo, {"a.txt": "changed\n"})
    assert repo.first_parents(later) == [start, later]
    assert repo.commit_with_tree(repo.tree(start)) == start
    assert repo.commit_with_tree("0" * 40) is None
    assert repo.blob(start, "a.txt") == git("rev-parse", f"{start}:a.txt", cwd=repo.root)
    assert repo.blob(start, "missing.txt") == ""


def test_ancestry_reads_one_trailer(repo: Repository) -> None:
    start = repo.head()
    marked = commit(repo, {"c.txt": "c\n"}, "Render\n\nPortkit-Render: 2.0")
    plain = commit(repo, {"d.txt": "d\n"}, "Mine")
    found = {logged.id: logged for logged in repo.ancestry(start, "Portkit-Render")}
    assert set(found) == {marked, plain}
    assert found[marked].trailer == "2.0" and found[marked].parents == (start,)
    assert found[plain].trailer == ""


def test_git_paths_follow_core_hooks_path(repo: Repository, tmp_path: Path) -> None:
    hooks, record = repo.git_paths("hooks", "portkit-record")
    assert hooks == repo.git_dir / "hooks" and record == repo.git_dir / "portkit-record"
    git("config", "core.hooksPath", str(tmp_path / "elsewhere"), cwd=repo.root)
    assert repo.git_path("hooks") == tmp_path / "elsewhere"


# --- the work tree ----------------------------------------------------------------------------


def test_modified_tracked_files_lists_staged_modified_and_renamed_only(repo: Repository) -> None:
    write_tree(repo.root, {"a.txt": "edited\n", "new.txt": "untracked\n"})
    git("mv", "b.txt", "moved.txt", cwd=repo.root)
    assert sorted(repo.modified_tracked_files()) == ["a.txt", "moved.txt"]


def test_untracked_among_names_files_that_exist_untracked_or_ignored(repo: Repository) -> None:
    write_tree(repo.root, {"loose.txt": "x\n", "run.log": "ignored\n"})
    asked = ["a.txt", "loose.txt", "run.log", "absent.txt"]
    assert repo.untracked_among(asked) == ["loose.txt", "run.log"]
    assert repo.untracked_among([]) == []
    assert repo.untracked_files() == ["loose.txt"]  # ignored files are not listed here


def test_operation_in_progress_names_a_stopped_merge(repo: Repository) -> None:
    assert repo.operation_in_progress() is None
    git("checkout", "--quiet", "-b", "side", cwd=repo.root)
    commit(repo, {"a.txt": "side\n"})
    git("checkout", "--quiet", "main", cwd=repo.root)
    commit(repo, {"a.txt": "main\n"})
    stopped = repo.merge(repo.resolve("side") or "", "Merge", label="side-label")
    assert stopped.returncode == 1
    assert repo.operation_in_progress() == "a merge"
    assert repo.unmerged_files() == ["a.txt"]


def test_tracked_files_blobs_at_and_hash_files_agree(repo: Repository, tmp_path: Path) -> None:
    write_tree(repo.root, {"sub/.portkit.yml": "x: 1\n", "loose/.portkit.yml": "untracked\n"})
    git("add", "sub/.portkit.yml", cwd=repo.root)
    repo.commit_paths([], "Layer")
    assert repo.tracked_files("*.portkit.yml", "nothing/*.yml") == ["sub/.portkit.yml"]
    blobs = repo.blobs_at("HEAD", ["a.txt", "sub/.portkit.yml", "absent.txt"])
    assert set(blobs) == {"a.txt", "sub/.portkit.yml"}
    assert blobs["a.txt"] == git("rev-parse", "HEAD:a.txt", cwd=repo.root)
    copies = folder(tmp_path, "copies", {"same.txt": "a\n", "other.txt": "b\n"})
    hashed = repo.hash_files([copies / "same.txt", copies / "other.txt"])
    assert hashed[0] == blobs["a.txt"] and hashed[1] != blobs["a.txt"] and len(hashed) == 2
    written = subprocess.run(["git", "cat-file", "-e", hashed[1]], cwd=repo.root, check=False)
    assert written.returncode != 0  # hashed only, nothing written to the object store


# --- render-to-commit -------------------------------------------------------------------------


def test_snapshot_is_exactly_the_folder_with_ignore_rules(repo: Repository, tmp_path: Path) -> None:
    rendered = folder(
        tmp_path, "render", {".gitignore": "*.log\n", "a.txt": "a\n", "x.log": "no\n"}
    )
    tree = repo.snapshot(rendered, tmp_path / "scratch")
    listed = git("ls-tree", "--name-only", tree, cwd=repo.root).splitlines()
    assert listed == [".gitignore", "a.txt"]  # b.txt, absent from the folder, is absent
    assert not any(rendered.iterdir())  # consumed
    assert not (tmp_path / "scratch").exists()
    assert str(tmp_path / "scratch") not in git("worktree", "list", cwd=repo.root)


def test_commit_folder_commits_a_change_and_moves_no_ref(repo: Repository, tmp_path: Path) -> None:
    start = repo.head()
    same = folder(
        tmp_path, "same", {"a.txt": "a\n", "b.txt": "one\ntwo\nthree\n", ".gitignore": "*.log\n"}
    )
    assert repo.commit_folder(same, start, "Render", tmp_path / "s1") == start
    changed = folder(tmp_path, "changed", {"a.txt": "A\n", ".gitignore": "*.log\n"})
    made = repo.commit_folder(changed, start, "Render 2", tmp_path / "s2")
    assert made != start and repo.head() == start  # nothing moved
    assert git("log", "-1", "--format=%P %s", made, cwd=repo.root) == f"{start} Render 2"
    assert repo.changed_files(start, made) == [
        FileChange("modified", "a.txt"),
        FileChange("deleted", "b.txt"),
    ]


# --- diffs ------------------------------------------------------------------------------------


def test_changed_files_between_commits_detects_renames(repo: Repository) -> None:
    start = repo.head()
    git("mv", "b.txt", "renamed.txt", cwd=repo.root)
    write_tree(repo.root, {"a.txt": "changed\n", "added.txt": "new\n"})
    later = repo.commit_all("Change")
    assert repo.changed_files(start, start) == []
    assert sorted(repo.changed_files(start, later), key=lambda c: c.path) == [
        FileChange("modified", "a.txt"),
        FileChange("added", "added.txt"),
        FileChange("renamed", "renamed.txt", "b.txt"),
    ]


def test_changed_files_against_the_work_tree(repo: Repository) -> None:
    write_tree(repo.root, {"a.txt": "edited\n"})
    (repo.root / "b.txt").unlink()
    assert repo.changed_files(repo.head()) == [
        FileChange("modified", "a.txt"),
        FileChange("deleted", "b.txt"),
    ]
    assert repo.files_at("HEAD") == {".gitignore", "a.txt", "b.txt"}


# --- merges -----------------------------------------------------------------------------------


def branches(repo: Repository, ours: dict[str, str], theirs: dict[str, str]) -> str:
    """Commit THEIRS on a side branch and OURS on main; return the side commit."""
    git("checkout", "--quiet", "-b", "side", cwd=repo.root)
    side = commit(repo, theirs, "Theirs")
    git("checkout", "--quiet", "main", cwd=repo.root)
    commit(repo, ours, "Ours")
    return side


def test_predict_conflicts_touches_nothing(repo: Repository) -> None:
    side = branches(repo, {"b.txt": "ONE\ntwo\nthree\n"}, {"b.txt": "uno\ntwo\nthree\n"})
    head = repo.head()
    assert repo.predict_conflicts(side) == ["b.txt"]
    assert repo.head() == head and repo.operation_in_progress() is None
    clean = commit(repo, {"b.txt": "one\ntwo\nthree\n"}, "Back")
    assert repo.predict_conflicts(side) == []
    assert repo.head() == clean


def test_merge_commits_with_the_message_and_drops_the_label_ref(repo: Repository) -> None:
    side = branches(repo, {"a.txt": "ours\n"}, {"c.txt": "theirs\n"})
    merged = repo.merge(side, "Merge the render", label="portkit/update")
    assert merged.returncode == 0
    assert git("log", "-1", "--format=%s", cwd=repo.root) == "Merge the render"
    assert len(git("log", "-1", "--format=%P", cwd=repo.root).split()) == 2
    assert repo.resolve("refs/portkit/update") is None


def test_merge_with_conflicts_names_the_label_and_can_stage_only(repo: Repository) -> None:
    side = branches(repo, {"b.txt": "ONE\ntwo\nthree\n"}, {"b.txt": "uno\ntwo\nthree\n"})
    merged = repo.merge(side, "Merge", label="portkit/update", no_commit=True)
    assert merged.returncode == 1 and repo.unmerged_files() == ["b.txt"]
    assert ">>>>>>> portkit/update" in (repo.root / "b.txt").read_text()
    assert repo.resolve("MERGE_HEAD") == side


def test_merge_with_base_writes_merge_head_so_abort_and_commit_work(
    repo: Repository, tmp_path: Path
) -> None:
    """No common ancestor: BASE is named, and the result is an ordinary merge in progress."""
    base_tree = repo.snapshot(
        folder(tmp_path, "b0", {"b.txt": "one\ntwo\nthree\n"}), tmp_path / "s0"
    )
    base = repo.commit_tree(base_tree, None, "Base")
    new_tree = repo.snapshot(
        folder(tmp_path, "b1", {"b.txt": "one\ntwo\nthree\nfour\n"}), tmp_path / "s1"
    )
    new = repo.commit_tree(new_tree, base, "New")
    head = repo.head()
    staged = repo.merge(new, "Merge it", label="portkit/update", base=base, no_commit=True)
    assert staged.returncode == 0 and repo.resolve("MERGE_HEAD") == new
    assert (repo.git_dir / "MERGE_MSG").read_text() == "Merge it\n"
    git("merge", "--abort", cwd=repo.root)
    assert repo.head() == head and repo.modified_tracked_files() == []
    done = repo.merge(new, "Merge it", label="portkit/update", base=base)
    assert done.returncode == 0
    assert git("log", "-1", "--format=%P", cwd=repo.root).split() == [head, new]
    assert (repo.root / "b.txt").read_text() == "one\ntwo\nthree\nfour\n"


def test_merge_with_base_conflict_is_labelled(repo: Repository, tmp_path: Path) -> None:
    base_tree = repo.snapshot(
        folder(tmp_path, "b0", {"b.txt": "one\ntwo\nthree\n"}), tmp_path / "s0"
    )
    base = repo.commit_tree(base_tree, None, "Base")
    commit(repo, {"b.txt": "ONE\ntwo\nthree\n"})
    new_tree = repo.snapshot(
        folder(tmp_path, "b1", {"b.txt": "uno\ntwo\nthree\n"}), tmp_path / "s1"
    )
    new = repo.commit_tree(new_tree, base, "New")
    merged = repo.merge(new, "Merge it", label="portkit/update", base=base)
    assert merged.returncode == 1 and repo.unmerged_files() == ["b.txt"]
    assert ">>>>>>> portkit/update" in (repo.root / "b.txt").read_text()
    assert repo.operation_in_progress() == "a merge"


# --- configuration ----------------------------------------------------------------------------


def test_config_matching_and_set_config(repo: Repository) -> None:
    repo.set_config("rerere.autoUpdate", "true")
    repo.set_config("rerere.enabled", "false")
    assert repo.config_matching(r"^rerere\.") == {
        "rerere.autoupdate": "true",
        "rerere.enabled": "false",
    }
    assert repo.config_matching(r"^nothing\.") == {}
