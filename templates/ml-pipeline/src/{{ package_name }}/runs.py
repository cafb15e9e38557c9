"""The pipeline's MLflow run: one parent run per invocation, one child run per stage that runs.

Opened lazily, on the first stage that actually executes: a run where every stage is cached
never imports MLflow (about 2-3 s) and leaves no empty run behind. The tracking URI, experiment
name and git tags come from the shared `tracking` module.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import tracking

if TYPE_CHECKING:
    from .dag import Outcome
    from .params import Params

_BATCH = 100  # MLflow's limit on params per log_batch call


def connect(root: Path) -> Any:
    """Point MLflow at the project's store and experiment; return the mlflow module."""
    import mlflow

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # "Failed to resolve installed pip version": harmless in uv-made venvs, which have no pip.
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    tracking.experiment_id(root)
    return mlflow


class PipelineRun:
    """The parent run (started on first use) and its child runs."""

    def __init__(self, root: Path, params: Params) -> None:
        self.root = root
        self.params = params
        self.mlflow: Any = None
        self.run_id: str | None = None

    def author_tag(self) -> dict[str, str]:
        """The `portkit.author` tag every run carries (the parent's comes from `run_tags`)."""
        member = tracking.author(self.root)
        return {tracking.AUTHOR_TAG: member} if member else {}

    def task(self) -> str | None:
        """The task: from params, or as the ingest step resolved it (None before ingest ran)."""
        card = self.root / "data" / "raw.json"
        recorded = json.loads(card.read_text(encoding="utf-8")) if card.is_file() else {}
        task = recorded.get("task") or self.params.known_task  # older cards have no task
        return str(task) if task else None

    def tags(self) -> dict[str, str]:
        """Git commit and dirty flag, and the metric `make writeup` ranks runs by (once known)."""
        from .metrics import metric

        task = self.task()
        if task is None:
            return tracking.run_tags(self.root)
        primary = self.params.primary_metric(task)
        higher = metric(primary).higher_is_better
        return tracking.run_tags(
            self.root, primary_metric=f"test_{primary}", greater_is_better=higher
        )

    def _start(self) -> None:
        mlflow = connect(self.root)
        parent = mlflow.start_run(run_name="pipeline", tags=self.tags())
        self.mlflow, self.run_id = mlflow, parent.info.run_id
        log_params(mlflow, self.run_id, self.params.flat())

    @contextmanager
    def child(self, stage: str) -> Iterator[Any]:
        """A nested run for STAGE; yields the mlflow module with that run active."""
        if self.mlflow is None:
            self._start()
        tags = {"stage": stage, **self.author_tag()}
        with self.mlflow.start_run(run_name=stage, nested=True, tags=tags):
            yield self.mlflow

    def log_outcome(self, outcome: Outcome, files: list[Path]) -> None:
        """Log a stage's metrics, tags and small output files to the active child run."""
        from mlflow.entities import Metric, RunTag

        mlflow = self.mlflow
        run_id = mlflow.active_run().info.run_id
        now = _now_ms()
        metrics = [Metric(k, float(v), now, 0) for k, v in outcome.metrics.items()]
        tags = [RunTag(k, str(v)) for k, v in outcome.tags.items()]
        mlflow.MlflowClient().log_batch(run_id, metrics=metrics, tags=tags)
        for path in files:
            if path.is_dir():
                mlflow.log_artifacts(str(path), artifact_path=path.name)
            elif path.is_file() and path.suffix in {".json", ".md", ".png", ".txt"}:
                mlflow.log_artifact(str(path))

    def client(self) -> Any:
        """An MlflowClient for the parent run's store (only once the run has started)."""
        return self.mlflow.MlflowClient()

    def close(self, status: str, metrics: dict[str, float] | None = None) -> str | None:
        """End the parent run (if one started) with STATUS and METRICS; return its id."""
        if self.mlflow is None:
            return None
        client = self.mlflow.MlflowClient()
        if metrics:
            from mlflow.entities import Metric

            now = _now_ms()
            batch = [Metric(k, float(v), now, 0) for k, v in metrics.items()]
            client.log_batch(self.run_id, metrics=batch)
        data_card = self.root / "data" / "raw.json"
        if data_card.is_file():
            client.set_tag(self.run_id, "data_sha256", json.loads(data_card.read_text())["sha256"])
            for key, value in self.tags().items():  # the ranking metric, now that the task is known
                client.set_tag(self.run_id, key, value)
        self.mlflow.end_run(status=status)
        return self.run_id


def log_params(mlflow: Any, run_id: str, params: dict[str, str]) -> None:
    """Log PARAMS in batches (one transaction each instead of one per parameter)."""
    from mlflow.entities import Param

    items = [Param(key, value[:6000]) for key, value in params.items()]
    client = mlflow.MlflowClient()
    for start in range(0, len(items), _BATCH):
        client.log_batch(run_id, params=items[start : start + _BATCH])


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
