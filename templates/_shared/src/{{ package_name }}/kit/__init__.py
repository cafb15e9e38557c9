"""The house style every portkit project shares: one error tree, one CLI runner, one config loader.

- `errors`: `ProjectError` and its subclasses (`ConfigError`, `DataError`, `TrackingError`,
  `CheckFailedError`), and the exit codes they map to (`EXIT_*`).
- `runner`: `run(command, debug=...)`, the one place errors become output and exit codes, and
  `add_debug_option(parser)`.
- `config`: `load_config(path, Model)`, a YAML/TOML file validated by a pydantic model (imported
  from `kit.config` directly: it is the only part that needs pydantic).

Cheap to import: nothing heavy is imported here.
"""

from __future__ import annotations

from .errors import (
    EXIT_BROKEN_PIPE,
    EXIT_CHECK,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_USER,
    CheckFailedError,
    ConfigError,
    DataError,
    ProjectError,
    TrackingError,
)
from .runner import add_debug_option, run

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CHECK",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_USER",
    "CheckFailedError",
    "ConfigError",
    "DataError",
    "ProjectError",
    "TrackingError",
    "add_debug_option",
    "run",
]
