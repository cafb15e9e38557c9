"""Split documents into chunks that follow headings and paragraphs, with size and overlap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .documents import Document

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of a document, with everything needed to cite it."""

    id: str
    source: str
    title: str
    section: str
    position: int
    text: str
    page: int | None = None

    @property
    def search_text(self) -> str:
        """What the retrievers index: title and section words count too."""
        return f"{self.title}\n{self.section}\n{self.text}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(vars(self))  # flat fields: cheaper than dataclasses.asdict's deep copy

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        """The inverse of `to_dict`."""
        return cls(**data)


def split_sentences(text: str) -> list[str]:
    """Sentences of TEXT (a simple rule: end punctuation followed by a capital or digit)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _pieces(text: str, size: int) -> list[str]:
    """TEXT cut into pieces of at most SIZE characters, at sentence, then word boundaries (a code
    block or a list at line boundaries, each piece of code fenced again)."""
    if len(text) <= size:
        return [text]
    if text.startswith(("```", "~~~")):
        return _code_pieces(text, size)
    if "\n" in text:  # a list: whole items, one per line
        return _line_pieces(text.split("\n"), size)
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        words = [sentence] if len(sentence) <= size else sentence.split()
        for unit in words:
            if current and len(current) + 1 + len(unit) > size:
                pieces.append(current)
                current = ""
            current = f"{current} {unit}" if current else unit[:size]
    if current:
        pieces.append(current)
    return pieces


def _line_pieces(lines: list[str], size: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    for line in lines:
        if current and sum(len(x) + 1 for x in current) + len(line) > size:
            pieces.append("\n".join(current))
            current = []
        current.append(line[:size])
    return [*pieces, "\n".join(current)] if current else pieces


def _code_pieces(text: str, size: int) -> list[str]:
    lines = text.split("\n")
    opening, closing = lines[0], lines[-1]
    body = _line_pieces(lines[1:-1], max(size - len(opening) - len(closing) - 2, 40))
    return [f"{opening}\n{piece}\n{closing}" for piece in body]


def _tail(text: str, overlap: int) -> str:
    """The last OVERLAP characters of TEXT, starting at a word boundary."""
    if overlap <= 0 or len(text) <= overlap:
        return text if overlap > 0 else ""
    if "```" in text[-overlap:] or "~~~" in text[-overlap:]:
        return ""  # never start a chunk inside a code block
    tail = text[-overlap:]
    space = tail.find(" ")
    return tail[space + 1 :] if space != -1 else tail


class _Builder:
    """Accumulates paragraphs of one section into chunks."""

    def __init__(self, doc: Document, size: int, overlap: int) -> None:
        self.doc, self.size, self.overlap = doc, size, overlap
        self.chunks: list[Chunk] = []
        self.parts: list[str] = []
        self.section = ""
        self.page: int | None = None
        self.fresh = True  # the current chunk holds no new text yet (only overlap, if any)

    def add(self, text: str, section: str, page: int | None) -> None:
        if section != self.section:
            self.flush(carry=False)
            self.section = section
        for piece in _pieces(text, self.size):
            length = sum(len(p) + 1 for p in self.parts)
            if self.parts and not self.fresh and length + len(piece) > self.size:
                self.flush(carry=True)
            if self.page is None:
                self.page = page
            self.parts.append(piece)
            self.fresh = False

    def flush(self, carry: bool) -> None:
        text = "\n\n".join(self.parts)  # paragraphs stay paragraphs: code and lists keep lines
        if self.parts and not self.fresh:
            position = len(self.chunks)
            self.chunks.append(
                Chunk(
                    id=f"{self.doc.source}#{position}",
                    source=self.doc.source,
                    title=self.doc.title,
                    section=self.section,
                    position=position,
                    text=text,
                    page=self.page,
                )
            )
        tail = _tail(text, self.overlap) if carry else ""
        self.parts = [tail] if tail else []
        self.fresh = True
        self.page = None


def chunk_document(doc: Document, size: int = 800, overlap: int = 120) -> list[Chunk]:
    """Chunks of DOC: a new chunk at every section, paragraphs kept whole when they fit."""
    builder = _Builder(doc, size, overlap)
    for block in doc.blocks:
        if block.heading:
            builder.flush(carry=False)
            builder.section = block.section
            continue
        builder.add(block.text, block.section, block.page)
    builder.flush(carry=False)
    return builder.chunks
