"""The MLflow side: connect to the project's tracking store, promote versions, export the champion.

The tracking URI, experiment name and run tags come from the shared ``tracking`` module, so this
project never hard-codes where MLflow data lives (``MLFLOW_TRACKING_URI`` wins when set).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import model, tracking
from .settings import CHALLENGER, CHAMPION, MODEL_NAME
from .tabular import runlog

#: Written beside an exported model: which registry version it is, and how it scored.
EXPORT_INFO = "registry.json"


def connect() -> Any:
    """Point MLflow at the project's store; return a client for the registry."""
    import mlflow

    uri = tracking.tracking_uri()
    tracking.check_reachable(uri)  # a silent server fails in seconds, not after MLflow's retries
    # A store MLflow refuses (a filesystem path, an unknown scheme) is one line naming the variable.
    with tracking.first_contact("MLFLOW_TRACKING_URI", uri):
        mlflow.set_tracking_uri(uri)
        return mlflow.MlflowClient()


@dataclass(frozen=True)
class Promotion:
    """What happened to a new model version in the registry."""

    version: str
    alias: str
    score: float
    previous_version: str | None
    previous_score: float | None

    def outcome_tags(self, metric: str) -> dict[str, str]:
        """The run's ``portkit.outcome`` (champion or kept) and its reason, in one sentence."""
        if self.alias != CHAMPION:
            reason = runlog.beat_sentence(
                metric, self.score, self.previous_score, self.previous_version
            )
            return runlog.outcome_tags("kept", reason)
        if self.previous_score is None:
            reason = runlog.beat_sentence(metric, self.score, None, None)
        else:
            reason = (
                f"{metric} {self.score:.4f} beat the champion's "
                f"(v{self.previous_version}) {self.previous_score:.4f}"
            )
        return runlog.outcome_tags("champion", reason)


def promote(client: Any, version: str, score: float, metric: str) -> Promotion:
    """Give VERSION the champion alias if it beats the current champion on METRIC, else challenger."""
    current = champion_version(client)
    previous_score = None
    if current is not None:
        previous_score = client.get_run(current.run_id).data.metrics.get(metric)
    better = model.is_better(score, previous_score, metric.removeprefix("cv_"))
    alias = CHAMPION if better else CHALLENGER
    client.set_registered_model_alias(MODEL_NAME, alias, version)
    return Promotion(
        version=version,
        alias=alias,
        score=score,
        previous_version=str(current.version) if current is not None else None,
        previous_score=previous_score,
    )


def champion_version(client: Any) -> Any | None:
    """The model version holding the champion alias, or None when there is none yet."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    except MlflowException:
        return None


def export(version: str, run_id: str, target: Path) -> Path:
    """Copy a registered version's files to TARGET (replacing it), for serving without MLflow."""
    import mlflow

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        staged = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{MODEL_NAME}/{version}", dst_path=tmp
            )
        )
        info = {"name": MODEL_NAME, "version": version, "run_id": run_id}
        (staged / EXPORT_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staged), target)
    return target
