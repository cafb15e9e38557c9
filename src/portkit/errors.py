"""One exception tree for every failure portkit reports to a user.

The CLI catches `PortkitError` once and maps it to its exit code; anything else is a bug.
Exceptions are plain data: no printing and no I/O here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

#: Exit codes, documented in the README ("Exit codes").
EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_CONFLICTS = 3
#: `portkit update --check` only: a newer template version exists / its remote was unreachable.
EXIT_UPDATE_AVAILABLE = 10
EXIT_UNREACHABLE = 11
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


class PortkitError(Exception):
    """A failure the user can act on: one line of message, an optional hint."""

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(PortkitError):
    """The command line itself is malformed (e.g. `--data` without `=`)."""

    exit_code = EXIT_USAGE


class TemplateNotFoundError(PortkitError):
    """TEMPLATE names no built-in, collection, folder or reachable git repository."""

    def __init__(self, name: str, available: Sequence[str], suggestion: str | None) -> None:
        hint = f"Did you mean '{suggestion}'? " if suggestion else ""
        hint += "Available templates: " + (", ".join(available) or "(none)")
        super().__init__(f"Unknown template '{name}'.", hint)
        self.name = name
        self.available = list(available)
        self.suggestion = suggestion


class TemplateError(PortkitError):
    """A template is malformed or cannot be fetched or rendered."""


class MissingExtensionError(TemplateError):
    """A template names a Jinja extension whose Python package is not installed beside portkit."""

    def __init__(self, module: str) -> None:
        package = module.split(".")[0].replace("_", "-")
        super().__init__(
            f"The template needs the Jinja extension '{module}', which is not installed.",
            f"Add its package to portkit: `pipx inject portkit {package}` (or `pip install "
            f"{package}` where portkit is installed), then run the command again.",
        )
        self.module = module
        self.package = package


def extension_error(error: BaseException) -> TemplateError:
    """An engine's "cannot load extension" error, naming the module when an import failed.

    Both engines raise theirs while handling the `ModuleNotFoundError`, which carries the name.
    """
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ModuleNotFoundError) and cause.name:
        return MissingExtensionError(cause.name)
    return TemplateError(f"The template failed to render: {error}")


class UntrustedTemplateError(PortkitError):
    """The template would run code (tasks, hooks, extensions) and `--trust` was not given."""

    def __init__(self, what: Sequence[str]) -> None:
        super().__init__(
            "This template would run code: " + "; ".join(what) + ".",
            "Read the template, then re-run with --trust if you trust it.",
        )
        self.what = list(what)


class ForbiddenPathError(PortkitError):
    """A rendered path would land outside the destination (`../x`, absolute, a symlink)."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"The template tried to write outside the destination: {path!r}.",
            "Refusing to render it; nothing was written.",
        )
        self.path = path


class AnswerError(PortkitError):
    """An answer is unknown to the template, malformed, or fails a question's validator."""


class RequiredAnswerError(AnswerError):
    """Questions without a default were left unanswered where nobody can be asked."""

    def __init__(self, questions: Sequence[tuple[str, Sequence[str]]]) -> None:
        names = ", ".join(f"'{name}'" for name, _ in questions)
        flags = " ".join(
            f"--data {name}={'|'.join(choices) if choices else 'VALUE'}"
            for name, choices in questions
        )
        one = len(questions) == 1
        super().__init__(
            f"{'Question' if one else 'Questions'} {names} "
            f"{'has' if one else 'have'} no default, so --defaults (or no terminal) cannot "
            f"answer {'it' if one else 'them'}.",
            f"Answer {'it' if one else 'them'}: {flags}"
            + (" (one of the values separated by |)." if any(c for _, c in questions) else ".")
            + " An --answers-file works too.",
        )
        self.questions = [name for name, _ in questions]


class DestinationError(PortkitError):
    """The destination cannot be used (not empty, a file, not writable)."""


class LayerCollisionError(DestinationError):
    """`portkit add`: the layer would write where the project already has files."""

    def __init__(self, paths: Sequence[str]) -> None:
        shown = ", ".join(paths[:5]) + (f" (and {len(paths) - 5} more)" if len(paths) > 5 else "")
        super().__init__(
            f"The layer would overwrite {len(paths)} existing file(s): {shown}.",
            "Nothing was written. Choose another SUBDIR, or move those files away.",
        )
        self.paths = list(paths)


class RemoteUnreachableError(TemplateError):
    """A git template's remote did not answer (offline, moved, a closed port)."""

    exit_code = EXIT_UNREACHABLE

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(
            f"The remote {url} could not be reached: {detail}",
            "Check your network and the template URL; nothing was changed.",
        )
        self.url = url


class GitError(PortkitError):
    """A git command failed; the message carries git's own words."""


class ProjectError(PortkitError):
    """The folder is not a portkit project, or its provenance file is unreadable."""


class DirtyTreeError(PortkitError):
    """Tracked files have uncommitted changes, so an update could mix them into a merge."""

    def __init__(self, paths: Sequence[str]) -> None:
        shown = ", ".join(paths[:5]) + (f" (and {len(paths) - 5} more)" if len(paths) > 5 else "")
        super().__init__(
            f"Uncommitted changes to tracked files: {shown}.",
            "Commit them (git commit -am '...') or stash them (git stash), then run it again.",
        )
        self.paths = list(paths)


class UpdateConflictError(PortkitError):
    """The merge stopped on conflicts; the repository is mid-merge, nothing is lost."""

    exit_code = EXIT_CONFLICTS

    def __init__(
        self,
        project: Path,
        conflicts: Sequence[str],
        after_commit: str,
        notes: Sequence[str] = (),  # lines starting "Note:" or "Warning:"
    ) -> None:
        super().__init__(
            f"The update left {len(conflicts)} conflicted file(s): " + ", ".join(conflicts),
            f"Resolve them, then `git add <files>` and `git commit`; {after_commit}. "
            "Or `git merge --abort` to return exactly to where you were."
            + "".join(f"\n{note}" for note in notes),
        )
        self.project = project
        self.conflicts = list(conflicts)
        self.notes = list(notes)


class AdoptConflictError(UpdateConflictError):
    """`portkit adopt`: the repository's and the render's versions of files differ; mid-merge."""

    def __init__(self, project: Path, conflicts: Sequence[str], after_commit: str) -> None:
        super().__init__(project, conflicts, after_commit)
        self.message = (
            f"Adopting left {len(conflicts)} conflicted file(s) (yours and the template's "
            "differ): " + ", ".join(conflicts)
        )
