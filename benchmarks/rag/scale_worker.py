"""One measurement of `scale_rag.py`, run by a rag-chatbot project's own Python (its package and
client are importable there). Prints one JSON object. Modes:

- `bm25-build PACKAGE N FOLDER`: write a synthetic corpus of N chunks and ingest it into FOLDER.
- `bm25-query PACKAGE FOLDER Q`: load that index (a fresh process, as a server starts) and time Q
  queries; the peak RSS is this serving process's.
- `chroma PACKAGE URL N Q DIM`: store N random unit vectors of DIM dimensions (with chunk-sized
  documents and the backend's metadata) on the Chroma server at URL, then time Q queries.
- `encode PACKAGE Q`: time the dense encoder on Q queries (the cost a dense query adds on top).
"""

from __future__ import annotations

import importlib
import json
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

K = 4  # chunks per query, the template's default top_k
BATCH = 1000


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95)}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def questions(package: str, count: int, size: int) -> list[str]:
    """Six words of randomly picked chunks (the corpus is rebuilt from its seed, not read)."""
    bench = importlib.import_module(f"{package}.bench")
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        paragraphs = bench.write_corpus(Path(tmp), size)
    return [" ".join(rng.sample(words, 6)) for words in rng.sample(paragraphs, count)]


def settings_for(package: str, folder: Path) -> Any:
    config = importlib.import_module(f"{package}.config")
    settings = config.Settings(root=folder)
    ingest = replace(
        settings.ingest, docs=folder / "docs", index=folder / ".index", chunk_size=1500
    )
    return replace(settings, ingest=ingest)


def bm25_build(package: str, size: int, folder: Path) -> dict[str, Any]:
    bench = importlib.import_module(f"{package}.bench")
    ingest = importlib.import_module(f"{package}.ingest")
    bench.write_corpus(folder / "docs", size)
    report = ingest.ingest(settings_for(package, folder))
    return {
        "chunks": report.chunks,
        "build_s": round(report.seconds, 1),
        "build_rss_mb": peak_rss_mb(),
    }


def bm25_query(package: str, folder: Path, count: int) -> dict[str, Any]:
    engine_module = importlib.import_module(f"{package}.engine")
    settings = settings_for(package, folder)
    manifest = json.loads((folder / ".index" / "manifest.json").read_text())
    asked = questions(package, count, manifest["chunks"])
    started = time.perf_counter()
    engine = engine_module.ChatEngine.load(settings, trace=False)
    load_s = time.perf_counter() - started
    seconds = []
    for question in asked:
        started = time.perf_counter()
        engine.retriever.search(question, K)
        seconds.append(time.perf_counter() - started)
    return {"load_s": round(load_s, 2), **percentiles(seconds), "serving_rss_mb": peak_rss_mb()}


def unit_vectors(rng: Any, count: int, dim: int) -> Any:
    vectors = rng.standard_normal((count, dim)).astype("float32")
    return vectors / (vectors**2).sum(axis=1, keepdims=True) ** 0.5


def chroma(url: str, size: int, count: int, dim: int) -> dict[str, Any]:
    import urllib.parse

    import chromadb
    import numpy as np

    parts = urllib.parse.urlsplit(url)
    client = chromadb.HttpClient(
        host=parts.hostname,
        port=parts.port,
        settings=chromadb.config.Settings(anonymized_telemetry=False),
    )
    collection = client.create_collection(
        "scale", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    rng = np.random.default_rng(7)
    words = random.Random(7)
    text = " ".join(f"word{words.randrange(20000)}" for _ in range(120))  # ~800 characters
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        ids = [f"doc{i // 100:05d}.md#{i % 100}" for i in range(start, min(size, start + BATCH))]
        collection.add(
            ids=ids,
            embeddings=unit_vectors(rng, len(ids), dim),
            documents=[text] * len(ids),
            metadatas=[
                {"source": i.split("#")[0], "title": "Synthetic", "section": "Part", "position": 0}
                for i in ids
            ],
        )
    insert_s = time.perf_counter() - started
    queries = unit_vectors(rng, count, dim)
    seconds = []
    for vector in queries:
        started = time.perf_counter()
        collection.query(query_embeddings=[vector.tolist()], n_results=K)
        seconds.append(time.perf_counter() - started)
    return {
        "vectors": collection.count(),
        "insert_s": round(insert_s, 1),
        **percentiles(seconds),
        "client_rss_mb": peak_rss_mb(),
    }


def encode(package: str, count: int) -> dict[str, Any]:
    embedding = importlib.import_module(f"{package}.retrieval.embedding")
    config = importlib.import_module(f"{package}.config")
    encoder = embedding.load_encoder(config.RetrievalSettings().dense_model)
    asked = questions(package, count, 10_000)
    encoder.encode(asked[:5])  # warm-up
    seconds = []
    for question in asked:
        started = time.perf_counter()
        encoder.encode([question])
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


def main(argv: list[str]) -> dict[str, Any]:
    mode, package, *rest = argv
    if mode == "bm25-build":
        return bm25_build(package, int(rest[0]), Path(rest[1]))
    if mode == "bm25-query":
        return bm25_query(package, Path(rest[0]), int(rest[1]))
    if mode == "chroma":
        return chroma(rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
    if mode == "encode":
        return encode(package, int(rest[0]))
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
