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

copier's own `update` cannot update projects rendered from a plain folder (how a wheel ships
templates), exits 0 on conflicts and drops edits on renames; see issue 3 for the measurements.
"""

from __future__ import annotations

import enum
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from portkit import (
    changelog,
    compose,
    file_answers,
    git,
    layers,
    provenance,
    template_hook,
    update_merge,
)
from portkit import template_branch as branch
from portkit._version import __version__
from portkit.catalog import Catalog, locate
from portkit.changelog import Entry as ChangelogEntry
from portkit.errors import (
    DirtyTreeError,
    GitError,
    ProjectError,
    UpdateConflictError,
    UsageError,
)
from portkit.fetch import content_digest, fetch
from portkit.models import Provenance, SourceKind, TemplateRef
from portkit.new import TEMPLATE_BRANCH, render_project

__all__ = [
    "BaseSource",
    "FileChange",
    "Outcome",
    "UpdateRequest",
    "UpdateResult",
    "update_project",
]

Progress = Callable[[str], None]
Completed = subprocess.CompletedProcess[str]

#: Rename detection on whatever the user's git configuration says: it is what keeps an edit to a
#: file the template renamed.
_MERGE_CONFIG = ["-c", "merge.renames=true", "-c", "diff.renames=true"]

#: Files git keeps in the git folder while an operation that would mix with a merge is underway.
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or `git am`",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}

_STATUS = {"A": "added", "C": "added", "D": "deleted", "M": "modified", "R": "renamed"}


@dataclass(frozen=True)
class UpdateRequest:
    """Everything `portkit update` needs, parsed once."""

    project: Path
    to: str | None = None  # git templates: tag, branch or commit; default newest version tag
    data: dict[str, Any] = field(default_factory=dict)  # changed answers
    interactive: bool = False  # ask questions new in the target version
    commit: bool = True  # False: leave a clean merge staged
    dry_run: bool = False
    trust: bool = False
    forget_resolutions: bool = False  # delete git rerere's remembered resolutions first
    layer: layers.Layer = layers.BASE  # which template layer (`portkit add`) to update


class Outcome(str, enum.Enum):
    """How an update ended (conflicts are an `UpdateConflictError` instead)."""

    UP_TO_DATE = "up-to-date"
    MERGED = "merged"
    STAGED = "staged"
    PREVIEW = "preview"


class BaseSource(str, enum.Enum):
    """Where the last pristine render (the merge base side) was found."""

    BRANCH = "branch"  # the local portkit/template branch
    REMOTE = "remote"  # origin/portkit/template, e.g. in a fresh clone
    HISTORY = "history"  # re-rendered, and found as a commit in the user's history
    REBUILT = "rebuilt"  # re-rendered and committed as a new root commit


@dataclass(frozen=True)
class FileChange:
    """One file the template changed between the last render and the target."""

    status: str  # added, modified, deleted or renamed
    path: str
    old_path: str | None = None  # for renames


@dataclass(frozen=True)
class UpdateResult:
    """What an update did, or (dry run) would do."""

    project: Path
    outcome: Outcome
    template: str
    old_version: str
    new_version: str
    branch: str
    base_source: BaseSource
    changes: list[FileChange]
    commit: str | None = None  # the merge commit, when one was made
    conflicts: list[str] | None = None  # dry run: predicted conflicts; None when unknown
    follow: template_hook.Follow | None = None  # staged: when portkit/template moves
    changelog: list[ChangelogEntry] = field(default_factory=list)  # entries old -> new version
    notes: list[str] = field(default_factory=list)  # how files were merged (`update_merge`)
    warnings: list[str] = field(default_factory=list)  # problems that did not stop the update


@dataclass(frozen=True)
class _Project:
    """A checked project: repository root, current branch and recorded provenance."""

    root: Path
    branch: str
    record: Provenance
    layer: layers.Layer = layers.BASE
    links: dict[str, Any] = field(default_factory=dict)  # answers the layer always renders with


@dataclass(frozen=True)
class _Base:
    """The template branch tip, and the render the current branch last merged."""

    commit: str
    source: BaseSource
    moved: bool = False  # the branch lags behind a render the user merged: move it there
    synced: str = ""  # the merge base, or (unrelated histories) the render HEAD records
    related: bool = True  # False: git finds no merge base, so the merge names `synced` itself


def update_project(
    request: UpdateRequest, catalog: Catalog, progress: Progress | None = None
) -> UpdateResult:
    """Render the target version and merge it into the current branch; see the module docstring."""
    say = progress or (lambda _message: None)
    project = _check_project(request.project, request.layer)
    record = project.record
    ref = locate(catalog, record.template, record.source, project.layer.home(project.root))
    _check_target(request, record)
    if not request.dry_run:
        template_hook.settle(project.root)  # no merge in progress: a leftover is stale
    with tempfile.TemporaryDirectory(prefix="portkit-update-") as work:
        workdir = Path(work)
        found = _find_base(project, ref, request.trust, workdir, say)
        base = _with_sync_point(project.root, found, project.layer.record)
        say(f"Rendering {record.template} with your answers")
        target = _render(project, ref, request, workdir / "target")
        new_commit = _commit_render(project, target, base.commit, workdir / "target-tree")
        changes = _changes(project.root, base.synced, new_commit)
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
            _refuse_overwriting_untracked(project.root, changes)  # before anything changes
        wiring = update_merge.prepare(
            project.root, workdir, write=not request.dry_run, forget=request.forget_resolutions
        )
        if request.dry_run:
            return _reported(_preview(project.root, base, new_commit, result, wiring), wiring)
        if _is_up_to_date(base, new_commit):
            if base.source is not BaseSource.BRANCH or base.moved:  # keep it for next time
                branch.move(project.root, new_commit, project.layer.ref)
            return _reported(_replace(result, outcome=Outcome.UP_TO_DATE), wiring)
        say(f"Merging the new render into {project.branch}")
        follow = _merge(project, base, new_commit, request.commit, _message(result), wiring)
        if follow:
            return _reported(_replace(result, outcome=Outcome.STAGED, follow=follow), wiring)
        commit = git.output(["rev-parse", "HEAD"], project.root)
        return _reported(_replace(result, outcome=Outcome.MERGED, commit=commit), wiring)


# --- step 1: check the project -------------------------------------------------------------


def _check_project(path: Path, layer: layers.Layer = layers.BASE) -> _Project:
    """Refuse anything an update could make worse: not portkit's, dirty, or mid-operation."""
    root = _repository_root(path.absolute())
    record = provenance.read(root, layer.record)
    if git.run(["rev-parse", "--verify", "--quiet", "HEAD"], root, check=False).returncode != 0:
        raise ProjectError(f"{root} has no commits yet.", "Commit your files first.")
    _check_no_operation(root)
    branch = _current_branch(root)
    dirty = _modified_tracked_files(root)
    if dirty:
        raise DirtyTreeError(dirty)
    return _Project(root, branch, record, layer, provenance.links(root, layer.record))


def _repository_root(folder: Path) -> Path:
    if not folder.is_dir():
        raise ProjectError(f"{folder} is not a folder.")
    if not git.is_repository(folder):
        provenance.read(folder)  # "not a portkit project" says more when that is the problem
        raise ProjectError(
            f"{folder} is not a git repository; `portkit update` merges with git.",
            "Run `git init && git add -A && git commit -m 'Start'` in it, then update again.",
        )
    root = Path(git.output(["rev-parse", "--show-toplevel"], folder))
    if (folder / provenance.FILENAME).is_file() and root.resolve() != folder.resolve():
        raise ProjectError(
            f"{folder} is inside the git repository {root}, not its root.",
            "`portkit update` needs the project to be a repository of its own.",
        )
    return root


def _check_no_operation(root: Path) -> None:
    git_dir = Path(git.output(["rev-parse", "--absolute-git-dir"], root))
    for name, what in _IN_PROGRESS.items():
        if (git_dir / name).exists():
            raise ProjectError(
                f"{root} is in the middle of {what}.",
                "Finish it (resolve, `git add`, `git commit`) or abort it, then update again.",
            )


def _current_branch(root: Path) -> str:
    found = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], root, check=False)
    branch = found.stdout.strip()
    if found.returncode != 0:
        raise ProjectError("HEAD is detached.", "Check out the branch to update (git switch main).")
    if branch == TEMPLATE_BRANCH:
        raise ProjectError(
            f"You are on {TEMPLATE_BRANCH}, which holds pristine template renders.",
            "Switch to your own branch (git switch main) and update from there.",
        )
    return branch


def _modified_tracked_files(root: Path) -> list[str]:
    """Staged or modified tracked files; untracked files never block an update."""
    out = git.run(["status", "--porcelain=v1", "-z", "--untracked-files=no"], root).stdout
    paths: list[str] = []
    skip_next = False
    for token in out.split("\0"):
        if skip_next or not token:
            skip_next = False
            continue
        paths.append(token[3:])
        skip_next = token[0] in "RC"  # a rename's second token is its old path
    return paths


# --- step 2: the target version and the last pristine render --------------------------------


def _check_target(request: UpdateRequest, record: Provenance) -> None:
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


def _find_base(
    project: _Project, ref: TemplateRef, trust: bool, workdir: Path, say: Progress
) -> _Base:
    """Find the last render the project was synced with; recover it when the branch is gone."""
    for name, source in (
        (project.layer.ref, BaseSource.BRANCH),
        (project.layer.remote_ref, BaseSource.REMOTE),
    ):
        tip = branch.resolve(project.root, name)
        if tip:
            merged = branch.merged_render(project.root, tip)
            return _Base(merged, source, moved=merged != tip)
    record = project.record
    if not _recorded_version_available(ref, record):
        raise ProjectError(
            f"The {TEMPLATE_BRANCH} branch is missing and {record.template} {record.version} "
            "is not available to rebuild it.",
            f"Fetch it from a clone that has it (git fetch origin {TEMPLATE_BRANCH}:"
            f"{TEMPLATE_BRANCH}), or make that version available again (a built-in template: "
            f"install portkit {record.version}; a local folder: restore it) and update again.",
        )
    say(f"Rebuilding {TEMPLATE_BRANCH} from {record.template} {record.version}")
    recorded_version = UpdateRequest(project.root, to=record.commit, trust=trust)
    rendered = _render(project, ref, recorded_version, workdir / "base")
    tree = _write_tree(project, rendered.folder, workdir / "base-tree")
    found = _commit_with_tree(project.root, tree)
    if found:
        return _Base(found, BaseSource.HISTORY)
    message = f"Render {record.template} {record.version} with portkit (rebuilt)"
    return _Base(_commit_tree(project.root, tree, None, message), BaseSource.REBUILT)


def _with_sync_point(root: Path, base: _Base, record: str = provenance.FILENAME) -> _Base:
    """Add the render the current branch last merged: normally git's merge base.

    When the histories are unrelated (a rebuilt base, a squashed history) it is the render on the
    template branch whose `.portkit.yml` is the one the current branch records; the oldest such,
    because a base too old only repeats changes the user already has, while one too new would
    silently skip some.
    """
    found = git.run(["merge-base", "HEAD", base.commit], root, check=False)
    if found.returncode == 0:
        return replace(base, synced=found.stdout.strip(), related=True)
    wanted = _blob(root, "HEAD", record)
    history = git.output(["rev-list", "--first-parent", "--reverse", base.commit], root)
    for commit in history.splitlines():
        if _blob(root, commit, record) == wanted:
            return replace(base, synced=commit, related=False)
    return replace(base, synced=base.commit, related=False)


def _blob(root: Path, commit: str, record: str) -> str:
    spec = f"{commit}:{record}"
    return git.run(["rev-parse", "--verify", "--quiet", spec], root, check=False).stdout.strip()


def _recorded_version_available(ref: TemplateRef, record: Provenance) -> bool:
    """Built-ins only as this portkit; git at the recorded commit; local folders if unchanged."""
    if record.source is SourceKind.BUILTIN:
        return record.version == __version__
    if record.source is SourceKind.GIT:
        return record.commit is not None
    return "sha256:" + content_digest(Path(ref.location)) == record.version


def _commit_with_tree(root: Path, tree: str) -> str | None:
    """Return the newest commit in the current branch's history whose files are exactly TREE."""
    for line in git.output(["log", "--format=%H %T", "HEAD"], root).splitlines():
        commit, _, commit_tree = line.partition(" ")
        if commit_tree == tree:
            return commit
    return None


# --- step 3: render and commit on the template branch ---------------------------------------


@dataclass(frozen=True)
class _Rendered:
    folder: Path
    record: Provenance
    changelog: list[ChangelogEntry] = field(default_factory=list)  # the target's, all entries


def _render(
    project: _Project,
    ref: TemplateRef,
    request: UpdateRequest,
    workdir: Path,
) -> _Rendered:
    """Render with the recorded answers, changed by `--data`; a new question gets its default."""
    template = fetch(ref, workdir / "source", request.to)
    known = {question.name for question in template.questions}
    recorded = {key: value for key, value in project.record.answers.items() if key in known}
    given = {**recorded, **project.links, **request.data}
    new_questions = known - set(given) - {q.name for q in template.questions if q.secret}
    # a file answer is the path recorded inside the project: never copied again, never looked up
    files = file_answers.declared(template.config, template.questions)
    file_answers.require_project_paths(files, given)
    home = project.layer.home(project.root)
    file_answers.require_present(files, request.data, home)
    stage = workdir / "render"
    stage.parent.mkdir(parents=True, exist_ok=True)  # local templates are not copied into WORKDIR
    record = render_project(
        template,
        stage,
        given,
        interactive=request.interactive and bool(new_questions),
        trust=request.trust,
        project=home,
    )
    provenance.add_links(stage, project.links)
    file_answers.require_project_paths(files, record.answers)
    return _Rendered(stage, record, changelog.read(template.folder))


def _write_tree(project: _Project, rendered: Path, worktree: Path, start: str = "HEAD") -> str:
    """Put RENDERED in a temporary worktree in place of its tracked files; return the tree id.

    The worktree starts with an empty index (`--no-checkout`), so the tree is exactly the render
    and files the template dropped disappear. `git add --all` applies the same ignore rules as
    the first commit `portkit new` made.
    """
    root = project.root
    git.run(["worktree", "add", "--quiet", "--detach", "--no-checkout", str(worktree), start], root)
    try:
        compose.place(project.layer, rendered, worktree)
        git.run(["add", "--all"], worktree)
        return git.output(["write-tree"], worktree)
    finally:
        git.run(["worktree", "remove", "--force", str(worktree)], root, check=False)


def _commit_tree(root: Path, tree: str, parent: str | None, message: str) -> str:
    parents = ["-p", parent] if parent else []
    return git.output(
        [*git.identity_config(root), "commit-tree", tree, *parents, "-m", message], root
    )


def _commit_render(project: _Project, rendered: _Rendered, parent: str, worktree: Path) -> str:
    """Commit the render on top of PARENT; PARENT itself when nothing changed (no empty commit)."""
    root = project.root
    tree = _write_tree(project, rendered.folder, worktree, start=parent)
    if tree == git.output(["rev-parse", parent + "^{tree}"], root):
        return parent
    message = branch.render_message(rendered.record.template, rendered.record.version)
    return _commit_tree(root, tree, parent, message)


def _changes(root: Path, old: str, new: str) -> list[FileChange]:
    """List what the template changed, file by file, with renames detected."""
    if old == new:
        return []
    out = git.run(["diff", "--name-status", "-z", "-M", old, new], root).stdout
    tokens = out.split("\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(tokens) - 1:
        code = tokens[index][:1]
        if code in ("R", "C"):
            changes.append(FileChange(_STATUS[code], tokens[index + 2], tokens[index + 1]))
            index += 3
        else:
            changes.append(FileChange(_STATUS.get(code, "modified"), tokens[index + 1]))
            index += 2
    return changes


# --- step 4: merge ---------------------------------------------------------------------------


def _preview(
    root: Path, base: _Base, new_commit: str, result: UpdateResult, wiring: update_merge.Wiring
) -> UpdateResult:
    """Dry run: predict conflicts with an in-memory merge; the repository is not touched."""
    if not result.changes:
        return _replace(result, conflicts=[])
    if not base.related:
        return result  # unrelated histories: git cannot predict this merge in memory
    predicted = git.run(
        [
            *_MERGE_CONFIG,
            *wiring.config,
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            "HEAD",
            new_commit,
        ],
        root,
        check=False,
    )
    if predicted.returncode not in (0, 1):
        return result  # git older than 2.38: conflicts unknown
    names = predicted.stdout.splitlines()[1:]
    return _replace(result, conflicts=sorted({name for name in names if name}))


def _is_up_to_date(base: _Base, new_commit: str) -> bool:
    """Nothing new rendered, and the current branch has already merged the last render."""
    return new_commit == base.commit == base.synced


def _refuse_overwriting_untracked(root: Path, changes: list[FileChange]) -> None:
    """Untracked (and ignored) files are never touched: refuse before anything changes."""
    created = [change.path for change in changes if change.status != "deleted"]
    if not created:
        return
    listed = git.run(["--literal-pathspecs", "ls-files", "-z", "--", *created], root).stdout
    tracked = set(listed.split("\0"))
    blocking = [path for path in created if path not in tracked and os.path.lexists(root / path)]
    if blocking:
        raise ProjectError(
            "The update would overwrite untracked file(s): " + ", ".join(blocking) + ".",
            "Move or rename them (or commit them), then update again. Nothing was changed.",
        )


def _merge(
    project: _Project,
    base: _Base,
    new_commit: str,
    commit: bool,
    message: str,
    wiring: update_merge.Wiring,
) -> template_hook.Follow | None:
    """Merge the new render; None once committed, else when the template branch will follow.

    `portkit/template` moves only with a committed merge: a conflicted or staged merge leaves
    the render as MERGE_HEAD alone, so `git merge --abort` restores every ref, and a one-shot
    hook moves the branch when the user commits the merge (`template_hook`).
    """
    root = project.root
    tip = branch.resolve(root, project.layer.ref)
    options = [*_MERGE_CONFIG, *wiring.config]
    if base.related:
        merged = _git_merge(root, new_commit, commit, message, options)
    else:
        merged = _merge_with_base(root, base.synced, new_commit, commit, message, options)
    merged = wiring.conclude(root, merged, commit, plumbing=not base.related)
    conflicts = _conflicts(root, merged)
    if merged.returncode == 0 and commit:
        branch.move(root, new_commit, project.layer.ref)
        return None
    follow = template_hook.install(root, new_commit, tip, project.layer.ref)
    if conflicts:
        raise UpdateConflictError(root, conflicts, follow.later(), wiring.labelled())
    return follow


def _git_merge(
    root: Path, new_commit: str, commit: bool, message: str, options: list[str]
) -> Completed:
    """`git merge --no-ff`: always a merge commit (or a staged merge) with our message."""
    args = [*options, *git.identity_config(root), "merge", "--no-ff", "--no-verify"]
    args += ["--no-commit"] if not commit else []
    return branch.merge(root, new_commit, [*args, "-m", message])


def _merge_with_base(
    root: Path, base: str, new_commit: str, commit: bool, message: str, options: list[str]
) -> Completed:
    """First merge after a rebuilt base: no common ancestor exists, so name the base explicitly.

    `git merge-recursive BASE -- HEAD NEW` is the three-way merge `git merge` would do had the
    rebuilt render been in the history; MERGE_HEAD makes the result an ordinary merge in
    progress, so `git commit` records both parents and `git merge --abort` works as usual. Later
    updates then have a real merge base.
    """
    merged = git.run(
        [*options, "merge-recursive", base, "--", "HEAD", new_commit],
        root,
        check=False,
        env=branch.label_env(new_commit),
    )
    if merged.returncode not in (0, 1):
        return merged
    git.run(["update-ref", "MERGE_HEAD", new_commit], root)
    git_dir = Path(git.output(["rev-parse", "--absolute-git-dir"], root))
    (git_dir / "MERGE_MSG").write_text(message + "\n", encoding="utf-8")
    if merged.returncode == 0 and commit:
        return git.run(
            [*git.identity_config(root), "commit", "--quiet", "--no-verify", "-m", message],
            root,
            check=False,
        )
    return merged


def _conflicts(root: Path, merged: Completed) -> list[str]:
    """Conflicts are the user's to resolve; any other failure is git's, reported in its words."""
    if merged.returncode == 0:
        return []
    conflicts = git.output(["diff", "--name-only", "--diff-filter=U"], root).splitlines()
    if conflicts:
        return conflicts
    detail = (merged.stderr or merged.stdout).strip().splitlines()
    raise GitError(f"git merge failed: {detail[-1] if detail else 'no output'}")


def _message(result: UpdateResult) -> str:
    if result.old_version == result.new_version:
        subject = f"Re-render {result.template} {result.new_version} with portkit"
    else:
        subject = f"Update {result.template} from {result.old_version} to {result.new_version}"
    return (
        f"{subject}\n\nMerge the pristine render of {result.template} {result.new_version} "
        f"({len(result.changes)} file(s) changed by the template) with `portkit update`."
    )


def _replace(result: UpdateResult, **changes: Any) -> UpdateResult:
    return replace(result, **changes)


def _reported(result: UpdateResult, wiring: update_merge.Wiring) -> UpdateResult:
    return replace(result, notes=wiring.notes(), warnings=wiring.warnings())
