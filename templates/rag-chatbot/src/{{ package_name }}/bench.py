"""Benchmark on synthetic corpora: ingestion throughput, query latency, index size, peak memory,
and at the smallest size the `/chat` round trip (with follow-ups) and the dense encoder.

Each corpus size runs in its own process so that peak memory (max RSS) is that size's alone.
This is a benchmark, not a test: figures depend on the machine; compare ratios, not absolutes.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

SECTIONS_PER_FILE = 100
# Chunks embedded to measure the dense encoder's throughput (all of them would take minutes).
EMBED_SAMPLE = 64


def _vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fi", "go", "pu", "ze"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class BenchError(RuntimeError):
    """One corpus size's benchmark process failed (its error output says why)."""


def write_corpus(folder: Path, chunks: int, seed: int = 13) -> list[list[str]]:
    """Markdown files with CHUNKS one-paragraph sections (~80 Zipf-distributed words each)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    paragraphs: list[list[str]] = []
    folder.mkdir(parents=True, exist_ok=True)
    for file_no in range(0, chunks, SECTIONS_PER_FILE):
        lines = [f"# Synthetic document {file_no // SECTIONS_PER_FILE}", ""]
        for section in range(min(SECTIONS_PER_FILE, chunks - file_no)):
            words = rng.choices(vocab, weights, k=rng.randint(60, 100))
            paragraphs.append(words)
            lines += [f"## Part {section}", "", " ".join(words).capitalize() + ".", ""]
        (folder / f"doc{file_no // SECTIONS_PER_FILE:05d}.md").write_text("\n".join(lines))
    return paragraphs


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(function: Any, questions: list[str], k: int) -> dict[str, float]:
    """p50/p99 milliseconds of FUNCTION(question, K) after 20 warm-up calls, and the p50 of the
    CPU time it used (the same when the machine is idle; lower when other work shares it)."""
    for question in questions[:20]:
        function(question, k)
    timings, cpu = [], []
    for question in questions:
        t0, c0 = time.perf_counter(), time.process_time()
        function(question, k)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {
        "p50": statistics.median(timings),
        "p99": _percentile(timings, 0.99),
        "cpu_p50": statistics.median(cpu),
    }


def _serve(engine: Any) -> tuple[Any, threading.Thread, int]:
    """The chat API on a free port of 127.0.0.1, in a thread; returns (server, thread, port)."""
    import socket

    import uvicorn

    from .api import create_app

    app = create_app(engine.settings, engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread, port


def _takes_history(client: Any) -> bool:
    """Whether this server's `POST /chat` declares `history` (older ones ignore the field)."""
    schemas = client.get("/openapi.json").json().get("components", {}).get("schemas", {})
    return "history" in schemas.get("ChatRequest", {}).get("properties", {})


NO_HISTORY = "this server's /chat has no history field: first turns only"
HISTORY_REJECTED = "this server rejects conversation history (HTTP 422): first turns only"


def _conversations(
    client: Any, turns: list[tuple[str, str]], history: bool, note: str = NO_HISTORY
) -> dict[str, Any]:
    """Time each first question, then (with HISTORY) its follow-up sent with the first turn;
    without, NOTE says why there are no follow-up figures."""
    first, follow = [], []
    for question, follow_up in turns:
        t0 = time.perf_counter()
        answer = client.post("/chat", json={"question": question})
        first.append((time.perf_counter() - t0) * 1000)
        answer.raise_for_status()
        if not history:
            continue
        past = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.json()["text"]},
        ]
        t0 = time.perf_counter()
        reply = client.post("/chat", json={"question": follow_up, "history": past})
        follow.append((time.perf_counter() - t0) * 1000)
        if reply.status_code == 422:
            return _conversations(client, turns, history=False, note=HISTORY_REJECTED)
        reply.raise_for_status()
    result: dict[str, Any] = {
        "chat_p50_ms": statistics.median(first),
        "chat_p99_ms": _percentile(first, 0.99),
    }
    if follow:
        result["chat_followup_p50_ms"] = statistics.median(follow)
        result["chat_followup_p99_ms"] = _percentile(follow, 0.99)
    else:
        result["chat_note"] = note
    return result


def _chat_round_trip(engine: Any, turns: list[tuple[str, str]]) -> dict[str, Any]:
    """p50/p99 of `POST /chat` over HTTP keep-alive on 127.0.0.1: first questions, and
    follow-ups sent with the previous turn as `history`."""
    import httpx

    server, thread, port = _serve(engine)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for question, _ in turns[:20]:  # warm-up
                client.post("/chat", json={"question": question}).raise_for_status()
            return _conversations(client, turns, _takes_history(client))
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _dense_figures(engine: Any, questions: list[str], embed_sample: int) -> dict[str, Any]:
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
    alone = _timed(dense.search, questions, settings.top_k)
    fused = _timed(hybrid.search, questions, settings.top_k)
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


def bench_one(size: int, queries: int, chat: bool, embed_sample: int = 0) -> dict[str, Any]:
    """Every figure for one corpus size (run in a fresh process); with CHAT the `/chat` round
    trip, with EMBED_SAMPLE > 0 the dense encoder (embedding that many chunks)."""
    from .config import Settings
    from .engine import ChatEngine
    from .ingest import ingest

    rng = random.Random(size)
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        root = Path(tmp)
        paragraphs = write_corpus(root / "docs", size)
        settings = Settings(root=root)
        # Sections are shorter than chunk_size, so the corpus has exactly SIZE chunks.
        ingest_settings = replace(
            settings.ingest, docs=root / "docs", index=root / ".index", chunk_size=1500
        )
        settings = replace(settings, ingest=ingest_settings)
        report = ingest(settings)
        engine = ChatEngine.load(settings, trace=False)
        picked = rng.sample(paragraphs, min(queries, size))
        questions = [" ".join(rng.sample(words, 6)) for words in picked]
        follow_ups = ["And what about " + " ".join(rng.sample(words, 3)) + "?" for words in picked]
        timed = _timed(engine.retriever.search, questions, settings.retrieval.top_k)
        result: dict[str, Any] = {
            "chunks": report.chunks,
            "ingest_seconds": round(report.seconds, 2),
            "ingest_chunks_per_s": round(report.chunks_per_second),
            "query_p50_ms": round(timed["p50"], 3),
            "query_p99_ms": round(timed["p99"], 3),
            "index_mb": round(_folder_size(settings.ingest.index) / 2**20, 1),
        }
        if chat:
            figures = _chat_round_trip(engine, list(zip(questions, follow_ups, strict=True)))
            result.update(
                {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
            )
        result["peak_rss_mb"] = round(_peak_rss_mb(), 1)  # before the dense model is loaded
        if embed_sample:
            result.update(_dense_figures(engine, questions, embed_sample))
        if hasattr(os, "getloadavg"):  # how busy the machine was (not on Windows)
            result["load_average_1m"] = round(os.getloadavg()[0], 1)
        return result


def run_benchmarks(
    sizes: list[int], queries: int, out: Path, embed_sample: int = EMBED_SAMPLE
) -> list[dict[str, Any]]:
    """Run every size in a subprocess, print a table, write OUT as JSON (atomically).

    The smallest size also measures the `/chat` round trip and the dense encoder. BLAS runs on
    one thread, as it should in a server where requests share the cores.
    """
    results = []
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    for size in sizes:
        print(f"benchmarking {size:,} chunks...", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", f"{__package__}.bench", str(size), str(queries)]
        if size == min(sizes):
            command += ["--chat", f"--embed={embed_sample}"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise BenchError(f"the benchmark of {size} chunks failed:\n{done.stderr.strip()}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(format_table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(partial, out)
    print(f"Wrote {out}")
    return results


COLUMNS = [
    "chunks", "ingest_chunks_per_s", "query_p50_ms", "query_p99_ms", "index_mb", "peak_rss_mb",
    "chat_p50_ms", "chat_followup_p50_ms", "dense_query_p50_ms", "dense_query_cpu_p50_ms",
    "hybrid_query_p50_ms", "embed_chunks_per_s",
]  # fmt: skip


def format_table(results: list[dict[str, Any]]) -> str:
    """Results as a Markdown table, one row per corpus size, then any notes."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in results:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in COLUMNS) + " |")
    for row in results:
        lines += [
            f"{row['chunks']:,} chunks: {row[k]}" for k in ("chat_note", "dense_note") if k in row
        ]
    return "\n".join(lines)


def _main(argv: list[str]) -> None:
    """`python -m <package>.bench SIZE QUERIES [--chat] [--embed=N]`: one JSON line."""
    embed = [int(arg.split("=", 1)[1]) for arg in argv if arg.startswith("--embed=")]
    print(json.dumps(bench_one(int(argv[0]), int(argv[1]), "--chat" in argv, sum(embed))))


if __name__ == "__main__":
    _main(sys.argv[1:])
