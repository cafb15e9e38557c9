"""Reading this project's runs from MLflow: the top-level runs, the champion, their artifacts.

Only what CONTRACTS (issue 12) says a run logs is read: metrics with ``baseline_<m>`` beside
them, the ``portkit.*`` tags, ``figures/*.png`` and the JSON reports. Older runs that lack some of
it still load; the write-up says what is missing. A tracking server that does not answer fails in
seconds instead of MLflow's default minutes of retries.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import tracking
from .document import write_atomic
from .errors import WriteupError

CHAMPION_ALIAS = "champion"
PARENT_TAG = "mlflow.parentRunId"
BASELINE_PREFIX = "baseline_"


@dataclass(frozen=True)
class RunSummary:
    """What the write-up shows of one top-level MLflow run."""

    run_id: str
    name: str
    start_time: int
    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "FINISHED"
    children: tuple[str, ...] = ()

    @property
    def primary_metric(self) -> str | None:
        """The metric this run is ranked by, as tagged by ``tracking.run_tags``."""
        return self.tags.get(tracking.PRIMARY_METRIC_TAG) or None

    @property
    def greater_is_better(self) -> bool:
        """Whether a larger primary metric is better (the default)."""
        return self.tags.get(tracking.GREATER_IS_BETTER_TAG, "true") != "false"

    @property
    def commit(self) -> str:
        """The git commit the run came from, or ``unknown``."""
        return self.tags.get(tracking.COMMIT_TAG) or "unknown"

    @property
    def outcome(self) -> str:
        """``champion``, ``kept``, ``gate_failed``, ``not_registered``, ``eval`` or ``""``."""
        return self.tags.get("portkit.outcome", "")

    @property
    def outcome_reason(self) -> str:
        """One sentence saying why the run ended as it did ("" when not logged)."""
        return self.tags.get("portkit.outcome_reason", "")

    @property
    def data(self) -> str:
        """The data's display name (``portkit.data``), "" for runs that predate it."""
        return self.tags.get("portkit.data", "")

    @property
    def curated(self) -> list[str] | None:
        """The parameter keys worth showing (``portkit.params``); None when the run lacks it."""
        raw = self.tags.get("portkit.params")
        if raw is None:
            return None
        try:
            keys = json.loads(raw)
        except ValueError:
            return None
        return [str(key) for key in keys] if isinstance(keys, list) else None

    def curated_params(self) -> dict[str, str] | None:
        """The curated parameters and their values (None when the run does not say which)."""
        keys = self.curated
        if keys is None:
            return None
        return {key: self.params.get(key, "") for key in keys}

    def baseline(self, metric: str) -> float | None:
        """The trivial baseline's value of METRIC in this run, if it was logged."""
        return self.metrics.get(BASELINE_PREFIX + metric)

    def score(self) -> float | None:
        """This run's primary metric value (None when it lacks it)."""
        metric = self.primary_metric
        return self.metrics.get(metric) if metric else None


@dataclass(frozen=True)
class Champion:
    """A registered model version holding the champion alias."""

    model: str
    version: str
    run_id: str


@dataclass
class Store:
    """The experiment's top-level runs, the champion among them, and a way to read artifacts."""

    uri: str
    experiment: str
    runs: list[RunSummary]
    champion: Champion | None = None
    client: Any = None
    total_runs: int = 0
    scratch: Path | None = None

    def close(self) -> None:
        """Remove the downloads' scratch folder."""
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def json_artifact(self, run: RunSummary, *names: str) -> Any:
        """The first of NAMES logged by RUN (or one of its child runs), parsed; None if absent."""
        for run_id in (run.run_id, *run.children):
            for name in names:
                path = self._download(run_id, name)
                if path is not None:
                    try:
                        return json.loads(path.read_text(encoding="utf-8"))
                    except ValueError:
                        return None
        return None

    def figures(self, run: RunSummary, folder: Path) -> list[Path]:
        """RUN's ``figures/*.png`` (else a child run's) downloaded into FOLDER, sorted by name."""
        for run_id in (run.run_id, *run.children):
            names = [
                item.path
                for item in self._list(run_id, "figures")
                if not item.is_dir and item.path.endswith(".png")
            ]
            if names:
                return [
                    path for name in sorted(names) if (path := self._copy(run_id, name, folder))
                ]
        return []

    def _copy(self, run_id: str, name: str, folder: Path) -> Path | None:
        """Artifact NAME of RUN_ID copied (atomically) to FOLDER under its own file name."""
        local = self._download(run_id, name)
        if local is None:
            return None
        target = folder / Path(name).name
        write_atomic(target, local.read_bytes())
        return target

    def _list(self, run_id: str, folder: str) -> list[Any]:
        try:
            return list(self.client.list_artifacts(run_id, folder))
        except Exception:  # noqa: BLE001 - an unreadable artifact store means "no figures"
            return []

    def _download(self, run_id: str, name: str) -> Path | None:
        import mlflow.artifacts

        if self.scratch is None:
            self.scratch = Path(tempfile.mkdtemp(prefix="writeup-"))
        try:
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id,
                artifact_path=name,
                dst_path=str(self.scratch / run_id),
                tracking_uri=self.uri,
            )
        except Exception:  # noqa: BLE001 - a run without this artifact: the caller degrades
            return None
        return Path(local)


def collect(uri: str, experiment: str) -> Store:
    """Experiment EXPERIMENT's top-level runs in the store at URI, and the champion among them."""
    database = tracking.sqlite_file(uri)
    if database is not None and not database.is_file():
        return Store(uri, experiment, [])  # no store yet: say so without paying for `import mlflow`
    if tracking.is_server(uri):
        _check_server(uri)
    try:
        return _read(uri, experiment)
    except WriteupError:
        raise
    except Exception as error:  # noqa: BLE001 - MLflow raises many kinds; the user needs one line
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise WriteupError(f"Could not read the MLflow runs at {uri}: {first[:200]}") from None


def best_run(runs: list[RunSummary], champion: Champion | None = None) -> RunSummary | None:
    """The champion's run, else the best by the latest run's primary metric, else the latest."""
    if not runs:
        return None
    if champion is not None:
        for run in runs:
            if champion.run_id in (run.run_id, *run.children):
                return run
    latest = max(runs, key=lambda run: run.start_time)
    metric = latest.primary_metric
    ranked = [
        run for run in runs if metric and run.primary_metric == metric and metric in run.metrics
    ]
    if not metric or not ranked:
        return latest
    sign = 1.0 if latest.greater_is_better else -1.0
    return max(ranked, key=lambda run: (sign * run.metrics[metric], run.start_time))


def _check_server(uri: str) -> None:
    """Fail in seconds when the tracking server does not answer (MLflow retries for minutes)."""
    parts = urlsplit(uri)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=3):
            pass
    except OSError as error:
        raise WriteupError(
            f"The tracking server at {uri} does not answer ({error.strerror or error}): start it "
            "(docker compose -f docker-compose.mlflow.yml up -d) or unset MLFLOW_TRACKING_URI."
        ) from None
    # Requests that still fail once connected should not retry for minutes either.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")


def _read(uri: str, experiment: str) -> Store:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return Store(uri, experiment, [], client=client)
    every = client.search_runs(
        [found.experiment_id],
        filter_string="attributes.status != 'RUNNING'",
        max_results=5000,
        order_by=["attributes.start_time ASC"],
    )
    children: dict[str, list[str]] = {}
    for run in every:
        parent = run.data.tags.get(PARENT_TAG)
        if parent:
            children.setdefault(parent, []).append(run.info.run_id)
    top = [run for run in every if PARENT_TAG not in run.data.tags]
    runs = [_summary(run, children.get(run.info.run_id, [])) for run in top if run.data.metrics]
    champion = _find_champion(client, runs) if runs else None
    return Store(uri, experiment, runs, champion, client, total_runs=len(top))


def _summary(run: Any, children: list[str]) -> RunSummary:
    return RunSummary(
        run_id=run.info.run_id,
        name=run.info.run_name or run.info.run_id[:8],
        start_time=int(run.info.start_time or 0),
        metrics={key: float(value) for key, value in run.data.metrics.items()},
        params=dict(run.data.params),
        tags=dict(run.data.tags),
        status=str(run.info.status),
        children=tuple(children),
    )


def _find_champion(client: Any, runs: list[RunSummary]) -> Champion | None:
    """The registered model version with the champion alias whose run is one of RUNS (or a child)."""
    known = {run_id for run in runs for run_id in (run.run_id, *run.children)}
    for model in client.search_registered_models():
        version = (getattr(model, "aliases", None) or {}).get(CHAMPION_ALIAS)
        if version is None:
            continue
        run_id = client.get_model_version(model.name, str(version)).run_id
        if run_id in known:
            return Champion(model.name, str(version), run_id)
    return None
