"""Answers from the command line and answer files, checked against a template's questions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from portkit.errors import AnswerError, UsageError
from portkit.models import Question


def parse_data(pairs: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` strings to a mapping; the value may itself contain `=`."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--data expects KEY=VALUE, got {pair!r}.",
                'Example: --data project_name="Fraud API"',
            )
        data[key.strip()] = value
    return data


def load_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of answers; copier's own answers files work too (`_`-keys are ignored)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AnswerError(f"Cannot read answers file {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise AnswerError(f"Answers file {path} is not valid YAML: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise AnswerError(f"Answers file {path} must hold a mapping of question: answer.")
    return {str(key): value for key, value in loaded.items() if not str(key).startswith("_")}


def merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win: recorded answers, then the answers file, then `--data`."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    return merged


def check_known(answers: Mapping[str, Any], questions: list[Question]) -> None:
    """Refuse answers to questions the template does not ask: they are almost always typos."""
    known = [q.name for q in questions]
    unknown = sorted(set(answers) - set(known))
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            hints.append(f"'{key}' -> '{close[0]}'?")
    raise AnswerError(
        "Unknown answer key(s) for this template: " + ", ".join(unknown) + ".",
        (" ".join(hints) + " " if hints else "") + "Questions: " + ", ".join(known),
    )


def without_secrets(answers: Mapping[str, Any], questions: list[Question]) -> dict[str, Any]:
    """Secrets are never recorded."""
    secret = {q.name for q in questions if q.secret}
    return {key: value for key, value in answers.items() if key not in secret}
