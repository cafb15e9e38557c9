"""rag-chatbot's part of the write-up: retrieval quality per retriever against the baseline, and
latency (the eval run's per-question retrieval times, and `make bench`'s corpus sizes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import charts
from .context import Context, Figure, Performance, fmt
from .runs import BASELINE_PREFIX, RunSummary

BENCH = Path("reports") / "bench.json"
QUALITY, LATENCY = "retrieval_quality.png", "retrieval_latency.png"
KINDS = (("hit_rate", "hit rate"), ("mrr", "MRR"))


def performance(ctx: Context) -> Performance:
    """Quality per retriever and latency, as figures and a sentence each."""
    lines: list[str] = []
    quality = retrievers(ctx.best)
    fact = None
    if quality:
        figure = draw_quality(ctx, quality)
        ctx.figures.append(figure)
        names = ", ".join(
            f"{name} (hit rate {fmt(v[0])}, MRR {fmt(v[1])})" for name, v in quality.items()
        )
        lines += [
            f"Retrieval quality on the question set: {names}.",
            "",
            f"Figure: {figure.caption}.",
            "",
            figure.markdown(),
        ]
    latency = draw_latency(ctx)
    if latency is not None:
        ctx.figures.append(latency[0])
        fact = latency[1]
        lines += [
            "",
            f"{latency[1]}.",
            "",
            f"Figure: {latency[0].caption}.",
            "",
            latency[0].markdown(),
        ]
    if not lines:
        return Performance("_The eval run logged no hit rate, MRR or latency: run `make eval`._")
    if not (ctx.root / BENCH).is_file():
        lines += [
            "",
            "_`make bench` measures query latency across corpus sizes; `make writeup` then draws it here._",
        ]
    return Performance("\n".join(lines).strip("\n"), fact=fact)


def retrievers(run: RunSummary) -> dict[str, tuple[float, float]]:
    """Hit rate and MRR per retriever: the evaluated one, others logged as ``<name>_<metric>``,
    and the baseline."""
    found: dict[str, dict[str, float]] = {}
    own = run.params.get("retriever", "this retriever")
    for name, value in run.metrics.items():
        for kind, _label in KINDS:
            if name.startswith(BASELINE_PREFIX + kind):
                found.setdefault("baseline", {})[kind] = value
            elif name.startswith(kind):
                found.setdefault(own, {})[kind] = value
            elif f"_{kind}" in name and not name.startswith(BASELINE_PREFIX):
                found.setdefault(name.split(f"_{kind}")[0], {})[kind] = value
    return {
        name: (values["hit_rate"], values["mrr"])
        for name, values in sorted(found.items(), key=lambda item: item[0] == "baseline")
        if "hit_rate" in values and "mrr" in values
    }


def draw_quality(ctx: Context, quality: dict[str, tuple[float, float]]) -> Figure:
    """Grouped bars: hit rate and MRR, one bar per retriever and the baseline."""
    charts.grouped_bars(
        ctx.img / QUALITY,
        groups=[label for _kind, label in KINDS],
        series={name: list(values) for name, values in quality.items()},
        title="Retrieval quality per retriever",
        xlabel="metric on the evaluation questions",
        ylabel="score (0 to 1, higher is better)",
    )
    return Figure(QUALITY, "Hit rate and MRR per retriever against the baseline")


def draw_latency(ctx: Context) -> tuple[Figure, str] | None:
    """Query latency against corpus size from `make bench`, else the eval run's percentiles."""
    rows = read_bench(ctx.root / BENCH)
    if rows:
        figure, axes = charts.new_axes()
        sizes = [row["chunks"] for row in rows]
        for key, label in (("query_p50_ms", "p50"), ("query_p99_ms", "p99")):
            axes.plot(sizes, [row.get(key, float("nan")) for row in rows], marker="o", label=label)
        axes.set_xscale("log")
        charts.decorate(
            axes,
            "Query latency against corpus size",
            "chunks in the index (log scale)",
            "retrieval latency (ms)",
        )
        axes.legend(loc="best")
        charts.save(figure, ctx.img / LATENCY)
        largest = rows[-1]
        return (
            Figure(LATENCY, "Query latency against corpus size, from `make bench`"),
            f"At {largest['chunks']} chunks a query takes {fmt(largest.get('query_p50_ms'))} ms (p50)",
        )
    p50, p95 = (ctx.best.metrics.get(f"latency_{q}_ms") for q in ("p50", "p95"))
    if p50 is None or p95 is None:
        return None
    charts.horizontal_bars(
        ctx.img / LATENCY,
        names=["p50", "p95"],
        values=[p50, p95],
        title="Retrieval latency per question",
        xlabel="latency (ms)",
        ylabel="percentile over the questions",
    )
    return (
        Figure(LATENCY, "Retrieval latency per question in the eval run"),
        f"Retrieval takes {fmt(p50)} ms per question (p50), {fmt(p95)} ms at p95",
    )


def read_bench(path: Path) -> list[dict[str, Any]]:
    """`make bench`'s rows (one per corpus size), sorted by size; [] when absent or unreadable."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    rows = (
        found
        if isinstance(found, list)
        else found.get("rows", [])
        if isinstance(found, dict)
        else []
    )
    return sorted(
        (r for r in rows if isinstance(r, dict) and "chunks" in r), key=lambda r: r["chunks"]
    )
