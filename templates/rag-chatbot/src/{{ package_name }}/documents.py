"""Read documents into titled, sectioned blocks of text: Markdown, plain text, HTML and PDF here,
Word, reStructuredText, notebooks and CSV in `formats.py`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .decoding import NotTextError, decode

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
SUPPORTED_SUFFIXES |= {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
SUPPORTED_SUFFIXES |= {".rst": "rst", ".ipynb": "ipynb", ".csv": "csv"}


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


def load_document(path: Path, source: str) -> Document:
    """Parse PATH (named SOURCE in citations); raise DocumentError when it cannot be used."""
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(f"unsupported file type {path.suffix or '(none)'}")
    if kind == "pdf":
        doc = _load_pdf(path, source)
    elif kind == "docx":
        from .formats import load_docx

        doc = load_docx(path, source)
    else:
        try:
            text, encoding = decode(path.read_bytes())
        except NotTextError as exc:
            raise DocumentError(str(exc)) from None
        doc = _TEXT_READERS[kind](text, source)
        doc.encoding = encoding
    if not any(block.text.strip() and not block.heading for block in doc.blocks):
        raise DocumentError("no text found (empty file)")
    return doc


def _formats(name: str) -> Callable[[str, str], Document]:
    def read(text: str, source: str) -> Document:
        from . import formats

        reader: Callable[[str, str], Document] = getattr(formats, name)
        return reader(text, source)

    return read


def default_title(source: str) -> str:
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


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def load_markdown(text: str, source: str) -> Document:
    doc = Document(source=source, title="")
    trail: list[tuple[int, str]] = []
    buffer: list[str] = []
    in_fence = False

    def section() -> str:
        return " > ".join(heading for _, heading in trail)

    def flush() -> None:
        text = "\n".join(_table_rows_as_sentences(buffer))
        doc.blocks.extend(Block(text=p, section=section()) for p in paragraphs(text))
        buffer.clear()

    fence: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            if in_fence:
                flush()  # the prose before the code block is a block of its own
            fence.append(line.strip())
            if not in_fence:  # a code block is one block, its lines and indentation kept
                doc.blocks.append(Block(text="\n".join(fence), section=section()))
                fence = []
            continue
        if in_fence:
            fence.append(line.rstrip())
            continue
        match = _MD_HEADING.match(line)
        if match is None:
            buffer.append(line)
            continue
        flush()
        level, heading = len(match.group(1)), match.group(2).strip()
        if level == 1 and not doc.title:
            doc.title = heading
        trail = [(lvl, h) for lvl, h in trail if lvl < level] + [(level, heading)]
        doc.blocks.append(Block(text=heading, section=section(), heading=True))
    if fence:  # an unclosed fence: keep its lines, close it
        doc.blocks.append(Block(text="\n".join([*fence, fence[0][:3]]), section=section()))
    flush()
    doc.title = doc.title or default_title(source)
    return doc


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


def _load_text(text: str, source: str) -> Document:
    paras = paragraphs(text)
    title = default_title(source)
    # A short first line standing on its own reads as the title.
    if len(paras) > 1 and len(paras[0]) <= 80 and not paras[0].endswith((".", ":", ";")):
        title = paras[0]
    return Document(source=source, title=title, blocks=[Block(text=p) for p in paras])


class _HTMLBlocks(HTMLParser):
    """Collects headings and text blocks from HTML, ignoring scripts, styles and navigation."""

    SKIP = {"script", "style", "noscript", "nav", "template", "svg", "head"}
    BREAK = {"p", "div", "li", "br", "tr", "pre", "blockquote", "section", "article", "td", "dd"}
    HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.blocks: list[Block] = []
        self._trail: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._skip = 0
        self._in_title = False
        self._heading_level = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.HEADINGS:
            self._flush()
            self._heading_level = self.HEADINGS[tag]
        elif tag in self.BREAK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.HEADINGS and self._heading_level:
            heading = " ".join("".join(self._text).split())
            self._text.clear()
            level, self._heading_level = self._heading_level, 0
            if heading:
                self._trail = [(lvl, h) for lvl, h in self._trail if lvl < level]
                self._trail.append((level, heading))
                if level == 1 and not self.title:
                    self.title = heading
                self.blocks.append(Block(text=heading, section=self.section, heading=True))
        elif tag in self.BREAK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = self.title or " ".join(data.split())
        elif not self._skip:
            self._text.append(data)

    @property
    def section(self) -> str:
        return " > ".join(h for _, h in self._trail)

    def _flush(self) -> None:
        if self._heading_level:
            return
        text = " ".join("".join(self._text).split())
        self._text.clear()
        if text:
            self.blocks.append(Block(text=text, section=self.section))

    def close(self) -> None:
        super().close()
        self._heading_level = 0
        self._flush()


def _load_html(text: str, source: str) -> Document:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    return Document(
        source=source, title=parser.title or default_title(source), blocks=parser.blocks
    )


_TEXT_READERS: dict[str, Callable[[str, str], Document]] = {
    "markdown": load_markdown,
    "html": _load_html,
    "text": _load_text,
    "rst": _formats("load_rst"),
    "ipynb": _formats("load_ipynb"),
    "csv": _formats("load_csv"),
}


def _load_pdf(path: Path, source: str) -> Document:
    # Imported here: only PDF ingestion pays for it.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"corrupt or unreadable PDF ({exc})") from None
    blank = [number for number, text in enumerate(pages, start=1) if not text.strip()]
    if pages and len(blank) == len(pages):
        raise DocumentError(
            f"scanned PDF: none of its {len(pages)} page(s) has a text layer; run OCR on it "
            "first (for example with ocrmypdf) and ingest the result"
        )
    if blank:
        log.warning(
            "%s: page(s) %s have no text layer (scanned?): not indexed.", source, _spans(blank)
        )
    doc = Document(source=source, title=str(meta_title).strip() or default_title(source))
    for number, page_text in enumerate(pages, start=1):
        for para in paragraphs(_join_pdf_lines(page_text)):
            doc.blocks.append(Block(text=para, section=f"page {number}", page=number))
    return doc


def _spans(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][-1] + 1:
            spans[-1].append(n)
        else:
            spans.append([n])
    return ", ".join(f"{s[0]}-{s[-1]}" if len(s) > 1 else str(s[0]) for s in spans)


def _join_pdf_lines(text: str) -> str:
    """PDF text comes as visual lines; keep blank lines as paragraph breaks, join the rest."""
    text = re.sub(r"-\n(?=[a-z])", "", text)  # words hyphenated across lines
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text)
