"""The write-up's one error type: every bad state the user can fix, with its one-line message."""

from __future__ import annotations

from typing import ClassVar

from ..kit.errors import ProjectError


class WriteupError(ProjectError):
    """A problem the user can fix; its message says how (`writeup: <message>`, exit code 1)."""

    label: ClassVar[str] = "writeup"
