"""Retrieval behind one interface (`base`): BM25 (default, embedded), dense embeddings, hybrid
fusion and a vector database server; `factory` picks one from the config.

Modules import downwards only: base <- bm25 / embedding <- dense / vectordb <- hybrid <- factory.
"""

from .base import Hit, IndexMissingError, Retriever, top_k_indices
from .bm25 import BM25Retriever, PlainBM25Retriever
from .factory import build_index, open_retriever
from .hybrid import HybridRetriever

__all__ = [
    "BM25Retriever",
    "Hit",
    "HybridRetriever",
    "IndexMissingError",
    "PlainBM25Retriever",
    "Retriever",
    "build_index",
    "open_retriever",
    "top_k_indices",
]
