"""The git steps `portkit add` and `portkit adopt` share: check the repository, commit a folder.

Same rules as `portkit update`: a repository with commits, on a branch, with no merge, rebase or
cherry-pick underway and no uncommitted changes to tracked files (untracked files never block).
"""

from __future__ import annotations

import os
from pathlib import Path

from portkit import git
from portkit.errors import DirtyTreeError, ProjectError

__all__ = ["clean_root", "commit_folder", "files"]

_IN_PROGRESS = ("MERGE_HEAD", "rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD", "REVERT_HEAD")


def clean_root(folder: Path, command: str) -> Path:
    """The repository root of FOLDER, checked as above; typed errors otherwise."""
    folder = folder.absolute()
    if not folder.is_dir():
        raise ProjectError(f"{folder} is not a folder.")
    if not git.is_repository(folder):
        raise ProjectError(
            f"{folder} is not a git repository; `{command}` merges with git.",
            "Run `git init && git add -A && git commit -m 'Start'` in it first.",
        )
    root = Path(git.output(["rev-parse", "--show-toplevel"], folder))
    if git.run(["rev-parse", "--verify", "--quiet", "HEAD"], root, check=False).returncode:
        raise ProjectError(f"{root} has no commits yet.", "Commit your files first.")
    git_dir = Path(git.output(["rev-parse", "--absolute-git-dir"], root))
    if any((git_dir / name).exists() for name in _IN_PROGRESS):
        raise ProjectError(
            f"{root} is in the middle of a merge, rebase or cherry-pick.",
            "Finish it or abort it first.",
        )
    if git.run(["symbolic-ref", "--quiet", "HEAD"], root, check=False).returncode:
        raise ProjectError("HEAD is detached.", "Check out a branch first (git switch main).")
    dirty = _modified(root)
    if dirty:
        raise DirtyTreeError(dirty)
    return root


def _modified(root: Path) -> list[str]:
    out = git.run(["status", "--porcelain=v1", "--untracked-files=no"], root).stdout
    return [line[3:] for line in out.splitlines() if line]


def files(tree: Path) -> list[str]:
    """Every file under TREE, as sorted POSIX paths."""
    found = []
    for folder, _dirs, names in os.walk(tree):
        for name in names:
            found.append((Path(folder) / name).relative_to(tree).as_posix())
    return sorted(found)


def commit_folder(root: Path, tree: Path, message: str, work: Path) -> str:
    """Commit TREE's files (ignore rules applied, as `portkit new` does) as a root commit."""
    env = {"GIT_INDEX_FILE": str(work / "index")}
    options = ["--git-dir", git.output(["rev-parse", "--absolute-git-dir"], root)]
    git.run([*options, "--work-tree", str(tree), "add", "--all", "."], tree, env=env)
    tree_id = git.run([*options, "write-tree"], tree, env=env).stdout.strip()
    return git.output([*git.identity_config(root), "commit-tree", tree_id, "-m", message], root)
