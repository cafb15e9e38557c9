"""The template's own part of the write-up. This default adds nothing.

A template replaces this file (``src/<package>/writeup/project.py`` in its own folder) to draw the
figures only it has data for, such as a serving benchmark or stage timings. It must keep this
signature; the shared write-up calls nothing else.
"""

from __future__ import annotations

from .context import Context, Performance


def performance(ctx: Context) -> Performance | None:
    """The Performance section's Markdown (figures drawn under ``ctx.img``), or None."""
    del ctx
    return None
