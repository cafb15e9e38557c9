"""Step 5, evaluate: score the model on the held-out test set and draw its plots."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dag import Outcome
from ..tabular import per_class_report, score
from .context import Context
from .featurize import TEST, load
from .train import CV_METRICS, MODEL

METRICS = "artifacts/metrics.json"
PER_CLASS = "artifacts/per_class.json"  # precision, recall, F1 and support of every class
PLOTS = "artifacts/plots"


@dataclass
class Evaluation:
    """Test-set metrics (test_<m>) and the plots drawn."""

    metrics: dict[str, float]
    plots: list[Path]


def test_metrics(task: str, estimator: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """The task's metrics (tabular.score) on (X, Y), named test_<metric>."""
    classes = list(getattr(estimator, "classes_", [])) or None
    proba = estimator.predict_proba(x) if task == "classification" else None
    found = score(task, y, estimator.predict(x), proba, classes=classes)
    return {f"test_{name}": value for name, value in found.items()}


def importances(estimator: Any, x: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Feature importance: the model's own or |coefficients| (per encoded feature), else
    permutation importance (per raw column)."""
    model = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    names: Any = x.columns
    if hasattr(model, "feature_importances_") or hasattr(model, "coef_"):
        own = getattr(model, "feature_importances_", None)
        values = np.asarray(own) if own is not None else np.abs(np.atleast_2d(model.coef_)).mean(0)
        names = estimator[:-1].get_feature_names_out() if hasattr(estimator, "steps") else names
    else:
        from sklearn.inspection import permutation_importance

        values = permutation_importance(estimator, x, y, n_repeats=5, random_state=0)[
            "importances_mean"
        ]
    return pd.Series(values, index=[str(n) for n in names]).sort_values(ascending=False)


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
    return Evaluation(test_metrics(task, estimator, x, y), plot(task, estimator, x, y, folder))


def run(ctx: Context) -> Outcome:
    """Evaluate artifacts/model.pkl on data/test.parquet; write artifacts/metrics.json and plots."""
    with (ctx.root / MODEL).open("rb") as handle:
        estimator = pickle.load(handle)  # our own file, written by the train step
    x, y = load(ctx, TEST)
    task = ctx.schema().task
    result = evaluate(task, estimator, x, y, ctx.root / PLOTS)
    metrics = {**ctx.read_json(CV_METRICS), **result.metrics}
    per_class: dict[str, Any] = {}  # regression: no classes
    if task == "classification":
        classes = [str(c) for c in estimator.classes_]
        per_class = per_class_report(y, estimator.predict(x), classes)
    ctx.write_json(PER_CLASS, per_class)
    ctx.write_json(METRICS, metrics)
    primary = ctx.primary_metric(task)
    shown = metrics.get(f"test_{primary}")
    summary = f"test {primary} {shown:.4f}" if shown is not None else f"no test {primary}"
    return Outcome(summary=summary, metrics=metrics)
