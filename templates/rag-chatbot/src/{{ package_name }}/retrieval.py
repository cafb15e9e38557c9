"""One retriever interface; BM25 (default, embedded), dense, hybrid fusion and (optional) a
Qdrant vector database server behind it (`vectordb.py`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .analysis import tokenize
from .chunking import Chunk

if TYPE_CHECKING:
    from .config import Settings


class IndexMissingError(RuntimeError):
    """There is no index yet (or it was built for another retriever)."""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score (higher is better; scales differ between retrievers)."""

    chunk: Chunk
    score: float


class Retriever(Protocol):
    """Anything that returns the K best chunks for a query."""

    name: str

    def search(self, query: str, k: int) -> list[Hit]:
        """The K best chunks for QUERY, best first (fewer when fewer match)."""
        ...


def _bm25s() -> Any:
    """Import bm25s, keeping its debug messages (it sets DEBUG on import) out of the output."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def top_k_indices(scores: object, k: int) -> list[int]:
    """Indices of the K highest positive scores, best first (numpy argpartition: O(n))."""
    import numpy as np

    values = np.asarray(scores)
    k = min(k, values.shape[0])
    if k <= 0:
        return []
    candidates = np.argpartition(-values, k - 1)[:k]
    ordered = candidates[np.argsort(-values[candidates], kind="stable")]
    return [int(i) for i in ordered if values[i] > 0]


class BM25Retriever:
    """Lexical BM25 (bm25s, sparse matrices): no model, milliseconds per query at 100k chunks."""

    name = "bm25"
    folder_name = "bm25"

    def __init__(self, model: object, chunks: Sequence[Chunk], language: str) -> None:
        self._model = model
        self._chunks = chunks
        self._language = language
        self._vocab: dict[str, int] = model.vocab_dict  # type: ignore[attr-defined]

    @classmethod
    def build(cls, chunks: Sequence[Chunk], index_dir: Path, language: str) -> BM25Retriever:
        """Index CHUNKS and save the index under INDEX_DIR."""
        bm25s = _bm25s()
        vocab: dict[str, int] = {}
        corpus_ids = [
            [vocab.setdefault(term, len(vocab)) for term in tokenize(chunk.search_text, language)]
            for chunk in chunks
        ]
        model = bm25s.BM25()
        model.index((corpus_ids, vocab), show_progress=False)
        model.save(str(index_dir / cls.folder_name), show_progress=False)
        return cls(model, chunks, language)

    @classmethod
    def load(cls, chunks: Sequence[Chunk], index_dir: Path, language: str) -> BM25Retriever:
        """Open the index saved by `build`."""
        bm25s = _bm25s()
        folder = index_dir / cls.folder_name
        if not (folder / "params.index.json").is_file():
            raise IndexMissingError(f"No BM25 index in {folder}")
        model = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        return cls(model, chunks, language)

    def search(self, query: str, k: int) -> list[Hit]:
        """The K best chunks for QUERY by BM25 score."""
        ids = sorted({self._vocab[t] for t in tokenize(query, self._language) if t in self._vocab})
        if not ids:
            return []
        scores = self._model.get_scores_from_ids(ids)  # type: ignore[attr-defined]
        return [Hit(self._chunks[i], float(scores[i])) for i in top_k_indices(scores, k)]


class HybridRetriever:
    """Reciprocal rank fusion of several retrievers: robust when neither alone is best."""

    name = "hybrid"

    def __init__(self, retrievers: Sequence[Retriever], rrf_k: int = 60, depth: int = 50) -> None:
        self._retrievers = retrievers
        self._rrf_k = rrf_k
        self._depth = depth

    def search(self, query: str, k: int) -> list[Hit]:
        """Fuse the rankings: score = sum over retrievers of 1 / (rrf_k + rank)."""
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for retriever in self._retrievers:
            for rank, hit in enumerate(retriever.search(query, max(k, self._depth)), start=1):
                fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (self._rrf_k + rank)
                chunks[hit.chunk.id] = hit.chunk
        best = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        return [Hit(chunks[cid], fused[cid]) for cid in best]


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
    elif kind == "qdrant":
        from .vectordb import QdrantRetriever

        QdrantRetriever.from_settings(settings).sync(chunks)


def open_retriever(settings: Settings, chunks: Sequence[Chunk]) -> Retriever:
    """The retriever chosen in the config, over the persisted index."""
    index_dir = settings.ingest.index
    kind = settings.retrieval.retriever
    if kind == "bm25":
        return BM25Retriever.load(chunks, index_dir, settings.retrieval.language)
    if kind == "qdrant":
        from .vectordb import QdrantRetriever

        qdrant = QdrantRetriever.from_settings(settings)
        qdrant.check(expected=len(chunks))  # fail at start-up, not at the first question
        _ = qdrant.encoder
        return qdrant
    from .dense import DenseRetriever

    dense = DenseRetriever.load(chunks, index_dir, settings.retrieval.dense_model)
    if kind == "dense":
        return dense
    bm25 = BM25Retriever.load(chunks, index_dir, settings.retrieval.language)
    return HybridRetriever([bm25, dense], rrf_k=settings.retrieval.rrf_k)
