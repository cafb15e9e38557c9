"""``python -m <package> writeup``: parse the options, run the write-up, print, pick the exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import tracking
from ..kit import add_debug_option, run


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (`writeup: <problem>` and 1 on a user error)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {str(__package__).rsplit('.', 1)[0]} writeup",
        description="Fill docs/writeup.md (Results, journey, figures, prompts), the model card and "
        "the README's Results from MLflow, and render docs/writeup.html.",
    )
    parser.add_argument("--root", type=Path, help="project folder (default: this one)")
    add_debug_option(parser)
    args = parser.parse_args(argv)
    return run(lambda: _write(args.root or tracking.project_root()), debug=args.debug)


def _write(root: Path) -> int:
    from .core import write

    report = write(root)
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
