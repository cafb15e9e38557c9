"""`portkit new TEMPLATE DEST`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from portkit.cli.completion import template_names
from portkit.cli.report import handle_errors, status


@handle_errors
def command(
    template: str = typer.Argument(
        ...,
        help="A built-in name (see `portkit list`), a local folder, or a git URL (gh:owner/repo).",
        autocompletion=template_names,
    ),
    destination: Path = typer.Argument(..., help="The new project's folder."),
    defaults: bool = typer.Option(False, "--defaults", help="Use default answers; never prompt."),
    data: list[str] = typer.Option(
        [], "--data", "-d", metavar="KEY=VALUE", help="Answer a question (repeatable)."
    ),
    answers_file: Path | None = typer.Option(
        None, "--answers-file", "-a", help="A YAML file of answers (e.g. shared by a team)."
    ),
    vcs_ref: str | None = typer.Option(
        None, "--vcs-ref", help="Git templates: the tag, branch or commit to use."
    ),
    no_git: bool = typer.Option(False, "--no-git", help="Do not create a git repository."),
    trust: bool = typer.Option(
        False, "--trust", help="Allow template code to run (copier tasks, cookiecutter hooks)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Use a non-empty folder; existing files are never overwritten."
    ),
) -> None:
    """Create a new project from a template."""
    from portkit.answers import parse_data
    from portkit.catalog import Catalog
    from portkit.models import NewRequest
    from portkit.new import new_project

    request = NewRequest(
        template=template,
        destination=destination,
        data=parse_data(data),
        answers_file=answers_file,
        defaults=defaults,
        interactive=not defaults and sys.stdin.isatty(),
        vcs_ref=vcs_ref,
        git=not no_git,
        trust=trust,
        force=force,
    )
    with status() as progress:
        result = new_project(request, Catalog.from_environment(), progress)
    record = result.provenance
    typer.echo(
        f"Created {destination} from {record.template} {record.version} "
        f"({record.engine.value}, {result.files} files)."
    )
    if result.git_initialised:
        typer.echo("Git: branch main, with the pristine render on portkit/template.")
    for note in result.notes:
        typer.echo(note)
    typer.echo(
        f"Next: cd {destination}"
        + (" && make help" if (result.destination / "Makefile").exists() else "")
    )
