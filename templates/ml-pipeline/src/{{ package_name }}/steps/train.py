"""Step 4, train: the model pipeline (preprocessing + estimator), cross-validated, then fitted.

The trivial baseline (tabular.baseline_estimator) is cross-validated on the same folds, so every
cv metric has its ``baseline_`` twin; the model's parameters set away from scikit-learn's
defaults go to artifacts/model_params.json (the curated parameters the write-up shows).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dag import Outcome
from ..errors import ParamsError
from ..params import ModelParams, Params
from ..tabular import (
    SEED_PARAMS,
    Schema,
    baseline_estimator,
    baseline_metrics,
    build_pipeline,
    changed_params,
    score,
)
from .context import Context
from .featurize import TRAIN, load, model_schema

MODEL = "artifacts/model.pkl"
CV_METRICS = "artifacts/cv_metrics.json"
MODEL_PARAMS = "artifacts/model_params.json"  # model__<name>: value, changed from the defaults

_ESTIMATORS = {
    ("classification", "random_forest"): ("sklearn.ensemble", "RandomForestClassifier"),
    ("classification", "logistic_regression"): ("sklearn.linear_model", "LogisticRegression"),
    ("classification", "hist_gradient_boosting"): (
        "sklearn.ensemble",
        "HistGradientBoostingClassifier",
    ),
    ("regression", "random_forest"): ("sklearn.ensemble", "RandomForestRegressor"),
    ("regression", "ridge"): ("sklearn.linear_model", "Ridge"),
    ("regression", "hist_gradient_boosting"): ("sklearn.ensemble", "HistGradientBoostingRegressor"),
}


@dataclass
class TrainResult:
    """The fitted model pipeline, its cross-validated metrics (cv_<m>_mean, cv_<m>_std, and the
    baseline's baseline_cv_<m>_mean on the same folds) and its non-default parameters."""

    estimator: Any
    cv_metrics: dict[str, float]
    changed: dict[str, str] = field(default_factory=dict)


def build_estimator(model: ModelParams, task: str, random_state: int) -> Any:
    """The scikit-learn estimator model.type names for TASK; ParamsError if its settings are bad."""
    import importlib

    module, name = _ESTIMATORS[(task, model.type)]
    cls = getattr(importlib.import_module(module), name)
    hyper = dict(model.hyperparameters)
    known = cls().get_params()
    unknown = sorted(set(hyper) - set(known))
    if unknown:
        raise ParamsError(
            f"model.hyperparameters: {', '.join(unknown)} not accepted by {name}.",
            f"Accepted: {', '.join(sorted(known))}",
        )
    if "random_state" in known and "random_state" not in hyper:
        hyper["random_state"] = random_state
    estimator = cls(**hyper)
    _check_hyperparameters(estimator, name)
    return estimator


def _check_hyperparameters(estimator: Any, name: str) -> None:
    """Let scikit-learn validate the values now rather than halfway through training."""
    from sklearn.utils._param_validation import InvalidParameterError

    try:
        estimator._validate_params()
    except InvalidParameterError as exc:
        raise ParamsError(f"model.hyperparameters for {name}: {exc}") from None


def _scorer(task: str) -> Any:
    """A cross_validate scorer giving every metric of tabular.score, as the test set has."""

    def scorer(estimator: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
        classes = list(getattr(estimator, "classes_", [])) or None
        proba = estimator.predict_proba(x) if task == "classification" else None
        if proba is not None and len(set(y)) < len(classes or []):
            proba = None  # a fold without every class: ROC AUC is not defined there
        return score(task, y, estimator.predict(x), proba, classes=classes)

    return scorer


def train(x: pd.DataFrame, y: pd.Series, schema: Schema, params: Params) -> TrainResult:
    """Cross-validate the model pipeline on (X, Y), then fit it on all of it."""
    import warnings

    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

    task = schema.task
    estimator = build_estimator(params.model, task, params.split.random_state)
    model = build_pipeline(schema, estimator, scale=params.features.scale)
    folds_cls = StratifiedKFold if task == "classification" else KFold
    folds = folds_cls(params.split.cv_folds, shuffle=True, random_state=params.split.random_state)
    cv: dict[str, float] = {}
    for prefix, candidate in (("", model), ("baseline_", baseline_estimator(task))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a small class in a fold: reported below
            scores = cross_validate(
                candidate, x, y, cv=folds, scoring=_scorer(task), error_score="raise"
            )
        found = _mean_and_spread(scores)
        cv.update(baseline_metrics(found) if prefix else found)
    model.fit(x, y)
    changed = changed_params(model[-1], "model__", skip=SEED_PARAMS)
    return TrainResult(model, cv, {key: str(value)[:6000] for key, value in changed.items()})


def _mean_and_spread(scores: dict[str, Any]) -> dict[str, float]:
    """cv_<m>_mean and cv_<m>_std of every metric cross_validate scored."""
    cv: dict[str, float] = {}
    for key, values in scores.items():
        if key.startswith("test_"):
            name = key.removeprefix("test_")
            cv[f"cv_{name}_mean"] = float(np.nanmean(values))
            cv[f"cv_{name}_std"] = float(np.nanstd(values))
    return cv


def run(ctx: Context) -> Outcome:
    """Train on data/train.parquet; write the model, its cv metrics and its changed params."""
    schema = model_schema(ctx.schema(), ctx.params.features)
    x, y = load(ctx, TRAIN)
    result = train(x, y, schema, ctx.params)
    path = ctx.path(MODEL)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        pickle.dump(result.estimator, handle)
    partial.replace(path)
    ctx.write_json(CV_METRICS, result.cv_metrics)
    ctx.write_json(MODEL_PARAMS, result.changed)
    primary = ctx.primary_metric(schema.task)
    mean, std = (
        result.cv_metrics.get(f"cv_{primary}_mean"),
        result.cv_metrics.get(f"cv_{primary}_std"),
    )
    shown = f"cv {primary} {mean:.4f} ± {std:.4f}" if mean is not None and std is not None else ""
    baseline = result.cv_metrics.get(f"baseline_cv_{primary}_mean")
    shown += f" (baseline {baseline:.4f})" if shown and baseline is not None else ""
    return Outcome(summary=f"{ctx.params.model.type}: {shown}", metrics=result.cv_metrics)
