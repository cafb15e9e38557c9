"""Ingestion: read the documents folder, chunk what changed, persist chunks and the index."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .calibration import CALIBRATION
from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import SUPPORTED_SUFFIXES, DocumentError, load_document
from .kit.errors import ProjectError
from .retrieval import build_index
from .store import recover, replacing

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
FORMAT_VERSION = 3  # 2: BM25 with a headings field and identifier parts; 3: code blocks keep lines


class EmptyCorpusError(ProjectError, RuntimeError):
    """Nothing could be indexed: no folder, no files, or every file was skipped."""


@dataclass
class IngestReport:
    """What one ingestion did."""

    docs: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    new_chunks: int = 0
    seconds: float = 0.0

    @property
    def chunks_per_second(self) -> float:
        """Throughput over the chunks that were (re)built."""
        return self.new_chunks / self.seconds if self.seconds else 0.0


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def list_files(docs: Path) -> list[Path]:
    """Every file under DOCS, sorted, hidden files and folders left out."""
    return sorted(
        p
        for p in docs.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(docs).parts)
    )


def load_chunks(index_dir: Path) -> list[Chunk]:
    """The chunks saved by the last ingestion."""
    path = index_dir / CHUNKS
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [Chunk.from_dict(json.loads(line)) for line in handle if line.strip()]


def read_manifest(index_dir: Path) -> dict[str, object]:
    """The manifest of the last ingestion (empty when there was none)."""
    path = index_dir / MANIFEST
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def ingest(settings: Settings, full: bool = False) -> IngestReport:
    """Bring the index up to date with the documents folder; only changed files are re-read."""
    started = time.perf_counter()
    docs = settings.ingest.docs
    report = IngestReport(docs=docs)
    if not docs.is_dir():
        raise EmptyCorpusError(f"The documents folder {docs} does not exist.")
    files = list_files(docs)
    if not files:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise EmptyCorpusError(f"The documents folder {docs} has no documents: add {kinds} files.")

    recover(settings.ingest.index)
    previous = _previous_state(settings, full)
    chunks: list[Chunk] = []
    hashes: dict[str, str] = {}
    for path in files:
        source = path.relative_to(docs).as_posix()
        digest = file_hash(path)
        old = previous.get(source)
        if old is not None and old[0] == digest:
            chunks.extend(old[1])
            hashes[source] = digest
            report.unchanged.append(source)
            continue
        new = _read(path, source, settings, report)
        if new is None:
            continue
        chunks.extend(new)
        hashes[source] = digest
        report.new_chunks += len(new)
        (report.updated if old is not None else report.added).append(source)
    report.removed = sorted(set(previous) - set(hashes) - {s for s, _ in report.skipped})

    if not chunks:
        raise EmptyCorpusError(
            f"No text could be indexed from {docs}: all {len(files)} file(s) were skipped."
        )
    _save(settings, chunks, hashes)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    return report


def _read(path: Path, source: str, settings: Settings, report: IngestReport) -> list[Chunk] | None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        reason = f"unsupported file type {path.suffix or '(none)'}"
    else:
        try:
            doc = load_document(path, source)
            if doc.encoding not in ("", "utf-8", "utf-8-sig", "ascii"):
                log.info("Read %s as %s text (not UTF-8).", source, doc.encoding)
            return chunk_document(doc, settings.ingest.chunk_size, settings.ingest.chunk_overlap)
        except DocumentError as exc:
            reason = str(exc)
        except Exception as exc:  # a broken file must never stop the whole ingestion
            reason = f"could not be read ({type(exc).__name__}: {exc})"
    log.warning("Skipped %s: %s", source, reason)
    report.skipped.append((source, reason))
    return None


def _previous_state(settings: Settings, full: bool) -> dict[str, tuple[str, list[Chunk]]]:
    """Per source: (hash, chunks) of the last ingestion, if it used the same chunking."""
    index_dir = settings.ingest.index
    manifest = read_manifest(index_dir)
    if (
        full
        or manifest.get("chunking") != _chunking(settings)
        or manifest.get("version") != FORMAT_VERSION
    ):
        return {}
    by_source: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in load_chunks(index_dir):
        by_source[chunk.source].append(chunk)
    files = manifest.get("files", {})
    assert isinstance(files, dict)
    return {source: (str(digest), by_source[source]) for source, digest in files.items()}


def _chunking(settings: Settings) -> dict[str, object]:
    return {
        "size": settings.ingest.chunk_size,
        "overlap": settings.ingest.chunk_overlap,
        "language": settings.retrieval.language,
    }


def _save(settings: Settings, chunks: list[Chunk], hashes: dict[str, str]) -> None:
    """Write chunks, indexes and manifest to a new folder; it replaces the index only if all
    of it succeeded (the index is rebuilt from the documents, and kept out of git)."""
    live = settings.ingest.index
    with replacing(live) as folder:
        with (folder / CHUNKS).open("w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        build_index(settings, chunks, folder, previous=live)
        manifest = {
            "version": FORMAT_VERSION,
            "docs": str(settings.ingest.docs),
            "retriever": settings.retrieval.retriever,
            "chunking": _chunking(settings),
            "files": hashes,
            "chunks": len(chunks),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        # Carried over so that the answerer can say it is stale (it names the old manifest).
        if (live / CALIBRATION).is_file():
            shutil.copy2(live / CALIBRATION, folder / CALIBRATION)
