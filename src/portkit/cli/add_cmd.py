"""`portkit add TEMPLATE [SUBDIR]`."""

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
    subdir: str = typer.Argument("", help="The folder to render it into (default: the root)."),
    data: list[str] = typer.Option(
        [], "--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."
    ),
    name: str = typer.Option(
        "", "--name", help="A layer at the root: its name (default: the template's)."
    ),
    vcs_ref: str | None = typer.Option(
        None, "--vcs-ref", help="Git templates: the tag, branch or commit to use."
    ),
    trust: bool = typer.Option(
        False, "--trust", help="Allow template code to run (copier tasks, cookiecutter hooks)."
    ),
    path: Path = typer.Option(Path("."), "--project", help="The project (default: here)."),
) -> None:
    """Add a template to this project as a layer of its own, kept updatable."""
    from portkit.add import AddRequest, add_layer
    from portkit.answers import parse_data
    from portkit.catalog import Catalog

    request = AddRequest(template, path, subdir, name, parse_data(data), vcs_ref, trust)
    with status() as progress:
        result = add_layer(request, Catalog.from_environment(), progress)
    record = result.record
    typer.echo(
        f"Added {record.template} {record.version} ({record.engine.value}, {result.files} files)"
        f" as the layer {result.layer.label}; merged as {result.commit[:12]}."
    )
    for key, value in sorted(result.links.items()):
        typer.echo(f"Linked: {key} = {value} (from the project it joins)")
    if result.composed:
        typer.echo("Composed for the layer: " + ", ".join(result.composed))
    typer.echo(
        f"Its renders live on {result.layer.branch}: push it along with yours "
        f"(git push origin {result.layer.branch})."
    )
