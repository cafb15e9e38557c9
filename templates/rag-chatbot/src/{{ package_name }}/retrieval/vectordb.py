"""Optional backend: a Chroma vector database server behind the same retriever interface.

For corpora that outgrow one process: the chunk embeddings (from this project's own encoder,
`[retrieval] dense_model`; Chroma's default embedding function, which downloads a model, is never
used) live in a collection (`[retrieval] chroma_collection`) on the Chroma server at
`CHROMA_URL` (default http://127.0.0.1:8100; `make vectordb-server` starts one there). Install the
client with `pip install -e ".[chroma]"` plus the encoder (`make dense`) and set
`retriever = "chroma"` (dense search on the server) or `"chroma-hybrid"` (BM25 here, fused with
the server's dense ranking) in rag.toml.

Each chunk is one record: its chunk id ("file.md#3", the same on every machine), its embedding,
its text as the document and its other fields plus a hash of the model name and the chunk text
as metadata. Re-ingesting embeds and upserts only the chunks whose hash changed and deletes the
records of chunks that are gone, so an unchanged corpus costs one read of the ids and no
embedding. The collection's metadata records the model and the embedding size: a collection
made with another model, size or by another tool is refused, never mixed.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..chunking import Chunk
from ..config import ConfigError, retriever_setting
from .base import Hit, IndexMissingError
from .embedding import Encoder, load_encoder

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

BATCH = 256
PAGE = 1000
SCHEMA = "rag-chatbot-chunks/1"  # written into the collection's metadata by `sync`
FIX = "start the server (make vectordb-server) or set CHROMA_URL to the server's address"


class ChromaUnavailableError(ConfigError):
    """The Chroma client is not installed, or the server cannot be reached or refuses a request."""


class CollectionMismatchError(ConfigError):
    """The collection holds vectors of another model or size, or was not made by this project."""


def _chromadb(switch_back: str = '[retrieval] retriever = "bm25" in rag.toml') -> Any:
    """The chromadb module, or a clear error: how to install it, or how to go back to BM25."""
    try:
        import chromadb
    except ImportError:
        raise ChromaUnavailableError(
            f"The chroma retriever needs the Chroma client: run `make vectordb`, or set "
            f"{switch_back}."
        ) from None
    return chromadb


def probe(url: str, timeout: float) -> None:
    """Ask the server's heartbeat within TIMEOUT seconds; a clear error naming CHROMA_URL if not.

    The client itself waits forever on a silent server, so this runs before it connects.
    """
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=timeout) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ChromaUnavailableError(
            f"Cannot reach the Chroma server at CHROMA_URL={url} ({reason}): {FIX}."
        ) from None


def connect(url: str, timeout: float = 5.0) -> Any:
    """A Chroma HTTP client for the server at URL, after checking that it answers."""
    chromadb = _chromadb()
    probe(url, timeout)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    parts = urllib.parse.urlsplit(url)
    ssl = parts.scheme == "https"
    try:
        return chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chromadb.config.Settings(anonymized_telemetry=False),
        )
    except Exception as exc:  # the client raises ValueError or its own errors; one line each
        raise ChromaUnavailableError(f"Chroma at CHROMA_URL={url}: {exc}: {FIX}.") from None


def content_key(model: str, chunk: Chunk) -> str:
    """Changes when the chunk's text or the embedding model changes: then it is re-embedded."""
    return hashlib.sha1(f"{model}\n{chunk.search_text}".encode()).hexdigest()


def _metadata(chunk: Chunk, key: str) -> dict[str, Any]:
    """The chunk's fields except its text (the record's document); Chroma stores no None."""
    fields = {k: v for k, v in chunk.to_dict().items() if k not in ("id", "text") and v is not None}
    return {**fields, "key": key}


def _chunk(chunk_id: str, document: str | None, metadata: Any) -> Chunk:
    fields = {k: v for k, v in dict(metadata or {}).items() if k != "key"}
    return Chunk.from_dict({**fields, "id": chunk_id, "text": document or ""})


class ChromaRetriever:
    """Cosine similarity search in a Chroma collection; the chunks travel with the vectors."""

    name = "chroma"

    def __init__(self, client: Any, collection: str, model: str, where: str = "Chroma") -> None:
        self._client = client
        self.collection = collection
        self._model = model
        self._encoder: Encoder | None = None
        self._where = where
        self._handle: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ChromaRetriever:
        """A retriever for the server and collection named in SETTINGS (contacts the server)."""
        retrieval = settings.retrieval
        _chromadb(retriever_setting(settings, "bm25"))  # say where the retriever was chosen
        client = connect(retrieval.chroma_url, retrieval.chroma_timeout)
        where = f"the Chroma server at CHROMA_URL={retrieval.chroma_url}"
        return cls(client, retrieval.chroma_collection, retrieval.dense_model, where)

    @property
    def encoder(self) -> Encoder:
        """The embedding model (the dense retriever's numpy encoder), loaded on first use."""
        if self._encoder is None:
            self._encoder = load_encoder(self._model)
        return self._encoder

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one client call; connection errors and refusals become one clear line."""
        try:
            return function(*args, **kwargs)
        except Exception as exc:  # httpx, ValueError and chromadb.errors.*: all "cannot do it"
            detail = str(exc).strip() or type(exc).__name__
            raise ChromaUnavailableError(
                f"Chroma: cannot {what} on {self._where} ({detail}): {FIX}."
            ) from None

    def _embed(self, texts: list[str]) -> Any:
        import numpy as np

        return np.asarray(self.encoder.encode(texts, batch_size=32), dtype="float32")

    def _open(self) -> Any:
        """The collection, checked against this project's model; None when it does not exist."""
        if self._handle is None:
            names = self._call("list collections", self._client.list_collections)
            if self.collection not in {getattr(c, "name", c) for c in names}:
                return None
            self._handle = self._call(
                "open the collection", self._client.get_collection, self.collection
            )
            self._check(dict(self._handle.metadata or {}))
        return self._handle

    def _check(self, meta: dict[str, Any], dim: int | None = None) -> None:
        """Refuse a collection of another model, embedding size or maker: never mix vectors."""
        name = f"Chroma collection {self.collection!r} on {self._where}"
        other = "set [retrieval] chroma_collection to another name, or delete that collection"
        if meta.get("schema") != SCHEMA:
            raise CollectionMismatchError(
                f"The {name} was not made by this project's ingest (another retriever or tool): "
                f"{other}."
            )
        if meta.get("model") != self._model or (dim is not None and meta.get("dim") != dim):
            raise CollectionMismatchError(
                f"The {name} holds {meta.get('dim')}-dimensional vectors of model "
                f"{meta.get('model')!r}; this project embeds with {self._model!r}"
                + (f" ({dim} dimensions)" if dim is not None else "")
                + f": {other}."
            )

    def _create(self, dim: int) -> Any:
        meta = {"schema": SCHEMA, "model": self._model, "dim": dim}
        self._handle = self._call(
            "create the collection",
            self._client.create_collection,
            self.collection,
            metadata=meta,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,  # vectors always come from this project's encoder
        )
        return self._handle

    def count(self) -> int:
        """Records in the collection; IndexMissingError when the collection does not exist."""
        collection = self._open()
        if collection is None:
            raise IndexMissingError(f"No Chroma collection {self.collection!r} on {self._where}")
        return int(self._call("count records", collection.count))

    def check(self, expected: int | None = None) -> None:
        """Fail now (at start-up) if the collection is missing, empty or of another embedding
        size; warn when its size differs from EXPECTED (the chunks of the local index)."""
        points = self.count()
        if points == 0:
            raise IndexMissingError(f"The Chroma collection {self.collection!r} is empty")
        self._check(dict(self._open().metadata or {}), dim=int(self._embed(["probe"]).shape[1]))
        if expected is not None and points != expected:
            log.warning(
                "The Chroma collection %r holds %d chunks, the local index %d: run `make ingest` "
                "if the documents changed.",
                self.collection,
                points,
                expected,
            )

    def _stored_keys(self, collection: Any) -> Iterator[tuple[str, str]]:
        """(chunk id, content key) of every record in the collection."""
        offset = 0
        while True:
            page = self._call(
                "read the collection",
                collection.get,
                include=["metadatas"],
                limit=PAGE,
                offset=offset,
            )
            for cid, meta in zip(page["ids"], page["metadatas"] or [], strict=False):
                yield str(cid), str((meta or {}).get("key", ""))
            if len(page["ids"]) < PAGE:
                return
            offset += len(page["ids"])

    def sync(self, chunks: Sequence[Chunk]) -> tuple[int, int]:
        """Make the collection hold exactly CHUNKS; returns (records upserted, records deleted)."""
        if not chunks:
            raise IndexMissingError("No chunks to store in Chroma")
        wanted = {c.id: (c, content_key(self._model, c)) for c in chunks}
        collection = self._open()
        stored = dict(self._stored_keys(collection)) if collection is not None else {}
        changed = [cid for cid, (_, key) in wanted.items() if stored.get(cid) != key]
        gone = [cid for cid in stored if cid not in wanted]
        for start in range(0, len(changed), BATCH):
            batch = [wanted[cid] for cid in changed[start : start + BATCH]]
            vectors = self._embed([chunk.search_text for chunk, _ in batch])
            collection = self._ready(collection, int(vectors.shape[1]))
            self._call(
                "store vectors",
                collection.upsert,
                ids=[chunk.id for chunk, _ in batch],
                embeddings=vectors.tolist(),
                documents=[chunk.text for chunk, _ in batch],
                metadatas=[_metadata(chunk, key) for chunk, key in batch],
            )
        for start in range(0, len(gone), BATCH):
            self._call("delete old chunks", collection.delete, ids=gone[start : start + BATCH])
        log.info(
            "Chroma collection %r: %d chunks embedded and stored, %d deleted, %d unchanged.",
            self.collection,
            len(changed),
            len(gone),
            len(wanted) - len(changed),
        )
        return len(changed), len(gone)

    def _ready(self, collection: Any, dim: int) -> Any:
        """The collection to write DIM-dimensional vectors to: created if missing, else checked."""
        if collection is None:
            return self._create(dim)
        self._check(dict(collection.metadata or {}), dim)
        return collection

    def search(self, query: str, k: int) -> list[Hit]:
        """The K chunks whose embeddings are closest to the query's (positive cosine only)."""
        collection = self._open()
        if collection is None:
            raise IndexMissingError(f"No Chroma collection {self.collection!r} on {self._where}")
        vector = self._embed([query])[0]
        result = self._call(
            "search",
            collection.query,
            query_embeddings=[vector.tolist()],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        columns = (result[name][0] for name in ("ids", "documents", "metadatas", "distances"))
        for cid, document, meta, distance in zip(*columns, strict=True):
            score = 1.0 - float(distance)  # cosine distance -> cosine similarity
            if score > 0:
                hits.append(Hit(_chunk(str(cid), document, meta), score))
        return hits
