"""The shared tracking server of `docker-compose.mlflow.yml`, run for real against PostgreSQL.

There is no container engine in CI, so the test reads the `mlflow` service from the compose file
(packages and `mlflow server` arguments, so the two cannot drift), installs those packages into a
fresh venv and runs that command outside a container, against a throw-away PostgreSQL cluster
(Debian's `postgresql` package; `.ci/run` installs it). Only addresses change: 127.0.0.1 and free
ports instead of the compose network, and a local folder instead of the artifacts volume. A generated
model-api project then trains, registers and serves from that server. Without PostgreSQL the test
is skipped, except where PORTKIT_REQUIRE_POSTGRES=1 (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from generated import (
    TEMPLATES_DIR,
    clean_env,
    free_port,
    generate,
    never_served,
    run_job_or_server,
    step,
    stop,
)

pytestmark = pytest.mark.slow

COMPOSE = TEMPLATES_DIR / "_shared" / "docker-compose.mlflow.yml"


def compose_variables(text: str) -> str:
    """Compose's interpolation of `${NAME:-default}` (from this environment), and `$$` -> `$`."""
    expanded = re.sub(r"(?<!\$)\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1]) or m[2], text)
    return expanded.replace("$$", "$")


def compose_server() -> tuple[list[str], list[str], str]:
    """The mlflow service's pip packages, `mlflow server` argv and backend store URI."""
    service = yaml.safe_load(COMPOSE.read_text())["services"]["mlflow"]
    shell, flag, script = shlex.split(compose_variables(service["command"]))
    assert (shell, flag) == ("sh", "-c"), service["command"]
    install, server = (shlex.split(part) for part in script.split("&&"))
    assert install[:2] == ["pip", "install"], install
    packages = [arg for arg in install[2:] if not arg.startswith("-")]
    uri = compose_variables(service["environment"]["BACKEND_STORE_URI"])
    return packages, server, uri


def local_server_argv(server: list[str], uri: str, port: int, artifacts: Path) -> list[str]:
    """The compose command with only its addresses changed for a run outside the container."""
    replace = {
        "--host": "127.0.0.1",
        "--port": str(port),
        "--artifacts-destination": artifacts.as_uri(),
    }
    argv = [arg.replace("${BACKEND_STORE_URI}", uri) for arg in server]
    for option, value in replace.items():
        assert option in argv, f"{option} not in the compose command {server}"
        argv[argv.index(option) + 1] = value
    return argv


def postgres_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and createdb: Debian's newest, else the one on PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parts[-2]))
    found = shutil.which("initdb")
    candidates = [*reversed(versions), *([Path(found).parent] if found else [])]
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "createdb")):
            return bindir
    return None


def require_postgres() -> Path:
    bindir = postgres_bindir()
    if bindir is None:
        why = "PostgreSQL is not installed (apt-get install -y postgresql)"
        if os.environ.get("PORTKIT_REQUIRE_POSTGRES"):
            pytest.fail(why)
        pytest.skip(why)
    return bindir


@pytest.fixture
def postgres() -> Iterator[tuple[str, int]]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 whose user, password and database are the
    compose file's; yields (host, port)."""
    bindir = require_postgres()
    _, _, uri = compose_server()
    url = urllib.parse.urlsplit(uri)
    base = Path(tempfile.mkdtemp(prefix="portkit-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:  # initdb refuses to run as root; the cluster belongs to `postgres`
        shutil.chown(base, "postgres")
    (base / "password").write_text(url.password or "")
    if as_postgres:
        shutil.chown(base / "password", "postgres")
    port = free_port()
    data = base / "data"
    run_as = [*as_postgres]
    step(
        *run_as,
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        url.username or "mlflow",
        f"--pwfile={base / 'password'}",
        "--auth=scram-sha-256",
        cwd=base,
        env=clean_env(),
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base}"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", options]
    step(*run_as, *start, "-w", "start", cwd=base, env=clean_env())
    try:
        database = url.path.lstrip("/")
        step(
            *run_as,
            str(bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            url.username or "mlflow",
            database,
            cwd=base,
            env=clean_env(PGPASSWORD=url.password or ""),
        )
        yield "127.0.0.1", port
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            cwd=base,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def server_venv(packages: list[str], venv: Path) -> Path:
    """A fresh venv holding exactly the compose command's packages; returns its bin folder."""
    if shutil.which("uv"):
        step("uv", "venv", "-q", str(venv), cwd=venv.parent, env=clean_env())
        python = str(venv / "bin" / "python")
        step(
            "uv", "pip", "install", "-q", "-p", python, *packages, cwd=venv.parent, env=clean_env()
        )
    else:
        step("python3", "-m", "venv", str(venv), cwd=venv.parent, env=clean_env())
        step(
            str(venv / "bin" / "pip"), "install", "-q", *packages, cwd=venv.parent, env=clean_env()
        )
    return venv / "bin"


@pytest.fixture
def mlflow_server(postgres: tuple[str, int], tmp_path: Path) -> Iterator[str]:
    """The compose file's `mlflow server` command, on PostgreSQL; yields its URL."""
    packages, server, uri = compose_server()
    host, pg_port = postgres
    parts = urllib.parse.urlsplit(uri)
    local_uri = parts._replace(
        netloc=f"{parts.username}:{parts.password}@{host}:{pg_port}"
    ).geturl()
    bindir = server_venv(packages, tmp_path / "server-venv")
    port = free_port()
    argv = local_server_argv(server, local_uri, port, tmp_path / "artifacts")
    assert argv[0] == "mlflow", argv
    log = (tmp_path / "mlflow-server.log").open("w")
    process = subprocess.Popen(
        [str(bindir / "mlflow"), *argv[1:]],
        cwd=tmp_path,
        env=clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        why = never_served(
            process, lambda: answers(f"{url}/health"), tmp_path / "mlflow-server.log", timeout=300
        )
        if why:
            pytest.fail(f"mlflow server did not start: {why}")
        yield url
    finally:
        stop(process)
        log.close()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def get_json(url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.load(response))


def test_model_api_trains_registers_and_serves_from_the_compose_server(
    mlflow_server: str, tmp_path: Path
) -> None:
    project = generate("model-api", tmp_path)
    env = clean_env(MLFLOW_TRACKING_URI=mlflow_server)
    step("make", "setup", cwd=project, env=env)
    step("make", "train", cwd=project, env=env)
    assert not (project / "mlflow.db").exists()  # the runs went to the server

    name = re.search(
        r'^MODEL_NAME = "(.+)"$', next(project.glob("src/*/settings.py")).read_text(), re.M
    )
    assert name
    query = urllib.parse.urlencode({"name": name[1], "alias": "champion"})
    alias = get_json(f"{mlflow_server}/api/2.0/mlflow/registered-models/alias?{query}")
    champion = alias["model_version"]
    assert isinstance(champion, dict) and champion["version"] == "1"

    shutil.rmtree(project / "models", ignore_errors=True)  # serve from the server, not the export
    seen: dict[str, object] = {}

    def predict(base: str) -> None:
        deadline = time.monotonic() + 120
        while not answers(f"{base}/ready") and time.monotonic() < deadline:
            time.sleep(0.5)
        metadata = get_json(f"{base}/metadata")
        row = metadata["example"]  # a row of the training table, as a request body
        assert isinstance(row, dict) and row
        seen.update(metadata=metadata, prediction=get_json(f"{base}/predict", row))

    assert run_job_or_server("make run", project, env, while_serving=predict) == "server"
    metadata = seen["metadata"]
    assert isinstance(metadata, dict)
    assert (metadata["name"], metadata["version"]) == (name[1], "1")
    prediction = seen["prediction"]
    assert isinstance(prediction, dict) and "prediction" in prediction, prediction
