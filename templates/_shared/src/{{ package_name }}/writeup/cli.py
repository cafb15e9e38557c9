"""``python -m <package> writeup``: parse the options, run the write-up, print, pick the exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import tracking
from .errors import WriteupError


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (1 with one clear line on a user error)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {str(__package__).rsplit('.', 1)[0]} writeup",
        description="Fill docs/writeup.md (Results, journey, figures, prompts), the model card and "
        "the README's Results from MLflow, and render docs/writeup.html.",
    )
    parser.add_argument("--root", type=Path, help="project folder (default: this one)")
    args = parser.parse_args(argv)
    root = args.root or tracking.project_root()
    from .core import write

    try:
        report = write(root)
    except WriteupError as error:
        print(f"writeup: {error}", file=sys.stderr)
        return 1
    for path in report.written:
        print(f"Updated {_shown(path, root)}")
    if not report.written:
        print("Nothing changed: the write-up already shows the latest runs.")
    for note in report.notes:
        print(f"Note: {note}")
    if report.preview is not None:
        print(
            f"Preview: {_shown(report.preview, root)} (one self-contained page; open it in a browser)"
        )
    return 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
