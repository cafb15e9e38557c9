"""Documents opened from a source link: `/view/<path>#<section>` and the raw `/files/<path>`.

Markdown is rendered (markup.py: raw HTML off, headings with ids); the other text formats that
ingestion reads are shown as their headings (with ids) and paragraphs; HTML documents and PDFs
are served as they are, so HTML keeps its own relative styles and images (served from the same
folder) and PDFs open at `#page=N`. A served file may hold scripts (anyone who can upload can
write one): everything but PDFs goes out with a `sandbox` policy, so its scripts never run on
the chat's origin.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from .decoding import NotTextError, decode
from .documents import SUPPORTED_SUFFIXES, Document, DocumentError, load_document
from .live import LiveEngine
from .markup import document_html, slug

RENDERED_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'"
)
_STYLE = """
body { max-width: 820px; margin: 0 auto; padding: 24px 16px 80px; color: #1d2430;
       font: 16px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { color: #667085; font-size: .9rem; border-bottom: 1px solid #e4e7ec; margin-bottom: 16px; }
pre { background: #f2f4f7; padding: 10px 12px; border-radius: 6px; overflow-x: auto; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
table { border-collapse: collapse; } td, th { border: 1px solid #e4e7ec; padding: 4px 8px; }
:target { background: #fff3b0; scroll-margin-top: 16px; }
"""


def document_path(docs: Path, path: str) -> Path:
    """PATH inside the documents folder DOCS; 404 for anything outside it, hidden or missing."""
    target = (docs / path).resolve()
    hidden = any(part.startswith(".") for part in Path(path).parts)
    if hidden or not target.is_relative_to(docs) or not target.is_file():
        raise HTTPException(404, f"No document named {path!r}.")
    return target


def raw_file(target: Path) -> FileResponse:
    """The file as it is (text as UTF-8 text); sandboxed unless it is a PDF."""
    media = "text/plain; charset=utf-8" if target.suffix.lower() in (".md", ".txt") else None
    headers = {"X-Content-Type-Options": "nosniff"}
    if target.suffix.lower() != ".pdf":
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(target, media_type=media, headers=headers)


def _page(title: str, body: str, raw_link: str) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<header>{escape(title)} · <a href="{escape(raw_link)}">original file</a></header>'
        f'<main class="document">{body}</main></body></html>'
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": RENDERED_POLICY})


def blocks_html(doc: Document) -> str:
    """Headings (with the ids source links point to) and paragraphs of a parsed document."""
    parts: list[str] = []
    seen: dict[str, int] = {}
    for block in doc.blocks:
        text = escape(block.text)
        if not block.heading:
            parts.append(f"<p>{text}</p>")
            continue
        level = min(6, block.section.count(" > ") + 1)
        base = slug(block.text)
        seen[base] = seen.get(base, 0) + 1
        anchor = base if seen[base] == 1 else f"{base}-{seen[base]}"
        parts.append(f'<h{level} id="{anchor}">{text}</h{level}>')
    return "\n".join(parts)


def render(target: Path, path: str) -> Response:
    """The viewer's answer for the document TARGET (named PATH in the documents folder)."""
    kind = SUPPORTED_SUFFIXES.get(target.suffix.lower())
    if kind in (None, "html", "pdf"):
        return raw_file(target)
    raw_link = "../" * len(Path(path).parts) + "files/" + quote(path)
    try:
        if kind == "markdown":
            text, _ = decode(target.read_bytes())
            return _page(Path(path).name, document_html(text), raw_link)
        doc = load_document(target, path)
    except (NotTextError, DocumentError):
        return raw_file(target)
    return _page(doc.title, blocks_html(doc), raw_link)


def viewer_routes(live: LiveEngine) -> APIRouter:
    """`/view/<path>` and `/files/<path>`, inside the folder the current index was built from."""
    router = APIRouter(include_in_schema=False)

    @router.get("/view/{path:path}")
    def view(path: str) -> Response:
        return render(document_path(live.docs_dir, path), path)

    @router.get("/files/{path:path}")
    def source_file(path: str) -> FileResponse:
        return raw_file(document_path(live.docs_dir, path))

    return router
