"""`portkit adopt TEMPLATE [--data KEY=VALUE] [--dry-run]`."""

from __future__ import annotations

from pathlib import Path

import typer

from portkit.cli.completion import template_names
from portkit.cli.report import handle_errors, status


@handle_errors
def command(
    template: str = typer.Argument(
        ...,
        help="A built-in name, a local folder or a git URL: whatever `portkit new` accepts.",
        autocompletion=template_names,
    ),
    data: list[str] = typer.Option(
        [], "--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show which files would be added or conflict; change nothing."
    ),
    vcs_ref: str | None = typer.Option(
        None, "--vcs-ref", help="Git templates: the tag, branch or commit to use."
    ),
    trust: bool = typer.Option(
        False, "--trust", help="Allow template code to run (copier tasks, cookiecutter hooks)."
    ),
    path: Path = typer.Option(Path("."), "--project", help="The repository (default: here)."),
) -> None:
    """Bring this existing git repository under a template, so `portkit update` works on it."""
    from portkit.adopt import AdoptRequest, adopt_project
    from portkit.answers import parse_data
    from portkit.catalog import Catalog

    request = AdoptRequest(template, path, parse_data(data), dry_run, vcs_ref, trust)
    with status() as progress:
        result = adopt_project(request, Catalog.from_environment(), progress)
    record = result.record
    head = "Would adopt" if dry_run else "Adopted"
    typer.echo(f"{head} {record.template} {record.version} ({record.engine.value}):")
    typer.echo(f"  {len(result.added)} file(s) the repository lacks: added")
    if dry_run:
        for item in result.added:
            typer.echo(f"    {item}")
    typer.echo(f"  {len(result.same)} file(s) identical in both: kept")
    typer.echo(f"  {len(result.conflicts)} file(s) in both, different: merged as conflicts")
    for item in result.conflicts:
        typer.echo(f"    {item}")
    if dry_run:
        typer.echo("Nothing was changed.")
    else:
        merged = result.commit[:12] if result.commit else "?"
        typer.echo(f"Merged as {merged}; `portkit update` works from now on.")
