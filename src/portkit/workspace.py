"""The steps `portkit add` and `portkit adopt` share: check the repository, merge a first render.

Same rules as `portkit update`: a repository with commits, on a branch, with no merge, rebase or
cherry-pick underway and no uncommitted changes to tracked files (untracked files never block).
"""

from __future__ import annotations

import os
from pathlib import Path

from portkit import file_answers
from portkit import template_branch as branch
from portkit.errors import DirtyTreeError, ProjectError
from portkit.git import Completed, Repository
from portkit.models import FetchedTemplate, holds_renders

__all__ = ["check_file_answers", "clean_repository", "commit_root", "files", "merge_first_render"]

#: git's empty tree: the merge base of a first render, which shares no history with the branch.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def clean_repository(folder: Path, command: str) -> Repository:
    """The repository holding FOLDER, checked as above; typed errors otherwise."""
    folder = folder.absolute()
    if not folder.is_dir():
        raise ProjectError(f"{folder} is not a folder.")
    repo = Repository.containing(folder)
    if repo is None:
        raise ProjectError(
            f"{folder} is not a git repository; `{command}` merges with git.",
            "Run `git init && git add -A && git commit -m 'Start'` in it first.",
        )
    if not repo.has_commits():
        raise ProjectError(f"{repo.root} has no commits yet.", "Commit your files first.")
    underway = repo.operation_in_progress()
    if underway:
        raise ProjectError(f"{repo.root} is in the middle of {underway}.", "Finish or abort it.")
    current = repo.current_branch()
    if current is None:
        raise ProjectError("HEAD is detached.", "Check out a branch first (git switch main).")
    if holds_renders(current):
        raise ProjectError(
            f"You are on {current}, which holds pristine template renders.",
            f"Switch to your own branch (git switch main) and run `{command}` from there.",
        )
    dirty = repo.modified_tracked_files()
    if dirty:
        raise DirtyTreeError(dirty)
    return repo


def files(tree: Path) -> list[str]:
    """Every file under TREE, as sorted POSIX paths."""
    found = []
    for folder, _dirs, names in os.walk(tree):
        for name in names:
            found.append((Path(folder) / name).relative_to(tree).as_posix())
    return sorted(found)


def commit_root(repo: Repository, folder: Path, message: str, scratch: Path) -> str:
    """FOLDER's files (ignore rules applied, as `portkit new`) as a new root commit; consumed."""
    return repo.commit_tree(repo.snapshot(folder, scratch), None, message)


def merge_first_render(
    repo: Repository, render: str, message: str, *, no_commit: bool = False
) -> Completed:
    """Merge RENDER, which shares no history with HEAD, as a first update would: from nothing.

    The base is an empty commit, so files only the render has are added, files both have with
    the same bytes merge cleanly and others are add/add conflicts. Not checked (0, 1 conflicts).
    """
    empty = repo.commit_tree(EMPTY_TREE, None, "portkit: nothing (the base of a first render)")
    return repo.merge(render, message, label=branch.LABEL, base=empty, no_commit=no_commit)


def check_file_answers(template: FetchedTemplate, given: dict[str, object], home: Path) -> None:
    """A file answer (`--data dataset=...`) names a file already inside HOME, as for `update`.

    `add` and `adopt` copy no file of yours: no path of your machine is ever recorded.
    """
    files = file_answers.declared(template.config, template.questions)
    file_answers.require_project_paths(files, given)
    file_answers.require_present(files, given, home)
