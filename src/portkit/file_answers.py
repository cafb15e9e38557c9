"""File answers: answers that name a file of the user's, which portkit copies into the project.

A template declares them in its configuration, beside copier's own settings (copier, like
cookiecutter, ignores `_` settings it does not know):

    _portkit_file_answers:
      dataset: data        # answer name: project folder the file is copied into

`portkit new` copies the named file to `<folder>/<basename>` and the template renders, and
`.portkit.yml` records, that project-relative POSIX path, so no path of the user's machine lands in
the project. The copy is the user's data, not template output: it is committed on `main` only,
never on the template branch, so `portkit update` (which renders the template again) never
deletes, re-copies or conflicts on it, and later updates use the recorded path as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from portkit.errors import AnswerError, TemplateError
from portkit.models import Question

#: The template setting that declares file answers.
SETTING = "_portkit_file_answers"

#: Files above this size (GitHub's warning size) are copied but not committed.
LARGE_FILE_BYTES = 50 * 1024 * 1024

_UNSAFE_NAME_CHARS = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class Copy:
    """One file of the user's to bring into the project."""

    answer: str
    source: Path  # absolute, symlinks resolved
    target: str  # project-relative POSIX path: what the template renders and portkit records
    size: int

    @property
    def large(self) -> bool:
        """Too big to commit: copied, but left out of git."""
        return self.size > LARGE_FILE_BYTES


def declared(config: dict[str, Any], questions: list[Question]) -> dict[str, str]:
    """The template's file answers, answer name -> project folder, checked."""
    raw = config.get(SETTING) or {}
    if not isinstance(raw, dict):
        raise TemplateError(f"{SETTING} must map answer names to project folders.")
    known = {question.name for question in questions}
    found: dict[str, str] = {}
    for name, folder in raw.items():
        if name not in known:
            raise TemplateError(f"{SETTING} names '{name}', which is not a question.")
        if not is_project_path(str(folder)) and str(folder) not in (".", ""):
            raise TemplateError(f"{SETTING}: '{folder}' is not a folder inside the project.")
        found[str(name)] = PurePosixPath(str(folder) or ".").as_posix()
    return found


def is_project_path(value: str) -> bool:
    """A relative POSIX path that stays inside the project (no `..`, no `~`, not absolute)."""
    path = PurePosixPath(value)
    return (
        bool(value)
        and "\\" not in value
        and not path.is_absolute()
        and not value.startswith("~")
        and all(part not in ("..", ".") for part in path.parts)
    )


def plan(
    files: dict[str, str], answers: dict[str, Any], base: Path, skip: tuple[str, ...] = ()
) -> list[Copy]:
    """`portkit new`: every non-empty file answer (but SKIP) is a path from BASE; check each.

    Nothing is written: a missing, unreadable or non-file path fails before any render.
    """
    copies = []
    for name, folder in files.items():
        value = answers.get(name)
        if name in skip or value is None or not str(value).strip():
            continue
        copies.append(_check_source(name, folder, str(value), base))
    return copies


def _check_source(name: str, folder: str, value: str, base: Path) -> Copy:
    given = Path(value).expanduser()
    path = given if given.is_absolute() else base / given
    try:
        source = path.resolve(strict=True)
    except OSError as error:
        raise AnswerError(f"{name}: no such file: {path}") from error
    if source.is_dir():
        raise AnswerError(f"{name}: {path} is a folder; give a file.")
    if not source.is_file():
        raise AnswerError(f"{name}: {path} is not a regular file.")
    try:
        with source.open("rb"):
            pass
    except OSError as error:
        raise AnswerError(f"{name}: cannot read {path}: {error.strerror or error}") from error
    basename = safe_name(source.name)
    if not basename:
        raise AnswerError(f"{name}: cannot make a file name inside the project from {path}.")
    target = basename if folder == "." else f"{folder}/{basename}"
    return Copy(name, source, target, source.stat().st_size)


def safe_name(name: str) -> str:
    """A portable file name: runs of other characters become `-`; no leading dot or dash."""
    cleaned = _UNSAFE_NAME_CHARS.sub("-", unicodedata.normalize("NFC", name))
    cleaned = cleaned.lstrip(".-")
    return "" if cleaned in ("", ".", "..") else cleaned


def with_targets(answers: dict[str, Any], copies: list[Copy]) -> dict[str, Any]:
    """The answers with each copied file's answer replaced by its path inside the project."""
    return {**answers, **{copy.answer: copy.target for copy in copies}}


def check_used(copies: list[Copy], used: dict[str, Any]) -> None:
    """Refuse a file answer the template did not use (a question it does not ask)."""
    unused = [copy.answer for copy in copies if used.get(copy.answer) != copy.target]
    if unused:
        raise AnswerError(
            "This template does not ask " + ", ".join(f"'{n}'" for n in unused) + ".",
            "Leave it out; nothing was written.",
        )


def check_place(copies: list[Copy], stage: Path) -> None:
    """Refuse a copy that would replace a file of the render, or another copy."""
    seen: set[str] = set()
    for copy in copies:
        if copy.target in seen or os.path.lexists(stage / copy.target):
            raise AnswerError(
                f"{copy.answer}: {copy.target} is already a file of the project.",
                "Rename your file and try again; nothing was written.",
            )
        seen.add(copy.target)


def place(copies: list[Copy], stage: Path) -> None:
    """Copy the files' bytes into STAGE (the staged project), following symlinks."""
    for copy in copies:
        target = stage / copy.target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy.source, target)


def require_project_paths(files: dict[str, str], answers: dict[str, Any]) -> None:
    """`portkit update`: file answers must already be paths inside the project (or empty)."""
    for name in files:
        value = answers.get(name)
        if value is None or not str(value).strip():
            continue
        if not is_project_path(str(value)):
            raise AnswerError(
                f"{name}: {value} is not a path inside the project.",
                f"Copy the file into the project yourself and pass its path there "
                f"(--data {name}={files[name]}/<file>).",
            )


def require_present(files: dict[str, str], given: dict[str, Any], root: Path) -> None:
    """An answer given to `portkit update` names a file that is in the project."""
    for name in files:
        value = given.get(name)
        if value and is_project_path(str(value)) and not (root / str(value)).is_file():
            raise AnswerError(f"{name}: {value} is not a file in the project {root}.")
