"""Render copier templates through copier's documented `run_copy`, with its sandbox on.

The answers copier settled on (defaults, prompts, validated `--data`) are read through copier's
documented `_copier_answers` template variable, not its `Worker` internals: a one-line probe file
rendered next to the template's own files, read back and removed.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from portkit.errors import (
    AnswerError,
    ForbiddenPathError,
    RequiredAnswerError,
    TemplateError,
    UntrustedTemplateError,
    extension_error,
)
from portkit.models import FetchedTemplate

_UNSAFE_SETTINGS = {
    "_tasks": "tasks after rendering (_tasks)",
    "_migrations": "migrations (_migrations)",
    "_jinja_extensions": "Jinja extensions (_jinja_extensions)",
}


class CopierRenderer:
    """The `Renderer` for copier templates."""

    def unsafe_features(self, folder: Path, config: dict[str, Any]) -> list[str]:
        """The settings copier itself treats as unsafe without `--trust`."""
        return [label for key, label in _UNSAFE_SETTINGS.items() if config.get(key)]

    def render(
        self,
        template: FetchedTemplate,
        destination: Path,
        answers: dict[str, Any],
        *,
        interactive: bool,
        trust: bool,
    ) -> dict[str, Any]:
        """Run copier; translate its exceptions; return the non-secret answers it settled on."""
        _check_required(template, answers, interactive)
        with _answers_probe(template) as (folder, probe):
            _run_copy(folder, template, destination, answers, interactive=interactive, trust=trust)
        remembered = _read_probe(destination / probe)
        return {
            q.name: remembered[q.name]
            for q in template.questions
            if not q.secret and q.name in remembered
        }


def _run_copy(
    folder: Path,
    template: FetchedTemplate,
    destination: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
) -> None:
    """`copier.run_copy` with copier's exceptions turned into portkit's."""
    import copier
    import jinja2
    from copier import errors as copier_errors

    try:
        copier.run_copy(
            str(folder),
            destination,
            data=answers,
            defaults=not interactive,
            quiet=True,
            unsafe=trust,
            skip_tasks=not trust,
            cleanup_on_error=False,  # the caller owns the destination and cleans it up
        )
    except copier_errors.ForbiddenPathError as error:
        raise ForbiddenPathError(str(error)) from error
    except copier_errors.UnsafeTemplateError as error:
        raise UntrustedTemplateError([str(error)]) from error
    except copier_errors.ExtensionNotFoundError as error:
        raise extension_error(error) from error
    except copier_errors.CopierAnswersInterrupt as error:
        raise KeyboardInterrupt from error
    except copier_errors.InteractiveSessionError as error:
        raise AnswerError(
            "A question needs an answer but there is no terminal.", str(error)
        ) from error
    except (copier_errors.CopierError, jinja2.TemplateError) as error:
        raise TemplateError(f"The template failed to render: {error}") from error
    except ValueError as error:  # copier reports failed validators and required answers this way
        raise _answer_error(error, template) from error


@contextmanager
def _answers_probe(template: FetchedTemplate) -> Iterator[tuple[Path, str]]:
    """Yield a template folder holding a probe that renders `_copier_answers`, and its name.

    A folder portkit fetched gets the probe for the render only; a user's folder rendered in
    place is never written to: it is copied first.
    """
    name = f"portkit-answers-{secrets.token_hex(8)}"
    in_place = template.folder.resolve() == Path(template.ref.location).resolve()
    with tempfile.TemporaryDirectory(prefix="portkit-copier-") as scratch:
        folder = template.folder
        if in_place:
            folder = Path(scratch) / "template"
            shutil.copytree(template.folder, folder, symlinks=True, ignore=_ignore_git)
        probes = _write_probes(folder, template.config, name)
        try:
            yield folder, name
        finally:
            for probe in probes:
                probe.unlink(missing_ok=True)


def _write_probes(folder: Path, config: dict[str, Any], name: str) -> list[Path]:
    """One probe where copier renders from: `_subdirectory`, or (templated) each top folder."""
    subdirectory = str(config.get("_subdirectory") or "")
    envops = config.get("_envops") or {}
    start = envops.get("variable_start_string", "{{")
    end = envops.get("variable_end_string", "}}")
    if start in subdirectory:
        roots = [folder, *(p for p in folder.iterdir() if p.is_dir() and p.name != ".git")]
    else:
        roots = [folder / subdirectory]
    suffix = config.get("_templates_suffix")
    text = f"{start} _copier_answers | tojson {end}\n"
    probes = [root / (name + (".jinja" if suffix is None else str(suffix))) for root in roots]
    for probe in probes:
        probe.write_text(text, encoding="utf-8")
    return probes


def _read_probe(path: Path) -> dict[str, Any]:
    """The remembered answers copier rendered into the probe; the probe is removed."""
    try:
        remembered: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(
            f"copier did not render portkit's answers file; does `_exclude` match {path.name}?"
        ) from error
    path.unlink()
    return remembered


def _ignore_git(directory: str, names: list[str]) -> set[str]:
    return {".git"} & set(names)


def _answer_error(error: ValueError, template: FetchedTemplate) -> AnswerError:
    """Name the `--data` that answers a required question; other answer errors as copier says."""
    required = re.fullmatch(r'Question "(.+)" is required', str(error))
    if not required:
        return AnswerError(str(error))
    name = required.group(1)
    choices = next((q.choices for q in template.questions if q.name == name), ())
    return RequiredAnswerError([(name, choices)])


def _check_required(template: FetchedTemplate, answers: dict[str, Any], interactive: bool) -> None:
    """Without prompts, name every unanswered question that has no default, all at once.

    copier stops at the first one, so a user would need one attempt per question.
    """
    if interactive:
        return
    missing = [
        (q.name, q.choices) for q in template.questions if q.required and q.name not in answers
    ]
    if missing:
        raise RequiredAnswerError(missing)
