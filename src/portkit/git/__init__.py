"""Git behind named operations: the command line as a typed subprocess, and `Repository`.

The use cases (`new`, `update`, `status`, `check`) never spell out a git command line: they ask
a `Repository` to commit a rendered folder, list what changed between commits, predict or run a
merge, read or move a ref. `run`/`output` remain for what is not a repository yet (a clone).
"""

from portkit.git.process import (
    FALLBACK_IDENTITY,
    Completed,
    available,
    identity_config,
    is_repository,
    last_line,
    output,
    run,
)
from portkit.git.repository import LoggedCommit, Repository

__all__ = [
    "FALLBACK_IDENTITY",
    "Completed",
    "LoggedCommit",
    "Repository",
    "available",
    "identity_config",
    "is_repository",
    "last_line",
    "output",
    "run",
]
