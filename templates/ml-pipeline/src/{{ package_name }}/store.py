"""The tracking store as the gate and register steps left it, so that a cached step is trusted
only while the store still matches.

`gate` compared the model with the champion of that moment and `register` wrote the model into
the store: their outputs stay right only while the store is the one they used. After a successful
run the pipeline records the store's state (`snapshot`): its URI, the experiment (a wiped store
re-creates it under a new id or date) and who holds the alias (version, run and metrics). A
cached gate or register re-runs unless `unchanged` finds that same state: a new empty mlflow.db,
another MLFLOW_TRACKING_URI or `@champion` moved to another version all make them run again.

Asking MLflow means importing it (2-3 s), so a SQLite store whose bytes are exactly the ones
recorded counts as unchanged without asking: any write to it, by anyone, means asking.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import tracking
from .dag import hash_path

if TYPE_CHECKING:
    from .params import Params

SQLITE_PREFIX = "sqlite:///"


def sqlite_file(uri: str) -> Path | None:
    """The database file of a `sqlite:///` tracking URI, else None."""
    if not uri.startswith(SQLITE_PREFIX):
        return None
    return Path(uri[len(SQLITE_PREFIX) :].split("?", 1)[0])


def sqlite_digest(uri: str) -> str | None:
    """SHA-256 of a SQLite store's bytes (with its write-ahead log), None if not a SQLite file."""
    database = sqlite_file(uri)
    if database is None or not database.is_file():
        return None
    files = (database, database.with_name(database.name + "-wal"))
    return hashlib.sha256("".join(hash_path(f) for f in files if f.is_file()).encode()).hexdigest()


def same_bytes(recorded: dict[str, Any] | None, root: Path) -> bool:
    """True when RECORDED was taken from this very SQLite file, byte for byte."""
    if recorded is None or recorded.get("uri") != tracking.tracking_uri(root):
        return False
    digest = sqlite_digest(recorded["uri"])
    return digest is not None and recorded.get("sqlite_sha256") == digest


def unchanged(recorded: dict[str, Any] | None, root: Path, params: Params) -> bool:
    """True when the tracking store still is the one RECORDED describes."""
    if recorded is None or recorded.get("uri") != tracking.tracking_uri(root):
        return False
    database = sqlite_file(recorded["uri"])
    if database is not None and not database.is_file():
        return False  # wiped; asking MLflow would create an empty store
    if same_bytes(recorded, root):
        return True
    current = _registry_state(recorded["uri"], params)
    return current is not None and current == recorded.get("registry")


def snapshot(root: Path, params: Params) -> dict[str, Any] | None:
    """The store's state now, to record with the tracked stages (None if it cannot be read)."""
    uri = tracking.tracking_uri(root)
    state = _registry_state(uri, params)
    if state is None:
        return None
    return {"uri": uri, "sqlite_sha256": sqlite_digest(uri), "registry": state}


def _registry_state(uri: str, params: Params) -> dict[str, Any] | None:
    """The experiment's identity and the alias holder, as plain JSON data (None on error)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from .registry import champion

    mlflow.set_tracking_uri(uri)
    try:
        experiment = mlflow.MlflowClient().get_experiment_by_name(tracking.experiment_name())
        holder = champion(mlflow, params.registry.model_name, params.registry.alias)
    except MlflowException:
        return None
    state = {
        "experiment": None
        if experiment is None
        else [experiment.experiment_id, experiment.creation_time],
        "champion": None if holder is None else asdict(holder),
    }
    normalized: dict[str, Any] = json.loads(json.dumps(state))  # as it reads back from disk
    return normalized
