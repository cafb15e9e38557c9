"""Benchmark on synthetic corpora: ingestion throughput, query latency, index size, peak memory,
and at the smallest size the `/chat` round trip (with follow-ups) and the dense encoder.

Each corpus size runs in its own process so that peak memory (max RSS) is that size's alone.
Here the recipe, the child process's entry point and the table; the corpus, the `/chat` round
trip, the dense figures and the timing in `bench_corpus`, `bench_chat`, `bench_dense` and
`bench_timing`.

This is a benchmark, not a test: figures depend on the machine; compare ratios, not absolutes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from .bench_chat import chat_round_trip
from .bench_corpus import write_corpus
from .bench_dense import dense_figures
from .bench_timing import timed
from .kit.errors import ProjectError

# Chunks embedded to measure the dense encoder's throughput (all of them would take minutes).
EMBED_SAMPLE = 64


class BenchError(ProjectError, RuntimeError):
    """One corpus size's benchmark process failed (its error output says why)."""


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


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
        measured = timed(engine.retriever.search, questions, settings.retrieval.top_k)
        result: dict[str, Any] = {
            "chunks": report.chunks,
            "ingest_seconds": round(report.seconds, 2),
            "ingest_chunks_per_s": round(report.chunks_per_second),
            "query_p50_ms": round(measured["p50"], 3),
            "query_p99_ms": round(measured["p99"], 3),
            "index_mb": round(_folder_size(settings.ingest.index) / 2**20, 1),
        }
        if chat:
            figures = chat_round_trip(engine, list(zip(questions, follow_ups, strict=True)))
            result.update(
                {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
            )
        result["peak_rss_mb"] = round(_peak_rss_mb(), 1)  # before the dense model is loaded
        if embed_sample:
            result.update(dense_figures(engine, questions, embed_sample))
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
