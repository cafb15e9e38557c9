"""The pipeline's own exceptions, in the shared error tree (`kit.errors`): caught once by the CLI.

Exit codes come from the tree: 1 for a problem you can fix, 3 for a failed quality gate.
"""

from __future__ import annotations

from .kit.errors import CheckFailedError, ConfigError, ProjectError
from .kit.errors import DataError as _DataError

#: The base of every error below (kept under its old name for the pipeline's modules).
PipelineError = ProjectError


class ParamsError(ConfigError):
    """params.yaml (or a --set override) is missing, malformed, or has a bad key or value."""


class DataError(_DataError):
    """The data file is missing or cannot be read as a table."""


class ValidationFailedError(_DataError):
    """The data broke its schema; the report names every problem and no row was dropped."""


class GateFailedError(CheckFailedError):
    """The model missed a quality gate; nothing was registered (exit code 3)."""


class NoChampionError(ProjectError):
    """No model version holds the alias yet (a new or empty tracking store)."""
