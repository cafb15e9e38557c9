"""The trivial baseline every training run is scored against, on the same split and folds.

A score means little alone: 0.95 accuracy is nothing when 95% of the rows are one class. So each
run also fits a model that learns nothing from the features and logs its scores beside the
model's as ``baseline_<metric>``. Classification: the majority class, with the class shares as
probabilities (``DummyClassifier(strategy="prior")``), so ROC AUC stays defined (0.5).
Regression: the mean of the training target (``DummyRegressor(strategy="mean")``).
"""

from __future__ import annotations

from typing import Any

#: What the baseline is, in words, for the run's ``portkit.baseline`` tag.
DESCRIPTION = {
    "classification": "majority class (DummyClassifier, prior)",
    "regression": "mean of the training target (DummyRegressor, mean)",
}
PREFIX = "baseline_"


def baseline_estimator(task: str) -> Any:
    """A fresh, unfitted baseline for TASK (it ignores the features, so it takes raw frames)."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    if task == "classification":
        return DummyClassifier(strategy="prior")
    return DummyRegressor(strategy="mean")


def baseline_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """METRICS renamed ``baseline_<name>``, without the spreads (``*_std``) nobody compares."""
    return {
        f"{PREFIX}{name}": value for name, value in metrics.items() if not name.endswith("_std")
    }
