"""The command-line layer: parses switches, calls the core, prints, picks exit codes."""

from __future__ import annotations

from portkit.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app(prog_name="portkit")


__all__ = ["app", "main"]
