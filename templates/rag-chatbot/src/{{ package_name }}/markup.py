"""Markdown to safe HTML, on the server, for answers and for documents opened from a source.

markdown-it-py with raw HTML turned off: whatever a document or an LLM answer holds (`<script>`,
`<img onerror>`), it comes out as text, and link targets such as `javascript:` are refused by
its link validation. The page therefore never inserts untrusted HTML, only this renderer's.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_CITATION = re.compile(r"\[(\d+)\]")


def slug(heading: str) -> str:
    """The anchor of a heading: lower case, runs of anything but letters and digits as `-`."""
    return re.sub(r"[\W_]+", "-", heading.lower()).strip("-") or "section"


def _link_citations(state: StateCore) -> None:
    """Turn `[n]` in plain text (not in code) into a link to source n of the answer."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        for token in block.children:
            if token.type != "text" or not _CITATION.search(token.content):
                children.append(token)
                continue
            for i, part in enumerate(_CITATION.split(token.content)):
                if i % 2 == 0:
                    if part:
                        children.append(_token("text", part))
                else:
                    anchor = f'<a class="cite" href="#source-{part}" data-n="{part}">[{part}]</a>'
                    children.append(_token("html_inline", anchor))
        block.children = children


def _token(kind: str, content: str) -> Token:
    token = Token(kind, "", 0)
    token.content = content
    return token


def _heading_ids(state: StateCore) -> None:
    """Give every heading an id (its slug; `-2`, `-3`... when repeated) to link sections to."""
    seen: dict[str, int] = {}
    for i, token in enumerate(state.tokens):
        if token.type == "heading_open" and i + 1 < len(state.tokens):
            base = slug(state.tokens[i + 1].content)
            seen[base] = seen.get(base, 0) + 1
            token.attrSet("id", base if seen[base] == 1 else f"{base}-{seen[base]}")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


_ANSWERS = _parser()
_ANSWERS.core.ruler.push("link_citations", _link_citations)
_DOCUMENTS = _parser()
_DOCUMENTS.core.ruler.push("heading_ids", _heading_ids)


def answer_html(text: str) -> str:
    """An answer's Markdown as HTML, its citations `[n]` as links to its sources."""
    return _ANSWERS.render(text)


def document_html(text: str) -> str:
    """A Markdown document as HTML, its headings with ids (see `slug`)."""
    return _DOCUMENTS.render(text)


def source_href(source: dict[str, Any]) -> str:
    """Where a source opens: the viewer, at its section (heading anchor) or PDF page."""
    path = quote(str(source["source"]))
    href = f"view/{path}"
    section = str(source.get("section") or "")
    if source.get("page"):
        return f"{href}#page={source['page']}"
    if not section:
        return href
    heading = section.rsplit(" > ", 1)[-1]
    if path.lower().endswith((".html", ".htm")):
        # The document is served as it is: a text fragment scrolls to the heading.
        return f"{href}#:~:text={quote(heading, safe='')}"
    return f"{href}#{slug(heading)}"


def present_sources(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SOURCES with the link each opens at (`href`)."""
    return [{**source, "href": source_href(source)} for source in sources]


def present_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer as the page shows it: with its HTML (`html`) and source links."""
    return {
        **answer,
        "html": answer_html(str(answer.get("text", ""))),
        "sources": present_sources(list(answer.get("sources", []))),
    }
