"""Adding and removing documents in the documents folder, with every check an upload needs.

A file is accepted only if ingestion can index it: a plain name (no folders, `..`, drive or
NUL), a type ingestion reads, within the size limit, not empty, and readable by the same parser
ingestion uses (so binary or corrupt files are refused here, with its message). It is written
under a hidden temporary name in the documents folder (ingestion skips hidden files), then
renamed into place: nothing half-written is ever indexed, nothing is written elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

from .config import UploadSettings
from .documents import SUPPORTED_SUFFIXES, DocumentError, load_document

TRASH = ".deleted"  # deleted documents are moved here (hidden: ingestion skips it)
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class UploadError(ValueError):
    """A file the documents folder does not take; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def accepted_types(settings: UploadSettings) -> list[str]:
    """Suffixes (without the dot) an upload may have: the setting, else all ingestion reads."""
    readable = sorted(suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES)
    return sorted({t.lower().lstrip(".") for t in settings.types}) or readable


def check_name(name: str, settings: UploadSettings) -> str:
    """NAME if it is a plain file name of an accepted type; UploadError saying why not."""
    if not name.strip():
        raise UploadError("The file has no name.")
    if _BAD_CHARS.search(name) or name in (".", ".."):
        raise UploadError(
            f"{name!r} is not a plain file name: no folders, '..', drive letters, "
            "backslashes or control characters."
        )
    if name.startswith("."):
        raise UploadError(f"{name!r} is a hidden file name: ingestion skips those.")
    if len(name.encode("utf-8")) > 200:
        raise UploadError("The file name is too long (max 200 bytes).")
    suffix = Path(name).suffix.lower().lstrip(".")
    types = accepted_types(settings)
    if suffix not in types:
        raise UploadError(
            f"{name!r}: unknown type {('.' + suffix) if suffix else '(no suffix)'}; "
            f"accepted: {', '.join(types)}.",
            415,
        )
    return name


def save_upload(
    docs: Path, name: str, chunks: Iterable[bytes], settings: UploadSettings, replace: bool
) -> Path:
    """Write the upload NAME (its bytes in CHUNKS) into DOCS, atomically; the path written."""
    name = check_name(name, settings)
    target = docs / name
    if target.exists() and not replace:
        raise UploadError(f"{name!r} is already in the documents: delete it first.", 409)
    docs.mkdir(parents=True, exist_ok=True)
    partial = docs / f".upload-{uuid.uuid4().hex[:12]}{Path(name).suffix.lower()}"
    try:
        _write_limited(partial, chunks, settings.max_mb)
        try:
            load_document(partial, name)
        except DocumentError as exc:
            raise UploadError(f"{name!r} cannot be indexed: {exc}.") from None
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _write_limited(path: Path, chunks: Iterable[bytes], max_mb: float) -> None:
    size, limit = 0, int(max_mb * 2**20)
    with path.open("xb") as handle:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise UploadError(f"The file is too big (max {max_mb:g} MB).", 413)
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    if size == 0:
        raise UploadError("The file is empty.")


def trash(docs: Path, source: str) -> Path:
    """Move the document SOURCE out of the index's sight (into DOCS/.deleted/); where it went."""
    target = docs / source
    resolved = target.resolve()
    hidden = any(part.startswith(".") for part in Path(source).parts)
    if hidden or not resolved.is_relative_to(docs.resolve()) or not resolved.is_file():
        raise UploadError(f"No document named {source!r}.", 404)
    kept = docs / TRASH / source
    kept.parent.mkdir(parents=True, exist_ok=True)
    if kept.exists():
        kept = kept.with_name(f"{kept.stem}-{uuid.uuid4().hex[:6]}{kept.suffix}")
    os.replace(resolved, kept)
    return kept


def untrash(docs: Path, source: str, kept: Path) -> None:
    """Undo `trash` (an ingestion after a delete failed: the document stays)."""
    with contextlib.suppress(OSError):
        os.replace(kept, docs / source)
