"""The pipeline's exceptions: plain data, caught once by the CLI and mapped to exit codes."""

from __future__ import annotations


class PipelineError(Exception):
    """A problem the user can fix; the CLI prints `message` (and `hint`) and exits with `exit_code`."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ParamsError(PipelineError):
    """params.yaml (or a --set override) is missing, malformed, or has a bad key or value."""


class DataError(PipelineError):
    """The data file is missing or cannot be read as a table."""


class ValidationFailedError(PipelineError):
    """The data broke its schema; the report names every problem and no row was dropped."""


class GateFailedError(PipelineError):
    """The model missed a quality gate; nothing was registered."""

    exit_code = 3


class NoChampionError(PipelineError):
    """No model version holds the alias yet (a new or empty tracking store)."""
