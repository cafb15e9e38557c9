"""The one place a command's outcome becomes output and an exit code (every CLI calls `run`).

Without ``--debug`` a `ProjectError` is its one line (`error: ...`, plus `hint: ...` when it has
one) and its documented exit code; any other exception is a bug: one line and exit code 4. With
``--debug`` the traceback is printed first; the exit code stays the same.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable

from .errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    ProjectError,
)


def add_debug_option(parser: argparse.ArgumentParser) -> None:
    """The shared ``--debug`` switch (before the command: ``python -m <package> --debug run``)."""
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (same exit code)"
    )


def run(
    command: Callable[[], int | None],
    *,
    debug: bool = False,
    on_error: Callable[[ProjectError], None] | None = None,
) -> int:
    """Call COMMAND and return its exit code; every error ends here (ON_ERROR sees user errors)."""
    try:
        code = command()
        sys.stdout.flush()  # here, so that a closed pipe is noticed inside the `try`
        return int(code or 0)
    except ProjectError as error:
        _traceback(debug)
        for line in error.lines():
            print(line, file=sys.stderr)
        if on_error is not None:
            on_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        _traceback(debug)
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`ask ... | head`): stop quietly, as Unix tools do. Point stdout
        # at devnull so that Python's own flush at exit does not fail again (Python docs, signal).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:  # noqa: BLE001 - the one place a bug becomes an exit code
        _traceback(debug)
        print(f"internal error: {type(error).__name__}: {error}", file=sys.stderr)
        if not debug:
            print("hint: run again with --debug for the traceback", file=sys.stderr)
        return EXIT_INTERNAL


def _traceback(debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
