"""Optional dense retriever: cosine similarity between the chunks' embeddings (numpy brute force).

The embedding model is `embedding.py` (install it with `make dense`). Embeddings are cached by
chunk text, so re-ingesting only embeds chunks that changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..chunking import Chunk
from .base import Hit, IndexMissingError, top_k_indices
from .embedding import DenseUnavailableError, Encoder, load_encoder

__all__ = ["DenseRetriever", "DenseUnavailableError", "load_encoder"]


def _key(chunk: Chunk) -> str:
    return hashlib.sha1(chunk.search_text.encode("utf-8")).hexdigest()


class DenseRetriever:
    """Cosine similarity between normalised embeddings (numpy brute force)."""

    name = "dense"
    folder_name = "dense"

    def __init__(
        self, model: str, matrix: Any, chunks: Sequence[Chunk], encoder: Encoder | None = None
    ) -> None:
        self._model = model
        self._encoder = encoder
        self._matrix = matrix
        self._chunks = chunks

    @property
    def encoder(self) -> Encoder:
        """The embedding model, loaded on first use."""
        if self._encoder is None:
            self._encoder = load_encoder(self._model)
        return self._encoder

    @classmethod
    def build(
        cls, chunks: Sequence[Chunk], index_dir: Path, model: str, cache: Path | None = None
    ) -> DenseRetriever:
        """Embed CHUNKS and save the matrix under INDEX_DIR, reusing the embeddings of unchanged
        text found in the index folder CACHE (the index being replaced; INDEX_DIR by default)."""
        import numpy as np

        folder = index_dir / cls.folder_name
        folder.mkdir(parents=True, exist_ok=True)
        cached: dict[str, Any] = {}
        keys_file, matrix_file = folder / "keys.json", folder / "embeddings.npy"
        old = (cache or index_dir) / cls.folder_name
        meta = {"model": model}
        if (old / "keys.json").is_file() and (old / "embeddings.npy").is_file():
            saved = json.loads((old / "keys.json").read_text())
            if saved.get("meta") == meta:
                cached = dict(zip(saved["keys"], np.load(old / "embeddings.npy"), strict=False))
        keys = [_key(c) for c in chunks]
        missing = [i for i, k in enumerate(keys) if k not in cached]
        encoder = load_encoder(model) if missing else None
        if encoder is not None:
            vectors = encoder.encode([chunks[i].search_text for i in missing], batch_size=32)
            cached.update({keys[i]: v for i, v in zip(missing, vectors, strict=True)})
        matrix = np.stack([cached[k] for k in keys]).astype("float32")
        np.save(matrix_file, matrix)
        keys_file.write_text(json.dumps({"meta": meta, "keys": keys}))
        return cls(model, matrix, chunks, encoder)

    @classmethod
    def load(cls, chunks: Sequence[Chunk], index_dir: Path, model: str) -> DenseRetriever:
        """Open the saved matrix and the encoder."""
        import numpy as np

        matrix_file = index_dir / cls.folder_name / "embeddings.npy"
        if not matrix_file.is_file():
            raise IndexMissingError(f"No dense index in {matrix_file.parent}")
        matrix = np.load(matrix_file)
        if matrix.shape[0] != len(chunks):
            raise IndexMissingError("The dense index is out of date")
        retriever = cls(model, matrix, chunks)
        _ = retriever.encoder  # fail early (at start-up) if the model cannot be loaded
        return retriever

    def search(self, query: str, k: int) -> list[Hit]:
        """The K chunks whose embeddings are closest to the query's."""
        vector = self.encoder.encode([query])[0]
        scores = self._matrix @ vector
        return [Hit(self._chunks[i], float(scores[i])) for i in top_k_indices(scores, k)]
