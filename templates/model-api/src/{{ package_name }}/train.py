"""Training: data, cross-validation, fit, evaluation; MLflow logging, registration, promotion.

Design notes (measured on MLflow 3):
- parameters and metrics go in one ``log_batch`` call: one SQLite transaction instead of one each;
- ``pip_requirements`` are explicit: inferring them re-loads the model in a subprocess (~7 s) and
  records whatever this environment happened to import;
- the model is saved with skops (no pickle) and the types it needs are trusted explicitly.
"""

from __future__ import annotations

import logging
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import data, model, plots, registry, schema, tracking
from .settings import CHAMPION, ESTIMATOR, EXPORT_DIR, MODEL_NAME, SEED, TASK


@dataclass(frozen=True)
class TrainResult:
    """Everything a caller needs to report a training run."""

    run_id: str
    experiment_id: str
    version: str
    promotion: registry.Promotion
    metrics: dict[str, float]
    primary_metric: str
    exported_to: Path | None
    seconds: float

    def summary(self) -> str:
        """A few lines saying what happened, for the terminal."""
        p = self.promotion
        lines = [
            f"Trained {ESTIMATOR.replace('_', ' ')} {TASK} model in {self.seconds:.1f} s "
            f"(run {self.run_id}).",
            "  " + "  ".join(f"{k}={v:.4f}" for k, v in sorted(self.metrics.items())),
            f"Registered {MODEL_NAME} version {self.version}: {self.primary_metric}={p.score:.4f}.",
        ]
        if p.previous_version is None:
            lines.append(f"No champion yet: version {self.version} is now @champion.")
        elif p.alias == CHAMPION:
            lines.append(
                f"It beats champion version {p.previous_version} ({p.previous_score:.4f}): "
                f"version {self.version} is now @champion."
            )
        else:
            lines.append(
                f"It does not beat champion version {p.previous_version} "
                f"({p.previous_score:.4f}): version {self.version} is @challenger, "
                "the champion is unchanged."
            )
        if self.exported_to is not None:
            lines.append(f"Exported the champion to {self.exported_to}.")
        return "\n".join(lines)


def train(
    sample: int | None = None, seed: int = SEED, export_dir: Path | None = EXPORT_DIR
) -> TrainResult:
    """Train, evaluate, log, register and promote one model; export it if it became champion."""
    started = time.perf_counter()
    dataset = data.load_dataset(sample=sample, seed=seed)
    parts = data.split(dataset, seed=seed)
    names = list(parts.x_train.columns)
    # Fit on plain arrays: the server passes arrays too, which skips per-call column-name checks.
    x_train, y_train = parts.x_train.to_numpy(), parts.y_train.to_numpy()
    x_test, y_test = parts.x_test.to_numpy(), parts.y_test.to_numpy()

    metrics = cross_validated_metrics(x_train, y_train, seed)
    estimator = model.build_estimator(seed).fit(x_train, y_train)
    holdout = model.holdout_metrics(estimator, x_test, y_test)
    metrics.update({f"test_{name}": value for name, value in holdout.items()})
    feature_schema = schema.derive(parts.x_train, parts.y_train, TASK, dataset.target_names)
    primary = f"cv_{model.PRIMARY_METRIC}"

    client = registry.connect()
    run_name = f"{ESTIMATOR}-seed{seed}" + (f"-sample{sample}" if sample else "")
    with tracking.start_run(
        run_name, primary_metric=primary, greater_is_better=model.HIGHER_IS_BETTER
    ) as run:
        run_id, experiment_id = run.info.run_id, run.info.experiment_id
        _log_params_and_metrics(client, run_id, estimator, dataset, parts, seed, metrics)
        importance = model.feature_importance(estimator, names)
        plots.log_all(estimator, x_test, y_test, importance, TASK)
        version = _log_and_register(estimator, parts, feature_schema, metrics, run_id)
        promotion = registry.promote(client, version, metrics[primary], primary)
        client.set_tag(run_id, "alias", promotion.alias)
    exported = None
    if export_dir is not None and promotion.alias == CHAMPION:
        exported = registry.export(version, run_id, export_dir)
    return TrainResult(
        run_id=run_id,
        experiment_id=experiment_id,
        version=version,
        promotion=promotion,
        metrics=metrics,
        primary_metric=primary,
        exported_to=exported,
        seconds=time.perf_counter() - started,
    )


def cross_validated_metrics(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, float]:
    """Mean and spread of each metric over shuffled, seeded folds of the training split."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

    splitter = StratifiedKFold if TASK == "classification" else KFold
    folds = splitter(n_splits=model.CV_FOLDS, shuffle=True, random_state=seed)
    scores = cross_validate(model.build_estimator(seed), x, y, cv=folds, scoring=model.SCORERS)
    metrics: dict[str, float] = {}
    for name, scorer in model.SCORERS.items():
        values = scores[f"test_{name}"]
        values = -values if scorer.startswith("neg_") else values
        metrics[f"cv_{name}"] = float(np.mean(values))
        metrics[f"cv_{name}_std"] = float(np.std(values))
    return metrics


def _log_params_and_metrics(
    client: Any,
    run_id: str,
    estimator: Any,
    dataset: data.Dataset,
    parts: data.Split,
    seed: int,
    metrics: dict[str, float],
) -> None:
    from mlflow.entities import Metric, Param

    params = {
        "estimator": ESTIMATOR,
        "task": TASK,
        "dataset": dataset.name,
        "seed": seed,
        "train_rows": len(parts.x_train),
        "test_rows": len(parts.x_test),
        "cv_folds": model.CV_FOLDS,
        **{f"model__{k}": v for k, v in model.params(estimator).items()},
    }
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric(key, value, now, 0) for key, value in metrics.items()],
        params=[Param(key, str(value)[:6000]) for key, value in params.items()],
    )


def _log_and_register(
    estimator: Any,
    parts: data.Split,
    feature_schema: dict[str, Any],
    metrics: dict[str, float],
    run_id: str,
) -> str:
    import mlflow
    from mlflow.models import infer_signature

    # MLflow warns when the venv has no pip (uv venvs): irrelevant, requirements are explicit.
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    example = parts.x_train.head(5)
    signature = infer_signature(example, estimator.predict(example.to_numpy()))
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # MLflow checks the input example through its DataFrame-based wrapper; the estimator was
        # fitted on arrays, so scikit-learn would warn that the column names are new to it.
        warnings.filterwarnings("ignore", message="X has feature names")
        schema_file = schema.save(feature_schema, Path(tmp))
        info = mlflow.sklearn.log_model(
            estimator,
            name="model",
            signature=signature,
            input_example=example,
            pip_requirements=requirements(),
            serialization_format="skops",
            skops_trusted_types=trusted_types(estimator),
            extra_files=[str(schema_file)],
            metadata={"metrics": metrics, "run_id": run_id},
            registered_model_name=MODEL_NAME,
        )
        mlflow.log_artifact(str(schema_file))
    return str(info.registered_model_version)


def requirements() -> list[str]:
    """What loading the model needs, pinned to this environment (never inferred)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("mlflow", "scikit-learn", "numpy", "skops")]


def trusted_types(estimator: Any) -> list[str]:
    """The types skops must be told to trust to load this estimator (we built it, so we do)."""
    import skops.io

    return list(skops.io.get_untrusted_types(data=skops.io.dumps(estimator)))
