"""How a layer sits with the project around it: links, and the shared files composed at the root.

A layer in a sub-folder is a whole project of its own (README, Makefile, pyproject, pre-commit
and CI all inside the folder). Three things only make sense at the root, so they are composed:

- **CI**: GitHub runs only the root's `.github/workflows/`, so a layer whose render has a
  Makefile with a `test` target gets `.github/workflows/layer-<id>.yml`, running its
  `make setup` and `make test` in its folder. That file is part of the layer's render (it
  updates with the layer; the root's own workflows are never touched).
- **Makefile and README** of the root: a marked block is appended (once, when the layer is added,
  on your branch, so later updates of either layer merge around it): `make <id>-<target>` runs a
  target of the layer, and the README points at the layer's own README.
- **pre-commit**: git runs one hook, the root's `.pre-commit-config.yaml`; it covers the layer's
  files too, and a layer's own config stays inside its folder, unused until the folder becomes a
  repository of its own. Nothing is composed.

Built-in templates share their tracking when one is layered in a sub-folder of another: the layer's
Makefile exports the root's MLflow store (`MLFLOW_TRACKING_URI`, unless set), and model-api added
to an ml-pipeline project serves the pipeline's registered model (its `mlflow_name` link is the
pipeline's `registry.model_name` in `params.yaml`).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from portkit import provenance
from portkit.errors import ProjectError
from portkit.models import LAYER_RECORD as RECORD
from portkit.models import Layer, Provenance, SourceKind

if TYPE_CHECKING:
    from portkit.rendering import Rendered

__all__ = ["MARK", "as_committed", "links", "place", "root_files", "user_side"]

MARK = "portkit add"
_TEST_TARGET = re.compile(r"^test\s*:", re.MULTILINE)


def links(root: Path, base: Provenance | None, template: str, kind: SourceKind) -> dict[str, Any]:
    """Answers the layer renders with on every update, derived from the project it joins."""
    if kind is not SourceKind.BUILTIN or base is None or base.source is not SourceKind.BUILTIN:
        return {}
    if template == "model-api" and base.template == "ml-pipeline":
        name = _pipeline_model_name(root)
        return {"mlflow_name": name} if name else {}
    return {}


def _pipeline_model_name(root: Path) -> str | None:
    """The registered model an ml-pipeline project promotes: params.yaml `registry.model_name`."""
    try:
        params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    registry = params.get("registry") if isinstance(params, dict) else None
    name = registry.get("model_name") if isinstance(registry, dict) else None
    return str(name) if name else None


def place(layer: Layer, rendered: Path, tree: Path) -> None:
    """Move a render of LAYER into TREE at the layer's place, with its composed root files."""
    target = tree / layer.subdir if layer.subdir else tree
    target.mkdir(parents=True, exist_ok=True)
    for child in rendered.iterdir():
        shutil.move(str(child), str(target / child.name))
    if layer.name:
        record = tree / layer.record
        record.parent.mkdir(parents=True, exist_ok=True)
        (tree / RECORD).replace(record)
    for path, text in root_files(layer, target).items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text, encoding="utf-8")


def as_committed(
    layer: Layer, rendered: Rendered, links: dict[str, Any], workdir: Path
) -> Rendered:
    """A render of LAYER as its commits hold it: LINKS recorded, placed in the project's tree."""
    provenance.add_links(rendered.folder, links)
    if layer.is_base:
        return rendered
    provenance.mark_layer(rendered.folder)
    tree = workdir / "placed"
    place(layer, rendered.folder, tree)
    return replace(rendered, folder=tree)


def layer_id(layer: Layer) -> str:
    """The short name of a layer in file and target names (`serving`, `api-v2`)."""
    return layer.branch.rsplit("/", 1)[-1]


def root_files(layer: Layer, rendered: Path) -> dict[str, str]:
    """Files at the root that belong to LAYER's render: a CI workflow for a layer in a folder."""
    makefile = rendered / "Makefile"
    if not layer.subdir or not makefile.is_file():
        return {}
    if not _TEST_TARGET.search(makefile.read_text(encoding="utf-8", errors="replace")):
        return {}
    name = layer_id(layer)
    path = f".github/workflows/layer-{name}.yml"
    return {path: _workflow(layer.subdir, name, path)}


def _workflow(folder: str, name: str, path: str) -> str:
    workflow = {
        "name": f"{name} (layer {folder}/)",
        "on": {
            "push": {"branches": ["main"], "paths": [f"{folder}/**", path]},
            "pull_request": {"paths": [f"{folder}/**", path]},
            "workflow_dispatch": None,
        },
        "permissions": {"contents": "read"},
        "jobs": {
            "test": {
                "runs-on": "ubuntu-latest",
                "defaults": {"run": {"working-directory": folder}},
                "steps": [
                    {"uses": "actions/checkout@v4"},
                    {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
                    {"uses": "astral-sh/setup-uv@v6"},
                    {"run": "make setup PYTHON=python"},
                    {"run": "make test"},
                ],
            }
        },
    }
    header = (
        f"# Composed by `portkit add` for the layer in {folder}/: GitHub runs only the root's\n"
        "# workflows. Part of the layer's template render: `portkit update` keeps it current.\n"
    )
    return header + yaml.safe_dump(workflow, sort_keys=False).replace(
        "workflow_dispatch: null", "workflow_dispatch:"
    )


def user_side(root: Path, layer: Layer, template: str, shared_tracking: bool) -> list[str]:
    """Append the marked blocks to the root's Makefile and README (and the layer's Makefile).

    Returns the files changed. Done once, on the user's branch, inside the add's merge.
    """
    if not layer.subdir:
        return []
    changed: list[str] = []
    name = layer_id(layer)
    own_makefile = root / layer.subdir / "Makefile"
    if (root / "Makefile").is_file() and own_makefile.is_file():
        _append(root / "Makefile", _root_make_block(layer.subdir, name, template))
        changed.append("Makefile")
    if (root / "README.md").is_file():
        make = own_makefile.is_file() and (root / "Makefile").is_file()
        _append(root / "README.md", _readme_block(layer.subdir, template, shared_tracking, make))
        changed.append("README.md")
    if shared_tracking and own_makefile.is_file():
        _append(own_makefile, _tracking_block(layer.subdir))
        changed.append(f"{layer.subdir}/Makefile")
    return changed


def _append(path: Path, block: str) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ProjectError(
            f"{path} is not UTF-8 text, so portkit cannot add the layer's section to it.",
            "Convert it to UTF-8 (iconv -t utf-8), commit, and add the layer again.",
        ) from error
    path.write_text(text.rstrip("\n") + "\n\n" + block, encoding="utf-8")


def _root_make_block(folder: str, name: str, template: str) -> str:
    return (
        f"# --- {MARK}: the {template} layer in {folder}/ --------------------------------\n"
        f".PHONY: {name}\n"
        f"{name}: {name}-help  ## The {template} layer in {folder}/: `make {name}-<target>`\n"
        f"{name}-%:\n"
        f"\t$(MAKE) -C {folder} $*\n"
    )


def _readme_block(folder: str, template: str, shared_tracking: bool, make: bool) -> str:
    lines = [
        f"## Layer: {template} in `{folder}/`",
        "",
        f"Added with `portkit add {template} {folder}/`; see its [README]({folder}/README.md).",
    ]
    if make:
        name = folder.replace("/", "--")
        lines.append(f"Run its targets from here with `make {name}-<target>` (`make {name}-test`).")
    if shared_tracking:
        lines.append("It shares this project's MLflow store and serves its registered model.")
    lines.append(f"`portkit update` updates it with the rest; `portkit update {folder}/` alone.")
    return "\n".join(lines) + "\n"


def _tracking_block(folder: str) -> str:
    up = "/".join(".." for _ in folder.split("/"))
    return (
        f"# --- {MARK}: runs go to the parent project's MLflow store, unless set -------------\n"
        f"export MLFLOW_TRACKING_URI ?= sqlite:///$(abspath {up}/mlflow.db)\n"
    )
