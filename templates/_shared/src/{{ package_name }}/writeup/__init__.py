"""``make writeup``: the blog-post draft, model card and README filled from this project's runs.

Only the text between ``<!-- portkit:NAME:start/end -->`` markers changes; the author's prose
around them is never touched. Modules, one job each: ``runs`` (reading MLflow), ``results``,
``journey``, ``card``, ``readme``, ``prompts`` (the blocks), ``charts`` (drawing), ``project``
(the template's own figures), ``preview`` (the HTML page), ``document`` (markers, atomic
writes), ``core`` (the recipe) and ``cli``. Nothing heavy is imported here.
"""

from __future__ import annotations

from .cli import main
from .errors import WriteupError

__all__ = ["WriteupError", "main"]
