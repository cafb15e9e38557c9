"""`portkit list`."""

from __future__ import annotations

import typer

from portkit.cli.report import handle_errors


@handle_errors
def command() -> None:
    """List the templates: built-in ones and those in PORTKIT_TEMPLATES folders."""
    from portkit.catalog import Catalog

    entries = Catalog.from_environment().entries()
    if not entries:
        typer.echo("No templates found.")
        return
    width = max(len(info.name) for info in entries)
    for info in entries:
        origin = "" if info.kind.value == "builtin" else f"  [{info.kind.value}"
        origin += ", shadows built-in]" if info.shadows_builtin else ("]" if origin else "")
        typer.echo(f"{info.name:<{width}}  {info.description}  ({info.version}){origin}")
