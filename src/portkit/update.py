"""`portkit update`: bring a newer template into a project with git's own three-way merge.

The pristine render of the template lives on the `portkit/template` branch of the project's own
repository (the design nf-core's `sync` proved on thousands of repositories). An update renders the
target version with the recorded answers into a temporary worktree of that branch, commits it on
top of the branch and merges that commit into the user's branch; the branch follows once the merge
is committed: at once for a clean update, else when the user commits it (`template_hook`).
Because git does the merge, renames are followed, a file the user changed and the template
deleted is a modify/delete conflict instead of a silent loss, every editor understands the
conflicts, and `git merge --abort` undoes everything, refs included. The update's merge (only
it) merges configuration files entry by entry and replays resolutions the user made before
(`update_merge`).

This module is the recipe; its steps live beside it: `update_checks` (what is refused first),
`update_base` (the last render merged, rebuilt when lost), `rendering` (the render itself),
`update_merge` (merge drivers, remembered resolutions) and `git.Repository` (every git command).

copier's own `update` cannot update projects rendered from a plain folder (how a wheel ships
templates), exits 0 on conflicts and drops edits on renames; see issue 3 for the measurements.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from portkit import changelog, compose, layers, template_hook, update_merge
from portkit import template_branch as branch
from portkit.catalog import Catalog
from portkit.errors import GitError, UpdateConflictError
from portkit.git import Completed, Repository, last_line
from portkit.models import (
    BaseSource,
    FileChange,
    Follow,
    Outcome,
    UpdateRequest,
    UpdateResult,
)
from portkit.rendering import Rendered, render_again
from portkit.sources import TemplateSource
from portkit.update_base import Base, find_base
from portkit.update_checks import (
    Project,
    check_project,
    check_request,
    refuse_overwriting_untracked,
)

#: The request and result models live in `models`; they are named here too, as the API of `update`.
__all__ = ["BaseSource", "FileChange", "Outcome", "UpdateRequest", "UpdateResult", "update_project"]

Progress = Callable[[str], None]

#: Rename detection on whatever the user's git configuration says: it is what keeps an edit to a
#: file the template renamed.
_MERGE_CONFIG = ["-c", "merge.renames=true", "-c", "diff.renames=true"]


def update_project(
    request: UpdateRequest, catalog: Catalog, progress: Progress | None = None
) -> UpdateResult:
    """Render the target version and merge it into the current branch; see the module docstring."""
    say = progress or (lambda _message: None)
    project = check_project(request.project, request.layer or layers.BASE)
    repo, record, layer = project.repo, project.record, project.layer
    template_source = catalog.recorded_source(record, layer.home(project.root))
    check_request(request, record)
    if not request.dry_run:
        template_hook.settle(repo)  # no merge in progress: a leftover is stale
    with tempfile.TemporaryDirectory(prefix="portkit-update-") as work:
        workdir = Path(work)
        base = find_base(
            repo,
            record,
            template_source,
            trust=request.trust,
            workdir=workdir,
            say=say,
            layer=layer,
        )
        say(f"Rendering {record.template} with your answers")
        target, new_commit = _render_target(project, template_source, request, base, workdir)
        changes = repo.changed_files(base.synced, new_commit)
        result = UpdateResult(
            project=project.root,
            outcome=Outcome.PREVIEW,
            template=record.template,
            old_version=record.version,
            new_version=target.record.version,
            branch=project.branch,
            base_source=base.source,
            changes=changes,
            changelog=changelog.between(target.changelog, record.version, target.record.version),
        )
        if not request.dry_run:
            refuse_overwriting_untracked(repo, changes)  # before anything changes
        wiring = update_merge.prepare(
            repo, workdir, write=not request.dry_run, forget=request.forget_resolutions
        )
        if request.dry_run:
            return _reported(_preview(repo, base, new_commit, result, wiring), wiring)
        if _is_up_to_date(base, new_commit):
            if base.source is not BaseSource.BRANCH or base.moved:  # keep it for next time
                branch.move(repo, new_commit, layer.ref)
            return _reported(replace(result, outcome=Outcome.UP_TO_DATE), wiring)
        say(f"Merging the new render into {project.branch}")
        follow = _merge(project, base, new_commit, request.commit, _message(result), wiring)
        if follow:
            return _reported(replace(result, outcome=Outcome.STAGED, follow=follow), wiring)
        return _reported(replace(result, outcome=Outcome.MERGED, commit=repo.head()), wiring)


# --- render the target version on top of the last render ------------------------------------


def _render_target(
    project: Project,
    template_source: TemplateSource,
    request: UpdateRequest,
    base: Base,
    workdir: Path,
) -> tuple[Rendered, str]:
    """Render the target with the recorded answers; commit it on BASE (no ref moves)."""
    layer = project.layer
    target = render_again(
        template_source,
        project.record,
        layer.home(project.root),
        workdir / "target",
        version=request.to,
        data={**project.links, **request.data},
        interactive=request.interactive,
        trust=request.trust,
    )
    target = compose.as_committed(layer, target, project.links, workdir / "target")
    message = branch.render_message(target.record.template, target.record.version)
    new_commit = project.repo.commit_folder(
        target.folder, base.commit, message, workdir / "target-tree"
    )
    return target, new_commit


# --- preview or merge ------------------------------------------------------------------------


def _preview(
    repo: Repository, base: Base, new_commit: str, result: UpdateResult, wiring: update_merge.Wiring
) -> UpdateResult:
    """Dry run: predict conflicts with an in-memory merge; the repository is not touched."""
    if not result.changes:
        return replace(result, conflicts=[])
    if not base.related:
        return result  # unrelated histories: git cannot predict this merge in memory
    options = [*_MERGE_CONFIG, *wiring.config]
    return replace(result, conflicts=repo.predict_conflicts(new_commit, options))


def _is_up_to_date(base: Base, new_commit: str) -> bool:
    """Nothing new rendered, and the current branch has already merged the last render."""
    return new_commit == base.commit == base.synced


def _merge(
    project: Project,
    base: Base,
    new_commit: str,
    commit: bool,
    message: str,
    wiring: update_merge.Wiring,
) -> Follow | None:
    """Merge the new render; None once committed, else when the template branch will follow.

    `portkit/template` moves only with a committed merge: a conflicted or staged merge leaves
    the render as MERGE_HEAD alone, so `git merge --abort` restores every ref, and a one-shot
    hook moves the branch when the user commits the merge (`template_hook`). After a rebuilt
    base there is no common ancestor: the merge names the base itself, and later updates have
    a real merge base.
    """
    repo = project.repo
    tip = repo.resolve(project.layer.ref)
    merged = repo.merge(
        new_commit,
        message,
        label=branch.LABEL,
        base=None if base.related else base.synced,
        no_commit=not commit,
        options=[*_MERGE_CONFIG, *wiring.config],
    )
    merged = wiring.conclude(repo, merged, commit, plumbing=not base.related)
    conflicts = _conflicts(repo, merged)
    if merged.returncode == 0 and commit:
        branch.move(repo, new_commit, project.layer.ref)
        return None
    follow = template_hook.install(repo, new_commit, tip, project.layer.ref)
    if conflicts:
        raise UpdateConflictError(
            project.root, conflicts, follow.later(project.layer.branch), wiring.labelled()
        )
    return follow


def _conflicts(repo: Repository, merged: Completed) -> list[str]:
    """Conflicts are the user's to resolve; any other failure is git's, reported in its words."""
    if merged.returncode == 0:
        return []
    conflicts = repo.unmerged_files()
    if conflicts:
        return conflicts
    raise GitError(f"git merge failed: {last_line(merged)}")


def _message(result: UpdateResult) -> str:
    if result.old_version == result.new_version:
        subject = f"Re-render {result.template} {result.new_version} with portkit"
    else:
        subject = f"Update {result.template} from {result.old_version} to {result.new_version}"
    return (
        f"{subject}\n\nMerge the pristine render of {result.template} {result.new_version} "
        f"({len(result.changes)} file(s) changed by the template) with `portkit update`."
    )


def _reported(result: UpdateResult, wiring: update_merge.Wiring) -> UpdateResult:
    return replace(result, notes=wiring.notes(), warnings=wiring.warnings())
