"""What the training table holds, for the model card: rows, columns, class balance, gaps.

Computed from the table as read (before rows without a target are dropped), so the card
describes the user's real data, and logged with every run as ``data_summary.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .schema import label_strings, sorted_labels

SAMPLE_PREFIX = "bundled sample: "


def display_name(file: str | Path | None, sample: str) -> str:
    """How the data is named in a write-up: the file's name, or ``bundled sample: <name>``."""
    return Path(file).name if file else f"{SAMPLE_PREFIX}{sample}"


def data_summary(frame: pd.DataFrame, target: str, task: str, source: str) -> dict[str, Any]:
    """``{rows, columns, target, task, class_balance (classification), missing, source}``.

    ``class_balance`` counts each label (as the model names it) among rows that have one;
    ``missing`` lists only the columns with at least one missing value.
    """
    summary: dict[str, Any] = {
        "rows": int(len(frame)),
        "columns": int(frame.shape[1]),
        "target": target,
        "task": task,
    }
    if task == "classification" and target in frame.columns:
        counts = label_strings(frame[target].dropna()).value_counts()
        summary["class_balance"] = {
            label: int(counts[label]) for label in sorted_labels(counts.index)
        }
    gaps = frame.isna().sum()
    summary["missing"] = {str(name): int(count) for name, count in gaps.items() if count}
    summary["source"] = source
    return summary
