"""How a model is judged: cross-validated on the training split, then on the held-out test rows.

The baseline (the kit's dummy model for the task) is scored on exactly the same folds and rows,
so every ``cv_<m>`` and ``test_<m>`` has a ``baseline_`` twin to compare with.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import data, model
from .tabular import Schema, baseline_estimator, baseline_metrics


def cross_validated_metrics(
    schema: Schema, x: pd.DataFrame, y: pd.Series, seed: int
) -> dict[str, float]:
    """Mean and spread of each metric over shuffled, seeded folds of the training split."""
    from sklearn.model_selection import KFold, StratifiedKFold

    classify = schema.task == "classification"
    splitter = (StratifiedKFold if classify else KFold)(
        n_splits=model.CV_FOLDS, shuffle=True, random_state=seed
    )
    builders = {
        "": lambda: model.build_estimator(schema, seed=seed),
        "baseline_": lambda: baseline_estimator(schema.task),
    }
    folds: dict[str, list[dict[str, float]]] = {prefix: [] for prefix in builders}
    with warnings.catch_warnings():
        # A class smaller than the folds only makes its folds uneven; the schema check already
        # refused classes too small to be split at all.
        warnings.filterwarnings("ignore", message="The least populated class")
        for fit_rows, score_rows in splitter.split(x, y):
            for prefix, build in builders.items():  # the model and the baseline: same folds
                fitted = build().fit(x.iloc[fit_rows], y.iloc[fit_rows])
                folds[prefix].append(
                    model.evaluate(fitted, schema.task, x.iloc[score_rows], y.iloc[score_rows])
                )
    metrics = _mean_and_spread(folds[""])
    metrics.update(baseline_metrics(_mean_and_spread(folds["baseline_"])))
    return metrics


def _mean_and_spread(folds: list[dict[str, float]]) -> dict[str, float]:
    """``cv_<m>`` (mean over folds) and ``cv_<m>_std`` of every metric all folds have."""
    metrics: dict[str, float] = {}
    for name in sorted(set.intersection(*(set(fold) for fold in folds))):
        values = [fold[name] for fold in folds]
        metrics[f"cv_{name}"] = float(np.mean(values))
        metrics[f"cv_{name}_std"] = float(np.std(values))
    return metrics


def holdout_metrics(estimator: Any, task: str, parts: data.Split) -> dict[str, float]:
    """``test_<m>`` of the fitted ESTIMATOR and ``baseline_test_<m>`` of the baseline, same rows."""
    baseline = baseline_estimator(task).fit(parts.x_train, parts.y_train)
    found: dict[str, float] = {}
    for prefix, fitted in (("", estimator), ("baseline_", baseline)):
        scores = model.evaluate(fitted, task, parts.x_test, parts.y_test)
        found.update({f"{prefix}test_{name}": value for name, value in scores.items()})
    return found
