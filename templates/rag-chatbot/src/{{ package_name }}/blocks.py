"""What every reader produces: a Document of Blocks (or a DocumentError), and the text helpers
the readers share: paragraphs and a title made from the file name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


class DocumentError(ValueError):
    """A file that cannot be read as a document (unsupported, empty or corrupt)."""


@dataclass(frozen=True)
class Block:
    """A paragraph-sized piece of text, with the section it sits in (and its PDF page)."""

    text: str
    section: str = ""
    page: int | None = None
    heading: bool = False


@dataclass
class Document:
    """One source file: its title and its blocks in reading order."""

    source: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str = ""  # the text encoding it was read in ("" for PDF)


def default_title(source: str) -> str:
    """A title from the file name: `getting-started.md` -> `Getting started`."""
    stem = Path(source).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\S")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, with inner whitespace collapsed; a list keeps one item
    per line, so an answer quoting it can show it as a list."""
    parts = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [_collapse(part) for part in parts if part.strip()]


def _collapse(part: str) -> str:
    lines: list[str] = []
    for line in part.split("\n"):
        words = " ".join(line.split())
        if not words:
            continue
        if lines and not _LIST_ITEM.match(line):
            lines[-1] += " " + words  # a wrapped line continues the sentence or the item
        else:
            lines.append(words)
    return "\n".join(lines)
