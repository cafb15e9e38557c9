"""The `portkit/template` branch: named git operations on the line of pristine renders.

An update commits its new render on top of the branch but does not move the branch until the
merge is concluded. A conflicted (or `--no-commit`) merge only records the render as MERGE_HEAD,
so `git merge --abort` leaves every ref as it was. When the user commits that merge, a one-shot
hook moves the branch (`template_hook`). Where no hook ran (a clone, hooks disabled, a hook of
the user's kept), the render is still in their history: `merged_render` finds it, and the next
`portkit update` moves the branch there (a fast-forward) and uses it as the merge base.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from portkit import git
from portkit.new import TEMPLATE_BRANCH

TEMPLATE_REF = "refs/heads/" + TEMPLATE_BRANCH
REMOTE_TEMPLATE_REF = "refs/remotes/origin/" + TEMPLATE_BRANCH

#: Trailer marking the render commits `portkit update` makes, so they can be told from the
#: user's own commits that also descend from the template branch (the first commit on `main`).
RENDER_TRAILER = "Portkit-Render"

#: A ref that exists only while `git merge` runs, so conflict markers name the template's side
#: (`>>>>>>> portkit/update`) without moving `portkit/template`.
_LABEL = "portkit/update"
_LABEL_REF = "refs/" + _LABEL


def resolve(root: Path, name: str) -> str | None:
    """The commit NAME points at, or None."""
    found = git.run(["rev-parse", "--verify", "--quiet", name + "^{commit}"], root, check=False)
    return found.stdout.strip() or None


def move(root: Path, commit: str, ref: str = TEMPLATE_REF) -> None:
    """Point `portkit/template` (or a layer's branch, REF) at COMMIT, creating it if needed."""
    git.run(["update-ref", "-m", "portkit update", ref, commit], root)


def render_message(template: str, version: str) -> str:
    """The message of a render commit made by an update, with its marking trailer."""
    return f"Render {template} {version} with portkit\n\n{RENDER_TRAILER}: {version}"


def merged_render(root: Path, tip: str) -> str:
    """The newest render built on TIP that the current branch has merged; TIP when none.

    Follows the chain of marked single-parent render commits that descend from TIP and are in
    HEAD's history (a merge the user concluded after a conflict or `--no-commit`).
    """
    listed = git.output(
        [
            "log",
            "--ancestry-path",
            f"--format=%H %P%x09%(trailers:key={RENDER_TRAILER},valueonly,separator=%x2C)",
            f"{tip}..HEAD",
        ],
        root,
    )
    children: dict[str, str] = {}
    for line in listed.splitlines():
        ids, _, marker = line.partition("\t")
        commit, *parents = ids.split()
        if marker.strip() and len(parents) == 1:
            children[parents[0]] = commit
    while tip in children:
        tip = children[tip]
    return tip


def merge(root: Path, commit: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    """`git ARGS portkit/update` with COMMIT behind the label for the duration of the merge."""
    git.run(["update-ref", _LABEL_REF, commit], root)
    try:
        return git.run([*args, _LABEL], root, check=False)
    finally:
        git.run(["update-ref", "-d", _LABEL_REF], root, check=False)


def label_env(commit: str) -> dict[str, str]:
    """Names COMMIT `portkit/update` in conflict markers written by `git merge-recursive`."""
    return {f"GITHEAD_{commit}": _LABEL}
