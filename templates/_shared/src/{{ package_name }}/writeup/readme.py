"""The README's Results block: the headline numbers a reviewer sees first, one figure, a link."""

from __future__ import annotations

from .context import Context, fmt, signed
from .journey import CHART


def markdown(ctx: Context) -> str:
    """Headline metric vs baseline, the benchmark's ratio when there is one, a figure, the link."""
    best, metric = ctx.best, ctx.metric
    value = best.score()
    lines: list[str] = []
    if metric and value is not None:
        baseline = best.baseline(metric)
        against = (
            f" against **{fmt(baseline)}** for the baseline ({signed(value - baseline)})"
            if baseline is not None
            else ""
        )
        lines.append(f"**`{metric}` {fmt(value)}**{against}, the best of {len(ctx.runs)} run(s).")
    else:
        lines.append(f"The best of {len(ctx.runs)} run(s): see the write-up for its metrics.")
    performance = ctx.performance
    if performance and performance.headline:
        lines += ["", performance.headline]
    figure = performance.figure if performance and performance.figure else None
    if figure is None:
        figure = next((f for f in ctx.figures if f.name == CHART), None)
    if figure is not None:
        lines += ["", figure.markdown("docs/img/")]
    lines += [
        "",
        "How it got there, every run and figure: [the write-up](docs/writeup.md) "
        "(`make writeup` refreshes this section).",
    ]
    return "\n".join(lines)
