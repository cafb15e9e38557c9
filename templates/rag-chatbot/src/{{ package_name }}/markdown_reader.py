"""Markdown as titled, sectioned blocks: headings give the sections, a fenced code block is one
block with its lines kept, and table rows become `Header: value` sentences, easy to search."""

from __future__ import annotations

import re

from .blocks import Block, Document, default_title, paragraphs

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCES = ("```", "~~~")


def load_markdown(text: str, source: str) -> Document:
    """Read Markdown TEXT (named SOURCE in citations) into blocks, in reading order."""
    reader = _MarkdownReader(source)
    for line in text.splitlines():
        reader.read(line)
    return reader.finish()


class _MarkdownReader:
    """Reads one line at a time: prose waits in a buffer until a heading or a code block ends it."""

    def __init__(self, source: str) -> None:
        self.doc = Document(source=source, title="")
        self.trail: list[tuple[int, str]] = []
        self.buffer: list[str] = []
        self.fence: list[str] = []  # the open code block's lines; empty outside one

    @property
    def section(self) -> str:
        return " > ".join(heading for _, heading in self.trail)

    def read(self, line: str) -> None:
        if line.lstrip().startswith(_FENCES):
            self._fence_mark(line)
        elif self.fence:
            self.fence.append(line.rstrip())
        else:
            self._prose(line)

    def finish(self) -> Document:
        if self.fence:  # an unclosed fence: keep its lines, close it
            closed = [*self.fence, self.fence[0][:3]]
            self.doc.blocks.append(Block(text="\n".join(closed), section=self.section))
        self._flush()
        self.doc.title = self.doc.title or default_title(self.doc.source)
        return self.doc

    def _fence_mark(self, line: str) -> None:
        opening = not self.fence
        if opening:
            self._flush()  # the prose before the code block is a block of its own
        self.fence.append(line.strip())
        if not opening:  # a code block is one block, its lines and indentation kept
            self.doc.blocks.append(Block(text="\n".join(self.fence), section=self.section))
            self.fence = []

    def _prose(self, line: str) -> None:
        match = _MD_HEADING.match(line)
        if match is None:
            self.buffer.append(line)
            return
        self._flush()
        level, heading = len(match.group(1)), match.group(2).strip()
        if level == 1 and not self.doc.title:
            self.doc.title = heading
        self.trail = [(lvl, h) for lvl, h in self.trail if lvl < level] + [(level, heading)]
        self.doc.blocks.append(Block(text=heading, section=self.section, heading=True))

    def _flush(self) -> None:
        text = "\n".join(_table_rows_as_sentences(self.buffer))
        self.doc.blocks.extend(Block(text=p, section=self.section) for p in paragraphs(text))
        self.buffer.clear()


_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table_rows_as_sentences(lines: list[str]) -> list[str]:
    """Turn Markdown table rows into 'Header: value; Header: value.' lines, easy to search."""
    out: list[str] = []
    header: list[str] = []
    for i, line in enumerate(lines):
        is_row = line.lstrip().startswith("|")
        if not is_row:
            header = []
            out.append(line)
        elif _TABLE_RULE.match(line.strip()):
            continue
        elif not header and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1].strip()):
            header = _cells(line)
        else:
            cells = _cells(line)
            pairs = [
                f"{h}: {c}" if h else c
                for h, c in zip(header or [""] * len(cells), cells, strict=False)
            ]
            out.append("; ".join(p for p in pairs if p.strip(": ")) + ".")
    return out
