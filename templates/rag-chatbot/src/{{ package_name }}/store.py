"""The index folder is replaced whole: built beside the old one, swapped in only on success.

A failed or interrupted ingestion (missing extra, full disk, Ctrl-C, a crash) therefore leaves
the previous index exactly as it was. The swap is two renames in the same parent folder; a crash
between them leaves the old index under `<index>.old`, which `recover` moves back.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _old(target: Path) -> Path:
    return target.with_name(f"{target.name}.old")


def recover(target: Path) -> None:
    """Put the old index back if a crash stopped a swap half-way (TARGET gone, `.old` there)."""
    old = _old(target)
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
