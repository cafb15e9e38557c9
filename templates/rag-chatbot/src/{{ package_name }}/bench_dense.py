"""The benchmark's dense-encoder figures: model load, chunk embedding throughput, and query
latency alone and fused with BM25."""

from __future__ import annotations

import statistics
import time
from typing import Any

from .bench_timing import timed


def dense_figures(engine: Any, questions: list[str], embed_sample: int) -> dict[str, Any]:
    """The dense encoder at this corpus size: model load, chunk embedding throughput, and
    query latency (query encoding + brute-force search over one vector per chunk), alone and
    fused with BM25 (hybrid). The stored vectors are random unit vectors: the search costs the
    same whatever their values, and embedding every chunk would take the whole benchmark."""
    import numpy as np

    from .retrieval.dense import DenseRetriever, DenseUnavailableError, load_encoder
    from .retrieval.hybrid import HybridRetriever

    settings = engine.settings.retrieval
    t0 = time.perf_counter()
    try:
        encoder = load_encoder(settings.dense_model)
    except DenseUnavailableError as exc:
        return {"dense_note": str(exc)}
    loaded = time.perf_counter() - t0
    sample = [chunk.search_text for chunk in engine.chunks[:embed_sample]]
    encoder.encode(sample[:4])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    vectors = encoder.encode(sample)
    embed_seconds, embed_cpu = time.perf_counter() - t0, time.process_time() - c0
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((len(engine.chunks), vectors.shape[1])).astype("float32")
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    dense = DenseRetriever(settings.dense_model, matrix, engine.chunks, encoder)
    hybrid = HybridRetriever([engine.retriever, dense], rrf_k=settings.rrf_k)
    alone = timed(dense.search, questions, settings.top_k)
    fused = timed(hybrid.search, questions, settings.top_k)
    return {
        "dense_load_s": round(loaded, 2),
        "embed_chunks_per_s": round(len(sample) / embed_seconds, 1),
        "embed_chunks_per_cpu_s": round(len(sample) / max(embed_cpu, 1e-6), 1),
        "embed_tokens_per_chunk": round(_mean_tokens(encoder, sample)),
        "dense_query_tokens": round(_mean_tokens(encoder, questions)),
        "dense_query_p50_ms": round(alone["p50"], 2),
        "dense_query_p99_ms": round(alone["p99"], 2),
        "dense_query_cpu_p50_ms": round(alone["cpu_p50"], 2),
        "hybrid_query_p50_ms": round(fused["p50"], 2),
        "hybrid_query_p99_ms": round(fused["p99"], 2),
        "hybrid_query_cpu_p50_ms": round(fused["cpu_p50"], 2),
    }


def _mean_tokens(encoder: Any, texts: list[str]) -> float:
    tokenizer = getattr(encoder, "tokenizer", None)
    if tokenizer is None:
        return 0.0
    return statistics.mean(len(e.ids) for e in tokenizer.encode_batch(texts))
