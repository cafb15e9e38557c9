"""Readers for Word (.docx), reStructuredText, Jupyter notebooks and CSV, as titled blocks.

Each library is imported inside its reader: only the files of that kind pay for it.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from .blocks import Block, Document, DocumentError, default_title
from .markdown_reader import load_markdown

log = logging.getLogger(__name__)

CSV_MAX_ROWS = 5000  # rows read from one CSV file; the rest is left out, with a log line
_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d)|title)$", re.IGNORECASE)


class _Trail:
    """The headings above the current position, as `Part > Chapter > Section`."""

    def __init__(self) -> None:
        self.levels: list[tuple[int, str]] = []
        self.title = ""

    def push(self, level: int, heading: str) -> str:
        self.levels = [(lvl, h) for lvl, h in self.levels if lvl < level] + [(level, heading)]
        if level <= 1 and not self.title:
            self.title = heading
        return self.section

    @property
    def section(self) -> str:
        return " > ".join(h for _, h in self.levels)


# --- Word ------------------------------------------------------------------------------------


def load_docx(path: Path, source: str) -> Document:
    """Paragraphs and tables in reading order; 'Title' and 'Heading N' styles make sections."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        word = docx.Document(str(path))
    except (PackageNotFoundError, BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"not a readable Word .docx file ({exc})") from None
    trail = _Trail()
    blocks: list[Block] = []
    for item in word.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(Block(text=row, section=trail.section) for row in _docx_rows(item))
            continue
        text = " ".join(item.text.split())
        style = _HEADING_STYLE.match(getattr(item.style, "name", "") or "")
        if text and style:
            level = int(style.group(1) or 0)
            blocks.append(Block(text=text, section=trail.push(level, text), heading=True))
        elif text:
            blocks.append(Block(text=text, section=trail.section))
    title = str(word.core_properties.title or "").strip() or trail.title
    return Document(source=source, title=title or default_title(source), blocks=blocks)


def _docx_rows(table: Any) -> list[str]:
    rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    if not rows:
        return []
    return [line for line in (_row_text(rows[0], row) for row in rows[1:]) if line] or [
        "; ".join(rows[0])
    ]


def _row_text(header: list[str], row: list[str]) -> str:
    """'Header: value; Header: value.' (empty cells left out)."""
    pairs = [f"{h}: {v}" if h else v for h, v in zip(header, row, strict=False) if v]
    return "; ".join(pairs) + "." if pairs else ""


# --- reStructuredText ------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"^\s*\.\.\s+([\w:.+-]+)::", re.MULTILINE)
_ROLE = re.compile(r":([A-Za-z][\w:+.-]*):`")
_RST_SETTINGS = {
    "report_level": 5,  # no warnings in the text or on the terminal
    "halt_level": 5,
    "warning_stream": False,
    "file_insertion_enabled": False,  # `.. include::` must not read other files
    "raw_enabled": False,
    "doctitle_xform": False,  # the first title stays a section like the others
}


def load_rst(text: str, source: str) -> Document:
    """Parse with docutils. Section titles make sections; directives docutils does not know
    (Sphinx's `autofunction`, `versionadded`, ...) keep their body and prose arguments as text;
    roles it does not know (`:func:`x``) keep their text only; `include` reads nothing."""
    from docutils.core import publish_doctree
    from docutils.utils import SystemMessage

    _register_unknown(text)
    try:
        tree = publish_doctree(text, settings_overrides=_RST_SETTINGS)
    except (SystemMessage, ValueError, IndexError) as exc:
        raise DocumentError(f"malformed reStructuredText ({exc})") from None
    trail = _Trail()
    blocks: list[Block] = []
    _walk_rst(tree, trail, 1, blocks)
    return Document(source=source, title=trail.title or default_title(source), blocks=blocks)


def _walk_rst(node: Any, trail: _Trail, level: int, blocks: list[Block]) -> None:
    from docutils import nodes

    for child in node.children:
        if isinstance(child, (nodes.system_message, nodes.comment, nodes.substitution_definition)):
            continue
        if isinstance(child, nodes.section):
            heading = " ".join(child[0].astext().split()) if child.children else ""
            blocks.append(Block(text=heading, section=trail.push(level, heading), heading=True))
            _walk_rst(child, trail, level + 1, blocks)
        elif isinstance(child, nodes.title):
            continue
        elif isinstance(child, (nodes.literal_block, nodes.doctest_block)):
            blocks.append(Block(text=child.astext(), section=trail.section))
        elif isinstance(child, nodes.TextElement):
            text = " ".join(child.astext().split())
            if text:
                blocks.append(Block(text=text, section=trail.section))
        else:
            _walk_rst(child, trail, level, blocks)


def _register_unknown(text: str) -> None:
    """Give docutils a plain handler for every directive and role name in TEXT it lacks."""
    from docutils.languages import get_language
    from docutils.parsers.rst import directives, roles
    from docutils.utils import Reporter

    quiet = Reporter("<rst>", 5, 5, stream=False)
    language = get_language("en", quiet)
    document = _probe_document()
    for name in set(_DIRECTIVE.findall(text)):
        if directives.directive(name, language, document)[0] is None:
            directives.register_directive(name, _keep_directive())
    for name in set(_ROLE.findall(text)):
        if roles.role(name, language, 0, quiet)[0] is None:
            roles.register_local_role(name, _plain_role)


@lru_cache(maxsize=1)
def _probe_document() -> Any:
    """A throw-away document for docutils' directive lookups (building one costs milliseconds)."""
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    document = new_document("<rst>", get_default_settings(Parser))
    document.reporter.report_level = 5
    document.reporter.stream = False
    return document


def _keep_directive() -> Any:
    from collections import defaultdict

    from docutils import nodes
    from docutils.parsers.rst import Directive, directives

    class KeepBody(Directive):
        """An unknown directive: its body kept verbatim; its arguments kept when they are
        prose (`versionadded:: 8.0 Added zsh.`), dropped when they are one name or number."""

        has_content = True
        optional_arguments = 1
        final_argument_whitespace = True
        option_spec = defaultdict(lambda: directives.unchanged)

        def run(self) -> list[Any]:
            argument = " ".join(" ".join(self.arguments).split())
            out: list[Any] = []
            if " " in argument:
                out.append(nodes.paragraph(argument, argument))
            body = "\n".join(self.content).strip()
            if body:
                out.append(nodes.literal_block(body, body))
            return out

    return KeepBody


def _plain_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[Any], list[Any]]:
    """`:func:`~pkg.name`` reads as `name`; `:ref:`the guide <target>`` as `the guide`."""
    from docutils import nodes

    match = re.match(r"(.*?)\s*<[^<>]*>$", text, re.DOTALL)
    shown = match.group(1) if match and match.group(1) else text
    if shown.startswith("~"):
        shown = shown[1:].rsplit(".", 1)[-1]
    return [nodes.literal(rawtext, shown.lstrip("!"))], []


# --- Jupyter notebooks -----------------------------------------------------------------------


def load_ipynb(text: str, source: str) -> Document:
    """Markdown cells as Markdown, code cells as code blocks; outputs are left out."""
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
        parts = []
        for cell in cells:
            body = cell.get("source", "")
            body = "".join(body) if isinstance(body, list) else str(body)
            if cell.get("cell_type") == "markdown":
                parts.append(body)
            elif cell.get("cell_type") == "code" and body.strip():
                parts.append(f"```\n{body}\n```")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DocumentError(f"not a Jupyter notebook ({type(exc).__name__}: {exc})") from None
    return load_markdown("\n\n".join(parts), source)


# --- CSV -------------------------------------------------------------------------------------


def load_csv(text: str, source: str, max_rows: int = CSV_MAX_ROWS) -> Document:
    """One block per row, 'column: value; column: value.', the first row being the header."""
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(), dialect)
    try:
        header = [" ".join(cell.split()) for cell in next(reader)]
        blocks = []
        for number, row in enumerate(reader, start=1):
            if number > max_rows:
                log.warning("%s: only its first %d rows were indexed.", source, max_rows)
                break
            line = _row_text(header, [" ".join(cell.split()) for cell in row])
            if line:
                blocks.append(Block(text=line))
    except (StopIteration, csv.Error) as exc:
        raise DocumentError(f"not a readable CSV file ({exc or 'no rows'})") from None
    return Document(source=source, title=default_title(source), blocks=blocks)
