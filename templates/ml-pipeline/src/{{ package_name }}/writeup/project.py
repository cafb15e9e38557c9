"""ml-pipeline's part of the write-up: where a pipeline run spends its time, and what the gate said.

Stage timings are the ``stage_seconds_<stage>`` metrics of the run (0 for a stage served from
the cache); the gate's outcome is the run's ``portkit.outcome`` and ``portkit.outcome_reason``.
"""

from __future__ import annotations

from . import charts
from .context import Context, Figure, Performance
from .journey import outcome
from .runs import RunSummary

PREFIX = "stage_seconds_"
TIMINGS = "stage_timings.png"
ORDER = ("ingest", "validate", "featurize", "train", "evaluate", "gate", "register")


def performance(ctx: Context) -> Performance:
    """The stage timings figure of the best run and the gate's outcome of every run."""
    lines = gate_lines(ctx)
    stages = timings(ctx.best)
    fact = None
    if stages:
        cached = ctx.best.tags.get("portkit.cached_stages") or ctx.best.tags.get(
            "cached_stages", ""
        )
        names = [f"{name} (cached)" if name in cached.split(",") else name for name in stages]
        charts.horizontal_bars(
            ctx.img / TIMINGS,
            names=names,
            values=list(stages.values()),
            title=f"Stage timings of run {ctx.best.name}",
            xlabel="wall-clock time (s)",
            ylabel="pipeline stage",
        )
        figure = Figure(TIMINGS, "Seconds per pipeline stage in the best run (0 when cached)")
        ctx.figures.append(figure)
        slowest = max(stages, key=lambda name: stages[name])
        fact = f"the slowest stage is {slowest}, {stages[slowest]:.1f} s of {sum(stages.values()):.1f} s"
        lines = [
            f"Where the best run spent its time: {fact}.",
            "",
            f"Figure: {figure.caption}.",
            "",
            figure.markdown(),
            "",
            *lines,
        ]
    else:
        lines = [
            "_The best run logged no `stage_seconds_*` metrics (it predates them)._",
            "",
            *lines,
        ]
    return Performance("\n".join(lines), fact=fact)


def timings(run: RunSummary) -> dict[str, float]:
    """Seconds per stage, in pipeline order."""
    found = {
        name[len(PREFIX) :]: value for name, value in run.metrics.items() if name.startswith(PREFIX)
    }
    known = [name for name in ORDER if name in found]
    return {name: found[name] for name in known + sorted(set(found) - set(known))}


def gate_lines(ctx: Context) -> list[str]:
    """The gate's decision on each run, counted, then the latest one in words."""
    counted: dict[str, int] = {}
    for run in ctx.runs:
        counted[run.outcome or "not recorded"] = counted.get(run.outcome or "not recorded", 0) + 1
    summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counted.items())
    latest = ctx.runs[-1]
    return [
        f"The gate over {len(ctx.runs)} run(s): {summary}. Latest run, `{latest.name}`: {outcome(latest)}."
    ]
