"""The metrics each task produces (named as in the tabular kit), which way is better, their range.

The names match ``tabular.GREATER_IS_BETTER`` (a test keeps them equal); they are repeated here
so that reading params.yaml does not import pandas and scikit-learn.
"""

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
    Metric("f1_macro", True, 0.0, 1.0),
    Metric("f1_weighted", True, 0.0, 1.0),
    Metric("precision_macro", True, 0.0, 1.0),
    Metric("recall_macro", True, 0.0, 1.0),
    Metric("roc_auc", True, 0.0, 1.0),
)
REGRESSION = (
    Metric("mae", False, 0.0, math.inf),
    Metric("rmse", False, 0.0, math.inf),
    Metric("r2", True, -math.inf, 1.0),
)
DEFAULT_PRIMARY = {"classification": "f1_macro", "regression": "rmse"}


def metrics_for(task: str | None) -> tuple[Metric, ...]:
    """The metrics of TASK ('classification' or 'regression'; None: both, task not known yet)."""
    if task is None:
        return CLASSIFICATION + REGRESSION
    return CLASSIFICATION if task == "classification" else REGRESSION


def metric_names(task: str | None) -> list[str]:
    """The names of TASK's metrics."""
    return [metric.name for metric in metrics_for(task)]


def default_primary(task: str) -> str:
    """The metric runs are ranked by unless gates.primary_metric names one."""
    return DEFAULT_PRIMARY[task]


def metric(name: str) -> Metric:
    """The metric NAME (KeyError if unknown)."""
    for candidate in metrics_for(None):
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def base_name(logged: str) -> tuple[str, str]:
    """Split a logged name (`test_f1_macro`, `cv_r2_mean`, `cv_r2_std`) into (kind, metric)."""
    if logged.startswith("test_"):
        return "test", logged.removeprefix("test_")
    if logged.startswith("cv_") and logged.endswith("_mean"):
        return "cv_mean", logged.removeprefix("cv_").removesuffix("_mean")
    if logged.startswith("cv_") and logged.endswith("_std"):
        return "cv_std", logged.removeprefix("cv_").removesuffix("_std")
    return "", logged


def gate_metric_range(task: str | None, logged: str) -> tuple[float, float] | None:
    """The values a gate on LOGGED may take, or None when the pipeline never produces it."""
    kind, name = base_name(logged)
    if not kind or name not in metric_names(task):
        return None
    if kind == "cv_std":
        return 0.0, math.inf
    found = metric(name)
    return found.low, found.high
