"""The no-answer threshold: below it, the best retrieved chunk is too weak to answer from.

`make eval` computes it from the question set (questions marked unanswerable against the
others) and stores it inside the index folder, with the fingerprint of the index manifest it
was computed for. The answerer compares the top hit's score (`Hit.score` of the configured
retriever; BM25's is normalised per query, see `retrieval.py`) with `answer_threshold`. A
re-ingestion that changed the index makes the stored threshold stale: it is then ignored, with
a notice, until `make eval` runs again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)

CALIBRATION = "calibration.json"
MIN_BALANCED_ACCURACY = 0.75  # below this, a threshold would refuse about as often as it helps
MANIFEST = "manifest.json"  # the same name as ingest.MANIFEST (not imported: keep this light)
_noticed: set[str] = set()


@dataclass(frozen=True)
class Calibration:
    """A threshold and what it was computed on."""

    threshold: float
    retriever: str
    manifest_sha256: str
    answerable: int
    unanswerable: int
    balanced_accuracy: float


def index_fingerprint(index_dir: Path) -> str:
    """SHA-256 of the index manifest ("" when there is no index)."""
    try:
        return hashlib.sha256((index_dir / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return ""


def _notice(message: str) -> None:
    """Log MESSAGE once per process (the engine may ask for the threshold at every turn)."""
    if message not in _noticed:
        _noticed.add(message)
        log.warning(message)


def load_calibration(index_dir: Path) -> Calibration | None:
    """The stored calibration, fresh or not (None when there is none or it is unreadable)."""
    path = index_dir / CALIBRATION
    if not path.is_file():
        return None
    try:
        return Calibration(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        _notice(f"Ignoring {path}: unreadable; `make eval` writes it again.")
        return None


def answer_threshold(settings: Settings) -> float | None:
    """The calibrated minimum top score for answering, or None (no calibration, or stale)."""
    index_dir = settings.ingest.index
    calibration = load_calibration(index_dir)
    if calibration is None:
        return None
    if calibration.retriever != settings.retrieval.retriever:
        _notice(
            f"The no-answer threshold was calibrated for the {calibration.retriever} retriever, "
            f"not {settings.retrieval.retriever}: ignored until `make eval` runs again."
        )
        return None
    if calibration.manifest_sha256 != index_fingerprint(index_dir):
        _notice(
            "The no-answer threshold was calibrated on an older index (documents changed "
            "since): ignored until `make eval` runs again."
        )
        return None
    return calibration.threshold


def compute_threshold(
    answerable: Sequence[float], unanswerable: Sequence[float]
) -> tuple[float, float] | None:
    """(threshold, balanced accuracy) best separating the two groups of top scores.

    A question is answered when its top score is >= the threshold. The threshold maximises the
    mean of the share of answerable questions answered and the share of unanswerable ones
    refused; among equals, the lowest (refusing a real question costs more than a weak answer).
    None when either group is empty.
    """
    if not answerable or not unanswerable:
        return None
    values = sorted(set(answerable) | set(unanswerable))
    # Candidates: halfway between neighbouring observed scores (a margin on both sides), the
    # lowest score (answer everything) and just above the highest (refuse everything).
    middles = [(low + high) / 2 for low, high in zip(values, values[1:], strict=False)]
    candidates = [values[0], *middles, values[-1] + 1e-9]
    best: tuple[float, float] | None = None
    for candidate in candidates:
        answered = sum(s >= candidate for s in answerable) / len(answerable)
        refused = sum(s < candidate for s in unanswerable) / len(unanswerable)
        accuracy = (answered + refused) / 2
        if best is None or accuracy > best[1] + 1e-12:
            best = (candidate, accuracy)
    return best


def save_calibration(index_dir: Path, calibration: Calibration) -> Path:
    """Write CALIBRATION into the index folder (whole or not at all)."""
    path = index_dir / CALIBRATION
    partial = path.with_name(f".{CALIBRATION}.partial")
    partial.write_text(json.dumps(asdict(calibration), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


class NoThresholdError(ValueError):
    """No threshold could be set from this question file (the message says why)."""


def calibrate(
    settings: Settings, retriever: str, top_scores: dict[str, list[float]]
) -> Calibration:
    """Compute the threshold from TOP_SCORES ("answerable"/"unanswerable" lists of top scores)
    and store it in the index.

    NoThresholdError when a group is empty, or when the best threshold separates the groups
    no better than MIN_BALANCED_ACCURACY (the score says little about answerability): a stored
    threshold for this index is then removed, not trusted.
    """
    answerable, unanswerable = top_scores.get("answerable", []), top_scores.get("unanswerable", [])
    found = compute_threshold(answerable, unanswerable)
    if found is None:
        raise NoThresholdError(
            "No no-answer threshold computed: the question file needs questions the documents "
            'do not answer ("sources": []) beside the others.'
        )
    index_dir = settings.ingest.index
    if found[1] < MIN_BALANCED_ACCURACY:
        (index_dir / CALIBRATION).unlink(missing_ok=True)
        raise NoThresholdError(
            f"No no-answer threshold stored: the {retriever} retriever's top score separates "
            f"answerable from unanswerable questions poorly (balanced accuracy {found[1]:.2f} "
            f"< {MIN_BALANCED_ACCURACY}); the answerer will not refuse on score."
        )
    calibration = Calibration(
        threshold=round(found[0], 6),
        retriever=retriever,
        manifest_sha256=index_fingerprint(index_dir),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        balanced_accuracy=round(found[1], 4),
    )
    save_calibration(index_dir, calibration)
    return calibration
