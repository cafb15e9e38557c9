"""Rendering a fetched template into a folder, with its `.portkit.yml`: one path for every use case.

`new` renders with the answers the user gives; `update` renders again with the answers the
project recorded (`render_again`), for the target version and, when the template branch must be
rebuilt, for the recorded one. Both go through `render_project`, so trust is checked, answers are
validated and provenance is written the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portkit import answers as answers_mod
from portkit import changelog, engines, file_answers, provenance
from portkit.changelog import Entry as ChangelogEntry
from portkit.errors import UntrustedTemplateError
from portkit.models import FetchedTemplate, Provenance
from portkit.sources import TemplateSource, source_for

__all__ = ["Rendered", "check_trust", "render_again", "render_project"]


@dataclass(frozen=True)
class Rendered:
    """A render in FOLDER, what it records, and its template's changelog (all entries)."""

    folder: Path
    record: Provenance
    changelog: list[ChangelogEntry] = field(default_factory=list)


def check_trust(template: FetchedTemplate, trust: bool) -> None:
    """Refuse a template that runs code or writes outside its folder unless trusted."""
    unsafe = engines.unsafe_features(template)
    if unsafe and not trust:
        raise UntrustedTemplateError(unsafe)


def render_project(
    template: FetchedTemplate,
    stage: Path,
    given: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
    project: Path,
) -> Provenance:
    """Render into STAGE and write its `.portkit.yml`: one path for `new` and `update` alike.

    PROJECT is where the project lives (or will), so a local template is recorded relative to it.
    """
    check_trust(template, trust)
    answers_mod.check_known(given, template.questions)
    used = engines.render(template, stage, given, interactive=interactive, trust=trust)
    record = _record(template, used, project)
    provenance.write(stage, record)
    return record


def render_again(
    template_source: TemplateSource,
    record: Provenance,
    project: Path,
    workdir: Path,
    *,
    version: str | None = None,
    data: dict[str, Any] | None = None,
    interactive: bool = False,
    trust: bool = False,
) -> Rendered:
    """Render VERSION with the answers RECORD holds, changed by DATA; a new question's default.

    VERSION is a git template's ref (None: its newest version tag). INTERACTIVE asks only the
    questions new in that version. The render lands in WORKDIR/render.
    """
    changed = data or {}
    template = template_source.fetch(workdir / "source", version)
    known = {question.name for question in template.questions}
    recorded = {key: value for key, value in record.answers.items() if key in known}
    given = {**recorded, **changed}
    new_questions = known - set(given) - {q.name for q in template.questions if q.secret}
    # a file answer is the path recorded inside the project: never copied again, never looked up
    files = file_answers.declared(template.config, template.questions)
    file_answers.require_project_paths(files, given)
    file_answers.require_present(files, changed, project)
    stage = workdir / "render"
    stage.parent.mkdir(parents=True, exist_ok=True)  # local templates are not copied into WORKDIR
    rendered = render_project(
        template,
        stage,
        given,
        interactive=interactive and bool(new_questions),
        trust=trust,
        project=project,
    )
    file_answers.require_project_paths(files, rendered.answers)
    return Rendered(stage, rendered, changelog.read(template.folder))


def _record(template: FetchedTemplate, used: dict[str, object], destination: Path) -> Provenance:
    return Provenance(
        template=source_for(template.ref).record_id(destination),
        source=template.ref.kind,
        engine=template.engine,
        version=template.version,
        answers=answers_mod.without_secrets(used, template.questions),
        commit=template.commit,
    )
