"""The Typer application: global options and the command table.

Each command lives in its own module and imports the core lazily, so `portkit --help` costs
little more than importing Typer.
"""

from __future__ import annotations

import typer

from portkit._version import __version__
from portkit.cli import add_cmd, adopt_cmd, info_cmd, list_cmd, new_cmd, status_cmd, update_cmd
from portkit.cli.report import set_debug

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"portkit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    """Stamp out ready-to-extend ML portfolio projects, and keep them up to date.

    Exit codes: 0 ok, 1 error you can fix, 2 bad usage, 3 update or adopt left conflicts,
    10 `update --check` found a newer version, 11 a template's remote could not be reached,
    70 internal error (a bug), 130 interrupted.
    """
    set_debug(debug)


app.command("new")(new_cmd.command)
app.command("list")(list_cmd.command)
app.command("info")(info_cmd.command)
app.command("update")(update_cmd.command)
app.command("diff")(update_cmd.diff_command)
app.command("status")(status_cmd.command)
app.command("add")(add_cmd.command)
app.command("adopt")(adopt_cmd.command)
