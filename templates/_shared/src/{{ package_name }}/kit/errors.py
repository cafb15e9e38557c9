"""The project's one error tree and its one mapping to exit codes.

Every problem a user can fix is a `ProjectError` (or a subclass): plain data with a one-line
`message`, an optional `hint`, and the `exit_code` the command line returns for it. Modules raise
them; only the CLI runner (`kit.runner`) prints them and picks the exit code.
"""

from __future__ import annotations

from typing import ClassVar

#: The exit codes of every command of every portkit project (documented in the README).
EXIT_OK = 0
EXIT_USER = 1  # a problem you can fix: configuration, data, tracking store, missing model
EXIT_USAGE = 2  # bad command line (argparse's own code)
EXIT_CHECK = 3  # a check the project runs on purpose failed (ml-pipeline's quality gate)
EXIT_INTERNAL = 4  # an unexpected error: a bug (run again with --debug for the traceback)
EXIT_INTERRUPTED = 130  # Ctrl-C (the shell's 128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (`... | head`; 128 + SIGPIPE)


class ProjectError(Exception):
    """A problem the user can fix; the CLI prints `message` (and `hint`) and exits `exit_code`."""

    exit_code: ClassVar[int] = EXIT_USER
    #: The word the CLI prints before the message (`error: ...`).
    label: ClassVar[str] = "error"

    def __init__(self, message: str = "", hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or ""

    def __str__(self) -> str:
        return self.message

    def lines(self) -> list[str]:
        """What the CLI prints on stderr: `error: <message>`, then `hint: <hint>` if any."""
        shown = [f"{self.label}: {self}"]
        if self.hint:
            shown.append(f"hint: {self.hint}")
        return shown


class ConfigError(ProjectError, ValueError):
    """A configuration file or environment variable holds a value the project cannot use."""


class DataError(ProjectError):
    """The user's data is missing or unusable; the message names the file (and rows)."""


class TrackingError(ProjectError):
    """The MLflow store cannot be used; the message names the variable that points at it."""


class CheckFailedError(ProjectError):
    """A check the project runs on purpose failed (a quality gate): exit code 3, not 1."""

    exit_code: ClassVar[int] = EXIT_CHECK
