"""Template layers: more than one template rendered into one project, each updatable on its own.

The project's own template is the *base* layer: `.portkit.yml` at the root, renders on
`portkit/template`. `portkit add` adds a layer, in a sub-folder (`serving/`, its record
`serving/.portkit.yml`) or at the root (its record `.portkit/<name>.yml`), whose renders live on a
branch of its own, `portkit/layer/<id>`. A layer's render commits hold exactly the files the layer
owns at their place in the project (its folder, plus the shared files composed for it at the
root), so git's three-way merge of one layer's render never touches another layer's files: the
update machinery is the same for every layer, only the branch, the record and the place differ.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from portkit import provenance
from portkit.errors import ProjectError, UsageError
from portkit.git import Repository
from portkit.models import BASE_LAYER as BASE
from portkit.models import LAYER_RECORD as RECORD
from portkit.models import ROOT_RECORDS, Layer, Provenance, UpdateRequest

__all__ = ["BASE", "Layer", "discover", "find", "for_subdir", "named"]

#: One folder of SUBDIR, or a root layer's name: a part of its branch name (`git check-ref-format`
#: rules: no leading '.', no '..', no trailing '.' or '.lock') and of a make target (no space,
#: ':', '%', '$', '#').
_NAME = re.compile(r"[A-Za-z0-9](?!.*\.\.)[A-Za-z0-9._-]*(?<!\.)(?<!\.lock)")
_RULE = "letters, digits, '.', '-' and '_', starting with a letter or digit, not ending in '.lock'"


def for_subdir(text: str) -> Layer:
    """The layer for SUBDIR as a user types it (`serving/`, `./api`); refuses ones that escape."""
    path = PurePosixPath(text.replace("\\", "/"))
    parts = [part for part in path.parts if part not in (".", "")]
    if not parts or path.is_absolute() or ".." in parts or any(p == ".git" for p in parts):
        raise UsageError(
            f"SUBDIR must be a folder inside the project, got {text!r}.",
            "Give a relative path such as serving/ (a layer at the root: no SUBDIR, --name).",
        )
    if not all(_NAME.fullmatch(part) for part in parts):
        raise UsageError(f"SUBDIR's folder names use {_RULE}; got {text!r}.")
    return Layer(subdir="/".join(parts))


def named(name: str) -> Layer:
    """A layer at the root, named after its template."""
    if not _NAME.fullmatch(name):
        raise UsageError(f"A layer name uses {_RULE}; got {name!r}.")
    return Layer(name=name)


def discover(root: Path) -> list[Layer]:
    """Every layer of the project, in the order updates run: the base, then by record path."""
    tracked = Repository(root).tracked_files(f"*{RECORD}", f"{ROOT_RECORDS}/*.yml")
    found: list[Layer] = []
    for path in sorted(tracked):
        pure = PurePosixPath(path)
        if path == RECORD:
            found.insert(0, BASE)
        elif not provenance.is_layer(root, path):
            continue  # a project nested in a repository, a record a template ships
        elif pure.name == RECORD:
            found.append(Layer(subdir=pure.parent.as_posix()))
        elif pure.parent.as_posix() == ROOT_RECORDS:
            found.append(Layer(name=pure.stem))
    return found


def find(root: Path, folder: Path) -> Layer:
    """The layer recorded in FOLDER (a layer's sub-folder, or the root for the base layer)."""
    relative = folder.absolute().resolve().relative_to(root.resolve()).as_posix()
    wanted = BASE if relative == "." else Layer(subdir=relative)
    if wanted in discover(root):
        return wanted
    raise ProjectError(
        f"{folder} holds no template layer of the project at {root}.",
        "`portkit info` lists the layers; pass the project root or a layer's folder.",
    )


def for_update(path: Path) -> tuple[Path, list[Layer]]:
    """What `portkit update PATH` updates: every layer from the root, one from a layer's folder.

    Outside a git repository, or in a project without layers, it is the project's own template
    at PATH, so `portkit update` says what is wrong exactly as before layers existed.
    """
    folder = path.absolute()
    repo = Repository.containing(folder)
    if repo is None:
        return path, [BASE]
    root = repo.root
    found = discover(root)
    if folder.resolve() == root.resolve():
        return root, found or [BASE]
    relative = folder.resolve().relative_to(root.resolve()).as_posix()
    if Layer(subdir=relative) in found:
        return root, [Layer(subdir=relative)]
    return path, [BASE]


def for_request(request: UpdateRequest) -> tuple[Path, list[Layer]]:
    """`for_update`, refusing what cannot apply to several layers in turn before any is touched.

    A staged merge (`--no-commit`) stops the next layer's update ("in the middle of a merge").
    """
    root, found = for_update(request.project)
    if len(found) > 1 and not request.commit and not request.dry_run:
        raise UsageError(
            f"--no-commit stages one layer's merge; this project has {len(found)} layers.",
            "Update one layer with --no-commit: `portkit update SUBDIR --no-commit`.",
        )
    return root, found


def records(folder: Path) -> list[tuple[Layer, Provenance]]:
    """The layers added to the project at FOLDER (not the base), with their records."""
    repo = Repository.containing(folder.absolute())
    if repo is None:
        return []
    root = repo.root
    return [(layer, provenance.read(root, layer.record)) for layer in discover(root)[1:]]


def listing(folder: Path) -> list[str]:
    """One line per added layer, for `portkit info` and `portkit status`."""
    lines = []
    for layer, record in records(folder):
        lines.append(
            f"  {layer.label:<12}{record.template} {record.version} "
            f"({record.source.value}, {record.engine.value}) on {layer.branch}"
        )
    return lines
