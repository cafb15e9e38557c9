"""``docs/writeup.html``: the post as one self-contained page (figures inlined), readable offline.

The YAML front matter (kept for Jekyll, Hugo and dev.to) gives the page its title and date; the
Markdown is rendered by markdown-it-py, CommonMark with tables.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from pathlib import Path
from typing import Any

from .document import write_atomic
from .errors import WriteupError

STYLE = (
    "body{font:16px/1.6 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
    "img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
    "padding:.2rem .5rem}pre{background:#f5f5f5;padding:.5rem;overflow:auto}"
)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The YAML front matter as a mapping, and the Markdown after it."""
    import yaml

    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        raise WriteupError("docs/writeup.md: the front matter has no closing --- line")
    try:
        data = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as error:
        raise WriteupError(
            f"docs/writeup.md: the front matter is not valid YAML ({error})"
        ) from None
    if not isinstance(data, dict):
        raise WriteupError("docs/writeup.md: the front matter must be a YAML mapping")
    return data, text[end + 5 :]


def render(markdown_path: Path, output: Path) -> Path:
    """Render MARKDOWN_PATH to OUTPUT with every local image embedded as a data URI."""
    from markdown_it import MarkdownIt

    meta, body = split_front_matter(markdown_path.read_text(encoding="utf-8"))
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = parser.parse(body)
    for token in tokens:
        for child in token.children or []:
            if child.type == "image":
                child.attrSet("src", inline(markdown_path.parent, str(child.attrGet("src") or "")))
    content = parser.renderer.render(tokens, parser.options, {})
    title = html.escape(str(meta.get("title", markdown_path.stem)))
    date = html.escape(str(meta.get("date", "")))
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n<p><time>{date}</time></p>\n{content}</body>\n</html>\n"
    )
    write_atomic(output, page)
    return output


def inline(folder: Path, src: str) -> str:
    """A local image as a data URI; remote or missing ones are left as they are."""
    if ":" in src or not src:
        return src
    path = (folder / src).resolve()
    if not path.is_file():
        return src
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
