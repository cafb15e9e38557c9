"""The one error bad data raises, so a CLI prints one line and exits non-zero (no traceback)."""

from __future__ import annotations

from ..kit import errors


class DataError(errors.DataError):
    """Something is wrong with the user's data: the message names the file, columns and rows.

    ``hint`` says what to do about it, when there is something obvious to do. Unlike the other
    errors of the kit's tree, the hint stays on the message's line: a data problem is one line.
    """

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def lines(self) -> list[str]:
        """`error: <message> <hint>`, one line."""
        return [f"{self.label}: {self}"]


def rows_text(index: object, limit: int = 5) -> str:
    """'rows 3, 8, 12 and 4 more': 1-based data rows of the file (the frame index + 1)."""
    numbers = [int(i) + 1 for i in index]  # type: ignore[attr-defined]
    shown = ", ".join(str(n) for n in numbers[:limit])
    more = f" and {len(numbers) - limit} more" if len(numbers) > limit else ""
    return f"row{'s' if len(numbers) > 1 else ''} {shown}{more}"
