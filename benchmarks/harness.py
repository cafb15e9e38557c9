"""Side-by-side timing of whole commands: A and B alternate, so machine drift hits both alike.

Standard library only. Each pair (A, B) runs back to back; we report each command's median wall
time and the median of the per-pair ratios A/B, which is what to quote on a shared, noisy machine.
"""

from __future__ import annotations

import functools
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

Command = Callable[[int], Sequence[str]]  # run index -> argv (lets each run use a fresh folder)


@dataclass
class Comparison:
    """Medians of A and B, and the median per-pair ratio A/B."""

    label_a: str
    label_b: str
    a: list[float]
    b: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(x / y for x, y in zip(self.a, self.b, strict=True))

    def row(self) -> str:
        return (
            f"| {self.label_a} | {statistics.median(self.a) * 1000:.0f} ms | {self.label_b} | "
            f"{statistics.median(self.b) * 1000:.0f} ms | {self.ratio:.2f}x |"
        )


HEADER = "| A | median A | B | median B | A/B (median of pairs) |\n|---|---|---|---|---|"


def timed(
    argv: Sequence[str], cwd: Path | None = None, setup: Callable[[], None] | None = None
) -> float:
    """Wall seconds of one run (setup excluded); a failing command aborts the benchmark."""
    if setup:
        setup()
    start = time.perf_counter()
    subprocess.run(
        list(argv), cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def compare(
    label_a: str,
    a: Command,
    label_b: str,
    b: Command,
    *,
    runs: int = 7,
    warmup: int = 1,
    cwd: Path | None = None,
    setup: Callable[[int], None] | None = None,
) -> Comparison:
    """Run A and B alternately RUNS times after WARMUP untimed pairs."""
    result = Comparison(label_a, label_b, [], [])
    for index in range(warmup + runs):
        before = functools.partial(setup, index) if setup else None
        pair = [timed(command(index), cwd, before) for command in (a, b)]
        if index >= warmup:
            result.a.append(pair[0])
            result.b.append(pair[1])
    return result
