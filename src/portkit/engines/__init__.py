"""Renderers: each turns a fetched template and answers into files in an empty folder.

An engine never prompts unless asked to, never runs template code without `trust`, and never
writes outside the folder it is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portkit import metadata
from portkit.models import Engine, FetchedTemplate


def unsafe_features(template: FetchedTemplate) -> list[str]:
    """What in this template would run code; empty for a template that needs no trust."""
    config = metadata.read_config(template.folder, template.engine)
    if template.engine is Engine.COPIER:
        from portkit.engines import copier_engine

        return copier_engine.unsafe_features(config)
    from portkit.engines import cookiecutter_engine

    return cookiecutter_engine.unsafe_features(template.folder, config)


def render(
    template: FetchedTemplate,
    destination: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
) -> dict[str, Any]:
    """Render into DESTINATION (empty or missing); return the answers actually used."""
    if template.engine is Engine.COPIER:
        from portkit.engines import copier_engine

        return copier_engine.render(
            template, destination, answers, interactive=interactive, trust=trust
        )
    from portkit.engines import cookiecutter_engine

    return cookiecutter_engine.render(
        template, destination, answers, interactive=interactive, trust=trust
    )
