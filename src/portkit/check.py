"""`portkit update --check`: is a newer template version there? Changes nothing.

Asking the template is cheap and rendering is not (importing an engine alone takes about half a
second), so the check first compares what the project records with what the template offers:
a git template's newest tag (one `git ls-remote`) against the recorded commit, a local folder's
digest against the recorded one. Only when they differ does it render, as `portkit diff` does, to
list the files that would change. A built-in template's version is portkit's own, which does not
change while its templates are edited in a source checkout, so there the verdict of the last
render is kept in the git folder, keyed by a digest of the template's files and the answers.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from portkit import git, provenance
from portkit import template_branch as branch
from portkit._version import __version__
from portkit.catalog import SHARED_DIR, Catalog, locate
from portkit.changelog import Entry
from portkit.errors import RemoteUnreachableError, UsageError
from portkit.fetch import content_digest, newest_version_tag
from portkit.git import Repository
from portkit.models import FileChange, Provenance, SourceKind, TemplateRef, UpdateRequest
from portkit.update import update_project

__all__ = ["CheckRequest", "CheckResult", "Verdict", "check_project"]

#: The last built-in render verdict, in the project's git folder (never in a branch).
CACHE_FILE = "portkit-check.json"


class Verdict(str, enum.Enum):
    """The answer of a check."""

    UP_TO_DATE = "up-to-date"
    UPDATE_AVAILABLE = "update-available"


@dataclass(frozen=True)
class CheckRequest:
    """`portkit update --check [PATH] [--to REF] [--trust]`."""

    project: Path
    to: str | None = None
    trust: bool = False


@dataclass(frozen=True)
class CheckResult:
    """What the project is on, what it could move to, and what that would change."""

    project: Path
    template: str
    verdict: Verdict
    current: str
    latest: str
    changes: list[FileChange] = field(default_factory=list)
    conflicts: list[str] | None = field(default_factory=list)  # None when unknown
    changelog: list[Entry] = field(default_factory=list)
    rendered: bool = False  # whether the answer needed a render


def check_project(
    request: CheckRequest, catalog: Catalog, progress: Callable[[str], None] | None = None
) -> CheckResult:
    """Answer from the recorded versions when they prove it; otherwise render once (dry run)."""
    root, repo = _root(request.project)
    record = provenance.read(root)
    if request.to and record.source is not SourceKind.GIT:
        raise UsageError(
            "--to only applies to git templates.",
            "Built-in and local templates update to the version installed or on disk.",
        )
    ref = locate(catalog, record.template, record.source, root)
    latest, proven = _latest(record, ref, request.to, root)
    if proven:
        return CheckResult(root, record.template, Verdict.UP_TO_DATE, record.version, latest)
    key = _cache_key(record, ref) if repo else None
    cached = _cached_tree(repo, key) if repo and key else None
    if repo and cached is not None and cached == _merged_render_tree(repo):
        return CheckResult(root, record.template, Verdict.UP_TO_DATE, record.version, latest)
    preview = update_project(
        UpdateRequest(project=root, to=request.to, dry_run=True, trust=request.trust),
        catalog,
        progress,
    )
    verdict = Verdict.UPDATE_AVAILABLE if preview.changes else Verdict.UP_TO_DATE
    if repo and key and verdict is Verdict.UP_TO_DATE:
        _remember(repo, key, _merged_render_tree(repo))
    return CheckResult(
        root,
        record.template,
        verdict,
        preview.old_version,
        preview.new_version,
        preview.changes,
        preview.conflicts,
        preview.changelog,
        rendered=True,
    )


def _root(folder: Path) -> tuple[Path, Repository | None]:
    """The repository root when FOLDER is in one (as `portkit update` works), else FOLDER."""
    folder = folder.absolute()
    repo = Repository.containing(folder)
    return (repo.root if repo else folder), repo


# --- what the template offers ----------------------------------------------------------------


def _latest(record: Provenance, ref: TemplateRef, to: str | None, root: Path) -> tuple[str, bool]:
    """The target version, and whether the record proves the project is already on it."""
    if record.source is SourceKind.GIT:
        version, commit = _remote_target(ref.location, to, root)
        return version, commit is not None and commit == record.commit
    if record.source is SourceKind.BUILTIN:
        return __version__, False  # the same version may hold edited templates: see the cache
    latest = "sha256:" + content_digest(Path(ref.location))
    return latest, latest == record.version


def _remote_target(url: str, to: str | None, root: Path) -> tuple[str, str | None]:
    """The version `portkit update` would move to and its commit, from one `git ls-remote`."""
    listed = git.run(["ls-remote", url], root, check=False)
    if listed.returncode != 0:
        detail = (listed.stderr or listed.stdout).strip().splitlines()
        raise RemoteUnreachableError(url, detail[-1] if detail else "git ls-remote failed")
    refs: dict[str, str] = {}
    for line in listed.stdout.splitlines():
        commit, _, name = line.partition("\t")
        refs[name.removesuffix("^{}")] = commit  # a peeled tag (`^{}`) comes last: its commit
    tags = [name.removeprefix("refs/tags/") for name in refs if name.startswith("refs/tags/")]
    wanted = to or newest_version_tag(tags)
    if wanted is None:
        head = refs.get("HEAD")
        return (head[:12] if head else "unknown"), head
    for name in (f"refs/tags/{wanted}", f"refs/heads/{wanted}"):
        if name in refs:
            return wanted, refs[name]
    return wanted, None  # a commit id, or a ref the clone will judge: render to know


# --- built-in templates: the verdict of the last render, cached -------------------------------


def _cache_key(record: Provenance, ref: TemplateRef) -> str | None:
    """Built-in templates at portkit's version: a digest of their files and the answers."""
    if record.source is not SourceKind.BUILTIN or record.version != __version__:
        return None
    folder = Path(ref.location)
    parts = [__version__, content_digest(folder), content_digest(folder.parent / SHARED_DIR)]
    parts.append(json.dumps(record.answers, sort_keys=True, default=str))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _cached_tree(repo: Repository, key: str) -> str | None:
    try:
        cached = json.loads((repo.git_dir / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no cache, or an unreadable one: render
    if isinstance(cached, dict) and cached.get("key") == key:
        tree = cached.get("tree")
        return tree if isinstance(tree, str) else None
    return None


def _remember(repo: Repository, key: str, tree: str | None) -> None:
    """Write the cache beside, then rename: a reader never sees half a file."""
    if tree is None:
        return
    path = repo.git_dir / CACHE_FILE
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps({"key": key, "tree": tree}), encoding="utf-8")
    os.replace(partial, path)


def _merged_render_tree(repo: Repository) -> str | None:
    """The files of the render the current branch last merged, as a tree id; None if unknown."""
    on_branch = next(branch.merged_renders(repo), None)
    base = repo.merge_base("HEAD", on_branch[2]) if on_branch else None
    return repo.tree(base) if base else None
