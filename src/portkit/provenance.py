"""`.portkit.yml`: the one file that says where a project came from.

It records the template (a logical id: a built-in or collection name, a git URL, or a path
relative to the project; never a machine-specific absolute path), its version, the engine and
the non-secret answers. `portkit update` and `portkit info` read it; users may read it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from portkit.errors import ProjectError
from portkit.models import Engine, Provenance, SourceKind

FILENAME = ".portkit.yml"
LINKS = "links"
LAYER = "layer"  # `layer: true`: a record `portkit add` wrote, not a project nested in a repo

_HEADER = (
    "# Written by portkit: which template this project came from and the answers it was\n"
    "# rendered with. `portkit update` reads it; edit answers with `portkit update --data`.\n"
    "# `portkit update` also turns on git's rerere in this repository (unless you set\n"
    "# rerere.enabled yourself): a conflict you resolve is resolved the same way next time;\n"
    "# `portkit update --forget-resolutions` forgets them.\n"
)


def dump(provenance: Provenance) -> str:
    """The file's text, stable key order so diffs stay small."""
    data: dict[str, Any] = {
        "template": provenance.template,
        "source": provenance.source.value,
        "engine": provenance.engine.value,
        "version": provenance.version,
    }
    if provenance.commit:
        data["commit"] = provenance.commit
    data["answers"] = dict(sorted(provenance.answers.items()))
    return _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write(project: Path, provenance: Provenance) -> Path:
    """Write the provenance file at the project root."""
    path = project / FILENAME
    path.write_text(dump(provenance), encoding="utf-8")
    return path


def read(project: Path, record: str = FILENAME) -> Provenance:
    """Parse the provenance file (RECORD: a layer's, `portkit add`); a clear error if unusable."""
    path = project / record
    if not path.is_file():
        raise ProjectError(
            f"{project} is not a portkit project (no {FILENAME}).",
            "Run this inside a project made by `portkit new`, or pass its path.",
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Provenance(
            template=str(data["template"]),
            source=SourceKind(data["source"]),
            engine=Engine(data["engine"]),
            version=str(data["version"]),
            answers=dict(data.get("answers") or {}),
            commit=data.get("commit"),
        )
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ProjectError(
            f"{path} is malformed: {error}", "Restore it from git history."
        ) from error


def links(project: Path, record: str = FILENAME) -> dict[str, Any]:
    """A layer's links: answers `portkit add` derived from the project, used on every render.

    They are recorded apart from `answers` because templates hide such settings from users
    (copier's `when: false`), so an engine never reports them as answers.
    """
    try:
        data = yaml.safe_load((project / record).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    found = data.get(LINKS) if isinstance(data, dict) else None
    return dict(found) if isinstance(found, dict) else {}


def add_links(folder: Path, given: dict[str, Any], record: str = FILENAME) -> None:
    """Add GIVEN as the `links` of the record in FOLDER (nothing when there are none)."""
    if not given:
        return
    path = folder / record
    text = path.read_text(encoding="utf-8")
    block = yaml.safe_dump({LINKS: dict(sorted(given.items()))}, sort_keys=False)
    path.write_text(text + block, encoding="utf-8")


def mark_layer(folder: Path, record: str = FILENAME) -> None:
    """Mark the record in FOLDER as a layer's (`portkit add`), after its links."""
    path = folder / record
    path.write_text(path.read_text(encoding="utf-8") + f"{LAYER}: true\n", encoding="utf-8")


def is_layer(project: Path, record: str) -> bool:
    """RECORD was written by `portkit add`; a nested project's own `.portkit.yml` is not."""
    try:
        data = yaml.safe_load((project / record).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and data.get(LAYER) is True
