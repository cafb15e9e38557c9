"""The evaluation figures every training run logs under ``figures/``, drawn the same way in
every project: each has a title, labelled axes and the target's name as the unit.

Classification: ``confusion_matrix.png`` (counts, rows = actual class, columns = predicted) and
``precision_recall.png`` (binary: the positive class ``classes[1]``; more classes: one curve per
class, one-vs-rest). Regression: ``predicted_vs_actual.png`` (with the y = x line of a perfect
model) and ``residuals.png``. Plus ``feature_importance.png`` when the model has importances.

Figures are ``matplotlib.figure.Figure`` objects drawn with the Agg canvas: no pyplot, so no
global state and no display is needed; a caller may read the axes' text before saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FOLDER = "figures"
TOP_FEATURES = 15
COLOR = "#4477aa"


def evaluation_figures(
    task: str,
    y_true: Any,
    y_pred: Any,
    *,
    target: str,
    proba: Any = None,
    classes: Sequence[str] | None = None,
) -> dict[str, Figure]:
    """The task's figures by file name, from the held-out labels, predictions and probabilities."""
    if task != "classification":
        actual, predicted = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
        return {
            "predicted_vs_actual.png": predicted_vs_actual(actual, predicted, target),
            "residuals.png": residuals(actual, predicted, target),
        }
    labels = [str(c) for c in (classes if classes is not None else sorted(set(y_true)))]
    figures = {"confusion_matrix.png": confusion_matrix(y_true, y_pred, labels, target)}
    if proba is not None and len(labels) >= 2:
        figures["precision_recall.png"] = precision_recall(y_true, proba, labels, target)
    return figures


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def confusion_matrix(y_true: Any, y_pred: Any, labels: list[str], target: str) -> Figure:
    """Counts of test rows per (actual, predicted) class, labelled with the class names."""
    from sklearn.metrics import ConfusionMatrixDisplay

    side = min(4.5 + 0.35 * len(labels), 12.0)
    figure, axes = _figure(side + 1.0, side)
    ConfusionMatrixDisplay.from_predictions(
        np.asarray(y_true, dtype=object).astype(str),
        np.asarray(y_pred, dtype=object).astype(str),
        labels=labels,
        ax=axes,
        cmap="Blues",
        colorbar=True,
        xticks_rotation="vertical" if len(labels) > 4 else "horizontal",
    )
    axes.set_title(f"Confusion matrix of {target} (test split, counts of rows)")
    axes.set_xlabel(f"predicted {target}")
    axes.set_ylabel(f"actual {target}")
    return figure


def precision_recall(y_true: Any, proba: Any, labels: list[str], target: str) -> Figure:
    """Precision against recall as the decision threshold moves (one-vs-rest for more classes)."""
    from sklearn.metrics import PrecisionRecallDisplay

    truth = np.asarray(y_true, dtype=object).astype(str)
    scores = np.asarray(proba, dtype=float)
    figure, axes = _figure(6.5, 5.0)
    binary = len(labels) == 2
    for index, label in enumerate(labels[1:] if binary else labels, start=1 if binary else 0):
        positive = truth == label
        if not positive.any():
            continue  # a class absent from the test split has no curve
        name = f"{target} = {label}"
        PrecisionRecallDisplay.from_predictions(positive, scores[:, index], name=name, ax=axes)
    if binary:
        axes.set_title(f"Precision-recall of {target} = {labels[1]} (test split)")
    else:
        axes.set_title(f"Precision-recall per class of {target}, one-vs-rest (test split)")
    axes.set_xlabel("recall (share of the class's rows found, 0-1)")
    axes.set_ylabel("precision (share of the predicted rows that are right, 0-1)")
    axes.set_xlim(0.0, 1.02)
    axes.set_ylim(0.0, 1.02)
    axes.legend(loc="lower left", fontsize="small")
    return figure


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, target: str) -> Figure:
    """Each test row at (actual, predicted); a perfect model sits on the y = x line."""
    figure, axes = _figure(6.0, 5.0)
    axes.scatter(actual, predicted, s=12, alpha=0.7, color=COLOR, label="test rows")
    low = float(min(actual.min(), predicted.min()))
    high = float(max(actual.max(), predicted.max()))
    axes.plot([low, high], [low, high], color="#999999", linewidth=1, label="y = x (perfect)")
    axes.set_title(f"Predicted vs actual {target} (test split)")
    axes.set_xlabel(f"actual {target} (units of {target})")
    axes.set_ylabel(f"predicted {target} (units of {target})")
    axes.legend(loc="upper left", fontsize="small")
    return figure


def residuals(actual: np.ndarray, predicted: np.ndarray, target: str) -> Figure:
    """Actual minus predicted against the prediction: structure here is what the model missed."""
    figure, axes = _figure(6.0, 4.5)
    axes.scatter(predicted, actual - predicted, s=12, alpha=0.7, color=COLOR)
    axes.axhline(0.0, color="#999999", linewidth=1)
    axes.set_title(f"Residuals of {target} (test split)")
    axes.set_xlabel(f"predicted {target} (units of {target})")
    axes.set_ylabel(f"actual - predicted {target} (units of {target})")
    return figure


def importance_figure(importance: Mapping[str, float], what: str) -> Figure | None:
    """The TOP_FEATURES largest importances as bars; WHAT names the measure (the x unit)."""
    if not importance:
        return None
    top = sorted(importance.items(), key=lambda item: item[1])[-TOP_FEATURES:]
    figure, axes = _figure(7.0, 0.3 * len(top) + 1.5)
    axes.barh([name for name, _ in top], [value for _, value in top], color=COLOR)
    axes.set_title(f"Feature importance (top {len(top)})")
    axes.set_xlabel(what)
    axes.set_ylabel("model input")
    return figure


def save_figures(figures: Mapping[str, Figure], folder: Path) -> list[Path]:
    """Write each figure as PNG into FOLDER (reproducible bytes: no software stamp)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in figures.items():
        path = folder / name
        partial = path.with_name(f".{name}.partial")
        figure.savefig(partial, format="png", dpi=100, metadata={"Software": None})
        partial.replace(path)
        written.append(path)
    return written
