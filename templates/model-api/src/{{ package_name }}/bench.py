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

Here the recipe and the ceiling; the HTTP load in ``loadclient.py``, the server processes in
``bench_servers.py``, the printed table and ``reports/bench.json`` in ``bench_report.py``.

This is a benchmark, not a test: figures depend on the machine and whatever else runs on it.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .bench_report import DEFAULT_OUTPUT, IN_PROCESS, MLFLOW, OURS, BenchReport, report
from .bench_servers import BenchError, mlflow_command, own_server_command, running
from .loadclient import Cell, Samples, Target, free_port, sample
from .settings import DEFAULT_MODEL_URI

__all__ = ["BenchError", "InProcess", "run_benchmark", "table_rows"]

CONCURRENCY = (1, 8, 32)
BATCH_SIZES = (1, 64)
#: Each cell's time is split into this many turns per server (and for the in-process ceiling).
ROUNDS = 3


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
    cells: list[Cell] = []
    record = BenchReport(model=str(loaded.name), version=str(loaded.version))
    with ExitStack() as stack:
        targets = _start_servers(stack, include_mlflow)
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


def _start_servers(stack: ExitStack, include_mlflow: bool) -> list[Target]:
    """This API (and mlflow's server) on free ports, healthy; STACK stops them."""
    ours = (OURS, own_server_command(), "/ready", "/predict", "/predict/batch")
    theirs = (MLFLOW, mlflow_command(DEFAULT_MODEL_URI), "/health")
    servers = [ours, (*theirs, "/invocations", "/invocations")] if include_mlflow else [ours]
    targets = []
    for name, command, health, single, batch in servers:
        target = Target(name, free_port(), health, single, batch)
        stack.enter_context(running(command(target.port), target))
        targets.append(target)
    return targets


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
