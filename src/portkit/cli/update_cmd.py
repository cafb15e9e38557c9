"""`portkit update [PATH]` and `portkit diff [PATH]` (the same update, as a dry run)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from portkit.cli.check_cmd import print_changelog
from portkit.cli.report import handle_errors, status

if TYPE_CHECKING:
    from portkit.update import UpdateRequest, UpdateResult

_PATH = typer.Argument(
    Path("."),
    help="The project folder: every template layer, one merge each; a layer's folder "
    "(`portkit add`): that layer alone (default: here).",
)
_TO = typer.Option(
    None,
    "--to",
    metavar="REF",
    help="Git templates: the tag, branch or commit to update to (default: the newest version tag).",
)
_DATA = typer.Option([], "--data", "-d", metavar="KEY=VALUE", help="Change an answer (repeatable).")
_DEFAULTS = typer.Option(
    False, "--defaults", help="Give questions new in this version their defaults; never prompt."
)
_TRUST = typer.Option(
    False, "--trust", help="Allow template code to run (copier tasks, cookiecutter hooks)."
)


@handle_errors
def command(
    path: Path = _PATH,
    to: str | None = _TO,
    data: list[str] = _DATA,
    defaults: bool = _DEFAULTS,
    no_commit: bool = typer.Option(
        False, "--no-commit", help="Leave a clean merge staged instead of committing it."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would change, file by file; change nothing."
    ),
    trust: bool = _TRUST,
    check: bool = typer.Option(
        False,
        "--check",
        help="Only say whether a newer template version exists; change nothing. "
        "Exit 0: up to date, 10: a newer version, 11: the template's remote could not be reached.",
    ),
    json_output: bool = typer.Option(
        False, "--json", help="With --check: print the versions and changed files as JSON."
    ),
    forget_resolutions: bool = typer.Option(
        False,
        "--forget-resolutions",
        help="Forget how you resolved earlier update conflicts (git rerere), then update.",
    ),
) -> None:
    """Bring template improvements into this project with a git merge, keeping your edits."""
    if check or json_output:
        others = data or no_commit or dry_run or forget_resolutions
        _check(path, to, trust, json_output, check, others)
        return
    request = _request(path, to, data, defaults, trust, commit=not no_commit, dry_run=dry_run)
    _run(replace(request, forget_resolutions=forget_resolutions))


@handle_errors
def diff_command(
    path: Path = _PATH,
    to: str | None = _TO,
    data: list[str] = _DATA,
    trust: bool = _TRUST,
) -> None:
    """Show what `portkit update` would change, file by file, without touching the project."""
    _run(_request(path, to, data, True, trust, commit=False, dry_run=True))


def _check(
    path: Path, to: str | None, trust: bool, as_json: bool, check: bool, other: object
) -> None:
    from portkit.cli import check_cmd
    from portkit.errors import UsageError

    if not check:
        raise UsageError("--json only applies to --check.")
    if other:
        raise UsageError("--check takes only PATH, --to, --trust and --json.")
    check_cmd.run(path, to, trust, as_json)


def _request(
    path: Path,
    to: str | None,
    data: list[str],
    defaults: bool,
    trust: bool,
    *,
    commit: bool,
    dry_run: bool,
) -> UpdateRequest:
    from portkit.answers import parse_data
    from portkit.update import UpdateRequest

    return UpdateRequest(
        project=path,
        to=to,
        data=parse_data(data),
        interactive=not defaults and not dry_run and sys.stdin.isatty(),
        commit=commit,
        dry_run=dry_run,
        trust=trust,
    )


def _run(request: UpdateRequest) -> None:
    """Update each layer in turn (`portkit add`), one merge each; stop at the first conflict."""
    from portkit.layers import for_request

    root, layers = for_request(request)
    for layer in layers:
        if len(layers) > 1:
            typer.echo(f"Layer {layer.label}:")
        _run_layer(replace(request, project=root, layer=layer))


def _run_layer(request: UpdateRequest) -> None:
    from portkit.catalog import Catalog
    from portkit.layers import BASE
    from portkit.update import update_project

    with status() as progress:
        result = update_project(request, Catalog.from_environment(), progress)
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    _report(result, (request.layer or BASE).branch)
    for note in result.notes:
        typer.echo(f"Note: {note}")


def _report(result: UpdateResult, template_branch: str = "portkit/template") -> None:
    from portkit.update import Outcome

    _report_base(result, template_branch)
    if result.outcome is Outcome.UP_TO_DATE:
        typer.echo(f"Already up to date: {result.template} {result.new_version}.")
        return
    versions = f"{result.template} {result.old_version} -> {result.new_version}"
    if result.outcome is Outcome.PREVIEW and not result.changes:
        typer.echo(f"Nothing would change: {result.template} {result.new_version}.")
        return
    if result.outcome is Outcome.PREVIEW:
        typer.echo(f"Update {versions} would change {len(result.changes)} file(s):")
        _list_changes(result)
        _report_prediction(result.conflicts)
        print_changelog(result.changelog)
        return
    typer.echo(f"Updated {versions}: {len(result.changes)} file(s) changed by the template:")
    _list_changes(result)
    print_changelog(result.changelog)
    if result.commit:
        typer.echo(f"Merged into {result.branch} as {result.commit[:12]}.")
        typer.echo(f"Push the template branch along with yours: git push origin {template_branch}")
    else:
        later = result.follow.later(template_branch) if result.follow else ""
        typer.echo(
            "The merge is staged, not committed: review it (git diff --cached), then `git commit`;"
            f" {later}. Or `git merge --abort`."
        )


def _report_base(result: UpdateResult, name: str) -> None:
    from portkit.update import BaseSource

    notes = {
        BaseSource.REMOTE: f"Using origin/{name} (no local {name} branch).",
        BaseSource.HISTORY: f"Recovered {name} from your history (it was missing).",
        BaseSource.REBUILT: f"Rebuilt {name} by re-rendering "
        f"{result.template} {result.old_version} (the branch was missing).",
    }
    note = notes.get(result.base_source)
    if note:
        typer.echo(note, err=True)


def _list_changes(result: UpdateResult) -> None:
    for change in result.changes:
        shown = f"{change.old_path} -> {change.path}" if change.old_path else change.path
        typer.echo(f"  {change.status:<9}{shown}")


def _report_prediction(conflicts: list[str] | None) -> None:
    if conflicts is None:
        typer.echo("Conflicts cannot be predicted for this update (first merge after a rebuild).")
    elif conflicts:
        typer.echo("Would conflict with your edits: " + ", ".join(conflicts))
    else:
        typer.echo("No conflicts expected.")
