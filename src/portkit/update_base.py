"""The merge base of `portkit update`: the last pristine render the current branch merged.

Normally it is on the `portkit/template` branch (or origin's, in a fresh clone). When the branch
is gone, the recorded version is rendered again with the recorded answers: the render is found
as a commit of the user's history when it is there, else committed as a new root commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from portkit import compose, provenance
from portkit import template_branch as branch
from portkit.errors import ProjectError
from portkit.git import Repository
from portkit.models import BASE_LAYER, BaseSource, Layer, Provenance
from portkit.rendering import render_again
from portkit.sources import TemplateSource

__all__ = ["Base", "find_base"]


@dataclass(frozen=True)
class Base:
    """The template branch tip, and the render the current branch last merged."""

    commit: str
    source: BaseSource
    moved: bool = False  # the branch lags behind a render the user merged: move it there
    synced: str = ""  # the merge base, or (unrelated histories) the render HEAD records
    related: bool = True  # False: git finds no merge base, so the merge names `synced` itself


def find_base(
    repo: Repository,
    record: Provenance,
    template_source: TemplateSource,
    *,
    trust: bool,
    workdir: Path,
    say: Callable[[str], None],
    layer: Layer = BASE_LAYER,
) -> Base:
    """Find the last render the project was synced with; recover it when the branch is gone.

    LAYER: a template layer (`portkit add`), with its own branch and record.
    """
    sources = {layer.ref: BaseSource.BRANCH, layer.remote_ref: BaseSource.REMOTE}
    on_branch = next(branch.merged_renders(repo, (layer.ref, layer.remote_ref)), None)
    if on_branch:
        name, tip, merged = on_branch
        tip_base = Base(merged, sources[name], moved=merged != tip)
        return _with_sync_point(repo, tip_base, layer.record)
    if not template_source.can_rebuild(record):
        raise ProjectError(
            f"The {layer.branch} branch is missing and {record.template} {record.version} "
            "is not available to rebuild it.",
            f"Fetch it from a clone that has it (git fetch origin {layer.branch}:"
            f"{layer.branch}), or make that version available again (a built-in template: "
            f"install portkit {record.version}; a local folder: restore it) and update again.",
        )
    say(f"Rebuilding {layer.branch} from {record.template} {record.version}")
    links = provenance.links(repo.root, layer.record)
    home = layer.home(repo.root)
    rendered = render_again(
        template_source,
        record,
        home,
        workdir / "base",
        version=record.commit,
        data=links,
        trust=trust,
    )
    rendered = compose.as_committed(layer, rendered, links, workdir / "base")
    tree = repo.snapshot(rendered.folder, workdir / "base-tree")
    found = repo.commit_with_tree(tree)
    if found:
        return _with_sync_point(repo, Base(found, BaseSource.HISTORY), layer.record)
    message = f"Render {record.template} {record.version} with portkit (rebuilt)"
    rebuilt = repo.commit_tree(tree, None, message)
    return _with_sync_point(repo, Base(rebuilt, BaseSource.REBUILT), layer.record)


def _with_sync_point(repo: Repository, base: Base, record: str = provenance.FILENAME) -> Base:
    """Add the render the current branch last merged: normally git's merge base.

    When the histories are unrelated (a rebuilt base, a squashed history) it is the render on the
    template branch whose `.portkit.yml` is the one the current branch records; the oldest such,
    because a base too old only repeats changes the user already has, while one too new would
    silently skip some.
    """
    found = repo.merge_base("HEAD", base.commit)
    if found:
        return replace(base, synced=found, related=True)
    wanted = repo.blob("HEAD", record)
    for commit in repo.first_parents(base.commit):
        if repo.blob(commit, record) == wanted:
            return replace(base, synced=commit, related=False)
    return replace(base, synced=base.commit, related=False)
