"""What `portkit update` refuses before it changes anything, each with a one-line reason.

A folder that is not a portkit project at the root of a git repository of its own, a project
with no commit, an operation in progress, a detached HEAD or the template branch checked out,
staged or modified tracked files, contradictory options, and (once the render is known)
untracked files the update would overwrite. Untracked files alone never block an update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portkit import layers, provenance
from portkit.errors import DirtyTreeError, ProjectError, UsageError
from portkit.git import Repository
from portkit.models import (
    FileChange,
    Provenance,
    SourceKind,
    UpdateRequest,
    holds_renders,
)

__all__ = ["Project", "check_project", "check_request", "refuse_overwriting_untracked"]


@dataclass(frozen=True)
class Project:
    """A checked project: its repository, current branch and recorded provenance."""

    repo: Repository
    branch: str
    record: Provenance
    layer: layers.Layer = layers.BASE  # which template layer (`portkit add`)
    links: dict[str, Any] = field(default_factory=dict)  # answers the layer always renders with

    @property
    def root(self) -> Path:
        """The project's folder: the top of its repository's work tree."""
        return self.repo.root


def check_project(path: Path, layer: layers.Layer = layers.BASE) -> Project:
    """Refuse anything an update could make worse: not portkit's, dirty, or mid-operation."""
    repo = _repository(path.absolute())
    root = repo.root
    record = provenance.read(root, layer.record)
    if not repo.has_commits():
        raise ProjectError(f"{root} has no commits yet.", "Commit your files first.")
    underway = repo.operation_in_progress()
    if underway:
        raise ProjectError(
            f"{root} is in the middle of {underway}.",
            "Finish it (resolve, `git add`, `git commit`) or abort it, then update again.",
        )
    current = _current_branch(repo)
    dirty = repo.modified_tracked_files()
    if dirty:
        raise DirtyTreeError(dirty)
    return Project(repo, current, record, layer, provenance.links(root, layer.record))


def _repository(folder: Path) -> Repository:
    if not folder.is_dir():
        raise ProjectError(f"{folder} is not a folder.")
    repo = Repository.containing(folder)
    if repo is None:
        provenance.read(folder)  # "not a portkit project" says more when that is the problem
        raise ProjectError(
            f"{folder} is not a git repository; `portkit update` merges with git.",
            "Run `git init && git add -A && git commit -m 'Start'` in it, then update again.",
        )
    if (folder / provenance.FILENAME).is_file() and repo.root.resolve() != folder.resolve():
        raise ProjectError(
            f"{folder} is inside the git repository {repo.root}, not its root.",
            "`portkit update` needs the project to be a repository of its own.",
        )
    return repo


def _current_branch(repo: Repository) -> str:
    current = repo.current_branch()
    if current is None:
        raise ProjectError("HEAD is detached.", "Check out the branch to update (git switch main).")
    if holds_renders(current):
        raise ProjectError(
            f"You are on {current}, which holds pristine template renders.",
            "Switch to your own branch (git switch main) and update from there.",
        )
    return current


def check_request(request: UpdateRequest, record: Provenance) -> None:
    """Refuse options that contradict each other or the template's kind."""
    if request.forget_resolutions and request.dry_run:
        raise UsageError(
            "--forget-resolutions deletes remembered resolutions; a dry run changes nothing.",
            "Run `portkit update --forget-resolutions` without --dry-run.",
        )
    if request.to and record.source is not SourceKind.GIT:
        raise UsageError(
            "--to only applies to git templates.",
            "Built-in and local templates update to the version installed or on disk.",
        )


def refuse_overwriting_untracked(repo: Repository, changes: list[FileChange]) -> None:
    """Untracked (and ignored) files are never touched: refuse before anything changes."""
    blocking = repo.untracked_among(c.path for c in changes if c.status != "deleted")
    if blocking:
        raise ProjectError(
            "The update would overwrite untracked file(s): " + ", ".join(blocking) + ".",
            "Move or rename them (or commit them), then update again. Nothing was changed.",
        )
