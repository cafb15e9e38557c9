"""The `portkit/template` branch: named operations on the line of pristine renders.

An update commits its new render on top of the branch but does not move the branch until the
merge is concluded. A conflicted (or `--no-commit`) merge only records the render as MERGE_HEAD,
so `git merge --abort` leaves every ref as it was. When the user commits that merge, a one-shot
hook moves the branch (`template_hook`). Where no hook ran (a clone, hooks disabled, a hook of
the user's kept), the render is still in their history: `merged_render` finds it, and the next
`portkit update` moves the branch there (a fast-forward) and uses it as the merge base.
"""

from __future__ import annotations

from collections.abc import Iterator

from portkit.git import Repository
from portkit.models import TEMPLATE_BRANCH

__all__ = [
    "LABEL",
    "REMOTE_TEMPLATE_REF",
    "RENDER_TRAILER",
    "TEMPLATE_BRANCH",
    "TEMPLATE_REF",
    "merged_render",
    "merged_renders",
    "move",
    "render_message",
]

TEMPLATE_REF = "refs/heads/" + TEMPLATE_BRANCH
REMOTE_TEMPLATE_REF = "refs/remotes/origin/" + TEMPLATE_BRANCH

#: Trailer marking the render commits `portkit update` makes, so they can be told from the
#: user's own commits that also descend from the template branch (the first commit on `main`).
RENDER_TRAILER = "Portkit-Render"

#: How conflict markers name the template's side (`>>>>>>> portkit/update`), without moving
#: `portkit/template` during the merge.
LABEL = "portkit/update"


def move(repo: Repository, commit: str, ref: str = TEMPLATE_REF) -> None:
    """Point `portkit/template` (or a layer's branch, REF) at COMMIT, creating it if needed."""
    repo.update_ref(ref, commit, message="portkit update")


def render_message(template: str, version: str) -> str:
    """The message of a render commit made by an update, with its marking trailer."""
    return f"Render {template} {version} with portkit\n\n{RENDER_TRAILER}: {version}"


def merged_render(repo: Repository, tip: str) -> str:
    """The newest render built on TIP that the current branch has merged; TIP when none.

    Follows the chain of marked single-parent render commits that descend from TIP and are in
    HEAD's history (a merge the user concluded after a conflict or `--no-commit`).
    """
    children = {
        logged.parents[0]: logged.id
        for logged in repo.ancestry(tip, RENDER_TRAILER)
        if logged.trailer and len(logged.parents) == 1
    }
    while tip in children:
        tip = children[tip]
    return tip


def merged_renders(
    repo: Repository, refs: tuple[str, str] = (TEMPLATE_REF, REMOTE_TEMPLATE_REF)
) -> Iterator[tuple[str, str, str]]:
    """For the local branch, then origin's, when it exists: (ref, tip, the render HEAD merged).

    REFS: a layer's branches (`portkit add`) instead of `portkit/template`'s.
    """
    for ref in refs:
        tip = repo.resolve(ref)
        if tip:
            yield ref, tip, merged_render(repo, tip)
