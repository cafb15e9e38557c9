"""Training: data, fit, evaluation (`evaluation.py`); MLflow logging, registration, promotion.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import data, model, plots, registry, schema, tracking
from .config import DataConfig
from .config import load as load_config
from .evaluation import cross_validated_metrics, holdout_metrics
from .settings import CHAMPION, ESTIMATOR, EXPORT_DIR, MODEL_NAME, SEED
from .tabular import (
    GREATER_IS_BETTER,
    SEED_PARAMS,
    changed_params,
    display_name,
    per_class_report,
    runlog,
)
from .tabular import trusted_types as kit_types
from .tabular.baseline import DESCRIPTION as BASELINE

#: Logged params shown in the write-up (plus the model's parameters changed from its defaults).
CURATED = ("estimator", "dataset", "target", "task", "test_size", "cv_folds", "seed")


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
    task: str
    source: str

    def own_metrics(self) -> dict[str, float]:
        """The model's metrics, without the baseline's."""
        return {k: v for k, v in self.metrics.items() if not k.startswith("baseline_")}

    def summary(self) -> str:
        """A few lines saying what happened, for the terminal."""
        p = self.promotion
        lines = [
            f"Trained {ESTIMATOR.replace('_', ' ')} {self.task} model on {self.source} "
            f"in {self.seconds:.1f} s (run {self.run_id}).",
            "  " + "  ".join(f"{k}={v:.4f}" for k, v in sorted(self.own_metrics().items())),
            f"Registered {MODEL_NAME} version {self.version}: {self.primary_metric}={p.score:.4f}"
            f" (baseline, {BASELINE[self.task]}: "
            f"{self.metrics.get('baseline_' + self.primary_metric, float('nan')):.4f}).",
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
    sample: int | None = None,
    seed: int = SEED,
    export_dir: Path | None = EXPORT_DIR,
    config: DataConfig | None = None,
) -> TrainResult:
    """Train, evaluate, log, register and promote one model; export it if it became champion.

    Bad data raises ``DataError`` before anything is logged, registered or exported.
    """
    started = time.perf_counter()
    config = config or load_config()
    dataset = data.load_dataset(
        config, sample=sample, seed=seed, min_rows_per_class=max(model.CV_FOLDS, 2)
    )
    task = dataset.schema.task
    parts = data.split(dataset, seed=seed)
    client = registry.connect()  # a store that cannot be used fails now, not after fitting
    metrics = cross_validated_metrics(dataset.schema, parts.x_train, parts.y_train, seed)
    estimator = model.build_estimator(dataset.schema, seed=seed).fit(parts.x_train, parts.y_train)
    metrics.update(holdout_metrics(estimator, task, parts))
    primary = f"cv_{model.primary_metric(task)}"
    greater = GREATER_IS_BETTER[model.primary_metric(task)]

    run_name = f"{ESTIMATOR}-seed{seed}" + (f"-sample{sample}" if sample else "")
    with tracking.start_run(run_name, primary_metric=primary, greater_is_better=greater) as run:
        run_id, experiment_id = run.info.run_id, run.info.experiment_id
        params = _log_params_and_metrics(client, run_id, estimator, dataset, parts, seed, metrics)
        _log_record(client, run_id, estimator, dataset, parts, params, config)
        version = _log_and_register(estimator, dataset, parts, metrics, run_id)
        promotion = registry.promote(client, version, metrics[primary], primary)
        client.set_tag(run_id, "alias", promotion.alias)
        for key, value in promotion.outcome_tags(primary).items():
            client.set_tag(run_id, key, value)
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
        task=task,
        source=dataset.source,
    )


def _log_record(
    client: Any,
    run_id: str,
    estimator: Any,
    dataset: data.Dataset,
    parts: data.Split,
    params: dict[str, str],
    config: DataConfig,
) -> None:
    """What the write-up reads besides metrics: tags, figures, the data summary, per-class scores."""
    task, target = dataset.schema.task, dataset.schema.target
    curated = [*CURATED, *(key for key in params if key in _changed(estimator))]
    source = display_name(config.file, config.sample)
    for key, value in runlog.record_tags(task, curated, params, source).items():
        client.set_tag(run_id, key, value)
    importance = model.feature_importance(estimator)
    drawn = plots.figures(estimator, parts.x_test, parts.y_test, importance, target)
    runlog.log_figures(client, run_id, drawn)
    runlog.log_summary(client, run_id, dataset.summary)
    if task == "classification":
        predicted = estimator.predict(parts.x_test)
        report = per_class_report(parts.y_test, predicted, [str(c) for c in estimator.classes_])
        client.log_dict(run_id, report, runlog.PER_CLASS_FILE)


def _changed(estimator: Any) -> dict[str, Any]:
    """The final model's parameters set away from their defaults, as ``model__<name>`` (no seed)."""
    return changed_params(estimator[-1], "model__", skip=SEED_PARAMS)


def _log_params_and_metrics(
    client: Any,
    run_id: str,
    estimator: Any,
    dataset: data.Dataset,
    parts: data.Split,
    seed: int,
    metrics: dict[str, float],
) -> dict[str, str]:
    """Log the run's params and metrics in one batch; return the params as logged."""
    from mlflow.entities import Metric, Param

    params = {
        "estimator": ESTIMATOR,
        "task": dataset.schema.task,
        "dataset": dataset.source,
        "target": dataset.schema.target,
        "seed": seed,
        "train_rows": len(parts.x_train),
        "test_rows": len(parts.x_test),
        "test_size": data.TEST_SIZE,
        "cv_folds": model.CV_FOLDS,
        **{f"model__{k}": v for k, v in model.params(estimator).items()},
        **_changed(estimator),  # a changed value that is not a plain scalar, logged as text
    }
    logged = {key: str(value)[:6000] for key, value in params.items()}
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric(key, value, now, 0) for key, value in metrics.items()],
        params=[Param(key, value) for key, value in logged.items()],
    )
    return logged


def _log_and_register(
    estimator: Any, dataset: data.Dataset, parts: data.Split, metrics: dict[str, float], run_id: str
) -> str:
    import mlflow
    from mlflow.models import infer_signature

    # MLflow warns when the venv has no pip (uv venvs): irrelevant, requirements are explicit.
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    example = parts.x_train.head(5)
    signature = infer_signature(example, estimator.predict(example))
    with tempfile.TemporaryDirectory() as tmp:
        schema_file = schema.save(dataset.schema, Path(tmp))
        info = mlflow.sklearn.log_model(
            estimator,
            name="model",
            signature=signature,
            input_example=example,
            pip_requirements=requirements(),
            serialization_format="skops",
            skops_trusted_types=trusted_types(estimator),
            extra_files=[str(schema_file)],
            metadata={
                "metrics": metrics,
                "run_id": run_id,
                "dataset": dataset.source,
                "example": schema.json_row(dataset.schema, parts.x_train.iloc[0]),
            },
            registered_model_name=MODEL_NAME,
        )
        mlflow.log_artifact(str(schema_file))
    return str(info.registered_model_version)


def requirements() -> list[str]:
    """What loading the model needs, pinned to this environment (never inferred)."""
    from importlib.metadata import version

    return [
        f"{name}=={version(name)}"
        for name in ("mlflow", "scikit-learn", "numpy", "pandas", "skops")
    ]


def trusted_types(estimator: Any) -> list[str]:
    """The types skops must be told to trust to load this estimator (we built it, so we do)."""
    import skops.io

    found = skops.io.get_untrusted_types(data=skops.io.dumps(estimator))
    return sorted(set(found) | set(kit_types()))
