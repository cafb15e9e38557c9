"""The index folder is replaced whole: built beside the old one, swapped in only on success.

A failed or interrupted ingestion (missing extra, full disk, Ctrl-C, a crash) therefore leaves
the previous index exactly as it was. The swap is two renames in the same parent folder; a crash
between them leaves the old index under `<index>.old`, which `recover` moves back. Each index
carries a random generation id, so a running server sees a new index with one small read.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GENERATION = ".generation"
# A swap is two renames, microseconds apart: TARGET missing for longer than this means a crash.
SWAP_GRACE_SECONDS = 1.0


def _old(target: Path) -> Path:
    return target.with_name(f"{target.name}.old")


def generation(target: Path) -> str | None:
    """The id of the index in TARGET (None while there is none, or for an index built before ids).

    Cheap enough to call on every request: one small file read.
    """
    try:
        return (target / GENERATION).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def recover(target: Path) -> None:
    """Put the old index back if a crash stopped a swap half-way (TARGET gone, `.old` there).

    Another process may be between the two renames of its swap right now (a server reloading
    while `make ingest` runs): only a TARGET still missing after a grace period is a crash.
    """
    old = _old(target)
    if not old.is_dir() or target.exists():
        return
    deadline = time.monotonic() + SWAP_GRACE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if target.exists():
            return
    if old.is_dir() and not target.exists():
        os.replace(old, target)


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A fresh folder beside TARGET to build the new index in; it replaces TARGET on success.

    On any exception (or KeyboardInterrupt) the new folder is deleted and TARGET is untouched.
    """
    recover(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkdtemp: its folder is private (0700), and it would become the index.
    staging = target.with_name(f"{target.name}.new-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    try:
        # Keep the half-built folder out of git (and of the runs' dirty flag), like the index.
        (staging / ".gitignore").write_text("*\n", encoding="utf-8")
        yield staging
        (staging / GENERATION).write_text(uuid.uuid4().hex + "\n", encoding="utf-8")
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(new: Path, target: Path) -> None:
    old = _old(target)
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
