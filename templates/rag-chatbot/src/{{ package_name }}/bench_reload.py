"""Benchmark: how long questions stall while the running server swaps in a re-built index.

A thread asks questions without pause (the extractive answer, as `/chat` computes it) while
documents are added and re-indexed the way the page does it: ingestion in a child process, then
the server loads the new index (in a background thread as soon as it notices it, or in the
request's thread) and swaps one reference. Reports the questions' latency while the new index
is loaded and swapped in, and while the other process ingests, against the same questions with
no swap. A benchmark, not a test: figures depend on the machine, and on a machine whose cores
are busy with other work the child's ingestion takes CPU time from the server too.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Asker(threading.Thread):
    """Asks QUESTIONS in a loop through LIVE; records (start, latency ms) of each."""

    def __init__(self, live: Any, questions: list[str]) -> None:
        super().__init__(daemon=True)
        self.live, self.questions = live, questions
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            question = self.questions[n % len(self.questions)]
            started = time.perf_counter()
            self.live.current().ask(question)
            self.samples.append((started, (time.perf_counter() - started) * 1000))
            n += 1

    def during(self, start: float, end: float) -> list[float]:
        return [ms for t, ms in self.samples if t + ms / 1000 >= start and t <= end]


def _settings(root: Path) -> Any:
    from .config import Settings

    settings = Settings(root=root)
    ingest = replace(settings.ingest, docs=root / "docs", index=root / ".index", chunk_size=1500)
    return replace(settings, ingest=ingest)


def _summary(prefix: str, latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {}
    return {
        f"{prefix}_p50_ms": round(statistics.median(latencies), 2),
        f"{prefix}_p99_ms": round(_percentile(latencies, 0.99), 2),
        f"{prefix}_max_ms": round(max(latencies), 2),
    }


def run(size: int, swaps: int) -> dict[str, Any]:
    """Question latency with no swap, during ingestion and during SWAPS loads-and-swaps."""
    from .bench_corpus import write_corpus
    from .engine import ChatEngine
    from .ingest import ingest
    from .ingest_process import ingest_in_child
    from .live import LiveEngine

    loads: list[tuple[float, float]] = []

    def timed_load(settings: Any) -> ChatEngine:
        started = time.perf_counter()
        engine = ChatEngine.load(settings)
        loads.append((started, time.perf_counter()))
        return engine

    rng = random.Random(size)
    with tempfile.TemporaryDirectory(prefix="rag-bench-reload-") as tmp:
        root = Path(tmp)
        paragraphs = write_corpus(root / "docs", size)
        settings = _settings(root)
        ingest(settings)
        live = LiveEngine(settings, ChatEngine.load(settings), loader=timed_load)
        questions = [" ".join(rng.sample(words, 6)) for words in rng.sample(paragraphs, 200)]
        asker = _Asker(live, questions)
        asker.start()
        time.sleep(2.0)  # warm-up, then the no-swap baseline
        t0 = time.perf_counter()
        time.sleep(3.0)
        baseline_window = (t0, time.perf_counter())
        ingesting: list[tuple[float, float]] = []
        for n in range(swaps):
            (root / "docs" / f"added-{n}.md").write_text(f"# Added {n}\n\nNew words {n}.\n")
            started = time.perf_counter()
            ingest_in_child(settings)
            ingesting.append((started, time.perf_counter()))
            live.reload()  # a no-op when the background load already swapped it in
        time.sleep(0.5)
        asker.stop.set()
        asker.join(timeout=30)
    swapping = [ms for window in loads for ms in asker.during(*window)]
    return {
        "chunks": size,
        "swaps": len(loads),
        "load_s": round(max(end - start for start, end in loads), 2),
        **_summary("baseline", asker.during(*baseline_window)),
        **_summary("ingesting", [ms for w in ingesting for ms in asker.during(*w)]),
        **_summary("swapping", swapping),
    }


def main(argv: list[str] | None = None) -> int:
    """Run, print a table, write the JSON report."""
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}.bench_reload")
    parser.add_argument("--size", type=int, default=10000, help="chunks in the corpus")
    parser.add_argument("--swaps", type=int, default=3, help="swaps of each kind")
    parser.add_argument("--out", default="reports/bench_reload.json")
    args = parser.parse_args(argv)
    print(f"benchmarking index swaps at {args.size:,} chunks...", file=sys.stderr, flush=True)
    result = run(args.size, args.swaps)
    columns = list(result)
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    print("| " + " | ".join(str(result[c]) for c in columns) + " |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
