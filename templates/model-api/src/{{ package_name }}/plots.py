"""The figures logged with each run, under ``figures/``: the kit's evaluation figures for the
task (confusion matrix and precision-recall, or predicted vs actual and residuals) on the test
split, and the model's feature importance. Drawn by the shared kit, so every project's look alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tabular import evaluation_figures, importance_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

IMPORTANCE = "importance (mean |coefficient| or impurity decrease; the model's own scale)"


def figures(
    estimator: Any, x_test: Any, y_test: Any, importance: dict[str, float], target: str
) -> dict[str, Figure]:
    """Every figure of this run by file name (feature importance only when the model has one)."""
    classify = hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_")
    drawn = evaluation_figures(
        "classification" if classify else "regression",
        y_test,
        estimator.predict(x_test),
        target=target,
        proba=estimator.predict_proba(x_test) if classify else None,
        classes=[str(c) for c in estimator.classes_] if classify else None,
    )
    bars = importance_figure(importance, IMPORTANCE)
    if bars is not None:
        drawn["feature_importance.png"] = bars
    return drawn
