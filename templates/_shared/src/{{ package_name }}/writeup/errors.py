"""The write-up's one error type: every bad state the user can fix, with its one-line message."""

from __future__ import annotations


class WriteupError(Exception):
    """A problem the user can fix; its message says how (printed on one line, exit code 1)."""
