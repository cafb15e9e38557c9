"""Step 5, evaluate: score the model on the held-out test set and draw its plots."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dag import Outcome
from .context import Context
from .featurize import TEST, load
from .train import CV_METRICS, MODEL

METRICS = "artifacts/metrics.json"
PLOTS = "artifacts/plots"


@dataclass
class Evaluation:
    """Test-set metrics (test_<m>) and the plots drawn."""

    metrics: dict[str, float]
    plots: list[Path]


def score(task: str, estimator: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """The task's metrics on (X, Y), named test_<metric>."""
    from sklearn import metrics as sk

    predicted = estimator.predict(x)
    if task == "regression":
        return {
            "test_r2": float(sk.r2_score(y, predicted)),
            "test_rmse": float(np.sqrt(sk.mean_squared_error(y, predicted))),
            "test_mae": float(sk.mean_absolute_error(y, predicted)),
        }
    binary = y.nunique() <= 2 and len(getattr(estimator, "classes_", [0, 1])) == 2
    average = "binary" if binary else "macro"
    out = {
        "test_accuracy": float(sk.accuracy_score(y, predicted)),
        "test_f1": float(sk.f1_score(y, predicted, average=average, zero_division=0)),
        "test_precision": float(sk.precision_score(y, predicted, average=average, zero_division=0)),
        "test_recall": float(sk.recall_score(y, predicted, average=average, zero_division=0)),
    }
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(x)
        out["test_roc_auc"] = float(
            sk.roc_auc_score(y, proba[:, 1])
            if binary
            else sk.roc_auc_score(y, proba, multi_class="ovr", labels=estimator.classes_)
        )
    return out


def importances(estimator: Any, x: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Feature importance: the model's own, |coefficients|, or permutation importance."""
    model = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if hasattr(model, "feature_importances_"):
        values = np.asarray(model.feature_importances_)
    elif hasattr(model, "coef_"):
        values = np.abs(np.atleast_2d(model.coef_)).mean(axis=0)
    else:
        from sklearn.inspection import permutation_importance

        values = permutation_importance(estimator, x, y, n_repeats=5, random_state=0)[
            "importances_mean"
        ]
    return pd.Series(values, index=x.columns).sort_values(ascending=False)


def plot(task: str, estimator: Any, x: pd.DataFrame, y: pd.Series, folder: Path) -> list[Path]:
    """Confusion matrix (classification) or residuals (regression), and feature importance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    predicted = estimator.predict(x)
    fig, ax = plt.subplots(figsize=(5, 4))
    if task == "classification":
        from sklearn.metrics import ConfusionMatrixDisplay

        ConfusionMatrixDisplay.from_predictions(y, predicted, ax=ax, colorbar=False)
        first = folder / "confusion_matrix.png"
    else:
        ax.scatter(predicted, y - predicted, s=10, alpha=0.6)
        ax.axhline(0, color="grey", linewidth=1)
        ax.set(xlabel="predicted", ylabel="residual (actual - predicted)", title="Residuals")
        first = folder / "residuals.png"
    fig.tight_layout()
    fig.savefig(first, dpi=100, metadata={"Software": None})
    plt.close(fig)

    top = importances(estimator, x, y).head(15)[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(top) + 1.2))
    ax.barh(top.index, top.to_numpy())
    ax.set(xlabel="importance", title="Feature importance (top 15)")
    fig.tight_layout()
    second = folder / "feature_importance.png"
    fig.savefig(second, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return [first, second]


def evaluate(task: str, estimator: Any, x: pd.DataFrame, y: pd.Series, folder: Path) -> Evaluation:
    """Score on the held-out test set and draw the plots into FOLDER."""
    return Evaluation(score(task, estimator, x, y), plot(task, estimator, x, y, folder))


def run(ctx: Context) -> Outcome:
    """Evaluate artifacts/model.pkl on data/test.parquet; write artifacts/metrics.json and plots."""
    with (ctx.root / MODEL).open("rb") as handle:
        estimator = pickle.load(handle)  # our own file, written by the train step
    x, y = load(ctx, TEST)
    result = evaluate(ctx.params.task, estimator, x, y, ctx.root / PLOTS)
    metrics = {**ctx.read_json(CV_METRICS), **result.metrics}
    ctx.write_json(METRICS, metrics)
    primary = ctx.params.gates.primary_metric
    return Outcome(summary=f"test {primary} {metrics[f'test_{primary}']:.4f}", metrics=metrics)
