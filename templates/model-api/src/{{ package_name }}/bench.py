"""``make bench``: this API against ``mlflow models serve`` for the same registered model.

Both servers run on 127.0.0.1 (free ports), one worker each, and get the same bounded load: a fixed
number of keep-alive connections (concurrency 1, 8, 32), each sending requests back to back for a
fixed time, with single-row and 64-row bodies. The client is a small asyncio HTTP/1.1 client
(raw streams, no HTTP library) so it costs the shared CPU as little as possible. The in-process
limit is the estimator's own ``predict`` called directly on the same rows: no HTTP, no JSON.

This is a benchmark, not a test: figures depend on the machine and whatever else runs on it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .settings import DEFAULT_MODEL_URI

CONCURRENCY = (1, 8, 32)
BATCH_SIZES = (1, 64)
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 180.0
#: Each cell's time is split into this many turns per server.
ROUNDS = 3


@dataclass(frozen=True)
class Cell:
    """One measurement: a server under one load shape."""

    server: str
    concurrency: int
    rows: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float


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
        if self.name == "mlflow models serve":
            data = [[row[name] for name in names] for row in rows]
            payload: Any = {"dataframe_split": {"columns": names, "data": data}}
        elif len(rows) == 1:
            payload = rows[0]
        else:
            payload = {"rows": rows}
        return json.dumps(payload).encode()


def run_benchmark(
    seconds: float = 3.0, include_mlflow: bool = True, output: str | None = None
) -> int:
    """Start the servers, measure every cell, print a Markdown table; 0 on success."""
    from .data import load_dataset
    from .loading import load

    loaded = load(DEFAULT_MODEL_URI)  # fails clearly when nothing is trained yet
    names = [f["name"] for f in loaded.schema["features"]]
    frame = load_dataset().features[names].head(max(BATCH_SIZES))
    rows = frame.to_dict(orient="records")
    print(f"Benchmarking {loaded.name} version {loaded.version} ({seconds:g} s per cell)...")
    x = frame.to_numpy()
    limits = in_process_limits(loaded.estimator, x)
    ours = ("this API", _own_server_command(), "/ready", "/predict", "/predict/batch")
    theirs = ("mlflow models serve", _mlflow_command(DEFAULT_MODEL_URI), "/health")
    servers = [ours, (*theirs, "/invocations", "/invocations")] if include_mlflow else [ours]
    cells: list[Cell] = []
    with ExitStack() as stack:
        targets = []
        for name, command, health, single, batch in servers:
            target = Target(name, free_port(), health, single, batch)
            stack.enter_context(running(command(target.port), target))
            targets.append(target)
        for size in BATCH_SIZES:
            bodies = {target.name: target.body(rows[:size], names) for target in targets}
            for concurrency in CONCURRENCY:
                # The ceiling is measured again between cells and the best figure kept, so a
                # busy spell on a shared machine cannot make it look lower than it is.
                again = in_process_limits(loaded.estimator, x, seconds=0.5)
                limits = {key: max(value, again[key]) for key, value in limits.items()}
                # The servers take turns in short rounds, so a busy spell hits both alike.
                samples = {target.name: Samples() for target in targets}
                for _ in range(ROUNDS):
                    for target in targets:
                        body, share = bodies[target.name], seconds / ROUNDS
                        measured = asyncio.run(sample(target, body, concurrency, share, size))
                        samples[target.name].add(measured)
                for target in targets:
                    cell = samples[target.name].cell(target.name, concurrency, size)
                    cells.append(cell)
                    print(
                        f"  {target.name}: c={concurrency} rows={size}: {cell.rps:,.0f} req/s",
                        flush=True,
                    )
    print()
    print(report(cells, limits))
    if output:
        Path(output).write_text(
            json.dumps({"cells": [asdict(c) for c in cells], "in_process": limits}, indent=2)
            + "\n",
            encoding="utf-8",
        )
    return 0


def in_process_limits(estimator: Any, x: Any, seconds: float = 1.0) -> dict[str, float]:
    """Direct ``predict`` calls per second on 1 and 64 rows (the ceiling for any server)."""
    call = estimator.predict
    limits = {}
    for size in BATCH_SIZES:
        batch = x[:size]
        call(batch)
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            call(batch)
            count += 1
        limits[f"rows={size}"] = count / (time.perf_counter() - started)
    return limits


def report(cells: list[Cell], limits: dict[str, float]) -> str:
    """A Markdown table of every cell, then the ratios that matter."""
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
    for size, limit in limits.items():
        lines.append(f"In-process limit ({size}): {limit:,.0f} direct predict calls/s")
    ours = _find(cells, "this API", 8, 1)
    theirs = _find(cells, "mlflow models serve", 8, 1)
    if ours is not None:
        share = ours.rps / limits["rows=1"]
        lines.append(f"This API at concurrency 8, single row: {share:.0%} of the in-process limit")
    if ours is not None and theirs is not None and theirs.rps > 0:
        lines.append(
            f"This API vs mlflow models serve at concurrency 8, single row: "
            f"{ours.rps / theirs.rps:.1f}x the throughput, p99 {ours.p99_ms:.1f} ms vs "
            f"{theirs.p99_ms:.1f} ms"
        )
    return "\n".join(lines)


def _find(cells: list[Cell], server: str, concurrency: int, rows: int) -> Cell | None:
    for cell in cells:
        if (cell.server, cell.concurrency, cell.rows) == (server, concurrency, rows):
            return cell
    return None


@dataclass
class Samples:
    """Raw measurements for one server under one load shape, possibly over several rounds."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def add(self, other: Samples) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.elapsed += other.elapsed

    def cell(self, server: str, concurrency: int, rows: int) -> Cell:
        latencies = sorted(self.latencies)
        return Cell(
            server=server,
            concurrency=concurrency,
            rows=rows,
            requests=len(latencies),
            errors=self.errors,
            rps=len(latencies) / self.elapsed if self.elapsed else 0.0,
            p50_ms=statistics.median(latencies) * 1000 if latencies else 0.0,
            p99_ms=latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        )


async def drive(target: Target, body: bytes, concurrency: int, seconds: float, rows: int) -> Cell:
    """One cell in one go: see `sample`."""
    samples = await sample(target, body, concurrency, seconds, rows)
    return samples.cell(target.name, concurrency, rows)


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
                if record:
                    result.latencies.append(time.perf_counter() - started)
                    result.errors += status != 200
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


def _own_server_command() -> Any:
    def command(port: int) -> tuple[list[str], dict[str, str]]:
        env = {"HOST": HOST, "PORT": str(port), "MODEL_URI": DEFAULT_MODEL_URI}
        return [sys.executable, "-m", __package__, "serve"], env

    return command


def _mlflow_command(uri: str) -> Any:
    from .registry import connect

    connect()
    import mlflow

    tracking_uri = mlflow.get_tracking_uri()

    def command(port: int) -> tuple[list[str], dict[str, str]]:
        args = ["models", "serve", "-m", uri, "--env-manager", "local", "-h", HOST, "-p", str(port)]
        # It starts `uvicorn` through a shell: put this environment's scripts first on PATH.
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        env = {"MLFLOW_TRACKING_URI": tracking_uri, "PATH": path}
        return [sys.executable, "-m", "mlflow", *args, "-w", "1"], env

    return command


@contextmanager
def running(command: tuple[list[str], dict[str, str]], target: Target) -> Iterator[None]:
    """Start a server process, wait until it answers its health check, stop it afterwards."""
    args, env = command
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            args,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own process group: mlflow starts child processes
        )
        try:
            try:
                _wait_healthy(process, target)
            except RuntimeError:
                errors.seek(0)
                tail = errors.read().decode(errors="replace").strip().splitlines()[-15:]
                print("\n".join(tail), file=sys.stderr)
                raise
            print(f"{target.name} healthy after {time.perf_counter() - started:.1f} s", flush=True)
            yield
        finally:
            _stop(process)


def _wait_healthy(process: subprocess.Popen[bytes], target: Target) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{target.name} exited with code {process.returncode} at start-up")
        try:
            with socket.create_connection((HOST, target.port), timeout=1) as sock:
                sock.sendall(f"GET {target.health} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{target.name} did not become healthy within {STARTUP_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and any children it started (its own process group, where supported)."""
    import signal

    def signal_group(sig: int) -> None:
        if hasattr(os, "killpg"):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)

    signal_group(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        process.wait()
