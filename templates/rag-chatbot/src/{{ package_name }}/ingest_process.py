"""Ingestion for the running server, in a child process.

Ingestion is CPU work in Python (parsing, stemming, building the index): in a thread of the
server it would share the interpreter lock with the questions being answered and stall them
for hundreds of milliseconds. In a child process it stalls nothing, and a parser that crashes
on a hostile file takes down only the child. The parent passes its settings (its own object,
through a pipe) and reads back the report as JSON.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from .config import Settings
from .ingest import EmptyCorpusError, IngestReport, ingest


class IngestFailedError(RuntimeError):
    """The child ingestion failed for another reason than an empty corpus."""


def ingest_in_child(settings: Settings, full: bool = False) -> IngestReport:
    """`ingest(settings, full)` run in a child process; its report, or its error re-raised."""
    done = subprocess.run(
        [sys.executable, "-m", f"{__package__}.ingest_process"],
        input=pickle.dumps((settings, full)),
        capture_output=True,
        check=False,
        cwd=settings.root,
    )
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise IngestFailedError(f"Ingestion failed (exit {done.returncode}): {last[0]}") from None
    if "error" in result:
        error = EmptyCorpusError if result["kind"] == "EmptyCorpusError" else IngestFailedError
        raise error(result["error"])
    report = IngestReport(docs=Path(result.pop("docs")), **result)
    report.skipped = [(source, reason) for source, reason in report.skipped]
    return report


def _main() -> int:
    settings, full = pickle.loads(sys.stdin.buffer.read())  # from our own parent only
    try:
        report = ingest(settings, full=full)
    except Exception as exc:
        print(json.dumps({"error": str(exc), "kind": type(exc).__name__}))
        return 1
    fields = {**vars(report), "docs": str(report.docs)}
    print(json.dumps(fields, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
