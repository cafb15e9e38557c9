"""STAND-IN, owned by the retrieval work (issue 13): the coordinator keeps the real module.

The real `calibration.py` reads the no-answer threshold that `make eval` calibrates and persists.
This stand-in only fixes the signature the answer engine calls, and means "no threshold".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings


def answer_threshold(settings: Settings) -> float | None:
    """The retrieval score below which the documents are taken not to answer; None: no limit."""
    return None
