"""A one-shot `post-commit` hook that moves `portkit/template` when the user commits the merge.

A conflicted (or `--no-commit`) update leaves the new render as MERGE_HEAD only, so that
`git merge --abort` restores every ref. Git runs `post-commit` after any commit that concludes
the merge (`git commit`, `--no-verify` included, and `git merge --continue`); the hook then moves
the branch to the render, compare-and-swap against the tip it had at update time, and deletes
itself and its record. After an abort, the next commit finds the render unmerged and only cleans
up. The record lives beside MERGE_HEAD in the git folder, never in refs or the work tree.

A post-commit hook of the user's is never replaced or wrapped, and a hooks folder inside the
work tree (a tracked `core.hooksPath`) is never written to: then no hook is installed, and the
next `portkit update` moves the branch instead (`template_branch.merged_render`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from portkit.git import Repository
from portkit.models import Follow
from portkit.template_branch import TEMPLATE_BRANCH, TEMPLATE_REF

__all__ = ["RECORD", "SCRIPT", "Follow", "install", "settle"]

RECORD = "portkit-pending-render"
_MARKER = "portkit-one-shot-hook"

#: POSIX sh. It always exits 0: a post-commit hook cannot undo the commit anyway, and a failure
#: here must never look like one. It removes only itself (found by its marker), never a hook the
#: user put in its place.
SCRIPT = f"""#!/bin/sh
# {_MARKER}: installed by `portkit update` while its merge is in progress.
# Once that merge is committed, points {TEMPLATE_BRANCH} at the merged render, then deletes
# itself. Deleting it is safe: the next `portkit update` moves the branch instead.
record=$(git rev-parse --git-path {RECORD} 2>/dev/null) || exit 0
[ -f "$record" ] || exit 0
render=
old=
ref=
read -r render old ref < "$record"
[ -n "$ref" ] || ref={TEMPLATE_REF}
[ "$old" = "-" ] && old=
if [ -n "$render" ] && git merge-base --is-ancestor "$render" HEAD 2>/dev/null; then
    git update-ref -m "portkit: the merge of a render was committed" \\
        "$ref" "$render" "$old" 2>/dev/null ||
        echo "portkit: ${{ref#refs/heads/}} was moved during the merge; left where it is." >&2
fi
rm -f "$record"
hook="$(git rev-parse --git-path hooks 2>/dev/null)/post-commit"
if grep -q '{_MARKER}' "$hook" 2>/dev/null; then
    rm -f "$hook"
fi
exit 0
"""


def install(repo: Repository, render: str, old_tip: str | None, ref: str = TEMPLATE_REF) -> Follow:
    """Record RENDER as pending and install the hook, unless the user's hooks say otherwise."""
    hook = repo.git_path("hooks") / "post-commit"
    if _inside(hook, repo.root) and not _inside(hook, repo.git_dir):
        return Follow.HOOKS_IN_TREE
    if hook.is_file() and not _is_ours(hook):
        return Follow.OWN_HOOK
    record = repo.git_path(RECORD)  # beside MERGE_HEAD: per worktree, like the merge
    try:
        _write(record, f"{render} {old_tip or '-'} {ref}\n")  # REF: a layer's branch
        follow = Follow.AT_COMMIT if _is_ours(hook) else _place(hook)
    except OSError:
        follow = Follow.HOOKS_UNWRITABLE
    if follow is not Follow.AT_COMMIT:
        record.unlink(missing_ok=True)
    return follow


def settle(repo: Repository) -> None:
    """Once no merge is in progress, drop a pending record and the hook left by an abort.

    Called with no merge in progress: the hook did not run (aborted and nothing committed since,
    or hooks disabled at commit time); a merged render is then found by `merged_render`.
    """
    repo.git_path(RECORD).unlink(missing_ok=True)
    hook = repo.git_path("hooks") / "post-commit"
    if _is_ours(hook):
        hook.unlink(missing_ok=True)


def _place(hook: Path) -> Follow:
    """Write the hook where none is; a hook of the user's that appeared meanwhile wins."""
    hook.parent.mkdir(parents=True, exist_ok=True)  # e.g. core.hooksPath=/dev/null: OSError
    try:
        _write(hook, SCRIPT, mode=0o755, replace=False)
    except FileExistsError:
        return Follow.OWN_HOOK
    return Follow.AT_COMMIT


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _is_ours(hook: Path) -> bool:
    try:
        return _MARKER in hook.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _write(path: Path, text: str, mode: int = 0o644, *, replace: bool = True) -> None:
    """Write beside, then rename (or link, which refuses to replace an existing file)."""
    handle, temporary = tempfile.mkstemp(prefix=".portkit-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
