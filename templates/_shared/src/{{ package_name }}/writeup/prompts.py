"""Questions for the author, one per prose section, built from this project's own numbers.

Each sits in an HTML comment inside its own marker block: invisible once published, refreshed by
every `make writeup`, and never mixed with the author's prose around it.
"""

from __future__ import annotations

from itertools import pairwise

from .context import Context, day, fmt, signed
from .journey import Step, steps

SECTIONS = ("problem", "approach", "results", "wrong", "learned", "next")


def block(name: str) -> str:
    """The marker block name of section NAME's prompt."""
    return f"prompt-{name}"


def comment(text: str) -> str:
    """TEXT as an HTML comment (no ``--`` inside, which would end it early)."""
    return "<!-- Prompt: " + text.replace("--", "—") + " -->"


def all_prompts(ctx: Context) -> dict[str, str]:
    """Every section's prompt, as the body of its marker block."""
    rows = steps(ctx)
    questions = {
        "problem": problem(ctx),
        "approach": approach(ctx, rows),
        "results": results(ctx, rows),
        "wrong": went_wrong(ctx, rows),
        "learned": learned(ctx, rows),
        "next": next_steps(ctx),
    }
    return {block(name): comment(text) for name, text in questions.items()}


def problem(ctx: Context) -> str:
    """Who needs this prediction, in the data's own terms."""
    data = ctx.best.data or "your data"
    summary = ctx.summary
    if summary is None:
        return (
            f"your runs use {data}. Who has this problem, and what does a wrong answer cost them?"
        )
    balance = ""
    if summary.class_balance:
        total = sum(summary.class_balance.values()) or 1
        parts = [f"{label} {count / total:.0%}" for label, count in summary.class_balance.items()]
        balance = f"; classes {', '.join(parts)}"
    return (
        f"{data} has {summary.describe()}{balance}. Who needs `{summary.target}` predicted, "
        "and what does a wrong prediction cost them?"
    )


def approach(ctx: Context, rows: list[Step]) -> str:
    """Why the chosen settings."""
    chosen = ctx.best.curated_params()
    settings = ", ".join(f"{key}={value}" for key, value in list((chosen or {}).items())[:6])
    tried = sum(1 for row in rows if row.changed not in ("first run",) and "→" in row.changed)
    said = (
        f"your best run uses {settings}"
        if settings
        else "your best run does not record its settings"
    )
    return (
        f"{said}; {tried} run(s) changed a setting. Why these choices, and what did you rule out?"
    )


def results(ctx: Context, rows: list[Step]) -> str:
    """Against the baseline, and which change helped most."""
    metric, value = ctx.metric, ctx.best.score()
    baseline = ctx.best.baseline(metric) if metric else None
    if metric is None or value is None:
        return "these runs name no primary metric. Which number tells a reader the model works?"
    if baseline is None:
        start = f"`{metric}` is {fmt(value)} with no baseline logged"
    else:
        start = f"your best run beats the baseline by {signed(value - baseline)} on `{metric}` ({fmt(value)} vs {fmt(baseline)})"
    jump = biggest_gain(rows, ctx.best.greater_is_better)
    if jump is None:
        return f"{start}. Is that good enough for the people who would use it, and why?"
    gain, row = jump
    return f'{start}. The biggest step, {signed(gain)}, came with "{row.changed}" ({row.run.name}): which change helped most, and why?'


def went_wrong(ctx: Context, rows: list[Step]) -> str:
    """The failed gates and the runs that did not win."""
    failed = [row.run for row in rows if row.run.outcome == "gate_failed"]
    kept = [row.run for row in rows if row.run.outcome == "kept"]
    if failed:
        reason = failed[-1].outcome_reason or "no reason logged"
        return (
            f"{len(failed)} run(s) were stopped by the gate (the last: {reason}) and {len(kept)} "
            "did not beat the champion. What went wrong in each, and how did you find out?"
        )
    worst = worst_step(rows, ctx.best.greater_is_better)
    if worst is not None:
        return (
            f"no gate failed, but run {worst.run.name} scored {fmt(worst.score)} after "
            f'"{worst.changed}". What did not work, and how did you notice?'
        )
    return f"{len(rows)} run(s) so far, none failed. What bug or surprise cost you the most time?"


def learned(ctx: Context, rows: list[Step]) -> str:
    """The whole path in one sentence."""
    scored = [row for row in rows if row.score is not None]
    if len(scored) < 2:
        return "one run so far. What would you tell someone starting the same project?"
    first, metric = scored[0], ctx.metric
    return (
        f"from {day(first.run.start_time)[:10]} to {day(rows[-1].run.start_time)[:10]}, "
        f"`{metric}` went from {fmt(first.score)} to {fmt(ctx.best.score())} over {len(rows)} runs. "
        "What would you tell someone starting the same project?"
    )


def next_steps(ctx: Context) -> str:
    """What another week would buy: from the performance numbers, else the data's weak spot."""
    fact = ctx.performance.fact if ctx.performance else None
    summary = ctx.summary
    if not fact and summary is not None and summary.class_balance:
        label, count = min(summary.class_balance.items(), key=lambda item: item[1])
        fact = f"the rarest class, {label}, has only {count} of {summary.rows} rows"
    if not fact and summary is not None and summary.missing:
        fact = f"{len(summary.missing)} column(s) of {summary.source or 'your data'} have gaps"
    if fact:
        return f"{fact}. What would you do with another week: data, model, serving, monitoring?"
    metric, value = ctx.metric, ctx.best.score()
    if metric and value is not None:
        return f"`{metric}` stands at {fmt(value)}. What would move it most with another week?"
    return "what would you do with another week: more data, another model, serving, monitoring?"


def biggest_gain(rows: list[Step], greater: bool) -> tuple[float, Step] | None:
    """The largest improvement of the primary metric from one run to the next."""
    best: tuple[float, Step] | None = None
    for before, after in pairwise(rows):
        if before.score is None or after.score is None:
            continue
        gain = after.score - before.score if greater else before.score - after.score
        if gain > 0 and (best is None or gain > best[0]):
            best = (gain, after)
    return best


def worst_step(rows: list[Step], greater: bool) -> Step | None:
    """The run after which the primary metric dropped most."""
    found: tuple[float, Step] | None = None
    for before, after in pairwise(rows):
        if before.score is None or after.score is None:
            continue
        loss = before.score - after.score if greater else after.score - before.score
        if loss > 0 and (found is None or loss > found[0]):
            found = (loss, after)
    return found[1] if found else None
