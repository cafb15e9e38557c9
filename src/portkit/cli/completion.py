"""Shell-completion callbacks (cheap: they only read template folders)."""

from __future__ import annotations


def template_names(incomplete: str) -> list[str]:
    """Names of built-in and collection templates starting with INCOMPLETE."""
    from portkit.catalog import Catalog

    return [i.name for i in Catalog.from_environment().entries() if i.name.startswith(incomplete)]
