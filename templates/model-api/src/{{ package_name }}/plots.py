"""Plots logged with each run: confusion matrix or residuals, and feature importance."""

from __future__ import annotations

from typing import Any

TOP_FEATURES = 15


def log_all(
    estimator: Any, x_test: Any, y_test: Any, importance: dict[str, float], task: str
) -> None:
    """Draw the plots and log them to the active MLflow run under ``plots/``."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    import mlflow

    if task == "classification":
        second = ("plots/confusion_matrix.png", _confusion(estimator, x_test, y_test))
    else:
        second = ("plots/residuals.png", _residuals(estimator, x_test, y_test))
    figures = dict([second])
    if importance:  # models with neither coefficients nor impurity importance have none
        figures["plots/feature_importance.png"] = _importance(importance)
    for path, figure in figures.items():
        mlflow.log_figure(figure, path)
        plt.close(figure)


def _importance(importance: dict[str, float]) -> Any:
    import matplotlib.pyplot as plt

    top = sorted(importance.items(), key=lambda item: item[1])[-TOP_FEATURES:]
    figure, axes = plt.subplots(figsize=(7, 0.3 * len(top) + 1.2))
    axes.barh([name for name, _ in top], [value for _, value in top], color="#4477aa")
    axes.set_title("Feature importance")
    figure.tight_layout()
    return figure


def _confusion(estimator: Any, x_test: Any, y_test: Any) -> Any:
    from sklearn.metrics import ConfusionMatrixDisplay

    display = ConfusionMatrixDisplay.from_estimator(estimator, x_test, y_test, cmap="Blues")
    display.ax_.set_title("Confusion matrix (test split)")
    display.figure_.tight_layout()
    return display.figure_


def _residuals(estimator: Any, x_test: Any, y_test: Any) -> Any:
    import matplotlib.pyplot as plt

    predicted = estimator.predict(x_test)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.scatter(predicted, y_test - predicted, s=12, alpha=0.7, color="#4477aa")
    axes.axhline(0, color="#999999", linewidth=1)
    axes.set_xlabel("predicted")
    axes.set_ylabel("actual - predicted")
    axes.set_title("Residuals (test split)")
    figure.tight_layout()
    return figure
