"""Step 4, train: build the estimator from params, cross-validate it, fit it on the training set."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..dag import Outcome
from ..errors import ParamsError
from ..metrics import metrics_for
from ..params import Params
from .context import Context
from .featurize import TRAIN, load

MODEL = "artifacts/model.pkl"
CV_METRICS = "artifacts/cv_metrics.json"

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
    """The fitted estimator and its cross-validated metrics (cv_<m>_mean, cv_<m>_std)."""

    estimator: Any
    cv_metrics: dict[str, float]


def build_estimator(params: Params) -> Any:
    """A scikit-learn pipeline (optional scaler + estimator) from params; ParamsError if invalid."""
    import importlib

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    module, name = _ESTIMATORS[(params.task, params.model.type)]
    cls = getattr(importlib.import_module(module), name)
    hyper = dict(params.model.hyperparameters)
    known = cls().get_params()
    unknown = sorted(set(hyper) - set(known))
    if unknown:
        raise ParamsError(
            f"model.hyperparameters: {', '.join(unknown)} not accepted by {name}.",
            f"Accepted: {', '.join(sorted(known))}",
        )
    if "random_state" in known and "random_state" not in hyper:
        hyper["random_state"] = params.split.random_state
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())] if params.features.scale else []
    steps.append(("model", cls(**hyper)))
    pipeline = Pipeline(steps)
    _check_hyperparameters(pipeline, name)
    return pipeline


def _check_hyperparameters(pipeline: Any, name: str) -> None:
    """Let scikit-learn validate the values now rather than halfway through training."""
    from sklearn.utils._param_validation import InvalidParameterError

    estimator = pipeline.steps[-1][1]
    try:
        estimator._validate_params()
    except InvalidParameterError as exc:
        raise ParamsError(f"model.hyperparameters for {name}: {exc}") from None


def scorers(task: str, n_classes: int) -> dict[str, str]:
    """scikit-learn scorer names for each metric of TASK."""
    if task == "regression":
        return {"r2": "r2", "rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}
    suffix = "" if n_classes == 2 else "_macro"
    names = {m.name: f"{m.name}{suffix}" for m in metrics_for(task) if m.name != "roc_auc"}
    names["accuracy"] = "accuracy"
    names["roc_auc"] = "roc_auc" if n_classes == 2 else "roc_auc_ovr"
    return names


def train(x: pd.DataFrame, y: pd.Series, params: Params) -> TrainResult:
    """Cross-validate on (X, Y), then fit on all of it."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

    estimator = build_estimator(params)
    folds_cls = StratifiedKFold if params.task == "classification" else KFold
    folds = folds_cls(params.split.cv_folds, shuffle=True, random_state=params.split.random_state)
    scoring = scorers(params.task, int(y.nunique()))
    scores = cross_validate(estimator, x, y, cv=folds, scoring=scoring, error_score="raise")
    cv: dict[str, float] = {}
    for metric in scoring:
        values = scores[f"test_{metric}"]
        values = -values if scoring[metric].startswith("neg_") else values
        cv[f"cv_{metric}_mean"] = float(values.mean())
        cv[f"cv_{metric}_std"] = float(values.std())
    estimator.fit(x, y)
    return TrainResult(estimator, cv)


def run(ctx: Context) -> Outcome:
    """Train on data/train.parquet; write artifacts/model.pkl and artifacts/cv_metrics.json."""
    x, y = load(ctx, TRAIN)
    result = train(x, y, ctx.params)
    with ctx.path(MODEL).open("wb") as handle:
        pickle.dump(result.estimator, handle)
    ctx.write_json(CV_METRICS, result.cv_metrics)
    primary = ctx.params.gates.primary_metric
    return Outcome(
        summary=f"{ctx.params.model.type}: cv {primary} "
        f"{result.cv_metrics[f'cv_{primary}_mean']:.4f} ± {result.cv_metrics[f'cv_{primary}_std']:.4f}",
        metrics=result.cv_metrics,
    )
