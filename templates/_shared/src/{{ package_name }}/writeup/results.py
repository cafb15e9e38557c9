"""The Results block: the best run's metrics beside the baseline, its chosen settings, its figures."""

from __future__ import annotations

from .context import Context, Figure, cell, fmt, signed
from .runs import BASELINE_PREFIX, RunSummary

#: Metrics that are not scores of the model: shown elsewhere (beside a score, or as timings).
NOT_SCORES = (BASELINE_PREFIX, "stage_seconds_")


def scores(run: RunSummary) -> dict[str, float]:
    """RUN's score metrics: not the baselines, not the ``_std`` spreads, not stage timings."""
    return {
        name: value
        for name, value in run.metrics.items()
        if not name.startswith(NOT_SCORES) and not name.endswith("_std")
    }


def why(ctx: Context) -> str:
    """Why this run is the one reported."""
    best, champion = ctx.best, ctx.store.champion
    if champion is not None and champion.run_id in (best.run_id, *best.children):
        return f"the run of `{champion.model}` version {champion.version} (`champion`)"
    if best.primary_metric:
        direction = "higher" if best.greater_is_better else "lower"
        return f"ranked by `{best.primary_metric}` ({direction} is better)"
    return "the latest"


def headline(run: RunSummary) -> str | None:
    """One sentence: the primary metric against the baseline ("" parts when not logged)."""
    metric = run.primary_metric
    value = run.metrics.get(metric) if metric else None
    if metric is None or value is None:
        return None
    baseline = run.baseline(metric)
    if baseline is None:
        return f"`{metric}` is **{fmt(value)}** (no baseline logged for this run)."
    return (
        f"`{metric}` is **{fmt(value)}** against **{fmt(baseline)}** for the baseline "
        f"({signed(value - baseline)})."
    )


def metrics_table(run: RunSummary) -> str:
    """Every score with its spread (``<m>_std``, or ``cv_<m>_std`` beside ``cv_<m>_mean``), the
    baseline's value and the difference."""
    shown = scores(run)
    lines = [
        "| metric | value | ± std | baseline | vs baseline |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in sorted(shown):
        value, baseline = shown[name], run.baseline(name)
        mean_spread = run.metrics.get(f"{name.removesuffix('_mean')}_std")
        spread = run.metrics.get(f"{name}_std", mean_spread)
        difference = value - baseline if baseline is not None else None
        lines.append(
            f"| {cell(name)} | {fmt(value)} | {fmt(spread)} | {fmt(baseline)} | {signed(difference)} |"
        )
    return "\n".join(lines)


def params_table(run: RunSummary) -> str:
    """The curated parameters; a short note for runs that do not say which ones were chosen."""
    chosen = run.curated_params()
    if chosen is None:
        return (
            "_This run does not say which parameters were chosen (no `portkit.params` tag: it "
            "predates it); `make mlflow-ui` shows every logged parameter._"
        )
    if not chosen:
        return "_Every parameter is at its default._"
    lines = ["| parameter | value |", "| --- | --- |"]
    for key, value in chosen.items():
        shown = value if len(value) <= 80 else value[:77] + "..."
        lines.append(f"| {cell(key)} | {cell(shown)} |")
    return "\n".join(lines)


def run_figures(ctx: Context) -> list[Figure]:
    """The best run's ``figures/*.png`` copied from MLflow into docs/img/."""
    found = []
    for path in ctx.store.figures(ctx.best, ctx.img):
        title = path.stem.replace("_", " ").capitalize()
        found.append(Figure(path.name, f"{title} of the best run (logged with it in MLflow)"))
    ctx.figures.extend(found)
    return found


def markdown(ctx: Context) -> str:
    """The Results block."""
    best = ctx.best
    sha = best.commit[:7] if best.commit != "unknown" else "unknown"
    message = ctx.commit_message(best.commit)
    lines = [
        f"Best of {len(ctx.runs)} run(s), {why(ctx)}: `{best.name}` (run `{best.run_id[:8]}`, "
        f"commit `{sha}`{': ' + message if message else ''}).",
        "",
        f"- **Data**: {best.data or 'not recorded (the run predates the `portkit.data` tag)'}"
        + (f" ({ctx.summary.describe()})" if ctx.summary else ""),
        f"- **Baseline**: {best.tags.get('portkit.baseline') or 'not recorded for this run'}",
    ]
    sentence = headline(best)
    if sentence:
        lines += ["", sentence]
    lines += ["", metrics_table(best)]
    if not any(name.startswith(BASELINE_PREFIX) for name in best.metrics):
        lines += [
            "",
            "_This run logged no `baseline_*` metrics (it predates them): train again to get a "
            "baseline beside every number._",
        ]
    lines += ["", "Settings chosen for this run:", "", params_table(best)]
    for figure in run_figures(ctx):
        lines += ["", f"Figure: {figure.caption}.", "", figure.markdown()]
    lines += ["", "_Filled in by `make writeup` from MLflow; re-run it to refresh these numbers._"]
    return "\n".join(lines)
