"""How `pyproject.toml` and YAML configuration are parsed, keyed and written for a merge.

Each format keeps the user's text as it is outside the entries a merge changes: `tomlkit` and
`ruamel.yaml` are round-trip parsers, and a file whose unchanged round trip is not byte-identical
is not merged here at all (`FormatError`), so a merge never reformats a file. Both libraries are
imported only inside these functions: only the merge driver process needs them.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Hashable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["FORMATS", "Format", "FormatError"]


class FormatError(Exception):
    """A side does not parse, or would not keep its formatting; the message says which."""


class Format(Protocol):
    """One configuration format."""

    @property
    def name(self) -> str:
        """How messages name the format."""

    def parse(self, text: str) -> Any:
        """The round-trip document; FormatError when TEXT does not parse."""

    def dump(self, document: Any, original: str) -> str:
        """The document's text, laid out like ORIGINAL (the user's text)."""

    def list_keys(self, path: tuple[str, ...], items: list[Any]) -> list[Hashable] | None:
        """One key per item of the list at PATH, or None: then the list is one value."""

    def insert(
        self, mapping: MutableMapping[str, Any], key: str, value: Any, after: str | None
    ) -> None:
        """Add KEY=VALUE to MAPPING, after AFTER where the format allows it."""


#: Arrays of PEP 508 requirements in `pyproject.toml`, keyed by package name: a path whose last
#: element is "*" matches any table key there.
_REQUIREMENT_ARRAYS = (
    ("project", "dependencies"),
    ("project", "optional-dependencies", "*"),
    ("dependency-groups", "*"),
    ("build-system", "requires"),
)


@dataclass(frozen=True)
class Toml:
    """`pyproject.toml` through tomlkit."""

    name: str = "TOML"

    def parse(self, text: str) -> Any:
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        try:
            return tomlkit.parse(text)
        except TOMLKitError as error:
            raise FormatError(f"does not parse as TOML ({error})") from error

    def dump(self, document: Any, original: str) -> str:
        import tomlkit

        return tomlkit.dumps(document)

    def list_keys(self, path: tuple[str, ...], items: list[Any]) -> list[Hashable] | None:
        if not any(_matches(path, pattern) for pattern in _REQUIREMENT_ARRAYS):
            return None
        keys = [_requirement_key(item) for item in items]
        return None if None in keys else keys

    def insert(
        self, mapping: MutableMapping[str, Any], key: str, value: Any, after: str | None
    ) -> None:
        mapping[key] = value  # tomlkit appends to the table, before its sub-tables


def _matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    if len(path) != len(pattern):
        return False
    return all(wanted in ("*", part) for part, wanted in zip(path, pattern, strict=True))


def _requirement_key(item: Any) -> Hashable | None:
    """A requirement's package name and environment marker; an included group's name."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    if isinstance(item, Mapping) and set(item) == {"include-group"}:
        return ("include-group", str(item["include-group"]))
    if not isinstance(item, str):
        return None
    try:
        requirement = Requirement(str(item))
    except InvalidRequirement:
        return None
    return ("requirement", canonicalize_name(requirement.name), str(requirement.marker or ""))


#: Fields that name an item of a YAML list of mappings, most specific first: a pre-commit hook
#: `id` or repository `repo`, a workflow step `id` or `name`, else the action it `uses`.
_ITEM_NAMES = ("id", "repo", "name", "uses")


@dataclass(frozen=True)
class Yaml:
    """YAML configuration (pre-commit, GitHub workflows) through ruamel.yaml."""

    name: str = "YAML"

    def parse(self, text: str) -> Any:
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.error import YAMLError

        try:
            document = _yaml_load(text)
        except YAMLError as error:
            raise FormatError(f"does not parse as YAML ({_first_line(error)})") from error
        if document is None:
            return CommentedMap()
        if not isinstance(document, Mapping):
            raise FormatError("is YAML but not a mapping at the top")
        return document

    def dump(self, document: Any, original: str) -> str:
        return _yaml_dump(document, _yaml_layout(original), original)

    def list_keys(self, path: tuple[str, ...], items: list[Any]) -> list[Hashable] | None:
        keys = [_item_key(item) for item in items]
        return None if None in keys else keys

    def insert(
        self, mapping: MutableMapping[str, Any], key: str, value: Any, after: str | None
    ) -> None:
        keys = list(mapping)
        position = keys.index(after) + 1 if after in keys else 0
        mapping.insert(position, key, value)  # type: ignore[attr-defined]


#: Indentation layouts tried, as (mapping, sequence, offset): ruamel.yaml writes one layout for
#: the whole file, so the one that reproduces the user's text is used, else none fits.
_LAYOUTS = ((2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 4, 0), (2, 3, 1), (4, 6, 4))


@functools.lru_cache(maxsize=8)
def _yaml_layout(text: str) -> tuple[int, int, int]:
    """The layout whose round trip of TEXT is exact; the first one when none is."""
    document = _yaml_load(text)
    for layout in _LAYOUTS:
        if _yaml_dump(document, layout, text) == text:
            return layout
    return _LAYOUTS[0]


def _yaml_load(text: str) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # on loading: `"3.12"` stays double-quoted
    return yaml.load(text)


def _yaml_dump(document: Any, layout: tuple[int, int, int], original: str) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.explicit_start = original.lstrip().startswith("---")
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _item_key(item: Any) -> Hashable | None:
    if not isinstance(item, Mapping):
        return None
    for field in _ITEM_NAMES:
        value = item.get(field)
        if isinstance(value, str):
            return (field, value.split("@")[0] if field == "uses" else value)
    return None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


FORMATS: dict[str, Format] = {"toml": Toml(), "yaml": Yaml()}
