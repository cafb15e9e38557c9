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

import enum
import os
import tempfile
from pathlib import Path

from portkit import git
from portkit.new import TEMPLATE_BRANCH
from portkit.template_branch import TEMPLATE_REF

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


class Follow(str, enum.Enum):
    """When `portkit/template` moves to a render whose merge the user has still to commit."""

    AT_COMMIT = "at-commit"  # the hook is installed
    OWN_HOOK = "own-hook"  # the user has a post-commit hook: left alone
    HOOKS_IN_TREE = "hooks-in-tree"  # core.hooksPath is inside the work tree
    HOOKS_UNWRITABLE = "hooks-unwritable"  # e.g. core.hooksPath=/dev/null

    def later(self) -> str:
        """What the user does after committing, so that the branch moves."""
        reasons = {
            Follow.OWN_HOOK: "your own post-commit hook is kept, so portkit added none",
            Follow.HOOKS_IN_TREE: "core.hooksPath is inside the project, so portkit added no hook",
            Follow.HOOKS_UNWRITABLE: "the git hooks folder cannot be written",
        }
        if self is Follow.AT_COMMIT:
            return f"{TEMPLATE_BRANCH} then moves to the new render"
        return (
            f"run `portkit update` once more afterwards to move {TEMPLATE_BRANCH} ({reasons[self]})"
        )


def install(root: Path, render: str, old_tip: str | None, ref: str = TEMPLATE_REF) -> Follow:
    """Record RENDER as pending and install the hook, unless the user's hooks say otherwise.

    REF is the branch that follows: `portkit/template`, or a layer's (`portkit add`).
    """
    hook = _hooks_folder(root) / "post-commit"
    if _inside(hook, root) and not _inside(hook, _git_dir(root)):
        return Follow.HOOKS_IN_TREE
    if hook.is_file() and not _is_ours(hook):
        return Follow.OWN_HOOK
    record = _record(root)
    try:
        _write(record, f"{render} {old_tip or '-'} {ref}\n")
        follow = Follow.AT_COMMIT if _is_ours(hook) else _place(hook)
    except OSError:
        follow = Follow.HOOKS_UNWRITABLE
    if follow is not Follow.AT_COMMIT:
        record.unlink(missing_ok=True)
    return follow


def settle(root: Path) -> None:
    """Once no merge is in progress, drop a pending record and the hook left by an abort.

    Called with no merge in progress: the hook did not run (aborted and nothing committed since,
    or hooks disabled at commit time); a merged render is then found by `merged_render`.
    """
    _record(root).unlink(missing_ok=True)
    hook = _hooks_folder(root) / "post-commit"
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


def _hooks_folder(root: Path) -> Path:
    """Where git looks for hooks: `.git/hooks`, or core.hooksPath (relative to ROOT)."""
    return root / git.output(["rev-parse", "--git-path", "hooks"], root)


def _record(root: Path) -> Path:
    """Beside MERGE_HEAD: per worktree, like the merge it belongs to."""
    return root / git.output(["rev-parse", "--git-path", RECORD], root)


def _git_dir(root: Path) -> Path:
    return Path(git.output(["rev-parse", "--absolute-git-dir"], root))


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
