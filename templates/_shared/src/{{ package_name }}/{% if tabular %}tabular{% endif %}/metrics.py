"""Metrics that fit the task, under stable names the gates and the champion comparison use.

Classification: ``accuracy``, ``f1_macro``, ``f1_weighted``, ``precision_macro``,
``recall_macro``, and ``roc_auc`` when probabilities are given (binary: of the positive class,
``classes[1]``; multi-class: one-vs-rest, macro average). Regression: ``mae``, ``rmse``, ``r2``.
:data:`GREATER_IS_BETTER` says which way each one improves; :data:`DEFAULT_PRIMARY` is the one a
project ranks runs by unless configured otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_PRIMARY = {"classification": "f1_macro", "regression": "rmse"}

GREATER_IS_BETTER: dict[str, bool] = {
    "accuracy": True,
    "f1_macro": True,
    "f1_weighted": True,
    "precision_macro": True,
    "recall_macro": True,
    "roc_auc": True,
    "mae": False,
    "rmse": False,
    "r2": True,
}


def score(
    task: str,
    y_true: Any,
    y_pred: Any,
    proba: Any = None,
    classes: Sequence[str] | None = None,
) -> dict[str, float]:
    """The task's metrics; PROBA's columns follow CLASSES (the estimator's ``classes_``)."""
    if task == "regression":
        return _regression(y_true, y_pred)
    return _classification(y_true, y_pred, proba, classes)


def _regression(y_true: Any, y_pred: Any) -> dict[str, float]:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "r2": float(r2_score(y_true, y_pred)),
    }


def _classification(
    y_true: Any, y_pred: Any, proba: Any, classes: Sequence[str] | None
) -> dict[str, float]:
    from sklearn import metrics as m

    result = {
        "accuracy": float(m.accuracy_score(y_true, y_pred)),
        "f1_macro": float(m.f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "f1_weighted": float(m.f1_score(y_true, y_pred, average="weighted", zero_division=0)),
        "precision_macro": float(
            m.precision_score(y_true, y_pred, average="macro", zero_division=0)
        ),
        "recall_macro": float(m.recall_score(y_true, y_pred, average="macro", zero_division=0)),
    }
    if proba is not None:
        auc = _roc_auc(y_true, np.asarray(proba, dtype=float), classes)
        if auc is not None:
            result["roc_auc"] = auc
    return result


def _roc_auc(y_true: Any, proba: np.ndarray, classes: Sequence[str] | None) -> float | None:
    """ROC AUC, or None when it is undefined (a class absent from y_true)."""
    from sklearn.metrics import roc_auc_score

    if classes is None:
        raise ValueError("classes (the estimator's classes_) are needed with proba")
    labels = list(classes)
    present = set(np.asarray(y_true).tolist())
    if len(present) < 2 or not present <= set(labels):
        return None
    if len(labels) == 2:
        positive = np.asarray(y_true) == labels[1]
        return float(roc_auc_score(positive, proba[:, 1]))
    if len(present) < len(labels):
        return None
    return float(roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=labels))


def per_class_report(y_true: Any, y_pred: Any, classes: Sequence[str]) -> dict[str, Any]:
    """Precision, recall, F1 and support per class name (plus averages), for a JSON artifact."""
    from sklearn.metrics import classification_report

    report: dict[str, Any] = classification_report(
        y_true, y_pred, labels=list(classes), output_dict=True, zero_division=0
    )
    return report
