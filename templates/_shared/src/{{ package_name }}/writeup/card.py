"""The model card's blocks: the data as the run saw it, metrics with the baseline, per-class numbers,
and questions on intended use and limitations that name the task."""

from __future__ import annotations

from typing import Any

from .context import Context, DataSummary, cell, fmt
from .prompts import comment
from .results import metrics_table

PER_CLASS = ("per_class_report.json", "per_class.json")
AVERAGES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def blocks(ctx: Context) -> dict[str, str]:
    """Every model-card block, by marker name."""
    return {
        "data": data(ctx.summary),
        "metrics": metrics(ctx),
        "prompt-intended-use": comment(intended_use(ctx)),
        "prompt-limitations": comment(limitations(ctx)),
    }


def data(summary: DataSummary | None) -> str:
    """Rows, columns, class balance and missing values, from the run's ``data_summary.json``."""
    if summary is None:
        return (
            "_The best run logged no `data_summary.json` (it predates it): train again and "
            "`make writeup` describes the data here._"
        )
    lines = [
        f"- **Source**: {summary.source or 'not recorded'}",
        f"- **Size**: {summary.describe()}",
    ]
    if summary.class_balance:
        total = sum(summary.class_balance.values()) or 1
        lines += ["", "| class | rows | share |", "| --- | --- | --- |"]
        for label, count in summary.class_balance.items():
            lines.append(f"| {cell(label)} | {count} | {count / total:.1%} |")
    if summary.missing:
        lines += [
            "",
            "| column with gaps | missing values | share of rows |",
            "| --- | --- | --- |",
        ]
        for column, count in sorted(summary.missing.items(), key=lambda item: -item[1]):
            lines.append(f"| {cell(column)} | {count} | {count / max(summary.rows, 1):.1%} |")
    else:
        lines += ["", "No missing values."]
    return "\n".join(lines)


def metrics(ctx: Context) -> str:
    """Which model, its metrics with the baseline, and per-class numbers when logged."""
    best, champion = ctx.best, ctx.store.champion
    if champion is not None and champion.run_id in (best.run_id, *best.children):
        source = (
            f"Registered model `{champion.model}` version {champion.version} (alias `champion`), "
            f"trained in run `{best.run_id[:8]}`."
        )
    else:
        source = (
            "No model version holds the `champion` alias yet: these are the metrics of the best "
            f"run, `{best.run_id[:8]}`."
        )
    baseline = best.tags.get("portkit.baseline")
    lines = [source, "", metrics_table(best)]
    if baseline:
        lines += ["", f"Baseline: {baseline}, scored on the same split."]
    per_class = per_class_table(ctx.store.json_artifact(best, *PER_CLASS))
    if per_class:
        lines += ["", "Per class, on the held-out test split:", "", per_class]
    return "\n".join(lines)


def per_class_table(report: Any) -> str | None:
    """scikit-learn's ``classification_report(output_dict=True)`` as a table (None if absent)."""
    if not isinstance(report, dict):
        return None
    lines = ["| class | precision | recall | f1 | support |", "| --- | --- | --- | --- | --- |"]
    for label, row in report.items():
        if label in AVERAGES or not isinstance(row, dict):
            continue
        values = [row.get(key) for key in ("precision", "recall", "f1-score")]
        support = row.get("support")
        lines.append(
            f"| {cell(str(label))} | "
            + " | ".join(fmt(float(v)) if v is not None else "—" for v in values)
            + f" | {int(support) if support is not None else '—'} |"
        )
    return "\n".join(lines) if len(lines) > 2 else None


def intended_use(ctx: Context) -> str:
    """Who should use the predictions: named by the task and target."""
    summary = ctx.summary
    if summary is None:
        return (
            "who should use this model's predictions, for which decision, and what is out of scope?"
        )
    return (
        f"this model predicts `{summary.target}` ({summary.task}) from {max(summary.columns - 1, 0)} "
        f"columns of {summary.source or ctx.best.data or 'your table'}. Who should use these "
        "predictions, for which decision, and what must they never be used for?"
    )


def limitations(ctx: Context) -> str:
    """Where it is likely to fail, from the data's own gaps and imbalance."""
    summary = ctx.summary
    if summary is None:
        return "where is the model known to fail, or untested: data ranges, groups, drift?"
    said = [f"it was trained and tested on {summary.rows} rows"]
    if summary.class_balance:
        label, count = min(summary.class_balance.items(), key=lambda item: item[1])
        said.append(f"the rarest class, {label}, has {count} rows")
    if summary.missing:
        column, count = max(summary.missing.items(), key=lambda item: item[1])
        said.append(f"{len(summary.missing)} column(s) have gaps ({column}: {count} missing)")
    return "; ".join(said) + f". Where is predicting `{summary.target}` likely to fail?"
