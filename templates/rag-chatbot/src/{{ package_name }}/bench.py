"""Benchmark on synthetic corpora: ingestion throughput, query latency, index size, peak memory.

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


def _vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fi", "go", "pu", "ze"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


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


def _chat_round_trip(engine: Any, questions: list[str]) -> dict[str, float]:
    """p50/p99 of `POST /chat` (extractive) over HTTP keep-alive on 127.0.0.1."""
    import socket

    import httpx
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
    timings = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for question in questions[:20]:  # warm-up
                client.post("/chat", json={"question": question}).raise_for_status()
            for question in questions:
                t0 = time.perf_counter()
                client.post("/chat", json={"question": question}).raise_for_status()
                timings.append((time.perf_counter() - t0) * 1000)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return {
        "chat_p50_ms": statistics.median(timings),
        "chat_p99_ms": _percentile(timings, 0.99),
    }


def bench_one(size: int, queries: int, chat: bool) -> dict[str, Any]:
    """Every figure for one corpus size (run in a fresh process)."""
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
        questions = [
            " ".join(rng.sample(words, 6)) for words in rng.sample(paragraphs, min(queries, size))
        ]
        for question in questions[:20]:
            engine.retriever.search(question, settings.retrieval.top_k)
        timings = []
        for question in questions:
            t0 = time.perf_counter()
            engine.retriever.search(question, settings.retrieval.top_k)
            timings.append((time.perf_counter() - t0) * 1000)
        result: dict[str, Any] = {
            "chunks": report.chunks,
            "ingest_seconds": round(report.seconds, 2),
            "ingest_chunks_per_s": round(report.chunks_per_second),
            "query_p50_ms": round(statistics.median(timings), 3),
            "query_p99_ms": round(_percentile(timings, 0.99), 3),
            "index_mb": round(_folder_size(settings.ingest.index) / 2**20, 1),
        }
        if chat:
            result.update({k: round(v, 2) for k, v in _chat_round_trip(engine, questions).items()})
        result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
        return result


def run_benchmarks(sizes: list[int], queries: int, out: Path) -> list[dict[str, Any]]:
    """Run every size in a subprocess, print a table, write OUT as JSON."""
    results = []
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    for size in sizes:
        print(f"benchmarking {size:,} chunks...", file=sys.stderr, flush=True)
        command = [sys.executable, "-m", f"{__package__}.bench", str(size), str(queries)]
        if size == min(sizes):
            command.append("--chat")
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"benchmark of {size} chunks failed:\n{done.stderr}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(format_table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Wrote {out}")
    return results


def format_table(results: list[dict[str, Any]]) -> str:
    """Results as a Markdown table, one row per corpus size."""
    columns = [
        "chunks", "ingest_chunks_per_s", "query_p50_ms", "query_p99_ms", "index_mb",
        "peak_rss_mb", "chat_p50_ms",
    ]  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in results:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(bench_one(int(sys.argv[1]), int(sys.argv[2]), "--chat" in sys.argv)))
