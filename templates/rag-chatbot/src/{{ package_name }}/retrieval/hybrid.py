"""Reciprocal rank fusion of several retrievers (BM25 + dense, or BM25 + a vector server)."""

from __future__ import annotations

from collections.abc import Sequence

from ..chunking import Chunk
from .base import Hit, Retriever


class HybridRetriever:
    """Reciprocal rank fusion of several retrievers: robust when neither alone is best."""

    def __init__(
        self,
        retrievers: Sequence[Retriever],
        rrf_k: int = 60,
        depth: int = 50,
        name: str = "hybrid",
    ) -> None:
        # The configured retriever's name: calibration, /health and MLflow runs are keyed on it.
        self.name = name
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
