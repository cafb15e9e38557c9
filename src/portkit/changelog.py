"""A template's changelog: the entries between the version a project is on and the target.

Templates keep a `CHANGELOG.md` at their root with one `## <version>` section per release, newest
first (the "Keep a Changelog" layout: `## [1.2.0] - 2026-11-27` reads too). Built-in templates
keep theirs in `templates/<name>/CHANGELOG.md`, excluded from the render; a git template's is read
at the target ref. Versions are compared as PEP 440 versions (`v1.2` and `1.2` alike), so an
update, `portkit diff`, `--check` and the pull-request script show exactly what is new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.version import Version

__all__ = ["FILENAME", "Entry", "between", "parse", "read"]

FILENAME = "CHANGELOG.md"

#: The version in a `## ` heading: `## 1.2.0`, `## v1.2.0 (2026-11-27)`, `## [1.2.0] - date`.
_HEADING = re.compile(r"^##\s+\[?(?P<version>v?[0-9][0-9A-Za-z.+!-]*)\]?.*$")


@dataclass(frozen=True)
class Entry:
    """One release's section: its version, the rest of its heading, and its text."""

    version: str
    title: str  # the heading without the `## `, as written
    body: str

    def as_markdown(self) -> str:
        """The section as it reads in the changelog."""
        return f"## {self.title}\n\n{self.body}".rstrip() + "\n"


def read(folder: Path) -> list[Entry]:
    """The entries of FOLDER's changelog; none when it has no (readable) changelog."""
    path = folder / FILENAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return parse(text)


def parse(text: str) -> list[Entry]:
    """Split TEXT into its versioned `## ` sections; other sections (`Unreleased`) are skipped."""
    entries: list[Entry] = []
    current: tuple[str, str] | None = None
    lines: list[str] = []
    for line in [*text.splitlines(), "## end"]:
        if not line.startswith("## "):
            lines.append(line)
            continue
        if current:
            entries.append(Entry(current[0], current[1], "\n".join(lines).strip() + "\n"))
        found = _HEADING.match(line.strip())
        current = (found["version"], line[3:].strip()) if found else None
        lines = []
    return entries


def between(entries: list[Entry], old: str, new: str) -> list[Entry]:
    """The entries newer than OLD, up to and including NEW, newest first.

    Nothing when either version is not a version (a commit, a local folder's digest): then no
    order exists, and showing every entry would claim changes the project may already have.
    """
    low, high = _version(old), _version(new)
    if low is None or high is None:
        return []
    picked = [(v, entry) for entry in entries if (v := _version(entry.version)) is not None]
    picked.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for v, entry in picked if low < v <= high]


def _version(text: str) -> Version | None:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text.removeprefix("v"))
    except InvalidVersion:
        return None
