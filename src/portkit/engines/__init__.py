"""Renderers: each turns a fetched template and answers into files in an empty folder.

An engine never prompts unless asked to, never runs template code without `trust`, and never
writes outside the folder it is given. Every engine implements the `Renderer` protocol; this
module picks one and imports it only when needed (copier and cookiecutter are expensive to
import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from portkit.models import Engine, FetchedTemplate

__all__ = ["Renderer", "render", "renderer", "unsafe_features"]


class Renderer(Protocol):
    """The contract between portkit and a template engine."""

    def unsafe_features(self, folder: Path, config: dict[str, Any]) -> list[str]:
        """What in the template folder would run code; empty when it needs no trust."""

    def render(
        self,
        template: FetchedTemplate,
        destination: Path,
        answers: dict[str, Any],
        *,
        interactive: bool,
        trust: bool,
    ) -> dict[str, Any]:
        """Render into DESTINATION (empty or missing); return the answers actually used."""


def renderer(engine: Engine) -> Renderer:
    """The renderer for ENGINE, its module imported on first use."""
    if engine is Engine.COPIER:
        from portkit.engines.copier_engine import CopierRenderer

        return CopierRenderer()
    from portkit.engines.cookiecutter_engine import CookiecutterRenderer

    return CookiecutterRenderer()


def unsafe_features(template: FetchedTemplate) -> list[str]:
    """What in this template would run code; empty for a template that needs no trust."""
    return renderer(template.engine).unsafe_features(template.folder, template.config)


def render(
    template: FetchedTemplate,
    destination: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
) -> dict[str, Any]:
    """Render into DESTINATION (empty or missing); return the answers actually used."""
    return renderer(template.engine).render(
        template, destination, answers, interactive=interactive, trust=trust
    )
