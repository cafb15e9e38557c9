"""`portkit info [PATH]`."""

from __future__ import annotations

from pathlib import Path

import typer

from portkit.cli.report import handle_errors


@handle_errors
def command(
    path: Path = typer.Argument(Path("."), help="The project folder (default: here)."),
) -> None:
    """Show which template, version and answers a project came from, and what is newer."""
    from portkit.catalog import Catalog
    from portkit.info import project_info

    info = project_info(path, Catalog.from_environment())
    record = info.provenance
    typer.echo(f"template:  {record.template} ({record.source.value}, {record.engine.value})")
    typer.echo(
        f"version:   {record.version}"
        + (f" (commit {record.commit[:12]})" if record.commit else "")
    )
    if info.latest is None:
        typer.echo(f"newest:    unknown ({info.latest_note})")
    elif info.update_available:
        typer.echo(f"newest:    {info.latest} — run `portkit update` to bring it in")
    else:
        typer.echo(f"newest:    {info.latest} (up to date)")
    typer.echo("answers:")
    for key, value in sorted(record.answers.items()):
        typer.echo(f"  {key}: {value}")
    _layers(path)


def _layers(path: Path) -> None:
    """The layers `portkit add` added, each with its own template, version and branch."""
    from portkit.layers import listing

    lines = listing(path)
    if lines:
        typer.echo("layers:")
        for line in lines:
            typer.echo(line)
