"""`portkit new`: render a template into a fresh project, atomically, with its git history seeded.

The render happens in a staging folder beside the destination and is moved into place only when
everything (render, provenance, git) succeeded, so a failure or Ctrl-C leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portkit import answers as answers_mod
from portkit import file_answers
from portkit.catalog import Catalog
from portkit.errors import DestinationError, UsageError
from portkit.git import Repository
from portkit.models import FetchedTemplate, NewRequest, NewResult, Provenance, SourceKind
from portkit.rendering import check_trust, render_project
from portkit.template_branch import TEMPLATE_BRANCH

__all__ = ["MAIN_BRANCH", "new_project", "seed_repository"]

#: The user's branch, started from the first render (which is on `TEMPLATE_BRANCH`).
MAIN_BRANCH = "main"

Progress = Callable[[str], None]


def new_project(
    request: NewRequest, catalog: Catalog, progress: Progress | None = None
) -> NewResult:
    """Render REQUEST.template into REQUEST.destination; see the module docstring."""
    say = progress or (lambda _message: None)
    destination = request.destination.absolute()
    source = catalog.source(request.template, Path.cwd())
    ref = source.ref
    _check_destination(destination, request)
    if request.vcs_ref and ref.kind is not SourceKind.GIT:
        raise UsageError("--vcs-ref only applies to git templates.")
    created_parents = _make_parents(destination.parent)
    try:
        with tempfile.TemporaryDirectory(prefix=".portkit-", dir=destination.parent) as work:
            say(f"Fetching template {ref.name}")
            template = source.fetch(Path(work) / "source", request.vcs_ref)
            check_trust(template, request.trust)
            given = answers_mod.merge(
                answers_mod.load_file(request.answers_file) if request.answers_file else {},
                request.data,
            )
            files_declared = file_answers.declared(template.config, template.questions)
            copies = file_answers.plan(files_declared, given, Path.cwd())
            stage = Path(work) / "project"
            say(f"Rendering {ref.name} {template.version}")
            record, copies = _render_with_files(
                template, stage, given, copies, files_declared, request, destination
            )
            if request.git:
                say("Creating the git repository")
                seed_repository(stage, f"Render {ref.name} {template.version} with portkit")
            notes = _bring_in(copies, stage, request.git, say)
            files = sum(1 for p in stage.rglob("*") if p.is_file() and ".git" not in p.parts)
            _place(stage, destination)
    except BaseException:
        for folder in created_parents:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return NewResult(destination, record, request.git, files, notes)


def _render_with_files(
    template: FetchedTemplate,
    stage: Path,
    given: dict[str, Any],
    copies: list[file_answers.Copy],
    declared: dict[str, str],
    request: NewRequest,
    destination: Path,
) -> tuple[Provenance, list[file_answers.Copy]]:
    """Render with each file answer as its path inside the project.

    A file answer that was not given (asked at the prompt, or a template default) is only known
    after the render: check it, then render again with it replaced, without prompting.
    """

    def render(answers: dict[str, Any], interactive: bool) -> Provenance:
        return render_project(
            template,
            stage,
            file_answers.with_targets(answers, copies),
            interactive=interactive,
            trust=request.trust,
            project=destination,
        )

    record = render(given, request.interactive)
    done = tuple(copy.answer for copy in copies)
    later = file_answers.plan(declared, record.answers, Path.cwd(), skip=done)
    if later:
        copies = copies + later
        shutil.rmtree(stage)
        record = render({**given, **record.answers}, False)
    file_answers.check_used(copies, record.answers)
    file_answers.check_place(copies, stage)
    return record, copies


def _bring_in(
    copies: list[file_answers.Copy], stage: Path, use_git: bool, say: Progress
) -> list[str]:
    """Copy the user's files into the staged project; commit the small ones on `main` only.

    They are the user's data, not template output: kept off the template branch, an update's
    render never deletes, re-copies or conflicts on them. A file over the size limit stays out of
    git (listed in `.git/info/exclude`, this clone only). Returns notices for the user.
    """
    if not copies:
        return []
    say("Copying your file(s) into the project")
    file_answers.place(copies, stage)
    notes = [f"Copied {copy.source} to {copy.target}." for copy in copies]
    limit = file_answers.LARGE_FILE_BYTES // (1024 * 1024)
    large = [copy for copy in copies if copy.large]
    for copy in large:
        notes.append(
            f"Notice: {copy.target} is {copy.size / (1024 * 1024):.0f} MB, over the {limit} MB "
            "limit for committing data: it is not committed"
            + (" (listed in .git/info/exclude)" if use_git else "")
            + "; CI and fresh clones will not have it."
        )
    small = [copy.target for copy in copies if not copy.large]
    if use_git:
        if large:
            exclude = stage / ".git" / "info" / "exclude"
            exclude.parent.mkdir(parents=True, exist_ok=True)
            with exclude.open("a", encoding="utf-8") as handle:
                handle.write("".join(f"/{copy.target}\n" for copy in large))
        if small:
            # forced: a template may git-ignore its data folder, yet CI needs the table
            message = "Add your data: " + ", ".join(small)
            Repository(stage).commit_paths(small, message, force=True)
    return notes


def seed_repository(project: Path, message: str) -> None:
    """First commit = the pristine render, on the template branch; `main` starts from it."""
    repo = Repository.init(project, TEMPLATE_BRANCH)
    repo.commit_all(message)
    repo.create_branch(MAIN_BRANCH)


def _check_destination(destination: Path, request: NewRequest) -> None:
    if destination.exists() and not destination.is_dir():
        raise DestinationError(f"{destination} exists and is not a folder.")
    if not destination.is_dir() or not any(destination.iterdir()):
        return
    if not request.force:
        raise DestinationError(
            f"{destination} already exists and is not empty.",
            "Choose a new folder, or pass --force to add the project beside its files "
            "(existing files are never overwritten).",
        )
    if request.git and (destination / ".git").exists():
        raise DestinationError(
            f"{destination} is already a git repository.",
            "Use --no-git to add the files without touching its history.",
        )


def _make_parents(parent: Path) -> list[Path]:
    """Create missing parent folders; return the ones created, outermost first."""
    missing = []
    current = parent
    while not current.exists():
        missing.append(current)
        current = current.parent
    parent.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _place(stage: Path, destination: Path) -> None:
    """Move the staged project into place; with --force, beside existing files, never over them."""
    if not destination.exists() or not any(destination.iterdir()):
        if destination.exists():
            destination.rmdir()
        os.replace(stage, destination)
        return
    clashes = sorted(
        str(p.relative_to(stage))
        for p in stage.rglob("*")
        if not p.is_dir() and (destination / p.relative_to(stage)).exists()
    )
    if clashes:
        raise DestinationError(
            f"{len(clashes)} file(s) of the template already exist in {destination}: "
            + ", ".join(clashes[:5]),
            "Nothing was written. Move them away or choose another folder.",
        )
    _merge_into(stage, destination)


def _merge_into(stage: Path, destination: Path) -> None:
    """Move files one by one; on failure remove exactly the files and folders this added."""
    added_files: list[Path] = []
    added_dirs: list[Path] = []
    try:
        for source in sorted(stage.rglob("*")):
            target = destination / source.relative_to(stage)
            if source.is_dir() and not source.is_symlink():
                if not target.exists():
                    target.mkdir()
                    added_dirs.append(target)
            else:
                shutil.move(str(source), str(target))
                added_files.append(target)
    except BaseException:
        for target in added_files:
            target.unlink(missing_ok=True)
        for folder in reversed(added_dirs):
            shutil.rmtree(folder, ignore_errors=True)
        raise
