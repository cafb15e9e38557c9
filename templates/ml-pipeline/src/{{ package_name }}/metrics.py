"""The metrics each task produces, which way is better, and the range each can take."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One evaluation metric."""

    name: str
    higher_is_better: bool
    low: float
    high: float


CLASSIFICATION = (
    Metric("accuracy", True, 0.0, 1.0),
    Metric("f1", True, 0.0, 1.0),
    Metric("precision", True, 0.0, 1.0),
    Metric("recall", True, 0.0, 1.0),
    Metric("roc_auc", True, 0.0, 1.0),
)
REGRESSION = (
    Metric("r2", True, -math.inf, 1.0),
    Metric("rmse", False, 0.0, math.inf),
    Metric("mae", False, 0.0, math.inf),
)


def metrics_for(task: str) -> tuple[Metric, ...]:
    """The metrics of TASK ('classification' or 'regression')."""
    return CLASSIFICATION if task == "classification" else REGRESSION


def metric_names(task: str) -> list[str]:
    """The names of TASK's metrics."""
    return [metric.name for metric in metrics_for(task)]


def metric(task: str, name: str) -> Metric:
    """The metric NAME of TASK (KeyError if unknown)."""
    for candidate in metrics_for(task):
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def base_name(logged: str) -> tuple[str, str]:
    """Split a logged name (`test_f1`, `cv_f1_mean`, `cv_f1_std`) into (kind, metric)."""
    if logged.startswith("test_"):
        return "test", logged.removeprefix("test_")
    if logged.startswith("cv_") and logged.endswith("_mean"):
        return "cv_mean", logged.removeprefix("cv_").removesuffix("_mean")
    if logged.startswith("cv_") and logged.endswith("_std"):
        return "cv_std", logged.removeprefix("cv_").removesuffix("_std")
    return "", logged


def gate_metric_range(task: str, logged: str) -> tuple[float, float] | None:
    """The values a gate on LOGGED may take, or None when the pipeline never produces it."""
    kind, name = base_name(logged)
    if not kind or name not in metric_names(task):
        return None
    if kind == "cv_std":
        return 0.0, math.inf
    found = metric(task, name)
    return found.low, found.high
