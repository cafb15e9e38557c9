"""Three-way merges of parsed configuration, entry by entry, on the user's round-trip document.

Git merges lines, so a template that bumps `fastapi>=0.110` while the user adds `httpx` on the
next line of the same array is a conflict, though both intents are clear. Here each side is a
parsed document (mappings, and lists whose items have a stable key: a package name, a hook `id`,
a step `name`), and a change is taken per entry: the template's where the user left the entry
alone, the user's otherwise. Only an entry both changed differently is a conflict.

The merge edits the user's document in place (`tomlkit` and `ruamel.yaml` keep its comments and
layout). A conflict keeps the side `pick` names, so rendering the document three times, with the
base's, the user's and the template's value of each conflicting entry, gives three texts that
differ only there; `git merge-file` on them writes git's own conflict markers around exactly those
entries (see `merge_driver`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Mapping, MutableMapping, MutableSequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MISSING", "Merge", "Side"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: An entry absent on one side (never in the base, or deleted).
MISSING: Any = _Missing()
#: The user's value stays where it is (possibly edited in place).
_KEEP: Any = _Missing()

#: (path of the list, its items) -> one hashable key per item, or None when they have none.
ListKeys = Callable[[tuple[str, ...], list[Any]], "list[Hashable] | None"]
#: Insert KEY=VALUE into MAPPING after the key AFTER (None: first); formats differ in how.
Insert = Callable[[MutableMapping[str, Any], str, Any, "str | None"], None]


class Side(str, enum.Enum):
    """Which value a conflicting entry takes in one rendering of the merged document."""

    BASE = "base"
    OURS = "ours"
    THEIRS = "theirs"


def plain(value: Any) -> Any:
    """The value with the parsers' formatting wrappers removed, for comparisons."""
    if value is MISSING:
        return MISSING
    if hasattr(value, "unwrap"):  # tomlkit items and documents
        return value.unwrap()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


@dataclass
class Merge:
    """One entry-by-entry merge; `conflicts` names the entries both sides changed differently."""

    list_keys: ListKeys
    insert: Insert
    pick: Side = Side.OURS
    conflicts: list[str] = field(default_factory=list)

    def document(self, base: Any, ours: Any, theirs: Any) -> None:
        """Merge into OURS (the user's document, edited in place)."""
        self._mapping((), base, ours, theirs)

    def _value(self, path: tuple[str, ...], base: Any, ours: Any, theirs: Any) -> Any:
        """The merged value of one entry: _KEEP, MISSING (delete it) or a new value."""
        old, mine, new = plain(base), plain(ours), plain(theirs)
        if mine == new or old == new:
            return _KEEP
        if old == mine:
            return theirs
        if _all_mappings(base, ours, theirs):
            self._mapping(path, {} if base is MISSING else base, ours, theirs)
            return _KEEP
        if _all_lists(base, ours, theirs) and self._sequence(path, base, ours, theirs):
            return _KEEP
        self.conflicts.append(_label(path))
        chosen = {Side.BASE: base, Side.OURS: ours, Side.THEIRS: theirs}[self.pick]
        return _KEEP if chosen is ours else chosen

    def _mapping(
        self, path: tuple[str, ...], base: Mapping[str, Any], ours: Any, theirs: Mapping[str, Any]
    ) -> None:
        before = list(ours.keys())
        for key in before:
            merged = self._value(
                (*path, key), base.get(key, MISSING), ours[key], theirs.get(key, MISSING)
            )
            if merged is MISSING:
                del ours[key]
            elif merged is not _KEEP:
                ours[key] = merged
        previous: str | None = None
        for key in theirs:
            if key in before:
                previous = key if key in ours else previous
                continue
            merged = self._value((*path, key), base.get(key, MISSING), MISSING, theirs[key])
            if merged is not _KEEP and merged is not MISSING:
                self.insert(ours, key, merged, previous)
                previous = key

    def _sequence(self, path: tuple[str, ...], base: Any, ours: Any, theirs: Any) -> bool:
        """Merge lists item by item when every item has a key; False when they have none."""
        sides = ([] if base is MISSING else base, ours, theirs)
        keyed = [self._keyed(path, items) for items in sides]
        if any(index is None for index in keyed):
            return False
        old, mine, new = (index or {} for index in keyed)
        order = list(mine)
        deleted: list[int] = []
        for position, key in enumerate(order):
            item = (*path, _item_label(key))
            merged = self._value(item, old.get(key, MISSING), mine[key], new.get(key, MISSING))
            if merged is MISSING:
                deleted.append(position)
            elif merged is not _KEEP:
                ours[position] = merged
        for position in reversed(deleted):
            del ours[position]
            del order[position]
        self._insert_items(path, (old, mine, new), order, ours)
        return True

    def _insert_items(
        self,
        path: tuple[str, ...],
        indexes: tuple[dict[Hashable, Any], ...],
        order: list[Hashable],
        ours: MutableSequence[Any],
    ) -> None:
        """Add the template's new items after the item that precedes them in the template."""
        old, mine, new = indexes
        previous = -1
        for key in new:
            if key in mine:
                previous = order.index(key) if key in order else previous
                continue
            item = (*path, _item_label(key))
            merged = self._value(item, old.get(key, MISSING), MISSING, new[key])
            if merged is _KEEP or merged is MISSING:
                continue
            previous += 1
            ours.insert(previous, merged)
            order.insert(previous, key)

    def _keyed(self, path: tuple[str, ...], items: list[Any]) -> dict[Hashable, Any] | None:
        keys = self.list_keys(path, list(items))
        if keys is None or len(set(keys)) != len(keys):
            return None
        return dict(zip(keys, items, strict=True))


def _all_mappings(base: Any, ours: Any, theirs: Any) -> bool:
    """Both sides are mappings (and the base, unless neither had the entry)."""
    present = [value for value in (base, ours, theirs) if value is not MISSING]
    return (
        ours is not MISSING
        and theirs is not MISSING
        and all(isinstance(v, Mapping) for v in present)
    )


def _all_lists(base: Any, ours: Any, theirs: Any) -> bool:
    """Both sides are lists (and the base, unless neither had the entry)."""
    present = [value for value in (base, ours, theirs) if value is not MISSING]
    return (
        ours is not MISSING and theirs is not MISSING and all(isinstance(v, list) for v in present)
    )


def _item_label(key: Hashable) -> str:
    """`[fastapi]` for the key ("requirement", "fastapi", ""): what names the item, not how."""
    parts = key[1:] if isinstance(key, tuple) else (key,)
    return "[" + " ".join(str(part) for part in parts if part) + "]"


def _label(path: tuple[str, ...]) -> str:
    """`project.dependencies[fastapi]`, `repos[https://…].hooks[ruff]`."""
    text = "".join(part if part.startswith("[") else "." + part for part in path)
    return text.lstrip(".") or "(document)"
