"""Read a template folder's configuration without importing its engine.

`portkit list` and answer validation need the questions and a description; importing copier or
cookiecutter for that would cost half a second on every call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from portkit.errors import TemplateError
from portkit.models import Engine, Question

COPIER_FILES = ("copier.yml", "copier.yaml")
COOKIECUTTER_FILE = "cookiecutter.json"


def detect_engine(folder: Path) -> Engine | None:
    """Copier wins when a folder carries both configurations, as copier itself would."""
    if any((folder / name).is_file() for name in COPIER_FILES):
        return Engine.COPIER
    if (folder / COOKIECUTTER_FILE).is_file():
        return Engine.COOKIECUTTER
    return None


def read_config(folder: Path, engine: Engine) -> dict[str, Any]:
    """The template's configuration as one mapping (copier's multi-document files merged)."""
    if engine is Engine.COOKIECUTTER:
        return _read_json(folder / COOKIECUTTER_FILE)
    path = next(folder / name for name in COPIER_FILES if (folder / name).is_file())
    merged: dict[str, Any] = {}
    for document in _load_copier_yaml(path, folder):
        merged.update(document)
    return merged


def questions(config: dict[str, Any], engine: Engine) -> list[Question]:
    """Questions are the keys that do not start with `_` (the same rule in both engines)."""
    found = []
    for key, value in config.items():
        if key.startswith("_"):
            continue
        if engine is Engine.COPIER and isinstance(value, dict):
            secret = bool(value.get("secret", False))
            choices = _choice_values(value.get("choices"))
            if not choices and value.get("type") == "bool":
                choices = ("true", "false")
            # a `when` may depend on other answers: copier alone can tell whether it is asked
            required = "default" not in value and value.get("when", True) is True
            found.append(Question(key, secret, value.get("default"), choices, required))
        else:
            found.append(Question(key, False, value))
    return found


def _choice_values(choices: object) -> tuple[str, ...]:
    """The values `--data` takes for copier's choices, whatever form the template uses.

    A list of values or of `[label, value]` pairs, or a mapping label -> value, where a value may
    itself be `{value: ..., validator: ...}`.
    """
    if isinstance(choices, dict):
        items: list[Any] = list(choices.values())
    elif isinstance(choices, list):
        items = [c[-1] if isinstance(c, list) and len(c) == 2 else c for c in choices]
    else:
        return ()
    return tuple(str(i.get("value") if isinstance(i, dict) else i) for i in items)


def description(config: dict[str, Any], folder: Path) -> str:
    """`_description` from the config, else the first prose line of the template's README."""
    text = config.get("_description")
    if isinstance(text, str) and text.strip():
        return text.strip().splitlines()[0]
    readme = folder / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip() and not line.startswith(("#", "[", "!", "<")):
                return line.strip()
    return ""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(f"Cannot read {path.name}: {error}") from error
    if not isinstance(data, dict):
        raise TemplateError(f"{path.name} must hold a JSON object.")
    return data


def _load_copier_yaml(path: Path, root: Path) -> Iterator[dict[str, Any]]:
    """Load copier.yml, following copier's `!include` tag (globs relative to the template)."""

    class _Loader(yaml.SafeLoader):
        pass

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> list[dict[str, Any]]:
        pattern = str(loader.construct_scalar(node))  # type: ignore[arg-type]
        docs: list[dict[str, Any]] = []
        for included in sorted(root.glob(pattern)):
            docs.extend(_load_copier_yaml(included, root))
        return docs

    _Loader.add_constructor("!include", include)
    try:
        documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_Loader))
    except (OSError, yaml.YAMLError) as error:
        raise TemplateError(f"Cannot read {path.name}: {error}") from error
    for document in documents:
        yield from _mappings(document, path)


def _mappings(document: object, path: Path) -> Iterator[dict[str, Any]]:
    """A copier document is a mapping, nothing, or (only `!include`) a list of mappings."""
    if document is None:
        return
    if isinstance(document, list):
        yield from document
    elif isinstance(document, dict):
        yield document
    else:
        raise TemplateError(f"{path.name} must hold mappings.")
