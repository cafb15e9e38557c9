"""End to end on a user's own table: model-api and ml-pipeline trained on real public tables.

For each (template, table) pair, as a user does it (issue "Your own data"):
`portkit new <template> proj --defaults --data dataset=<the file> --data target=<column>` (the
file is copied into `data/`, recorded as `dataset: data/<name>`, committed, and the original path
is found nowhere in the project or its history) -> `make setup` (with the network) -> the main job
without the network (model-api: `make run` until `/health` answers, then raw rows taken from the
file itself are sent to `/predict` and `/predict/batch`, a new ID and a later date are answered, an
unknown category is a 422 naming its field; ml-pipeline: `make pipeline` registers a model, which,
loaded from the registry by MLflow's generic loader, scores the file's rows) -> `make test` without
the network -> `git status` clean -> still no trace of the original path (MLflow store and
artifacts included). Predictions must be the table's class names, or finite numbers for
regression, and the metrics must fit the task (an F1 for classification, an R² for regression).

The tables (tests/e2e/tables.py) ship inside packages of portkit's `dev` extra, nothing is
downloaded at test time; their licences: palmerpenguins (Palmer Station LTER data, CC0 1.0),
vega_datasets' cars (StatLib, public) and seattle-weather (NOAA, public domain). Nothing in the
templates may be tuned to them.

The served model is reached from inside the server's network (`nsenter` into its namespace when
the offline mode is a namespace), so `run_job_or_server`'s health-only callback is not enough:
`serving` below starts `make run` the same way and hands back a client.
"""

from __future__ import annotations

import json
import math
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_portkit
from generated import (
    ONLINE,
    STEP_TIMEOUT,
    Network,
    clean_env,
    free_port,
    offline_network,
    run_job_or_server,
    step,
    stop,
)
from tables import CARS, PENGUINS, PENGUINS_RAW, SEATTLE_WEATHER, Table

#: One project each, ~1.5-2 minutes apiece: every task, file kind and column kind is covered once
#: per template where it matters (the API's request validation only exists in model-api).
MATRIX = [
    ("model-api", PENGUINS),  # multi-class, categoricals, missing values
    ("model-api", PENGUINS_RAW),  # binary, ID-like and date columns, non-identifier names
    ("model-api", CARS),  # regression, missing values, categorical, ID-like, date
    ("ml-pipeline", SEATTLE_WEATHER),  # Parquet, timestamp column, 5 unbalanced classes
    ("ml-pipeline", CARS),  # regression from a CSV with missing values and an ID-like column
]
#: Whatever names the metrics carry, these show that they fit the task (issue: metrics that fit).
TASK_METRIC = {"classification": "f1", "regression": "r2"}
#: A value no categorical column of these tables holds, and that names no column either.
UNSEEN_CATEGORY = "zz-unseen-value"
Exchange = Callable[[list[tuple[str, str, Any]]], list[tuple[int, Any]]]


@pytest.fixture(scope="module")
def offline() -> Network:
    """The way commands run without the network here (see generated.offline_network)."""
    return offline_network()


def new_project(template: str, parent: Path, source: Path, target: str) -> Path:
    result = run_portkit(
        "new",
        template,
        "proj",
        "--defaults",
        "--data",
        f"dataset={source}",
        "--data",
        f"target={target}",
        cwd=parent,
    )
    assert result.returncode == 0, f"portkit new failed:\n{result.stdout}\n{result.stderr}"
    return parent / "proj"


def assert_data_lives_in_project(project: Path, source: Path, env: dict[str, str]) -> None:
    copy = project / "data" / source.name
    assert copy.read_bytes() == source.read_bytes(), "the data file was not copied into data/"
    answers = yaml.safe_load((project / ".portkit.yml").read_text())["answers"]
    assert answers["dataset"] == f"data/{source.name}", answers
    tracked = step("git", "ls-files", "--", f"data/{source.name}", cwd=project, env=env).stdout
    assert tracked.strip() == f"data/{source.name}", "the data file is not committed"


def assert_no_trace_of(source: Path, project: Path, env: dict[str, str]) -> None:
    """Neither the file's absolute path nor its folder appears in the project's files or history."""
    needles = [str(source), str(source.parent)]
    history = step("git", "log", "-p", "--all", cwd=project, env=env).stdout
    assert not [n for n in needles if n in history], f"{needles} in git log -p --all"
    skipped = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache"}
    for path in project.rglob("*"):
        if path.is_file() and not skipped & set(path.relative_to(project).parts):
            content = path.read_bytes()
            found = [n for n in needles if n.encode() in content]
            assert not found, f"{path.relative_to(project)} holds {found}"


CLIENT = """
import json, sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
answers = []
for method, url, body in json.load(sys.stdin):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with opener.open(request, timeout=120) as response:
            answers.append([response.status, response.read().decode()])
    except urllib.error.HTTPError as error:
        answers.append([error.code, error.read().decode()])
json.dump(answers, sys.stdout)
"""


@contextmanager
def serving(project: Path, env: dict[str, str], network: Network) -> Iterator[Exchange]:
    """`make run` until `/health` answers; yields a client that sends requests from the server's
    own network (method, path, JSON body or None) and returns (status, parsed JSON body)."""
    port = free_port()
    handle, name = tempfile.mkstemp(prefix="portkit-own-data-", suffix=".log")
    log_path = Path(name)
    with open(handle, "w") as log:
        process = subprocess.Popen(
            network.wrap(["bash", "-c", "make run"]),
            cwd=project,
            env=network.environ({**env, "HOST": "127.0.0.1", "PORT": str(port)}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def exchange(requests: list[tuple[str, str, Any]]) -> list[tuple[int, Any]]:
        argv = [sys.executable, "-c", CLIENT]
        if network.mode == "namespace":
            argv = ["nsenter", "-t", str(process.pid), "-n", *argv]
        batch = [
            (method, f"http://127.0.0.1:{port}{path}", body) for method, path, body in requests
        ]
        result = subprocess.run(
            argv, input=json.dumps(batch), capture_output=True, text=True, timeout=STEP_TIMEOUT
        )
        assert result.returncode == 0, result.stderr
        return [(status, json.loads(text)) for status, text in json.loads(result.stdout)]

    try:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not network.healthy(port, process.pid):
            assert process.poll() is None, f"`make run` stopped:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no /health:\n{log_path.read_text()}"
            time.sleep(1)
        yield exchange
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- make run's log:\n{log_path.read_text()}") from None
    finally:
        stop(process)
        log_path.unlink(missing_ok=True)


def assert_predicted(table: Table, classes: set[str], item: dict[str, Any]) -> None:
    """A class name of the table (classification) or a finite number (regression)."""
    if table.family == "classification":
        label = item.get("label", item.get("prediction"))
        assert label in classes, f"{label!r} is not one of {sorted(classes)}: {item}"
    else:
        value = item["prediction"]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), item
        assert math.isfinite(value), item


def picked_rows(rows: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The first and last rows, the first rows with a missing value, and rows spread in between."""
    with_missing = [row for row in rows if None in row.values()][:3]
    spread = rows[:: max(1, len(rows) // count)]
    picked: list[dict[str, Any]] = []
    for row in [rows[0], *with_missing, *spread, rows[-1]]:
        if row not in picked:
            picked.append(row)
    return picked


def altered(row: dict[str, Any], column: str, value: Any) -> dict[str, Any]:
    return {**row, column: value}


def assert_serves_raw_rows(exchange: Exchange, table: Table, source: Path) -> None:
    rows = table.raw_rows(source)
    classes = table.classes(source) if table.family == "classification" else set()
    batch = picked_rows(rows, 10)
    with_missing = next(row for row in rows if None in row.values())
    singles = [rows[0], with_missing, rows[-1]]
    requests: list[tuple[str, str, Any]] = [("GET", "/metadata", None)]
    requests += [("POST", "/predict", row) for row in singles]
    requests.append(("POST", "/predict/batch", {"rows": batch}))
    answers = exchange(requests)

    (status, metadata), *single_answers, (batch_status, batch_answer) = answers
    assert status == 200, metadata
    assert table.family in str(metadata["task"]).lower(), metadata["task"]
    metric = TASK_METRIC[table.family]
    assert metric in json.dumps(metadata["metrics"]), metadata["metrics"]
    for row, (status, answer) in zip(singles, single_answers, strict=True):
        assert status == 200, f"/predict {row} -> {status} {answer}"
        assert_predicted(table, classes, answer)
    assert batch_status == 200, batch_answer
    assert len(batch_answer["predictions"]) == len(batch)
    for item in batch_answer["predictions"]:
        assert_predicted(table, classes, item)


def assert_new_values_are_served(exchange: Exchange, table: Table, source: Path) -> None:
    """A new row has a new ID and a later date (both answered); an unseen category is a 422."""
    first = table.raw_rows(source)[0]
    classes = table.classes(source) if table.family == "classification" else set()
    requests: list[tuple[str, str, Any]] = []
    if table.id_like:
        requests.append(("POST", "/predict", altered(first, table.id_like, "never seen id 0001")))
    if table.date:
        later = table.unseen_date(source)
        requests.append(("POST", "/predict", altered(first, table.date, later)))
    assert table.categorical, table.key
    requests.append(("POST", "/predict", altered(first, table.categorical, UNSEEN_CATEGORY)))
    *answers, (status, refusal) = exchange(requests)
    for (_, _, row), (status_new, answer) in zip(requests[:-1], answers, strict=True):
        assert status_new == 200, f"/predict {row} -> {status_new} {answer}"
        assert_predicted(table, classes, answer)
    assert status == 422, f"an unknown {table.categorical!r} got {status}: {refusal}"
    assert table.categorical in json.dumps(refusal), f"the 422 does not name the field: {refusal}"


def registered_versions(database: Path) -> list[tuple[str, str, str]]:
    """(model name, version, run id) of every registered model version in the SQLite store."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT name, version, run_id FROM model_versions ORDER BY CAST(version AS INTEGER)"
        ).fetchall()


def metric_names(database: Path, run_id: str) -> list[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT key FROM latest_metrics WHERE run_uuid = ?", (run_id,)
        ).fetchall()
    return [key for (key,) in rows]


#: Run by the project's own Python: load a registered model with MLflow's generic loader and
#: score every 20th row of the project's copy of the file as pandas reads it, target dropped.
SCORE = """
import json, sys
import mlflow
import pandas as pd

uri, data, target, out = sys.argv[1:]
frame = pd.read_parquet(data) if data.endswith(".parquet") else pd.read_csv(data)
rows = frame.drop(columns=[target]).iloc[:: max(1, len(frame) // 20)]
predicted = mlflow.pyfunc.load_model(uri).predict(rows)
if isinstance(predicted, pd.DataFrame):
    names = [name for name in ("label", "prediction") if name in predicted.columns]
    predicted = predicted[names[0] if names else predicted.columns[0]]
values = [value.item() if hasattr(value, "item") else value for value in list(predicted)]
with open(out, "w") as file:
    json.dump({"rows": len(rows), "predictions": values}, file)
"""


def registry_scores(
    project: Path, env: dict[str, str], network: Network, model: str, data: str, target: str
) -> list[Any]:
    """MODEL (a `models:/` URI) loaded from the project's store by its own Python, offline,
    scoring rows of DATA (a path in the project); returns the predictions."""
    with tempfile.TemporaryDirectory(prefix="portkit-own-data-") as scratch:
        script, scored = Path(scratch) / "score.py", Path(scratch) / "scored.json"
        script.write_text(SCORE)
        line = shlex.join([".venv/bin/python", str(script), model, data, target, str(scored)])
        store = {"MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}"}
        run_job_or_server(line, project, {**env, **store}, network)
        result = json.loads(scored.read_text())
    assert len(result["predictions"]) == result["rows"] > 0, result
    return list(result["predictions"])


def assert_pipeline_registers(
    project: Path, env: dict[str, str], network: Network, table: Table, source: Path
) -> None:
    """`make pipeline` registers a model whose metrics fit the task and that, loaded offline
    from the registry, scores raw rows of the file (class names or finite numbers)."""
    assert run_job_or_server("make pipeline", project, env, network) == "job"
    versions = registered_versions(project / "mlflow.db")
    assert versions, "make pipeline registered no model version"
    name, version, run_id = versions[-1]
    names = metric_names(project / "mlflow.db", run_id)
    assert any(TASK_METRIC[table.family] in name for name in names), names

    model, data = f"models:/{name}/{version}", f"data/{source.name}"
    classes = table.classes(source) if table.family == "classification" else set()
    for value in registry_scores(project, env, network, model, data, table.target):
        assert_predicted(table, classes, {"prediction": value})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("template", "table"), MATRIX, ids=[f"{t}-{table.key}" for t, table in MATRIX]
)
def test_project_on_a_real_table_goes_green_offline(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    template: str,
    table: Table,
    offline: Network,
) -> None:
    source = table.materialise(tmp_path_factory.mktemp("user-data"))
    project = new_project(template, tmp_path, source, table.target)
    env = clean_env()
    assert_data_lives_in_project(project, source, env)
    assert_no_trace_of(source, project, env)

    run_job_or_server("make setup", project, env, ONLINE)
    if template == "model-api":
        with serving(project, env, offline) as exchange:
            assert_serves_raw_rows(exchange, table, source)
            assert_new_values_are_served(exchange, table, source)
    else:
        assert_pipeline_registers(project, env, offline, table, source)
    assert run_job_or_server("make test", project, env, offline) == "job"

    changed = step("git", "status", "--porcelain", cwd=project, env=env).stdout
    assert changed == "", f"setup, the main job or the tests changed the tree:\n{changed}"
    assert_no_trace_of(source, project, env)
