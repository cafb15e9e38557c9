"""The journey: every run in time order, what changed from the run before, and how it ended.

A learning-in-public post is about the path, so failed gates and runs that did not beat the
champion are listed as plainly as the winner. The chart shows the primary metric per run with the
best-so-far line and the baseline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .. import tracking
from . import charts
from .context import Context, Figure, cell, day, fmt
from .runs import RunSummary

CHART = "journey.png"
OUTCOMES = {
    "champion": "became the champion",
    "kept": "kept (did not beat the champion)",
    "gate_failed": "stopped by the gate",
    "not_registered": "not registered",
    "eval": "evaluation",
}


@dataclass(frozen=True)
class Step:
    """One row of the journey table."""

    run: RunSummary
    changed: str
    score: float | None
    baseline: float | None


def steps(ctx: Context) -> list[Step]:
    """The runs in time order, each with what changed since the previous one."""
    metric = ctx.metric
    found: list[Step] = []
    previous: RunSummary | None = None
    for run in ctx.runs:
        score = run.metrics.get(metric) if metric else None
        baseline = run.baseline(metric) if metric else None
        found.append(Step(run, changes(previous, run), score, baseline))
        previous = run
    return found


def changes(before: RunSummary | None, after: RunSummary) -> str:
    """What differs in curated parameters and data between two runs, in a few words."""
    if before is None:
        return "first run"
    said: list[str] = []
    if before.data != after.data and after.data:
        said.append(f"data: {before.data or '?'} → {after.data}")
    keys = list(dict.fromkeys((after.curated or []) + (before.curated or [])))
    for key in keys:
        old, new = before.params.get(key), after.params.get(key)
        if old != new:
            said.append(
                f"{key}: {old if old is not None else '—'} → {new if new is not None else '—'}"
            )
    if not said and after.curated is None:
        return "not recorded (run without `portkit.params`)"
    if not said:
        same_code = before.commit == after.commit
        return "same settings" + (", same commit" if same_code else ", new commit")
    return "; ".join(said)


def outcome(run: RunSummary) -> str:
    """How the run ended, with its reason when logged."""
    label = OUTCOMES.get(run.outcome, run.outcome or "—")
    return f"{label}: {run.outcome_reason}" if run.outcome_reason else label


def markdown(ctx: Context) -> str:
    """The journey block: the runs table, the chart, and the failed gates."""
    rows = steps(ctx)
    metric = ctx.metric or "primary metric"
    lines = [
        f"{len(rows)} run(s) in time order; `{metric}` is the metric the runs are ranked by.",
        "",
        f"| # | date (UTC) | commit | what changed | {metric} | baseline | outcome |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, row in enumerate(rows, start=1):
        sha = row.run.commit[:7] if row.run.commit != "unknown" else "—"
        message = ctx.commit_message(row.run.commit)
        commit = f"`{sha}` {cell(message)}" if message else f"`{sha}`"
        lines.append(
            f"| {number} | {day(row.run.start_time)} | {commit} | {cell(row.changed)} "
            f"| {fmt(row.score)} | {fmt(row.baseline)} | {cell(outcome(row.run))} |"
        )
    if draw(ctx, rows):
        figure = Figure(CHART, f"{metric} over the runs, with the best so far and the baseline")
        ctx.figures.append(figure)
        lines += ["", f"Figure: {figure.caption}.", "", figure.markdown()]
    people = credits(rows)
    if people:
        lines += ["", f"Runs by {people}."]
    failed = [row.run for row in rows if row.run.outcome == "gate_failed"]
    if failed:
        lines += ["", "Runs the gate stopped:", ""]
        lines += [
            f"- {day(run.start_time)} `{run.name}`: {run.outcome_reason or 'no reason logged'}"
            for run in failed
        ]
    return "\n".join(lines)


def credits(rows: list[Step]) -> str:
    """Who made the runs (their `portkit.author` tag, on a shared server), most runs first."""
    counts = Counter(row.run.tags.get(tracking.AUTHOR_TAG, "") for row in rows)
    counts.pop("", None)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} ({count})" for name, count in ranked)


def best_so_far(scores: list[float | None], greater: bool) -> list[float | None]:
    """The running best of SCORES (None until the first score)."""
    running: list[float | None] = []
    best: float | None = None
    for score in scores:
        if score is not None and (best is None or (score > best if greater else score < best)):
            best = score
        running.append(best)
    return running


def draw(ctx: Context, rows: list[Step]) -> bool:
    """Draw docs/img/journey.png; False when no run has the primary metric."""
    points = [
        (index, row.score) for index, row in enumerate(rows, start=1) if row.score is not None
    ]
    if not points or ctx.metric is None:
        return False
    figure, axes = charts.new_axes(7, 4)
    numbers = list(range(1, len(rows) + 1))
    for index, row in zip(numbers, rows, strict=True):
        if row.score is None:
            continue
        failed = row.run.outcome == "gate_failed"
        axes.scatter(
            [index],
            [row.score],
            marker="x" if failed else "o",
            zorder=3,
            color=charts.COLOURS["bad"] if failed else charts.COLOURS["ours"],
        )
    # A run the gate stopped never became the model in use: it does not move the best so far.
    kept = [None if row.run.outcome == "gate_failed" else row.score for row in rows]
    running = best_so_far(kept, ctx.best.greater_is_better)
    axes.step(
        numbers,
        [v if v is not None else float("nan") for v in running],
        where="post",
        color=charts.COLOURS["ours"],
        alpha=0.6,
        label="best so far",
    )
    baselines = [row.baseline if row.baseline is not None else float("nan") for row in rows]
    if any(row.baseline is not None for row in rows):
        axes.plot(
            numbers, baselines, linestyle="--", color=charts.COLOURS["baseline"], label="baseline"
        )
    axes.scatter([], [], marker="x", color=charts.COLOURS["bad"], label="stopped by the gate")
    direction = "higher" if ctx.best.greater_is_better else "lower"
    charts.decorate(
        axes,
        f"{ctx.metric} per run",
        "run number (in time order)",
        f"{ctx.metric} (score, {direction} is better)",
    )
    axes.set_xticks(numbers)
    axes.legend(loc="best")
    charts.save(figure, ctx.img / CHART)
    return True
