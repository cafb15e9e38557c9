"""``make bench``: this API against ``mlflow models serve`` for the same registered model.

Both servers run on 127.0.0.1 (free ports), one worker each, and get the same bounded load: a fixed
number of keep-alive connections (concurrency 1, 8, 32), each sending requests back to back for a
fixed time, with single-row and 64-row bodies (client: ``loadclient.py``). Only successful answers
count; any other status is reported apart, and a server that answers nothing but errors stops the
benchmark with a clear message instead of a table of fast refusals.

The in-process ceiling is the server's own per-request model code (``Predictor.matrix`` then
``Predictor.predict`` on rows validated like a request's), called directly with no HTTP and no
JSON, counted per CPU-second (see `InProcess.sample`). It takes its turn in the same rounds as the
servers, so all are measured side by side.

This is a benchmark, not a test: figures depend on the machine and whatever else runs on it.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from .bench_report import DEFAULT_OUTPUT, BenchReport
from .loadclient import HOST, Cell, Samples, Target, free_port, sample
from .settings import DEFAULT_MODEL_URI

CONCURRENCY = (1, 8, 32)
BATCH_SIZES = (1, 64)
STARTUP_TIMEOUT = 180.0
#: Each cell's time is split into this many turns per server (and for the in-process ceiling).
ROUNDS = 3
OURS, MLFLOW = "this API", "mlflow models serve"
IN_PROCESS = "in-process ceiling (the server's predictor, per CPU-second)"


class BenchError(RuntimeError):
    """The benchmark cannot produce meaningful figures (a server failed or only errored)."""


class InProcess:
    """The code the server runs for each request's rows, called directly: the ceiling."""

    def __init__(self, loaded: Any, rows: list[dict[str, Any]]) -> None:
        from .predictor import Predictor
        from .schema import api_models

        self.predictor = Predictor(loaded)
        # Validated from JSON bytes like a request body, so `matrix` sees the same row objects.
        features = api_models(loaded.schema, len(rows)).features
        self.rows = [features.model_validate_json(json.dumps(row)) for row in rows]

    def sample(self, size: int, seconds: float) -> Samples:
        """Call the predictor back to back on SIZE rows for SECONDS; time every call.

        The rate is per CPU-second of this thread, not per wall-clock second: what one core can
        do with nothing else running, which is what a one-worker server cannot beat. On a busy
        machine a wall-clock ceiling would lose more than the servers (one process against a
        server and a client), and so flatter them.
        """
        predictor, rows, result = self.predictor, self.rows[:size], Samples()
        predictor.predict(predictor.matrix(rows))  # warm-up
        cpu_started = time.thread_time()
        started = now = time.perf_counter()
        while now - started < seconds:
            before = now
            predictor.predict(predictor.matrix(rows))
            now = time.perf_counter()
            result.latencies.append(now - before)
        result.elapsed = time.thread_time() - cpu_started
        return result


def run_benchmark(
    seconds: float = 3.0,
    include_mlflow: bool = True,
    output: str | None = None,
    include_table: bool = True,
) -> int:
    """Start the servers, measure every cell, print a Markdown table; 0 on success.

    The figures also go to OUTPUT as JSON (default ``reports/bench.json``: see bench_report).
    """
    from .loading import load
    from .schema import feature_names

    loaded = load(DEFAULT_MODEL_URI)  # fails clearly when nothing is trained yet
    names = feature_names(loaded.schema)
    rows = table_rows(loaded.schema, max(BATCH_SIZES))
    print(f"Benchmarking {loaded.name} version {loaded.version} ({seconds:g} s per cell)...")
    ceiling = InProcess(loaded, rows)
    ours = (OURS, _own_server_command(), "/ready", "/predict", "/predict/batch")
    theirs = (MLFLOW, _mlflow_command(DEFAULT_MODEL_URI), "/health")
    servers = [ours, (*theirs, "/invocations", "/invocations")] if include_mlflow else [ours]
    cells: list[Cell] = []
    record = BenchReport(model=str(loaded.name), version=str(loaded.version))
    with ExitStack() as stack:
        targets = []
        for name, command, health, single, batch in servers:
            target = Target(name, free_port(), health, single, batch)
            stack.enter_context(running(command(target.port), target))
            targets.append(target)
        for size in BATCH_SIZES:
            cells += _measure(targets, ceiling, rows[:size], names, seconds, record)
    print()
    print(report(cells))
    written = record.write(Path(output) if output else DEFAULT_OUTPUT)
    print(f"\nWrote {written} (for `make writeup`).")
    if include_table:
        from .bench_table import run

        print(f"\nTraining and timing a generated mixed table ({seconds:g} s per cell above)...")
        print(run(__package__ or ""))
    return 0


def table_rows(schema: Any, count: int) -> list[dict[str, Any]]:
    """COUNT rows of the training table (params.yaml) as request bodies, gaps as null."""
    from .config import load as load_config
    from .data import read_frame
    from .schema import json_row
    from .tabular import check_frame

    frame = check_frame(read_frame(load_config()), schema).head(count)
    return [json_row(schema, row) for _, row in frame.iterrows()]


def _measure(
    targets: list[Target],
    ceiling: InProcess,
    rows: list[dict[str, Any]],
    names: list[str],
    seconds: float,
    record: BenchReport,
) -> list[Cell]:
    """Every concurrency for one body size, then the ceiling measured in the same rounds."""
    size, share = len(rows), seconds / ROUNDS
    bodies = {target.name: target.body(rows, names) for target in targets}
    in_process, cells = Samples(), []
    for concurrency in CONCURRENCY:
        # Everyone takes turns in short rounds, so a busy spell on a shared machine hits all alike.
        samples = {target.name: Samples() for target in targets}
        for _ in range(ROUNDS):
            for target in targets:
                measured = sample(target, bodies[target.name], concurrency, share, size)
                samples[target.name].add(asyncio.run(measured))
            in_process.add(ceiling.sample(size, share))
        for target in targets:
            cell = samples[target.name].cell(target.name, concurrency, size)
            if cell.errors and not cell.requests:
                raise BenchError(
                    f"{target.name} answered every request with an error at concurrency "
                    f"{concurrency} with {size}-row bodies ({cell.describe_errors()}): nothing "
                    "to measure. Check its settings (MAX_BATCH, MAX_BODY_BYTES) and its log."
                )
            cells.append(cell)
            record.add(target.name, concurrency, size, cell.rps, samples[target.name].latencies)
            print(
                f"  {target.name}: c={concurrency} rows={size}: {cell.rps:,.0f} req/s", flush=True
            )
    cells.append(in_process.cell(IN_PROCESS, 1, size))
    print(f"  {IN_PROCESS}: rows={size}: {cells[-1].rps:,.0f} calls/s", flush=True)
    return cells


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
            except BenchError:
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
            raise BenchError(f"{target.name} exited with code {process.returncode} at start-up")
        try:
            with socket.create_connection((HOST, target.port), timeout=1) as sock:
                sock.sendall(f"GET {target.health} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise BenchError(f"{target.name} did not become healthy within {STARTUP_TIMEOUT:.0f} s")


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
