"""`portkit update --check [--json]`: report whether a newer template version exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from portkit.cli.report import status
from portkit.errors import EXIT_UPDATE_AVAILABLE, PortkitError

if TYPE_CHECKING:
    from portkit.changelog import Entry
    from portkit.check import CheckResult


def run(path: Path, to: str | None, trust: bool, as_json: bool) -> None:
    """Check, print, and exit 0 (up to date) or 10 (a newer version); errors keep their code."""
    from portkit.catalog import Catalog
    from portkit.check import CheckRequest, Verdict, check_project

    try:
        with status() as progress:
            result = check_project(
                CheckRequest(path, to, trust), Catalog.from_environment(), progress
            )
    except PortkitError as error:
        if as_json:  # CI reads stdout: say what failed there too; stderr gets the usual lines
            typer.echo(
                json.dumps(
                    {"status": "error", "exit_code": error.exit_code, "message": error.message}
                )
            )
        raise
    if as_json:
        typer.echo(json.dumps(_as_data(result), indent=2))
    else:
        _report(result)
    if result.verdict is Verdict.UPDATE_AVAILABLE:
        raise typer.Exit(EXIT_UPDATE_AVAILABLE)


def _as_data(result: CheckResult) -> dict[str, Any]:
    """For CI: versions, changed files, predicted conflicts (None: unknown), changelog."""
    return {
        "template": result.template,
        "status": result.verdict.value,
        "current": result.current,
        "latest": result.latest,
        "changes": [
            {"status": c.status, "path": c.path, "old_path": c.old_path} for c in result.changes
        ],
        "conflicts": result.conflicts,
        "changelog": [
            {"version": e.version, "title": e.title, "body": e.body} for e in result.changelog
        ],
    }


def _report(result: CheckResult) -> None:
    from portkit.check import Verdict

    if result.verdict is Verdict.UP_TO_DATE:
        typer.echo(f"Up to date: {result.template} {result.current}.")
        return
    typer.echo(
        f"Update available: {result.template} {result.current} -> {result.latest}, "
        f"{len(result.changes)} file(s) would change:"
    )
    for change in result.changes:
        shown = f"{change.old_path} -> {change.path}" if change.old_path else change.path
        typer.echo(f"  {change.status:<9}{shown}")
    if result.conflicts:
        typer.echo("Would conflict with your edits: " + ", ".join(result.conflicts))
    print_changelog(result.changelog)
    typer.echo("Run `portkit update` to bring it in.")


def print_changelog(entries: list[Entry]) -> None:
    """The template's changelog entries between the two versions, indented."""
    if not entries:
        return
    typer.echo("Template changelog:")
    for entry in entries:
        for line in entry.as_markdown().splitlines():
            typer.echo(f"  {line}".rstrip())
