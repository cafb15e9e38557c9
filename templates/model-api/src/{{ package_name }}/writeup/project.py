"""model-api's part of the write-up: the serving benchmark (`make bench`'s ``reports/bench.json``).

Two figures, measured side by side in one run: the latency distribution of this API and of
``mlflow models serve`` at one concurrency, and requests per second against concurrency.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import charts
from .context import Context, Figure, Performance, cell, fmt

BENCH = Path("reports") / "bench.json"
SERVERS = {"ours": "this API", "mlflow": "mlflow models serve"}
LATENCY, THROUGHPUT = "bench_latency.png", "bench_throughput.png"
HOW = (
    "`make bench` load-tests this API beside `mlflow models serve` for the same model (a few "
    "minutes; `python -m {package} bench --seconds 1` for a quick look) and writes "
    "`reports/bench.json`; then `make writeup` draws it here."
)


def performance(ctx: Context) -> Performance:
    """The benchmark's table and figures, or how to make one."""
    package = Path(__file__).resolve().parent.parent.name
    report = read(ctx.root / BENCH)
    if report is None:
        return Performance(f"_No serving benchmark yet._ {HOW.format(package=package)}")
    cells = [c for c in report.get("cells", []) if c.get("server") in SERVERS]
    if not cells:
        ctx.notes.append(f"{BENCH} has no cells for this API or mlflow models serve")
        return Performance(f"_`{BENCH}` holds no measurements._ {HOW.format(package=package)}")
    headline = report.get("headline") or {}
    ratio, what = headline.get("ratio"), str(headline.get("what", ""))
    figures = [draw_latency(ctx, cells), draw_throughput(ctx, cells)]
    lines = [
        f"Measured by `make bench` on {str(report.get('created', ''))[:10] or 'an unknown date'} "
        f"(model `{report.get('model', '?')}` version {report.get('version', '?')}), both servers "
        "on this machine, side by side in one run.",
    ]
    said = None
    if isinstance(ratio, (int, float)):
        said = f"**{ratio:.1f}x** the requests/s of `mlflow models serve` ({what})"
        lines += ["", f"Headline: this API serves {said}."]
    lines += ["", table(cells)]
    for figure in figures:
        if figure is not None:
            ctx.figures.append(figure)
            lines += ["", f"Figure: {figure.caption}.", "", figure.markdown()]
    return Performance(
        "\n".join(lines),
        headline=f"Serving: {said}, measured by `make bench`." if said else None,
        fact=f"this API serves {ratio:.1f}x the requests/s of mlflow models serve ({what})"
        if said
        else None,
    )


def read(path: Path) -> dict[str, Any] | None:
    """The benchmark report, None when there is none or it is not a JSON object."""
    if not path.is_file():
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def table(cells: list[dict[str, Any]]) -> str:
    """Every measured cell."""
    lines = [
        "| server | concurrency | rows per request | requests/s | p50 (ms) | p99 (ms) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in cells:
        lines.append(
            f"| {cell(SERVERS[c['server']])} | {c.get('concurrency')} | {c.get('rows')} "
            f"| {fmt(c.get('requests_per_s'))} | {fmt(c.get('p50_ms'))} | {fmt(c.get('p99_ms'))} |"
        )
    return "\n".join(lines)


def draw_latency(ctx: Context, cells: list[dict[str, Any]]) -> Figure | None:
    """Histograms of per-request latency, both servers, at the highest shared concurrency."""
    single = [c for c in cells if c.get("rows") == 1 and c.get("latencies_ms")]
    shared = {c["concurrency"] for c in single if c["server"] == "ours"} & {
        c["concurrency"] for c in single if c["server"] == "mlflow"
    }
    level = max(shared) if shared else None
    chosen = [c for c in single if c["concurrency"] == level] if level is not None else single[:1]
    if not chosen:
        return None
    import numpy as np

    figure, axes = charts.new_axes()
    values = [v for c in chosen for v in c["latencies_ms"] if v > 0]
    bins = np.geomspace(max(min(values), 1e-3), max(values) * 1.05, 40)
    colours = {"ours": charts.COLOURS["ours"], "mlflow": charts.COLOURS["other"]}
    for c in chosen:
        axes.hist(
            c["latencies_ms"],
            bins=bins,
            alpha=0.6,
            label=SERVERS[c["server"]],
            color=colours[c["server"]],
        )
    axes.set_xscale("log")
    charts.decorate(
        axes,
        f"Latency per request, {level or chosen[0]['concurrency']} concurrent connection(s), 1 row",
        "latency (ms, log scale)",
        "requests (sampled)",
    )
    axes.legend(loc="best")
    charts.save(figure, ctx.img / LATENCY)
    return Figure(LATENCY, "Latency distribution of this API and `mlflow models serve`")


def draw_throughput(ctx: Context, cells: list[dict[str, Any]]) -> Figure | None:
    """Requests per second against concurrency, one line per server and body size."""
    figure, axes = charts.new_axes()
    drawn = False
    for server, colour in (("ours", charts.COLOURS["ours"]), ("mlflow", charts.COLOURS["other"])):
        for rows, style in ((1, "-"), (64, "--")):
            points = sorted(
                (c["concurrency"], c["requests_per_s"])
                for c in cells
                if c["server"] == server and c.get("rows") == rows
            )
            if points:
                drawn = True
                axes.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    style,
                    marker="o",
                    color=colour,
                    label=f"{SERVERS[server]}, {rows} row(s)",
                )
    if not drawn:
        return None
    charts.decorate(
        axes, "Throughput against concurrency", "concurrent connections", "requests per second"
    )
    axes.legend(loc="best")
    charts.save(figure, ctx.img / THROUGHPUT)
    return Figure(THROUGHPUT, "Requests per second of this API and `mlflow models serve`")
