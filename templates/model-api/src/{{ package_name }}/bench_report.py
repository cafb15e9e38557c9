"""The benchmark's report: the Markdown table it prints, and ``reports/bench.json``.

The table shows every cell (2xx answers only), then the ratios that matter and any errors.

The JSON file, for ``make writeup`` and the README, has one cell per server ("ours" = this API,
"mlflow" = ``mlflow models serve``), concurrency and request size: requests/s, p50/p90/p99
latency, and up to :data:`MAX_LATENCIES` per-request latencies (evenly spaced in the order they
were measured) so a reader can draw the distribution. The headline is this API's throughput over
mlflow's at concurrency :data:`HEADLINE_CONCURRENCY` with single-row requests (None when mlflow
was not measured).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .loadclient import MLFLOW, OURS, Cell
from .settings import PROJECT_ROOT

IN_PROCESS = "in-process ceiling (the server's predictor, per CPU-second)"
DEFAULT_OUTPUT = PROJECT_ROOT / "reports" / "bench.json"
MAX_LATENCIES = 2000
HEADLINE_CONCURRENCY = 8
SERVER_KEYS = {OURS: "ours", MLFLOW: "mlflow"}


@dataclass
class BenchReport:
    """The cells measured so far, with their raw latencies (seconds)."""

    model: str
    version: str
    cells: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, server: str, concurrency: int, rows: int, rps: float, latencies: list[float]
    ) -> None:
        """Record one cell of SERVER (its display name; cells of other servers are ignored)."""
        if server not in SERVER_KEYS:
            return
        ordered = sorted(latencies)

        def percentile(share: float) -> float:
            return (
                ordered[min(int(len(ordered) * share), len(ordered) - 1)] * 1000 if ordered else 0.0
            )

        step = max(1, -(-len(latencies) // MAX_LATENCIES))  # ceiling division
        sampled = [round(value * 1000, 4) for value in latencies[::step]][:MAX_LATENCIES]
        self.cells.append(
            {
                "server": SERVER_KEYS[server],
                "concurrency": concurrency,
                "rows": rows,
                "requests_per_s": rps,
                "p50_ms": percentile(0.50),
                "p90_ms": percentile(0.90),
                "p99_ms": percentile(0.99),
                "latencies_ms": sampled,
            }
        )

    def headline(self) -> dict[str, Any] | None:
        """This API's requests/s over mlflow's at the headline concurrency, single row."""
        found = {
            cell["server"]: cell["requests_per_s"]
            for cell in self.cells
            if (cell["concurrency"], cell["rows"]) == (HEADLINE_CONCURRENCY, 1)
        }
        if not found.get("mlflow") or "ours" not in found:
            return None
        return {
            "ratio": found["ours"] / found["mlflow"],
            "what": f"requests/s vs mlflow models serve at c={HEADLINE_CONCURRENCY}, single row",
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON document."""
        return {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "model": self.model,
            "version": self.version,
            "cells": self.cells,
            "headline": self.headline(),
        }

    def write(self, path: Path) -> Path:
        """Write the report to PATH atomically (a half-written report never exists)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        os.replace(partial, path)
        return path


def report(cells: list[Cell]) -> str:
    """A Markdown table of every cell, then the ratios that matter and any errors."""
    lines = [
        "| server | rows | concurrency | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        lines.append(
            f"| {c.server} | {c.rows} | {c.concurrency} | {c.rps:,.0f} | {c.p50_ms:.2f} "
            f"| {c.p99_ms:.2f} | {c.errors} |"
        )
    lines.append("")
    lines.append("req/s, p50 and p99 count successful (2xx) answers only.")
    ours, theirs = _find(cells, OURS, 8, 1), _find(cells, MLFLOW, 8, 1)
    limit = _find(cells, IN_PROCESS, 1, 1)
    if ours is not None and limit is not None and limit.rps > 0:
        lines.append(
            f"This API at concurrency 8, single row: {ours.rps / limit.rps:.0%} of the in-process "
            f"ceiling ({limit.rps:,.0f} calls per CPU-second of the server's own predictor)"
        )
    if ours is not None and theirs is not None and theirs.rps > 0:
        lines.append(
            f"This API vs mlflow models serve at concurrency 8, single row: "
            f"{ours.rps / theirs.rps:.1f}x the throughput, p99 {ours.p99_ms:.1f} ms vs "
            f"{theirs.p99_ms:.1f} ms"
        )
    for c in cells:
        if c.errors:
            lines.append(
                f"Errors, not counted above: {c.server} at concurrency {c.concurrency} with "
                f"{c.rows}-row bodies: {c.describe_errors()}"
            )
    return "\n".join(lines)


def _find(cells: list[Cell], server: str, concurrency: int, rows: int) -> Cell | None:
    for cell in cells:
        if (cell.server, cell.concurrency, cell.rows) == (server, concurrency, rows):
            return cell
    return None
