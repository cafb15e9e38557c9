"""ml-pipeline with model-api added in `serving/`: both layers' tests green, the API serving the
pipeline's champion after `make pipeline` at the root, as the README says."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import run_portkit
from generated import clean_env, run_job_or_server, step


def get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(json.load(response))


def post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.load(response))


@pytest.mark.slow
def test_model_api_layer_serves_the_pipelines_champion(tmp_path: Path) -> None:
    made = run_portkit("new", "ml-pipeline", "churn", "--defaults", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "churn"
    added = run_portkit("add", "model-api", "serving/", cwd=project)
    assert added.returncode == 0, added.stderr
    env = clean_env()
    for folder in (project, project / "serving"):  # each layer's own tests, green
        step("make", "setup", cwd=folder, env=env)
        step("make", "test", cwd=folder, env=env)
    step("make", "pipeline", cwd=project, env=env)
    name = yaml.safe_load((project / "params.yaml").read_text())["registry"]["model_name"]
    served: dict[str, object] = {}

    def check(url: str) -> None:
        metadata = get(f"{url}/metadata")
        columns = metadata["feature_schema"]["columns"]  # type: ignore[index]
        row = {key: (spec["min"] + spec["max"]) / 2 for key, spec in columns.items()}
        served.update(metadata=metadata, prediction=post(f"{url}/predict", row))

    kind = run_job_or_server("make serve", project / "serving", env, while_serving=check)
    assert kind == "server"
    metadata = served["metadata"]
    assert metadata["name"] == name and metadata["version"] == "1"  # type: ignore[index]
    assert metadata["source"] == f"models:/{name}@champion"  # type: ignore[index]
    prediction = served["prediction"]
    assert prediction["prediction"] in metadata["classes"]  # type: ignore[index]
    assert not (project / "serving" / "mlflow.db").exists()  # one store: the pipeline's
