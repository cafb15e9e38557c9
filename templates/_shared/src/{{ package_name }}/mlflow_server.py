"""``make mlflow-server``: a tracking server the whole team points ``MLFLOW_TRACKING_URI`` at.

The same ``mlflow server`` command as ``docker-compose.mlflow.yml``'s, run from this project's venv:

- runs and models in ``MLFLOW_BACKEND_STORE_URI`` (PostgreSQL for a team:
  ``postgresql+psycopg://USER:PASSWORD@HOST:5432/DB``), else the SQLite file
  ``mlflow-server/mlflow.db`` (a separate store from the project's own ``mlflow.db``, whose
  artifacts are local paths no teammate could read);
- artifacts proxied by the server (``--serve-artifacts``) into ``MLFLOW_ARTIFACTS_DESTINATION``,
  else ``mlflow-server/artifacts/``: clients need no storage credentials;
- one worker: with several, uvicorn delays every keep-alive request (~40 ms on Linux), which
  makes chatty logging several times slower.

The database is checked before the server starts, so a wrong URI, password or missing driver is
one line naming ``MLFLOW_BACKEND_STORE_URI`` rather than a worker's traceback.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from .kit import add_debug_option, run
from .tracking import project_root, redact, store_problem

#: Where the SQLite store and the artifacts go when no variable says otherwise (git-ignored).
SERVER_DIR = "mlflow-server"


def backend_store_uri(root: Path) -> str:
    """``MLFLOW_BACKEND_STORE_URI`` if set, else ``mlflow-server/mlflow.db`` under ROOT."""
    configured = os.environ.get("MLFLOW_BACKEND_STORE_URI", "").strip()
    return configured or "sqlite:///" + (root / SERVER_DIR / "mlflow.db").as_posix()


def artifacts_destination(root: Path) -> str:
    """``MLFLOW_ARTIFACTS_DESTINATION`` if set, else ``mlflow-server/artifacts/`` under ROOT."""
    configured = os.environ.get("MLFLOW_ARTIFACTS_DESTINATION", "").strip()
    return configured or (root / SERVER_DIR / "artifacts").resolve().as_uri()


def server_command(host: str, port: int, root: Path) -> list[str]:
    """The ``mlflow server`` command line (the compose file's, with this machine's stores)."""
    return [
        *(sys.executable, "-m", "mlflow", "server"),
        *("--host", host, "--port", str(port), "--workers", "1"),
        *("--backend-store-uri", backend_store_uri(root)),
        *("--artifacts-destination", artifacts_destination(root), "--serve-artifacts"),
    ]


def check_database(uri: str) -> None:
    """Connect once to the backend store (5 s timeout); a `TrackingError` if that fails."""
    from sqlalchemy import create_engine, text

    variable = "MLFLOW_BACKEND_STORE_URI"
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return
    try:
        timeout = {"connect_timeout": 5} if uri.startswith("postgresql") else {}
        engine = create_engine(uri, connect_args=timeout)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - the user gets one line, whatever went wrong
        raise store_problem(variable, uri, error) from error


def main(argv: list[str] | None = None) -> int:
    """Check the database, then run ``mlflow server`` until Ctrl-C; return its exit code."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}.mlflow_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("MLFLOW_PORT", "5000")))
    parser.add_argument("--print", action="store_true", help="print the command, do not run it")
    add_debug_option(parser)
    args = parser.parse_args(argv)
    return run(lambda: _serve(args.host, args.port, dry_run=args.print), debug=args.debug)


def _serve(host: str, port: int, *, dry_run: bool) -> int:
    """The server's recipe; a `TrackingError` (one line, exit 1) if the database is unusable."""
    root = project_root()
    command = server_command(host, port, root)
    if dry_run:
        print(shlex.join(command))
        return 0
    uri = backend_store_uri(root)
    check_database(uri)
    if not os.environ.get("MLFLOW_ARTIFACTS_DESTINATION"):
        (root / SERVER_DIR / "artifacts").mkdir(parents=True, exist_ok=True)
    print(
        f"MLflow server on http://{host}:{port} (runs: {redact(uri)}); teammates set "
        f"MLFLOW_TRACKING_URI=http://<this machine>:{port}. Ctrl-C stops it."
    )
    sys.stdout.flush()
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:  # the way a server is stopped: no "interrupted" line
        return 130


if __name__ == "__main__":
    sys.exit(main())
