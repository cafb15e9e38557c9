"""`portkit adopt TEMPLATE`: bring an existing repository under a template, kept updatable.

The template is rendered with the given answers and committed as the first render on
`portkit/template` (a root commit), then merged into the current branch as a first update would
be: git merges two unrelated histories, so a file only the render has is added, a file both have
with the same bytes merges cleanly, and a file both have with different bytes is an add/add
conflict with ordinary markers, for the user to resolve. Nothing of the user's is overwritten.
`portkit/template` moves to the render when the merge is committed, so from then on the project
is like any made by `portkit new` and `portkit update` works as usual.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portkit import provenance, template_hook, workspace
from portkit import template_branch as branch
from portkit.catalog import Catalog
from portkit.errors import AdoptConflictError, GitError, ProjectError
from portkit.git import Repository, last_line
from portkit.models import Provenance
from portkit.rendering import render_project

__all__ = ["AdoptRequest", "AdoptResult", "adopt_project"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AdoptRequest:
    """`portkit adopt TEMPLATE [--data K=V] [--dry-run] [--vcs-ref REF] [--trust]`."""

    template: str
    project: Path
    data: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    vcs_ref: str | None = None
    trust: bool = False


@dataclass(frozen=True)
class AdoptResult:
    """Files the render adds, has identical, or conflicts on; the merge commit when made."""

    project: Path
    record: Provenance
    added: list[str]
    same: list[str]
    conflicts: list[str]
    commit: str | None = None  # None for a dry run


def adopt_project(
    request: AdoptRequest, catalog: Catalog, progress: Progress | None = None
) -> AdoptResult:
    """Render, compare, and (unless a dry run) merge; see the module docstring."""
    say = progress or (lambda _message: None)
    repo = workspace.clean_repository(request.project, "portkit adopt")
    root = repo.root
    _refuse_adopted(repo)
    source = catalog.source(request.template, Path.cwd())
    ref = source.ref
    with tempfile.TemporaryDirectory(prefix="portkit-adopt-") as work:
        say(f"Rendering {ref.name} with your answers")
        template = source.fetch(Path(work) / "source", request.vcs_ref)
        stage = Path(work) / "render"
        workspace.check_file_answers(template, request.data, root)
        record = render_project(
            template, stage, request.data, interactive=False, trust=request.trust, project=root
        )
        result = _compare(root, stage, record)
        if request.dry_run:
            return result
        _refuse_untracked(repo, result.added)
        message = branch.render_message(record.template, record.version)
        render = workspace.commit_root(repo, stage, message, Path(work) / "scratch")
    say("Merging the render into your branch")
    return _merge(repo, render, result)


def _refuse_adopted(repo: Repository) -> None:
    root = repo.root
    if os.path.lexists(root / provenance.FILENAME) or repo.resolve(branch.TEMPLATE_REF):
        raise ProjectError(
            f"{root} already follows a template ({provenance.FILENAME} or "
            f"{branch.TEMPLATE_REF.removeprefix('refs/heads/')} exists).",
            "Use `portkit update` to update it, or `portkit add` to add another template.",
        )


def _compare(root: Path, stage: Path, record: Provenance) -> AdoptResult:
    """Which rendered files the branch lacks, has the same, or has different (by blob id)."""
    paths = workspace.files(stage)
    repo = Repository(root)
    ours = repo.blobs_at("HEAD", paths)
    theirs = repo.hash_files([stage / path for path in paths])
    added: list[str] = []
    same: list[str] = []
    conflicts: list[str] = []
    for path, blob in zip(paths, theirs, strict=True):
        kept = ours.get(path)
        (added if kept is None else same if kept == blob else conflicts).append(path)
    return AdoptResult(root, record, added, same, conflicts)


def _refuse_untracked(repo: Repository, added: list[str]) -> None:
    blocking = repo.untracked_among(added)
    if blocking:
        raise ProjectError(
            "Adopting would overwrite untracked file(s): " + ", ".join(blocking[:5]) + ".",
            "Commit them (to merge them with the template) or move them, then adopt again.",
        )


def _merge(repo: Repository, render: str, result: AdoptResult) -> AdoptResult:
    record = result.record
    message = f"Adopt {record.template} {record.version} with portkit"
    merged = workspace.merge_first_render(repo, render, message)
    if merged.returncode == 0:
        branch.move(repo, render)
        return AdoptResult(repo.root, record, result.added, result.same, [], repo.head())
    conflicts = repo.unmerged_files()
    if not conflicts:
        raise GitError(f"git merge failed: {last_line(merged)}")
    follow = template_hook.install(repo, render, None)
    raise AdoptConflictError(repo.root, conflicts, follow.later())
