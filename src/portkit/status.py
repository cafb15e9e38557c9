"""`portkit status`: where each file stands against the template render the project is on.

The last render the current branch merged is already a commit (on `portkit/template`), so the
answer is one `git diff` of that commit against the work tree, with renames detected: no render.
`--upstream` adds one render of the newest version, exactly `portkit diff`'s, to say which of the
files the newer template changes and which of those would conflict.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from portkit import provenance
from portkit import template_branch as branch
from portkit.catalog import Catalog
from portkit.errors import ProjectError
from portkit.git import Repository
from portkit.models import TEMPLATE_BRANCH, FileChange, UpdateRequest
from portkit.update import update_project

__all__ = ["FileState", "FileStatus", "StatusRequest", "StatusResult", "Upstream", "project_status"]


class FileState(str, enum.Enum):
    """Where one file stands."""

    TEMPLATE = "template"  # exactly as the template rendered it
    CUSTOMISED = "customised"  # from the template, changed (or renamed) by the user
    DELETED = "deleted"  # from the template, deleted by the user
    OWN = "own"  # the user's: not from the template


#: A file the diff of the render against the work tree lists, by its status there.
_STATES = {"added": FileState.OWN, "deleted": FileState.DELETED}
_CHANGED = FileState.CUSTOMISED


@dataclass(frozen=True)
class FileStatus:
    """One file of the project (or of the render, when the user deleted it)."""

    path: str
    state: FileState
    old_path: str | None = None  # the template's name for a file the user renamed
    upstream: str | None = None  # --upstream: added, modified, deleted or renamed upstream
    conflict: bool = False  # --upstream: the update would conflict on it


@dataclass(frozen=True)
class Upstream:
    """The newest version, and what it changes (`portkit diff`'s answer)."""

    version: str
    changes: list[FileChange]
    conflicts: list[str] | None  # None when they cannot be predicted


@dataclass(frozen=True)
class StatusRequest:
    """`portkit status [PATH] [--upstream] [--to REF] [--trust]`."""

    project: Path
    upstream: bool = False
    to: str | None = None
    trust: bool = False


@dataclass(frozen=True)
class StatusResult:
    """Every file's state, and (with --upstream) the newer version's changes."""

    project: Path
    template: str
    version: str
    render: str  # the render commit the current branch last merged
    files: list[FileStatus] = field(default_factory=list)
    upstream: Upstream | None = None


def project_status(
    request: StatusRequest, catalog: Catalog, progress: Callable[[str], None] | None = None
) -> StatusResult:
    """Classify every file; with --upstream, render the newest version once (a dry run)."""
    repo = _repository(request.project)
    root = repo.root
    record = provenance.read(root)
    render = _merged_render(repo)
    files = _classify(repo, render)
    result = StatusResult(root, record.template, record.version, render, files)
    if not request.upstream:
        return result
    preview = update_project(
        UpdateRequest(project=root, to=request.to, dry_run=True, trust=request.trust),
        catalog,
        progress,
    )
    upstream = Upstream(preview.new_version, preview.changes, preview.conflicts)
    return replace(result, files=_mark_upstream(files, upstream), upstream=upstream)


def _repository(folder: Path) -> Repository:
    folder = folder.absolute()
    repo = Repository.containing(folder)
    if repo is None:
        provenance.read(folder)  # "not a portkit project" says more when that is the problem
        raise ProjectError(f"{folder} is not a git repository; `portkit status` reads git.")
    return repo


def _merged_render(repo: Repository) -> str:
    """The render the current branch last merged: git's merge base with the template branch."""
    for _ref, _tip, merged in branch.merged_renders(repo):
        found = repo.merge_base("HEAD", merged)
        if found:
            return found
    raise ProjectError(
        f"No {TEMPLATE_BRANCH} branch that this branch has merged: nothing to compare with.",
        f"Fetch it (git fetch origin {TEMPLATE_BRANCH}:{TEMPLATE_BRANCH}), or run "
        "`portkit update`, which rebuilds it.",
    )


def _classify(repo: Repository, render: str) -> list[FileStatus]:
    """Diff the render against the work tree (renames found), then add untracked files."""
    states = {path: FileStatus(path, FileState.TEMPLATE) for path in repo.files_at(render)}
    for change in repo.changed_files(render):
        if change.old_path:  # renamed, or copied (added, naming its source)
            if change.status == "renamed":
                states.pop(change.old_path, None)
            states[change.path] = FileStatus(change.path, FileState.CUSTOMISED, change.old_path)
        else:
            states[change.path] = FileStatus(change.path, _STATES.get(change.status, _CHANGED))
    for path in repo.untracked_files():
        states.setdefault(path, FileStatus(path, FileState.OWN))
    return sorted(states.values(), key=lambda status: status.path)


def _mark_upstream(files: list[FileStatus], upstream: Upstream) -> list[FileStatus]:
    """Attach each upstream change to the file it lands on (a rename: the old name here)."""
    conflicts = set(upstream.conflicts or [])
    by_path = {status.old_path or status.path: status for status in files}
    marked = {status.path: status for status in files}
    for change in upstream.changes:
        local = by_path.get(change.old_path or change.path)
        if local is None:
            continue  # new upstream: listed from `upstream.changes`
        conflict = local.path in conflicts or change.path in conflicts
        marked[local.path] = replace(local, upstream=change.status, conflict=conflict)
    return sorted(marked.values(), key=lambda status: status.path)
