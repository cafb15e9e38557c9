"""A team on one MLflow server, for real: the generated README's "Team server" block followed as
written, two projects on one PostgreSQL-backed `make mlflow-server` at the same time, and the
one-line errors for a server or database that cannot be used.

Every server here is started by the test itself on 127.0.0.1 (PostgreSQL through the `postgres`
fixture of test_mlflow_server.py; `.ci/run` installs it and sets PORTKIT_REQUIRE_POSTGRES=1).
The README block names port 5000, so it runs in a fresh network namespace (`unshare -n`), where
that port is always free; where namespaces are not allowed it runs only if 5000 is free here.
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import subprocess
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from generated import (
    STEP_TIMEOUT,
    TEMPLATES,
    Network,
    clean_env,
    code_block,
    free_port,
    generate,
    never_served,
    offline_network,
    run_job_or_server,
    step,
    stop,
)
from test_mlflow_server import answers, compose_server, get_json
from test_mlflow_server import postgres as postgres  # the fixture, shared
from test_shared_template import mlflow_names

pytestmark = pytest.mark.slow

README_PORT = 5000  # the port the README's block names
WRITEUP_RUN = re.compile(r"\(run `([0-9a-f]{8})`")


def both(*jobs: Callable[[], None]) -> None:
    """Start every job at once and wait for all of them; the first failure is raised."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def start(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_healthy(process: subprocess.Popen[bytes], healthy: Callable[[], bool], log: Path) -> None:
    why = never_served(process, healthy, log)
    if why:
        pytest.fail(f"the MLflow server did not start: {why}")


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def writeup_run(project: Path) -> str:
    """The run id prefix the write-up's Results name."""
    found = WRITEUP_RUN.search((project / "docs" / "writeup.md").read_text())
    assert found, "the write-up names no run"
    return found[1]


# --- the README's block, as written -----------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_readme_team_server_block_runs_verbatim(template: str, tmp_path: Path) -> None:
    network = offline_network()
    if network.mode != "namespace" and not port_is_free(README_PORT):
        pytest.skip(f"port {README_PORT} is taken and {network.describe()}")
    project = generate(template, tmp_path)
    env = clean_env(PORTKIT_AUTHOR="Team Member")
    step("make", "setup", cwd=project, env=env)
    server_line, *lines = code_block((project / "README.md").read_text(), "### Team server")
    assert server_line.split("#")[0].strip() == "make mlflow-server", server_line

    log = tmp_path / "server.log"
    process = start(network.wrap(["bash", "-c", server_line]), project, network.environ(env), log)
    try:
        wait_healthy(process, lambda: network.healthy(README_PORT, process.pid), log)
        result = in_network_of(process, network, "set -e\n" + "\n".join(lines), project, env)
    finally:
        stop(process)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert f"http://127.0.0.1:{README_PORT} answers" in result.stdout
    assert f"open http://127.0.0.1:{README_PORT} in a browser" in result.stdout
    assert not (project / "mlflow.db").exists()  # every run went to the server

    database = project / "mlflow-server" / "mlflow.db"  # the server's own SQLite store
    with sqlite3.connect(database) as db:
        runs = [row[0] for row in db.execute("SELECT run_uuid FROM runs")]
        authors = {
            row[0] for row in db.execute("SELECT value FROM tags WHERE key = 'portkit.author'")
        }
    assert runs and authors == {"Team Member"}
    assert any(run.startswith(writeup_run(project)) for run in runs)


def in_network_of(
    process: subprocess.Popen[bytes], network: Network, script: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the bash SCRIPT where PROCESS's 127.0.0.1 is (its namespace, if it has one)."""
    argv = ["bash", "-c", script]
    if network.mode == "namespace":
        argv = ["nsenter", "-t", str(process.pid), "-n", *argv]
    return subprocess.run(
        argv,
        cwd=cwd,
        env=network.environ(env),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )


# --- two projects, one PostgreSQL-backed server, at the same time -----------------------------


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A model-api and an ml-pipeline project with the SAME slug, both set up (in parallel)."""
    api = generate("model-api", tmp_path_factory.mktemp("api"))
    pipeline = generate("ml-pipeline", tmp_path_factory.mktemp("pipeline"))

    def setup(project: Path) -> Callable[[], None]:
        def job() -> None:
            step("make", "setup", cwd=project, env=clean_env())

        return job

    both(setup(api), setup(pipeline))
    return api, pipeline


def backend_uri(postgres: tuple[str, int], password: str | None = None) -> str:
    """The compose file's PostgreSQL URI, pointed at the throw-away cluster."""
    _, _, uri = compose_server()
    parts = urllib.parse.urlsplit(uri)
    host, port = postgres
    secret = parts.password if password is None else password
    return parts._replace(netloc=f"{parts.username}:{secret}@{host}:{port}").geturl()


@pytest.fixture
def team_server(
    postgres: tuple[str, int], projects: tuple[Path, Path], tmp_path: Path
) -> Iterator[str]:
    """`make mlflow-server` in the model-api project, on PostgreSQL; yields its URL."""
    port = free_port()
    env = clean_env(MLFLOW_BACKEND_STORE_URI=backend_uri(postgres), MLFLOW_PORT=str(port))
    log = tmp_path / "server.log"
    process = start(["make", "mlflow-server"], projects[0], env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, lambda: answers(f"{url}/health"), log)
        yield url
    finally:
        stop(process)


def test_two_projects_share_one_postgres_server_at_the_same_time(
    team_server: str, projects: tuple[Path, Path]
) -> None:
    api, pipeline = projects
    seen: dict[str, object] = {}

    def model_api() -> None:
        env = clean_env(MLFLOW_TRACKING_URI=team_server, PORTKIT_AUTHOR="alice")
        step("make", "train", cwd=api, env=env)
        shutil.rmtree(api / "models", ignore_errors=True)  # serve from the registry only

        def predict(base: str) -> None:
            metadata = get_json(f"{base}/metadata")
            row = metadata["example"]
            assert isinstance(row, dict) and row
            seen.update(metadata=metadata, prediction=get_json(f"{base}/predict", row))

        assert run_job_or_server("make serve", api, env, while_serving=predict) == "server"
        step("make", "writeup", cwd=api, env=env)

    def ml_pipeline() -> None:
        env = clean_env(MLFLOW_TRACKING_URI=team_server, PORTKIT_AUTHOR="bob")
        step("make", "pipeline", cwd=pipeline, env=env)
        step("make", "export", cwd=pipeline, env=env)
        step("make", "writeup", cwd=pipeline, env=env)

    both(model_api, ml_pipeline)

    api_name, api_model = mlflow_names(api, "model-api")
    pipeline_name, pipeline_model = mlflow_names(pipeline, "ml-pipeline")
    assert api_name != pipeline_name  # the same slug, two templates: two names
    assert (api_model, pipeline_model) == (api_name, pipeline_name)
    metadata = seen["metadata"]
    assert isinstance(metadata, dict) and metadata["name"] == api_name, metadata
    assert "prediction" in str(seen["prediction"])
    assert (pipeline / "dist" / "champion" / "MLmodel").is_file()
    for project, name, author in ((api, api_name, "alice"), (pipeline, pipeline_name, "bob")):
        assert not (project / "mlflow.db").exists()  # everything went to the server
        query = urllib.parse.urlencode({"name": name, "alias": "champion"})
        champion = get_json(f"{team_server}/api/2.0/mlflow/registered-models/alias?{query}")
        version = champion["model_version"]
        assert isinstance(version, dict) and version["name"] == name
        experiment = get_json(
            f"{team_server}/api/2.0/mlflow/experiments/get-by-name?experiment_name={name}"
        )["experiment"]
        assert isinstance(experiment, dict)
        found = get_json(
            f"{team_server}/api/2.0/mlflow/runs/search",
            {"experiment_ids": [experiment["experiment_id"]], "max_results": 1000},
        )["runs"]
        assert isinstance(found, list) and found
        run_ids = [run["info"]["run_id"] for run in found]
        assert any(run.startswith(writeup_run(project)) for run in run_ids), name
        for run in found:  # top-level runs (ml-pipeline's per-stage child runs carry no tags)
            tags = {tag["key"]: tag["value"] for tag in run["data"].get("tags", [])}
            if "mlflow.parentRunId" not in tags:
                assert tags.get("portkit.author") == author, (name, tags)
    assert any((api / "mlflow-server" / "artifacts").rglob("MLmodel"))  # proxied by the server


# --- what a user sees when the server or the database cannot be used ---------------------------


def one_line_error(result: subprocess.CompletedProcess[str], variable: str) -> str:
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{variable}=" in errors[0], output
    return errors[0]


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A generous bound against a hang (MLflow's own retries take minutes), not a timing.
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "uri",
    ["closed-port", "htp://127.0.0.1:5000", "postgresql+psycopg2://u:secret@127.0.0.1:9/x"],
)
def test_an_unusable_tracking_uri_is_one_line(uri: str, projects: tuple[Path, Path]) -> None:
    api, _ = projects
    if uri == "closed-port":
        uri = f"http://127.0.0.1:{free_port()}"
    result = run(["make", "train"], api, clean_env(MLFLOW_TRACKING_URI=uri))
    assert "secret" not in one_line_error(result, "MLFLOW_TRACKING_URI")


def test_an_unusable_backend_store_is_one_line(
    postgres: tuple[str, int], projects: tuple[Path, Path]
) -> None:
    api, _ = projects
    wrong_password = backend_uri(postgres, password="not-the-password")
    closed = backend_uri(("127.0.0.1", free_port()))
    for uri, why in ((wrong_password, "password"), (closed, "127.0.0.1")):
        env = clean_env(MLFLOW_BACKEND_STORE_URI=uri, MLFLOW_PORT=str(free_port()))
        line = one_line_error(run(["make", "mlflow-server"], api, env), "MLFLOW_BACKEND_STORE_URI")
        assert why in line and "not-the-password" not in line, line
