"""`portkit add TEMPLATE [SUBDIR]`: render one more template into a project, as a layer.

The render is placed where the layer lives (`compose.place`), committed as the first render on
the layer's own branch (a root commit: the layer shares no history with the project yet) and
merged into the current branch, with the composed blocks, as one merge commit. From then on
`portkit update` updates the layer exactly like the project's own template: a new render on top
of that branch, merged. Nothing is written before every check passed: a layer that would put a
file where one exists (tracked, untracked or ignored) stops with the list.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portkit import compose, layers, provenance, workspace
from portkit import template_branch as branch
from portkit.catalog import Catalog
from portkit.errors import GitError, LayerCollisionError, ProjectError
from portkit.git import Repository, last_line, run
from portkit.layers import Layer
from portkit.models import Provenance
from portkit.rendering import render_project

__all__ = ["AddRequest", "AddResult", "add_layer"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AddRequest:
    """`portkit add TEMPLATE [SUBDIR] [--data K=V] [--name NAME] [--vcs-ref REF] [--trust]`."""

    template: str
    project: Path
    subdir: str = ""  # "" = the project root
    name: str = ""  # a layer at the root: its name (default: the template's)
    data: dict[str, Any] = field(default_factory=dict)
    vcs_ref: str | None = None
    trust: bool = False


@dataclass(frozen=True)
class AddResult:
    """What was added and where."""

    project: Path
    layer: Layer
    record: Provenance
    files: int
    commit: str
    composed: list[str] = field(default_factory=list)  # root files changed for the layer
    links: dict[str, Any] = field(default_factory=dict)


def add_layer(request: AddRequest, catalog: Catalog, progress: Progress | None = None) -> AddResult:
    """Render, check for collisions, commit on the layer's branch, merge; see the docstring."""
    say = progress or (lambda _message: None)
    repo = workspace.clean_repository(request.project, "portkit add")
    root = repo.root
    source = catalog.source(request.template, Path.cwd())
    ref = source.ref
    layer = _layer(request, ref.name)
    _refuse_existing(root, layer)
    base = provenance.read(root) if (root / provenance.FILENAME).is_file() else None
    linked = compose.links(root, base, ref.name, ref.kind)
    with tempfile.TemporaryDirectory(prefix="portkit-add-") as work:
        say(f"Rendering {ref.name} into {layer.label}")
        template = source.fetch(Path(work) / "source", request.vcs_ref)
        stage = Path(work) / "render"
        given = {**linked, **request.data}
        home = layer.home(root)
        workspace.check_file_answers(template, given, home)
        record = render_project(
            template, stage, given, interactive=False, trust=request.trust, project=home
        )
        provenance.add_links(stage, linked)
        provenance.mark_layer(stage)
        tree = Path(work) / "tree"
        compose.place(layer, stage, tree)
        paths = workspace.files(tree)
        _refuse_collisions(repo, paths)
        say(f"Merging the {layer.label} layer")
        message = branch.render_message(record.template, record.version)
        render = workspace.commit_root(repo, tree, message, Path(work) / "scratch")
    composed, commit = _merge(repo, layer, render, record, bool(linked))
    return AddResult(root, layer, record, len(paths), commit, composed, linked)


def _layer(request: AddRequest, template_name: str) -> Layer:
    if request.subdir:
        return layers.for_subdir(request.subdir)
    return layers.named(request.name or Path(template_name.rstrip("/")).name.removesuffix(".git"))


def _refuse_existing(root: Path, layer: Layer) -> None:
    if layer in layers.discover(root) or os.path.lexists(root / layer.record):
        raise ProjectError(
            f"The project already has a layer at {layer.label} ({layer.record}).",
            "Update it with `portkit update`, or choose another SUBDIR (or --name).",
        )


def _refuse_collisions(repo: Repository, paths: list[str]) -> None:
    """Anything where a file of the layer goes (`in_the_way`): stop before anything is written."""
    taken = sorted({hit for path in paths if (hit := repo.in_the_way(path))})
    if taken:
        raise LayerCollisionError(taken)


def _merge(
    repo: Repository, layer: Layer, render: str, record: Provenance, shared_tracking: bool
) -> tuple[list[str], str]:
    """One merge commit: the layer's render, plus the composed blocks on the user's side."""
    message = f"Add the {record.template} layer in {layer.label} with portkit add"
    before = repo.resolve(layer.ref)
    try:
        merged = workspace.merge_first_render(repo, render, message, no_commit=True)
        if merged.returncode != 0:  # no file collides, so only git itself can fail here
            raise GitError(f"git merge failed: {last_line(merged)}")
        composed = compose.user_side(repo.root, layer, record.template, shared_tracking)
        branch.move(repo, render, layer.ref)
        repo.commit_paths(composed, message)  # with MERGE_HEAD there: the merge commit
    except BaseException:
        run(["merge", "--abort"], repo.root, check=False)  # back to where it was
        _restore(repo, layer.ref, before)
        raise
    return composed, repo.head()


def _restore(repo: Repository, ref: str, commit: str | None) -> None:
    if commit:
        repo.update_ref(ref, commit)
    else:
        repo.delete_ref(ref)
