"""`/documents` (list, upload, delete) and `/reindex`: the documents folder, from the page.

Each change runs ingestion in a child process (one change at a time; ingest_process.py), then
loads and swaps the new index in before answering, so the next question already sees it;
questions asked meanwhile are answered from the previous index, undisturbed (live.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from .ingest import EmptyCorpusError, IngestReport
from .ingest_process import IngestFailedError, ingest_in_child
from .live import LiveEngine
from .uploads import UploadError, accepted_types, save_upload, trash, untrash

T = TypeVar("T")
_READ = 2**20


def report_dict(report: IngestReport) -> dict[str, Any]:
    """What an ingestion did, JSON-ready."""
    return {
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "skipped": [{"source": s, "reason": r} for s, r in report.skipped],
        "chunks": report.chunks,
        "seconds": round(report.seconds, 3),
    }


class Library:
    """The documents folder of the running server; changes are serialised and re-indexed."""

    def __init__(self, live: LiveEngine) -> None:
        self.live = live
        self.uploads = live.settings.uploads
        self._changing = threading.Lock()

    def listing(self) -> dict[str, Any]:
        """The indexed documents with their chunk counts, and what uploads accept."""
        chunks = self.live.current().chunks
        counts = Counter(chunk.source for chunk in chunks)
        titles = {chunk.source: chunk.title for chunk in chunks}
        documents = [{"source": s, "title": titles[s], "chunks": counts[s]} for s in sorted(counts)]
        return {
            "documents": documents,
            "chunks": len(chunks),
            "uploads": {
                "enabled": self.uploads.enabled,
                "max_mb": self.uploads.max_mb,
                "types": accepted_types(self.uploads),
            },
        }

    def reindex(self, full: bool = False) -> dict[str, Any]:
        """Ingest the documents folder again (only changed files unless FULL)."""
        with self._changing:
            return {"report": report_dict(self._ingest(full))}

    def add(self, name: str, data: IO[bytes], replace: bool) -> dict[str, Any]:
        """Save the upload NAME, index it; the document is answerable when this returns."""
        with self._changing:
            docs = self.live.docs_dir
            existed = (docs / name).exists()
            path = save_upload(docs, name, _pieces(data), self.uploads, replace)
            try:
                report = self._ingest(False)
            except Exception:
                if not existed:
                    path.unlink(missing_ok=True)
                raise
        counts = Counter(chunk.source for chunk in self.live.current().chunks)
        return {"added": name, "chunks": counts[name], "report": report_dict(report)}

    def delete(self, source: str) -> dict[str, Any]:
        """Move SOURCE to the documents folder's `.deleted/` and drop it from the index."""
        with self._changing:
            docs = self.live.docs_dir
            kept = trash(docs, source)
            try:
                report = self._ingest(False)
            except EmptyCorpusError:
                untrash(docs, source, kept)
                raise UploadError(
                    f"{source!r} is the last document: add another before deleting it.", 409
                ) from None
            except Exception:
                untrash(docs, source, kept)
                raise
        moved = kept.relative_to(docs).as_posix()
        return {"deleted": source, "moved_to": moved, "report": report_dict(report)}

    def _ingest(self, full: bool) -> IngestReport:
        report = ingest_in_child(self.live.settings.with_docs(self.live.docs_dir), full)
        self.live.reload()
        return report


def _pieces(data: IO[bytes]) -> Iterator[bytes]:
    while piece := data.read(_READ):
        yield piece


async def _call(action: Callable[..., T], *args: Any) -> T:
    """ACTION in a worker thread (ingestion blocks), its errors as clear 4xx/5xx JSON."""
    try:
        return await run_in_threadpool(action, *args)
    except UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except EmptyCorpusError as exc:
        raise HTTPException(409, str(exc)) from None
    except IngestFailedError as exc:
        raise HTTPException(500, str(exc)) from None
    except OSError as exc:
        raise HTTPException(500, f"Could not change the documents folder: {exc}") from None


def documents_routes(live: LiveEngine) -> APIRouter:
    """The routes that list and change the documents."""
    library = Library(live)
    router = APIRouter()
    limits = live.settings.uploads

    def check_enabled() -> None:
        if not limits.enabled:
            raise HTTPException(
                403, "Changing documents from the page is turned off ([uploads] enabled = false)."
            )

    @router.get("/documents")
    def list_documents() -> dict[str, Any]:
        return library.listing()

    @router.post("/documents", status_code=201)
    async def upload(request: Request) -> dict[str, Any]:
        """Multipart form: `file` (one document) and optionally `replace=true`."""
        check_enabled()
        declared = int(request.headers.get("content-length") or 0)
        if declared > limits.max_mb * 2**20 + 2**16:
            raise HTTPException(413, f"The file is too big (max {limits.max_mb:g} MB).")
        form = await request.form(max_files=1, max_fields=4)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise HTTPException(400, "Send the document as the multipart form field 'file'.")
        replace = str(form.get("replace", "")).lower() in ("1", "true", "on", "yes")
        try:
            return await _call(library.add, file.filename or "", file.file, replace)
        finally:
            await file.close()

    @router.delete("/documents/{source:path}")
    async def delete(source: str) -> dict[str, Any]:
        check_enabled()
        return await _call(library.delete, source)

    @router.post("/reindex")
    async def reindex(full: bool = False) -> dict[str, Any]:
        check_enabled()
        return await _call(library.reindex, full)

    return router
