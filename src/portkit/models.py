"""Typed models at the boundaries of the core: templates, answers, requests and results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Engine(str, enum.Enum):
    """Which renderer understands a template folder."""

    COPIER = "copier"
    COOKIECUTTER = "cookiecutter"


class SourceKind(str, enum.Enum):
    """Where a template comes from; decides how it is recorded and found again on update."""

    BUILTIN = "builtin"  # shipped inside portkit
    COLLECTION = "collection"  # a named folder under a PORTKIT_TEMPLATES directory
    GIT = "git"  # a git URL, `gh:owner/repo`, or a local git repository
    PATH = "path"  # a plain local folder


@dataclass(frozen=True)
class TemplateRef:
    """What the user asked for, resolved to a kind and a location, not yet fetched."""

    kind: SourceKind
    name: str  # built-in/collection name, or the URL/path as the user gave it
    location: str  # absolute folder for builtin/collection/path; clone URL for git


@dataclass(frozen=True)
class TemplateInfo:
    """One line of `portkit list`."""

    name: str
    description: str
    version: str
    kind: SourceKind
    engine: Engine
    path: Path
    shadows_builtin: bool = False


@dataclass(frozen=True)
class Question:
    """The part of a template question portkit needs without rendering anything."""

    name: str
    secret: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()  # the values a choice question accepts, as `--data` takes them
    required: bool = False  # no default and always asked: only a given answer will do


@dataclass
class FetchedTemplate:
    """A template materialised as a plain local folder, ready for an engine."""

    ref: TemplateRef
    folder: Path
    engine: Engine
    version: str
    commit: str | None = None
    questions: list[Question] = field(default_factory=list)
    description: str = ""
    config: dict[str, Any] = field(default_factory=dict)  # parsed copier.yml / cookiecutter.json


@dataclass(frozen=True)
class Provenance:
    """What `.portkit.yml` records: enough to render the same template again."""

    template: str
    source: SourceKind
    engine: Engine
    version: str
    answers: dict[str, Any]
    commit: str | None = None


@dataclass(frozen=True)
class NewRequest:
    """Everything `portkit new` needs, parsed once."""

    template: str
    destination: Path
    data: dict[str, Any] = field(default_factory=dict)
    answers_file: Path | None = None
    defaults: bool = False
    interactive: bool = False
    vcs_ref: str | None = None
    git: bool = True
    trust: bool = False
    force: bool = False


@dataclass(frozen=True)
class NewResult:
    """What `portkit new` produced."""

    destination: Path
    provenance: Provenance
    git_initialised: bool
    files: int
    notes: list[str] = field(default_factory=list)  # what the user should know (copied files)
