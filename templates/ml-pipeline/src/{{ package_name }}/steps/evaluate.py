"""Step 5, evaluate: score the model and the baseline on the held-out test set; draw the figures.

The baseline (tabular.baseline_estimator, fitted on the same training rows) is scored on the
same test rows, as ``baseline_test_<m>``. The figures are the shared kit's (tabular.figures):
confusion matrix and precision-recall, or predicted vs actual and residuals, plus feature
importance; the pipeline's parent run logs them under ``figures/``.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dag import Outcome
from ..tabular import (
    baseline_estimator,
    evaluation_figures,
    importance_figure,
    per_class_report,
    save_figures,
    score,
)
from .context import Context
from .featurize import TEST, TRAIN, load
from .train import CV_METRICS, MODEL

METRICS = "artifacts/metrics.json"
PER_CLASS = "artifacts/per_class.json"  # precision, recall, F1 and support of every class
FIGURES = "artifacts/figures"


@dataclass
class Evaluation:
    """Test-set metrics (test_<m>) and the figures drawn."""

    metrics: dict[str, float]
    plots: list[Path]


def test_metrics(task: str, estimator: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """The task's metrics (tabular.score) on (X, Y), named test_<metric>."""
    classes = list(getattr(estimator, "classes_", [])) or None
    proba = estimator.predict_proba(x) if task == "classification" else None
    found = score(task, y, estimator.predict(x), proba, classes=classes)
    return {f"test_{name}": value for name, value in found.items()}


def baseline_test_metrics(
    task: str, train: tuple[pd.DataFrame, pd.Series], test: tuple[pd.DataFrame, pd.Series]
) -> dict[str, float]:
    """The baseline fitted on TRAIN, scored on TEST: baseline_test_<metric>."""
    fitted = baseline_estimator(task).fit(*train)
    return {f"baseline_{name}": value for name, value in test_metrics(task, fitted, *test).items()}


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
    """The kit's figures for TASK on (X, Y), and feature importance, as PNGs in FOLDER."""
    classify = task == "classification"
    figures = evaluation_figures(
        task,
        y,
        estimator.predict(x),
        target=str(y.name),
        proba=estimator.predict_proba(x) if classify else None,
        classes=[str(c) for c in estimator.classes_] if classify else None,
    )
    bars = importance_figure(
        importances(estimator, x, y).head(30).to_dict(),
        "importance (the model's own, |coefficient|, or permutation)",
    )
    if bars is not None:
        figures["feature_importance.png"] = bars
    for stale in folder.glob("*.png") if folder.is_dir() else []:
        stale.unlink()  # a figure of the other task must not linger
    return save_figures(figures, folder)


def evaluate(task: str, estimator: Any, x: pd.DataFrame, y: pd.Series, folder: Path) -> Evaluation:
    """Score on the held-out test set and draw the figures into FOLDER."""
    return Evaluation(test_metrics(task, estimator, x, y), plot(task, estimator, x, y, folder))


def run(ctx: Context) -> Outcome:
    """Evaluate artifacts/model.pkl and the baseline on data/test.parquet; write metrics, figures."""
    with (ctx.root / MODEL).open("rb") as handle:
        estimator = pickle.load(handle)  # our own file, written by the train step
    x, y = load(ctx, TEST)
    task = ctx.schema().task
    result = evaluate(task, estimator, x, y, ctx.root / FIGURES)
    baseline = baseline_test_metrics(task, load(ctx, TRAIN), (x, y))
    metrics = {**ctx.read_json(CV_METRICS), **result.metrics, **baseline}
    per_class: dict[str, Any] = {}  # regression: no classes
    if task == "classification":
        classes = [str(c) for c in estimator.classes_]
        per_class = per_class_report(y, estimator.predict(x), classes)
    ctx.write_json(PER_CLASS, per_class)
    ctx.write_json(METRICS, metrics)
    primary = ctx.primary_metric(task)
    shown = metrics.get(f"test_{primary}")
    summary = f"test {primary} {shown:.4f}" if shown is not None else f"no test {primary}"
    against = metrics.get(f"baseline_test_{primary}")
    summary += f" (baseline {against:.4f})" if shown is not None and against is not None else ""
    return Outcome(summary=summary, metrics=metrics)
