"""Which retriever the config asks for: build its index at ingest time, open it at start-up.

The backends are imported when chosen, so the default (BM25) never loads numpy models or
a database client.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..chunking import Chunk
from .base import Retriever
from .bm25 import BM25Retriever
from .hybrid import HybridRetriever

if TYPE_CHECKING:
    from ..config import Settings


def build_index(
    settings: Settings, chunks: Sequence[Chunk], index_dir: Path, previous: Path | None = None
) -> None:
    """Build what the configured retriever needs (BM25 always: it is the fallback) in INDEX_DIR;
    PREVIOUS is the index being replaced, whose cached embeddings are reused."""
    BM25Retriever.build(chunks, index_dir, settings.retrieval.language)
    kind = settings.retrieval.retriever
    if kind in ("dense", "hybrid"):
        from .dense import DenseRetriever

        DenseRetriever.build(chunks, index_dir, settings.retrieval.dense_model, cache=previous)
    elif kind in ("chroma", "chroma-hybrid"):
        from .vectordb import ChromaRetriever

        ChromaRetriever.from_settings(settings).sync(chunks)


def open_retriever(settings: Settings, chunks: Sequence[Chunk]) -> Retriever:
    """The retriever chosen in the config, over the persisted index."""
    index_dir = settings.ingest.index
    kind = settings.retrieval.retriever
    if kind == "bm25":
        return BM25Retriever.load(chunks, index_dir, settings.retrieval.language)
    if kind in ("chroma", "chroma-hybrid"):
        from .vectordb import ChromaRetriever

        server = ChromaRetriever.from_settings(settings)
        server.check(expected=len(chunks))  # fail at start-up, not at the first question
        if kind == "chroma":
            return server
        bm25 = BM25Retriever.load(chunks, index_dir, settings.retrieval.language)
        return HybridRetriever([bm25, server], rrf_k=settings.retrieval.rrf_k, name=kind)
    from .dense import DenseRetriever

    dense = DenseRetriever.load(chunks, index_dir, settings.retrieval.dense_model)
    if kind == "dense":
        return dense
    bm25 = BM25Retriever.load(chunks, index_dir, settings.retrieval.language)
    return HybridRetriever([bm25, dense], rrf_k=settings.retrieval.rrf_k)
