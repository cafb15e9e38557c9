"""The retriever interface every backend implements: a hit, the protocol, the shared error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..chunking import Chunk


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
