"""`portkit status [PATH] [--upstream] [--json]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from portkit.cli.report import handle_errors, status

if TYPE_CHECKING:
    from portkit.status import StatusResult

_LABELS = {"template": "template", "customised": "customised", "deleted": "deleted", "own": "yours"}
_YOURS = {
    "template": "unchanged by you",
    "customised": "customised by you",
    "deleted": "deleted by you",
    "own": "your own file",
}


@handle_errors
def command(
    path: Path = typer.Argument(Path("."), help="The project folder (default: here)."),
    upstream: bool = typer.Option(
        False, "--upstream", help="Also say which files newer template versions change."
    ),
    to: str | None = typer.Option(
        None, "--to", metavar="REF", help="With --upstream, git templates: the version to compare."
    ),
    all_files: bool = typer.Option(
        False, "--all", help="List the files that match the template too."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print every file's state as JSON."),
    trust: bool = typer.Option(
        False, "--trust", help="With --upstream: allow template code to run while rendering."
    ),
) -> None:
    """Show, per file, whether it matches the template, was customised, or is your own."""
    from portkit.catalog import Catalog
    from portkit.status import StatusRequest, project_status

    request = StatusRequest(path, upstream=upstream, to=to, trust=trust)
    with status() as progress:
        result = project_status(request, Catalog.from_environment(), progress)
    if json_output:
        typer.echo(json.dumps(_as_data(result), indent=2))
    else:
        _report(result, all_files)


def _as_data(result: StatusResult) -> dict[str, Any]:
    upstream = result.upstream
    return {
        "template": result.template,
        "version": result.version,
        "render": result.render,
        "files": [
            {
                "path": f.path,
                "state": f.state.value,
                "old_path": f.old_path,
                "upstream": f.upstream,
                "conflict": f.conflict,
            }
            for f in result.files
        ],
        "upstream": None
        if upstream is None
        else {
            "version": upstream.version,
            "changes": [
                {"status": c.status, "path": c.path, "old_path": c.old_path}
                for c in upstream.changes
            ],
            "conflicts": upstream.conflicts,
        },
    }


def _report(result: StatusResult, all_files: bool) -> None:
    from portkit.status import FileState

    typer.echo(
        f"{result.template} {result.version}: compared with its render {result.render[:12]}"
        " (portkit/template)"
    )
    matching = 0
    for file in result.files:
        if file.state is FileState.TEMPLATE:
            matching += 1
            if not all_files:
                continue
        label = _LABELS[file.state.value]
        shown = f"{file.path} (renamed from {file.old_path})" if file.old_path else file.path
        typer.echo(f"  {label:<11}{shown}")
    if matching == len(result.files):
        typer.echo(f"All {matching} file(s) match the template.")
    else:
        typer.echo(f"{matching} file(s) match the template; the others are listed above.")
    if result.upstream is not None:
        _report_upstream(result)
    _report_layers(result.project)


def _report_layers(project: Path) -> None:
    """Layers added with `portkit add`: their files are listed above as yours; see each one."""
    from portkit.layers import listing

    lines = listing(project)
    if lines:
        typer.echo("Layers (added with `portkit add`; their files count as yours above):")
        for line in lines:
            typer.echo(line)


def _report_upstream(result: StatusResult) -> None:
    upstream = result.upstream
    assert upstream is not None
    if not upstream.changes:
        typer.echo(f"Upstream: nothing newer ({result.template} {upstream.version}).")
        return
    typer.echo(f"Changed upstream in {result.template} {upstream.version}:")
    states = {file.old_path or file.path: file for file in result.files}
    shown = [f"{c.old_path} -> {c.path}" if c.old_path else c.path for c in upstream.changes]
    width = max(len(text) for text in shown)
    for change, text in zip(upstream.changes, shown, strict=True):
        local = states.get(change.old_path or change.path)
        where = "new to you" if local is None else _YOURS[local.state.value]
        if local is not None and upstream.conflicts is not None:
            where += ": would conflict" if local.conflict else ": merges cleanly"
        typer.echo(f"  {change.status:<9}{text:<{width}}  ({where})")
