"""The estimator for the task the data calls for, and the metrics that judge it.

The task (classification or regression) comes from the schema at run time, so the same code
trains on any table. The estimator family was chosen when the project was generated
(``settings.ESTIMATOR``); the kit's preprocessing sits in front of it, so the logged model
takes raw rows. The primary metric is the kit's default for the task (F1 macro, or RMSE),
cross-validated on the training split; it decides promotion.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .settings import ESTIMATOR, SEED
from .tabular import DEFAULT_PRIMARY, GREATER_IS_BETTER, Schema, build_pipeline, score

CV_FOLDS = 5


def primary_metric(task: str) -> str:
    """The metric that ranks models of TASK."""
    return DEFAULT_PRIMARY[task]


def build_estimator(schema: Schema, estimator: str = ESTIMATOR, seed: int = SEED) -> Any:
    """A fresh, unfitted pipeline: the kit's preprocessing, then the ESTIMATOR for the task."""
    classify = schema.task == "classification"
    if estimator == "linear":
        from sklearn.linear_model import LogisticRegression, Ridge

        final: Any = LogisticRegression(max_iter=1000) if classify else Ridge(alpha=1.0)
    elif estimator == "gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier as Classifier
        from sklearn.ensemble import HistGradientBoostingRegressor as Regressor

        final = (Classifier if classify else Regressor)(max_iter=200, random_state=seed)
    else:
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        forest = RandomForestClassifier if classify else RandomForestRegressor
        # One job: the server handles requests one at a time per process.
        final = forest(n_estimators=100, min_samples_leaf=2, n_jobs=1, random_state=seed)
    return build_pipeline(schema, final, scale=estimator == "linear")


def params(estimator: Any) -> dict[str, Any]:
    """The final estimator's hyper-parameters worth logging (flat, no nested objects)."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    return {
        key: value
        for key, value in final.get_params(deep=False).items()
        if isinstance(value, (str, int, float, bool, type(None)))
    }


def is_better(candidate: float, incumbent: float | None, metric: str) -> bool:
    """Whether CANDIDATE beats INCUMBENT on METRIC by more than rounding noise (a tie keeps it)."""
    if incumbent is None:
        return True
    if math.isclose(candidate, incumbent, rel_tol=1e-9, abs_tol=1e-12):
        return False
    return candidate > incumbent if GREATER_IS_BETTER[metric] else candidate < incumbent


def evaluate(estimator: Any, task: str, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """The task's metrics of a fitted ESTIMATOR on X, Y (from the kit's ``score``)."""
    predicted = estimator.predict(x)
    if task != "classification":
        return score(task, y, predicted)
    classes = [str(c) for c in estimator.classes_]
    return score(task, y, predicted, estimator.predict_proba(x), classes=classes)


def feature_importance(estimator: Any) -> dict[str, float]:
    """|coefficient| on the model's inputs, or impurity importance; empty when it has neither."""
    final = estimator[-1]
    names = [str(n) for n in estimator[:-1].get_feature_names_out()]
    if hasattr(final, "feature_importances_"):
        values = np.asarray(final.feature_importances_, dtype=float)
    elif hasattr(final, "coef_"):
        values = np.abs(np.asarray(final.coef_, dtype=float)).reshape(-1, len(names)).mean(axis=0)
    else:
        return {}
    return dict(zip(names, (float(v) for v in values), strict=True))
