"""Renderers: each turns a fetched template and answers into files in an empty folder.

An engine never prompts unless asked to, never runs template code without `trust`, and never
writes outside the folder it is given. Each engine module offers the same two functions,
`unsafe_features(folder, config)` and `render(template, destination, answers, *, interactive,
trust)`; this module picks the module and imports it only when needed (copier and cookiecutter
are expensive to import).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from portkit.models import Engine, FetchedTemplate

_MODULES = {
    Engine.COPIER: "portkit.engines.copier_engine",
    Engine.COOKIECUTTER: "portkit.engines.cookiecutter_engine",
}


def _engine(engine: Engine) -> ModuleType:
    return importlib.import_module(_MODULES[engine])


def unsafe_features(template: FetchedTemplate) -> list[str]:
    """What in this template would run code; empty for a template that needs no trust."""
    found: list[str] = _engine(template.engine).unsafe_features(template.folder, template.config)
    return found


def render(
    template: FetchedTemplate,
    destination: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
) -> dict[str, Any]:
    """Render into DESTINATION (empty or missing); return the answers actually used."""
    used: dict[str, Any] = _engine(template.engine).render(
        template, destination, answers, interactive=interactive, trust=trust
    )
    return used
