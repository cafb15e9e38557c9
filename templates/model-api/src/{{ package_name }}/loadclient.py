"""The benchmark's HTTP client: keep N keep-alive connections busy, time every answer.

A small asyncio HTTP/1.1 client on raw streams (no HTTP library), so it costs the shared CPU as
little as possible. Only successful (2xx) answers count as throughput and latency: a server that
answers 422 in 0.1 ms is fast at refusing, not at predicting. Other answers are counted apart,
by status code.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
#: The two servers the benchmark compares, as reports and tables name them.
OURS, MLFLOW = "this API", "mlflow models serve"


@dataclass(frozen=True)
class Cell:
    """One measurement: a server under one load shape. Requests, req/s, p50, p99: 2xx only."""

    server: str
    concurrency: int
    rows: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    #: HTTP status -> how many answers had it, for every answer that was not a 2xx.
    error_statuses: dict[int, int] = field(default_factory=dict)

    def describe_errors(self) -> str:
        """``HTTP 422 x 120, HTTP 500 x 3``."""
        return ", ".join(f"HTTP {status} x {n:,}" for status, n in self.error_statuses.items())


@dataclass(frozen=True)
class Target:
    """Where to send requests and how to encode rows for that server."""

    name: str
    port: int
    health: str
    single_path: str
    batch_path: str

    def path(self, rows: int) -> str:
        return self.single_path if rows == 1 else self.batch_path

    def body(self, rows: list[dict[str, float]], names: list[str]) -> bytes:
        if self.name == MLFLOW:
            data = [[row[name] for name in names] for row in rows]
            payload: Any = {"dataframe_split": {"columns": names, "data": data}}
        elif len(rows) == 1:
            payload = rows[0]
        else:
            payload = {"rows": rows}
        return json.dumps(payload).encode()


@dataclass
class Samples:
    """Raw measurements for one server under one load shape, possibly over several rounds."""

    #: Seconds per successful (2xx) request; errors are not timed.
    latencies: list[float] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)
    elapsed: float = 0.0

    def add(self, other: Samples) -> None:
        self.latencies += other.latencies
        self.errors.update(other.errors)
        self.elapsed += other.elapsed

    def cell(self, server: str, concurrency: int, rows: int) -> Cell:
        latencies = sorted(self.latencies)
        return Cell(
            server=server,
            concurrency=concurrency,
            rows=rows,
            requests=len(latencies),
            errors=sum(self.errors.values()),
            rps=len(latencies) / self.elapsed if self.elapsed else 0.0,
            p50_ms=statistics.median(latencies) * 1000 if latencies else 0.0,
            p99_ms=latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
            error_statuses=dict(sorted(self.errors.items())),
        )


async def sample(
    target: Target, body: bytes, concurrency: int, seconds: float, rows: int
) -> Samples:
    """Keep CONCURRENCY connections busy for SECONDS (after a short warm-up); collect latencies."""
    request = (
        f"POST {target.path(rows)} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    result = Samples()

    async def client(deadline: float, record: bool) -> None:
        reader, writer = await asyncio.open_connection(HOST, target.port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                if not record:
                    continue
                if 200 <= status < 300:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors[status] += 1
        finally:
            writer.close()

    warmup = time.perf_counter() + min(0.5, seconds / 4)
    await asyncio.gather(*(client(warmup, False) for _ in range(concurrency)))
    started = time.perf_counter()
    await asyncio.gather(*(client(started + seconds, True) for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length framed); return its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
