"""Whether a tracking store can be used, and the one-line `TrackingError` saying why not.

A set ``MLFLOW_TRACKING_URI`` is checked before anything connects (a scheme MLflow knows, its
database driver installed), and the first contact with a server fails in seconds rather than
after minutes of retries. Every failure becomes one line naming the variable to fix, with any
password in the URI hidden. `tracking` re-exports these names; callers use them from there.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

from .kit.errors import TrackingError  # the shared error tree: exit code 1, one line

#: MLflow retries a failing HTTP request for minutes by default (7 retries, backoff factor 2, a
#: 120 s timeout); the first contact with a server (`experiment_id`, `check_reachable`) uses these
#: instead: a closed port fails in a few seconds, a busy server still gets 30 s to answer.
FIRST_CONTACT_ENV = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
#: What a failed request's text says, and the words the user reads for it.
HTTP_CAUSES = {
    "Connection refused": "connection refused",
    "NameResolutionError": "unknown host name",
    "timed out": "no answer in time",
}


#: URI schemes MLflow opens as a tracking store (the part before any "+driver").
DATABASE_SCHEMES = frozenset({"postgresql", "mysql", "mssql"})
OTHER_SCHEMES = frozenset(
    {"", "file", "sqlite", "http", "https", "databricks", "databricks-uc", "uc"}
)
KNOWN_SCHEMES = DATABASE_SCHEMES | OTHER_SCHEMES


def check_uri(variable: str, uri: str) -> None:
    """A `TrackingError` naming VARIABLE when URI's scheme is unknown or its driver missing."""
    scheme = urllib.parse.urlsplit(uri).scheme.lower()
    kind = scheme.split("+", 1)[0]
    if len(scheme) > 1 and kind not in KNOWN_SCHEMES:  # one letter: a Windows drive, a path
        raise store_problem(variable, uri, ValueError("unsupported URI"))
    if kind in DATABASE_SCHEMES:
        from sqlalchemy.engine import make_url

        try:
            make_url(uri).get_dialect().import_dbapi()
        except Exception as error:  # noqa: BLE001 - a missing driver or a malformed URI
            raise store_problem(variable, uri, error) from error


def redact(uri: str) -> str:
    """URI with its password (if any) replaced by ``***``, fit for an error message."""
    parts = urllib.parse.urlsplit(uri)
    if not parts.password:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def store_problem(variable: str, uri: str, error: BaseException) -> TrackingError:
    """One line that says why the store at URI (set by VARIABLE) cannot be used."""
    shown = f"{variable}={redact(uri)}"
    text = str(error)
    if isinstance(error, ImportError):
        module = getattr(error, "name", None) or text
        why = f"its database driver is not installed (no module '{module}'): install it (psycopg[binary] for postgresql+psycopg://) or fix the URI's driver"
    elif "unsupported URI" in text or "registered tracking store" in text:
        why = "MLflow does not know this kind of URI: use http(s)://HOST:PORT, sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST/DB"
    elif "401" in text or "403" in text or "Unauthorized" in text:
        why = "the server refused the credentials: check MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
    elif is_server(uri):
        cause = next((words for key, words in HTTP_CAUSES.items() if key in text), "no answer")
        why = f"no MLflow server answers there ({cause}): start it (make mlflow-server) or fix the address"
    else:
        first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        why = f"cannot open the store ({first[:200]})"
    return TrackingError(f"{shown}: {why}.")


@contextmanager
def first_contact(variable: str, uri: str) -> Iterator[None]:
    """Fail fast and in one line: no HTTP retries, a short timeout, any error a `TrackingError`."""
    saved = {key: os.environ.get(key) for key in FIRST_CONTACT_ENV}
    os.environ.update(FIRST_CONTACT_ENV)
    try:
        yield
    except TrackingError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the store raised, the user gets one line
        raise store_problem(variable, uri, error) from error
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def is_server(uri: str) -> bool:
    """Whether URI names a tracking server (http or https) rather than a store MLflow opens itself."""
    return uri.lower().startswith(("http://", "https://"))
