"""Benchmark: how long questions stall while the running server swaps in a re-built index.

A thread asks questions without pause (the extractive answer, as `/chat` computes it) while
the index is rebuilt and swapped, both ways the server meets a new index: a change from the
page (an upload: ingestion in a child process, then load and swap in the request's thread) and
`make ingest` in another process (the server notices the new generation and loads it in a
background thread). Reports each question's latency while a swap is under way, against
the same questions with no swap. A benchmark, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
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


def _config(root: Path) -> Path:
    config = root / "rag.toml"
    config.write_text(
        '[ingest]\ndocs = "docs"\nindex = ".index"\nchunk_size = 1500\n', encoding="utf-8"
    )
    return config


def _wait_for(live: Any, engine: Any, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while live.current() is engine and time.monotonic() < deadline:
        time.sleep(0.005)


def run(size: int, swaps: int) -> dict[str, Any]:
    """Query latency with no swap, then during SWAPS swaps of each kind, on SIZE chunks."""
    from .bench import write_corpus
    from .ingest import ingest
    from .ingest_process import ingest_in_child
    from .live import LiveEngine

    rng = random.Random(size)
    with tempfile.TemporaryDirectory(prefix="rag-bench-reload-") as tmp:
        root = Path(tmp)
        paragraphs = write_corpus(root / "docs", size)
        settings = _settings(root)
        ingest(settings)
        live = LiveEngine(settings)
        questions = [" ".join(rng.sample(words, 6)) for words in rng.sample(paragraphs, 200)]
        asker = _Asker(live, questions)
        asker.start()
        time.sleep(2.0)  # warm-up, then the no-swap baseline
        t0 = time.perf_counter()
        time.sleep(3.0)
        baseline = asker.during(t0, time.perf_counter())
        from_page: list[float] = []
        other_process: list[float] = []
        command = [sys.executable, "-m", __package__, "--config", str(_config(root)), "ingest"]
        for n in range(swaps):
            (root / "docs" / f"added-{n}.md").write_text(f"# Added {n}\n\nNew words {n}.\n")
            start = time.perf_counter()
            ingest_in_child(settings)
            live.reload()
            from_page += asker.during(start, time.perf_counter())
            (root / "docs" / f"other-{n}.md").write_text(f"# Other {n}\n\nMore words {n}.\n")
            engine = live.current()
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=root)
            _wait_for(live, engine)
            other_process += asker.during(start, time.perf_counter())
        asker.stop.set()
        asker.join(timeout=30)
    return {
        "chunks": size,
        "swaps": swaps,
        "baseline_p50_ms": round(statistics.median(baseline), 2),
        "baseline_max_ms": round(max(baseline), 2),
        "from_page_max_ms": round(max(from_page), 2),
        "from_page_p99_ms": round(_percentile(from_page, 0.99), 2),
        "other_process_max_ms": round(max(other_process), 2),
        "other_process_p99_ms": round(_percentile(other_process, 0.99), 2),
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
