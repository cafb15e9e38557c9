"""The one place that turns outcomes into terminal output and exit codes."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer

from portkit.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, PortkitError

F = TypeVar("F", bound=Callable[..., Any])


def err(message: str) -> None:
    """A line on stderr."""
    typer.echo(message, err=True)


_debug = {"enabled": False}


def set_debug(enabled: bool) -> None:
    """Remember the root command's `--debug` for the error handler."""
    _debug["enabled"] = enabled


def debug_enabled() -> bool:
    """`--debug` was given on the root command."""
    return _debug["enabled"]


def handle_errors(command: F) -> F:
    """Map every failure to one line (plus a hint) and its documented exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except PortkitError as error:
            _show_traceback_if_debug()
            err(f"Error: {error.message}")
            if error.hint:
                err(f"Hint: {error.hint}")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            err("Interrupted: nothing was written.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as error:
            _show_traceback_if_debug()
            err(f"Internal error: {type(error).__name__}: {error}")
            if not debug_enabled():
                err(
                    "This is a bug in portkit. Re-run with --debug for the traceback and report it."
                )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _show_traceback_if_debug() -> None:
    if debug_enabled():
        traceback.print_exc(file=sys.stderr)


@contextmanager
def status() -> Iterator[Callable[[str], None]]:
    """A status line on stderr for long steps: rewritten in place on a terminal, lines otherwise."""
    live = sys.stderr.isatty()
    last = [0]

    def update(message: str) -> None:
        if live:
            padding = " " * max(0, last[0] - len(message))
            sys.stderr.write(f"\r… {message}{padding}")
            sys.stderr.flush()
            last[0] = len(message)
        else:
            err(f"… {message}")

    try:
        yield update
    finally:
        if live and last[0]:
            sys.stderr.write("\r" + " " * (last[0] + 2) + "\r")
            sys.stderr.flush()
