"""`portkit update` (placeholder until the update use case lands)."""

from __future__ import annotations

from portkit.cli.report import handle_errors
from portkit.errors import PortkitError


@handle_errors
def command() -> None:
    """Bring template improvements into this project, keeping your edits."""
    raise PortkitError("`portkit update` is not implemented yet.")
