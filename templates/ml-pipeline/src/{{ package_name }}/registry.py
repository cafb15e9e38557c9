"""The model registry side: who is champion, log a model deliberately, promote a version.

The model is saved in MLflow's skops format (no pickle to execute at load time). skops refuses
types it does not know unless they are listed as trusted; we list exactly the types found in the
model we just trained, and only if they all come from scikit-learn, numpy or this project's
tabular kit (its preprocessing functions), so an unexpected
type fails loudly instead of being trusted silently. Requirements are passed explicitly: MLflow's
inference re-imports the model in a subprocess (~7 s) and records whatever the environment
happened to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NoChampionError, PipelineError

if TYPE_CHECKING:
    from .params import RegistryParams

TRUSTED_PREFIXES = ("sklearn.", "numpy.")


@dataclass(frozen=True)
class Champion:
    """The model version that currently holds the alias, with the metrics of its run."""

    version: str
    run_id: str
    metrics: dict[str, float]


def champion(mlflow: Any, model_name: str, alias: str) -> Champion | None:
    """The current champion of MODEL_NAME, or None when there is none yet."""
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        found = client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None
    metrics = dict(client.get_run(found.run_id).data.metrics) if found.run_id else {}
    return Champion(version=str(found.version), run_id=found.run_id or "", metrics=metrics)


def requirements() -> list[str]:
    """What a fresh environment needs to load the model: pinned to what trained it."""
    return [f"{name}=={version(name)}" for name in ("scikit-learn", "skops", "pandas", "numpy")]


def log_model(mlflow: Any, estimator: Any, example: Any, schema_file: Path | None = None) -> str:
    """Log ESTIMATOR to the active run with signature and input example; return its URI.

    SCHEMA_FILE (the run's feature schema) is logged beside it as ``extra_files/schema.yaml``,
    where a model-api project looks for it: that API can serve this pipeline's champion.
    """
    import skops.io as sio
    from mlflow.models import infer_signature

    from .tabular import trusted_types

    ours = set(trusted_types())  # the tabular kit's converters: this project's own code
    untrusted = sio.get_untrusted_types(data=sio.dumps(estimator))
    unexpected = [n for n in untrusted if not n.startswith(TRUSTED_PREFIXES) and n not in ours]
    if unexpected:
        raise PipelineError(
            f"The model contains types skops should not trust blindly: {', '.join(unexpected)}.",
            "Review them and extend registry.TRUSTED_PREFIXES if they are safe.",
        )
    info = mlflow.sklearn.log_model(
        estimator,
        name="model",
        serialization_format="skops",
        skops_trusted_types=untrusted,
        signature=infer_signature(example, estimator.predict(example)),
        input_example=example,
        pip_requirements=requirements(),
        extra_files=[str(schema_file)] if schema_file else None,
    )
    return str(info.model_uri)


def promote(mlflow: Any, model_uri: str, model_name: str, alias: str, tags: dict[str, str]) -> str:
    """Register MODEL_URI as a new version of MODEL_NAME and move ALIAS to it; return the version."""
    client = mlflow.MlflowClient()
    registered = mlflow.register_model(model_uri, model_name, tags=tags)
    client.set_registered_model_alias(model_name, alias, registered.version)
    return str(registered.version)


def export_champion(root: Path, params: RegistryParams, output: Path) -> Path:
    """Download the champion's MLflow model folder to OUTPUT, replacing it only on success."""
    import shutil

    from mlflow.exceptions import MlflowException

    from .runs import connect

    mlflow = connect(root)
    if champion(mlflow, params.model_name, params.alias) is None:
        raise NoChampionError(
            f"No model holds {params.model_name}@{params.alias} in the tracking store yet.",
            "Run the pipeline first (make pipeline).",
        )
    staging = output.with_name(output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        uri = f"models:/{params.model_name}@{params.alias}"
        mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(staging))
    except MlflowException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PipelineError(f"Cannot download the champion: {exc.message}") from None
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)
    return output
