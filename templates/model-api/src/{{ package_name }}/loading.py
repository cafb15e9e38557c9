"""Load a trained model once, from the registry (``models:/NAME@alias``) or an exported folder.

What comes back is the bare scikit-learn estimator plus its feature schema and provenance: the
server calls the estimator directly, because MLflow's generic pyfunc wrapper costs ~9x more per
call for the same prediction.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import schema
from .kit.errors import ProjectError
from .registry import EXPORT_INFO
from .tabular import Schema

#: Where the feature schema sits inside a model folder (logged with ``extra_files``).
SCHEMA_DIR = "extra_files"


class ModelNotFoundError(ProjectError, RuntimeError):
    """There is no trained model where the server was told to look (exit code 1)."""


@dataclass(frozen=True)
class LoadedModel:
    """A ready-to-call estimator with the schema it was trained on and where it came from."""

    estimator: Any
    schema: Schema
    name: str
    version: str
    run_id: str
    metrics: dict[str, float]
    source: str
    #: The training table (its path inside the project, or the bundled sample).
    dataset: str = ""
    #: One valid request body (a training row), for docs and warm-up.
    example: dict[str, Any] | None = None


def load(uri: str) -> LoadedModel:
    """Load the model at URI: ``models:/...`` from the registry, anything else as a folder."""
    if uri.startswith("models:/"):
        return _from_registry(uri)
    return _from_folder(Path(uri), uri)


def _from_registry(uri: str) -> LoadedModel:
    import mlflow
    from mlflow.exceptions import MlflowException

    from .registry import connect

    client = connect()
    try:
        version = _resolve(client, uri)
        with tempfile.TemporaryDirectory() as tmp:
            folder = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=tmp)
            return _from_folder(Path(folder), uri, name=version.name, version=version.version)
    except MlflowException as error:
        raise ModelNotFoundError(
            f"No model at {uri} in {mlflow.get_tracking_uri()}: run `make train` first "
            f"(or set MODEL_URI). MLflow said: {error.message}"
        ) from None


def _resolve(client: Any, uri: str) -> Any:
    """The registry entry for ``models:/NAME@alias`` or ``models:/NAME/version``."""
    reference = uri.removeprefix("models:/")
    if "@" in reference:
        name, alias = reference.split("@", 1)
        return client.get_model_version_by_alias(name, alias)
    name, _, version = reference.partition("/")
    return client.get_model_version(name, version)


def _from_folder(
    folder: Path, source: str, name: str | None = None, version: str | None = None
) -> LoadedModel:
    if not (folder / "MLmodel").is_file():
        raise ModelNotFoundError(
            f"No exported model in {folder}: run `make train` first (or set MODEL_URI)."
        )
    from mlflow.models import Model
    from mlflow.sklearn import load_model

    metadata = Model.load(str(folder / "MLmodel")).metadata or {}
    info_file = folder / EXPORT_INFO
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    return LoadedModel(
        estimator=load_model(str(folder)),
        schema=schema.load(folder / SCHEMA_DIR),
        name=name or info.get("name", "unregistered"),
        version=str(version or info.get("version", "local")),
        run_id=str(metadata.get("run_id", info.get("run_id", ""))),
        metrics=dict(metadata.get("metrics", {})),
        source=source,
        dataset=str(metadata.get("dataset", "")),
        example=metadata.get("example"),
    )
