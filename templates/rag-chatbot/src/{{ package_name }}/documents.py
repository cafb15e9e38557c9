"""Read documents into titled, sectioned blocks of text: plain text and PDF here, Markdown in
`markdown_reader.py`, HTML in `html_reader.py`, Word, reStructuredText, notebooks and CSV in
`formats.py`; the blocks themselves in `blocks.py`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from .blocks import Block, Document, DocumentError, default_title, paragraphs
from .decoding import NotTextError, decode
from .html_reader import load_html
from .markdown_reader import load_markdown

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Block",
    "Document",
    "DocumentError",
    "default_title",
    "load_document",
    "load_markdown",
    "paragraphs",
]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
SUPPORTED_SUFFIXES |= {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
SUPPORTED_SUFFIXES |= {".rst": "rst", ".ipynb": "ipynb", ".csv": "csv"}


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


def _load_text(text: str, source: str) -> Document:
    paras = paragraphs(text)
    title = default_title(source)
    # A short first line standing on its own reads as the title.
    if len(paras) > 1 and len(paras[0]) <= 80 and not paras[0].endswith((".", ":", ";")):
        title = paras[0]
    return Document(source=source, title=title, blocks=[Block(text=p) for p in paras])


_TEXT_READERS: dict[str, Callable[[str, str], Document]] = {
    "markdown": load_markdown,
    "html": load_html,
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
