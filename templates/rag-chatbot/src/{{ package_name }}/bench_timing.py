"""How the benchmark times a call: percentiles of wall-clock milliseconds, and the CPU time used."""

from __future__ import annotations

import statistics
import time
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """The Q-quantile of VALUES (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(function: Any, questions: list[str], k: int) -> dict[str, float]:
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
        "p99": percentile(timings, 0.99),
        "cpu_p50": statistics.median(cpu),
    }
