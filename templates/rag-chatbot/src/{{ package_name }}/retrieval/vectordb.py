"""Optional backend: a Qdrant vector database server behind the same retriever interface.

For corpora that outgrow one machine: chunk embeddings (from the dense encoder,
`[retrieval] dense_model`) live in a Qdrant collection (`[retrieval] qdrant_collection`) on the
server at `QDRANT_URL` (default http://127.0.0.1:6333), with `QDRANT_API_KEY` if it wants one.
Install it with `pip install -e ".[qdrant]"` plus the dense encoder (`make dense`) and set
`retriever = "qdrant"` in rag.toml.

Each chunk is one point: a stable id derived from the chunk id, its embedding, and the chunk's
fields (source, title, section, position, page, text) as payload, plus a hash of the model name
and the chunk text. Re-ingesting embeds and upserts only the chunks whose hash changed and
deletes the points of chunks that are gone (deleted or shrunk files), so an unchanged corpus
costs one scroll over the collection's ids and no embedding.

Tested here: everything this module does (collection set-up, upsert with payload, search,
incremental re-ingest and deletion, empty-collection and unreachable-server errors) runs in the
project's tests against qdrant-client's local mode, which implements the same client API as the
server. NOT tested here: the HTTP transport to a real Qdrant server (no server could be started
on 127.0.0.1 where this template is built). Try it against yours before relying on it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from ..chunking import Chunk
from ..config import ConfigError
from .base import Hit, IndexMissingError
from .embedding import Encoder, load_encoder

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

BATCH = 256
# Point ids are UUIDs derived from the chunk ids ("file.md#3"), the same on every machine.
_NAMESPACE = uuid.UUID("5b0c6f2e-6f0a-4a51-9a55-3c1d8e7a2f10")


_CHUNK_FIELDS = [f.name for f in fields(Chunk)]


class QdrantUnavailableError(ConfigError):
    """qdrant-client is not installed, or the server cannot be reached or refuses a request."""


def _qdrant() -> Any:
    """The qdrant_client module, or a clear error naming the extra to install."""
    try:
        import qdrant_client
    except ImportError:
        raise QdrantUnavailableError(
            'The qdrant retriever needs qdrant-client: install the qdrant extra (pip install -e ".'
            '[qdrant]") and the dense encoder (make dense), or set [retrieval] retriever = "bm25" '
            "in rag.toml."
        ) from None
    return qdrant_client


def connect(url: str, api_key: str = "", timeout: float = 5.0) -> Any:
    """A QdrantClient for the server at URL (REST), with a timeout on every request.

    Creating it does not contact the server; the first request does (`QdrantRetriever` checks
    the collection at once, so an unreachable server fails at start-up, within TIMEOUT).
    """
    qdrant_client = _qdrant()
    return qdrant_client.QdrantClient(
        url=url,
        api_key=api_key or None,
        timeout=max(1, round(timeout)),  # whole seconds
        prefer_grpc=False,
        check_compatibility=False,  # that check would be one more request, with a warning
    )


def point_id(chunk_id: str) -> str:
    """The Qdrant point id of a chunk (a UUID, as Qdrant wants)."""
    return str(uuid.uuid5(_NAMESPACE, chunk_id))


def content_key(model: str, chunk: Chunk) -> str:
    """Changes when the chunk's text or the embedding model changes: then it is re-embedded."""
    return hashlib.sha1(f"{model}\n{chunk.search_text}".encode()).hexdigest()


class QdrantRetriever:
    """Cosine similarity search in a Qdrant collection; the chunks travel in the payload."""

    name = "qdrant"

    def __init__(
        self,
        client: Any,
        collection: str,
        model: str,
        encoder: Encoder | None = None,
        where: str = "the Qdrant server",
    ) -> None:
        self._client = client
        self.collection = collection
        self._model = model
        self._encoder = encoder
        self._where = where

    @classmethod
    def from_settings(cls, settings: Settings, encoder: Encoder | None = None) -> QdrantRetriever:
        """A retriever for the server and collection named in SETTINGS."""
        retrieval = settings.retrieval
        client = connect(retrieval.qdrant_url, retrieval.qdrant_api_key, retrieval.qdrant_timeout)
        return cls(
            client,
            retrieval.qdrant_collection,
            retrieval.dense_model,
            encoder,
            where=f"the Qdrant server at {retrieval.qdrant_url}",
        )

    @property
    def encoder(self) -> Encoder:
        """The embedding model (the dense retriever's numpy encoder), loaded on first use."""
        if self._encoder is None:
            self._encoder = load_encoder(self._model)
        return self._encoder

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one client call; connection errors, timeouts and HTTP errors become clear ones."""
        from qdrant_client.http.exceptions import ApiException

        try:
            return function(*args, **kwargs)
        except ApiException as exc:  # refused, timed out, 401, 404, ... (no traceback needed)
            detail = str(exc).strip() or type(exc).__name__
            raise QdrantUnavailableError(
                f"Qdrant: cannot {what} on {self._where} ({detail}). Is the server running, and "
                "are QDRANT_URL and QDRANT_API_KEY right?"
            ) from None

    def _embed(self, texts: list[str]) -> Any:
        import numpy as np

        return np.asarray(self.encoder.encode(texts, batch_size=32), dtype="float32")

    def count(self) -> int:
        """Points in the collection; IndexMissingError when the collection does not exist."""
        if not self._call("list collections", self._client.collection_exists, self.collection):
            raise IndexMissingError(f"No Qdrant collection {self.collection!r} on {self._where}")
        return int(self._call("count points", self._client.count, self.collection).count)

    def check(self, expected: int | None = None) -> None:
        """Fail now (at start-up) if the collection is missing or empty; warn when its size
        differs from EXPECTED (the chunks of the local index)."""
        points = self.count()
        if points == 0:
            raise IndexMissingError(f"The Qdrant collection {self.collection!r} is empty")
        if expected is not None and points != expected:
            log.warning(
                "The Qdrant collection %r holds %d chunks, the local index %d: run `make ingest` "
                "if the documents changed.",
                self.collection,
                points,
                expected,
            )

    def _stored_keys(self) -> Iterator[tuple[str, str]]:
        """(point id, content key) of every point in the collection."""
        offset = None
        while True:
            points, offset = self._call(
                "read the collection",
                self._client.scroll,
                self.collection,
                limit=1000,
                offset=offset,
                with_payload=["key"],
                with_vectors=False,
            )
            for point in points:
                yield str(point.id), str((point.payload or {}).get("key", ""))
            if offset is None:
                return

    def sync(self, chunks: Sequence[Chunk]) -> tuple[int, int]:
        """Make the collection hold exactly CHUNKS; returns (points upserted, points deleted)."""
        from qdrant_client import models

        if not chunks:
            raise IndexMissingError("No chunks to store in Qdrant")
        wanted = {point_id(c.id): (c, content_key(self._model, c)) for c in chunks}
        exists = self._call("list collections", self._client.collection_exists, self.collection)
        stored = dict(self._stored_keys()) if exists else {}
        changed = [pid for pid, (_, key) in wanted.items() if stored.get(pid) != key]
        gone = [pid for pid in stored if pid not in wanted]

        for start in range(0, len(changed), BATCH):
            batch = changed[start : start + BATCH]
            vectors = self._embed([wanted[pid][0].search_text for pid in batch])
            if start == 0:
                exists = self._ensure_collection(exists, int(vectors.shape[1]))
            points = [
                models.PointStruct(
                    id=pid,
                    vector=vector.tolist(),
                    payload={**wanted[pid][0].to_dict(), "key": wanted[pid][1]},
                )
                for pid, vector in zip(batch, vectors, strict=True)
            ]
            self._call(
                "store vectors", self._client.upsert, self.collection, points=points, wait=True
            )
        for start in range(0, len(gone), BATCH):
            ids: list[int | str | uuid.UUID] = list(gone[start : start + BATCH])
            selector = models.PointIdsList(points=ids)
            self._call(
                "delete old chunks",
                self._client.delete,
                self.collection,
                points_selector=selector,
                wait=True,
            )
        log.info(
            "Qdrant collection %r: %d chunks embedded and stored, %d deleted, %d unchanged.",
            self.collection,
            len(changed),
            len(gone),
            len(wanted) - len(changed),
        )
        return len(changed), len(gone)

    def _ensure_collection(self, exists: bool, dim: int) -> bool:
        """Create the collection (cosine distance) or, if its vector size differs from DIM
        (another embedding model), recreate it; every chunk is then being re-embedded anyway."""
        from qdrant_client import models

        if exists:
            info = self._call("read the collection", self._client.get_collection, self.collection)
            params = info.config.params.vectors
            size = getattr(params, "size", None)
            if size == dim:
                return True
            log.warning(
                "Qdrant collection %r has %s-dimensional vectors, the model gives %d: recreating it.",
                self.collection,
                size,
                dim,
            )
            self._call("delete the collection", self._client.delete_collection, self.collection)
        self._call(
            "create the collection",
            self._client.create_collection,
            self.collection,
            vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
        )
        return True

    def search(self, query: str, k: int) -> list[Hit]:
        """The K chunks whose embeddings are closest to the query's (positive cosine only)."""
        vector = self._embed([query])[0]
        result = self._call(
            "search",
            self._client.query_points,
            self.collection,
            query=vector.tolist(),
            limit=k,
            with_payload=True,
        )
        hits = []
        for point in result.points:
            if point.score <= 0:
                continue
            payload = point.payload or {}
            chunk = Chunk.from_dict({f: payload[f] for f in _CHUNK_FIELDS if f in payload})
            hits.append(Hit(chunk, float(point.score)))
        return hits
