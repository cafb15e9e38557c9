"""Render copier templates through copier's documented `run_copy`, with its sandbox on."""

from __future__ import annotations

import re
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


def unsafe_features(folder: Path, config: dict[str, Any]) -> list[str]:
    """The settings copier itself treats as unsafe without `--trust`."""
    return [label for key, label in _UNSAFE_SETTINGS.items() if config.get(key)]


def render(
    template: FetchedTemplate,
    destination: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
) -> dict[str, Any]:
    """Run copier; translate its exceptions; return the non-secret answers it settled on."""
    import copier
    import jinja2
    from copier import errors as copier_errors

    _check_required(template, answers, interactive)
    try:
        worker = copier.run_copy(
            str(template.folder),
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
    combined = worker.answers.combined
    hidden = worker.answers.hidden
    return {
        q.name: combined[q.name]
        for q in template.questions
        if not q.secret and q.name in combined and q.name not in hidden
    }


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
