"""The refs and history half of `Repository`: where git keeps things, what points where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from portkit.git.process import Completed, output, run

__all__ = ["LoggedCommit", "RefStore"]

#: Files git keeps in the git folder while an operation that would mix with a merge is underway.
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or `git am`",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}


@dataclass(frozen=True)
class LoggedCommit:
    """One commit of a history listing: its id, its parents, and the value of one trailer."""

    id: str
    parents: tuple[str, ...]
    trailer: str = ""  # empty when the commit has no such trailer


class RefStore:
    """A git repository, by the top folder of its work tree: its refs and history."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

    def _git(
        self, args: Sequence[str], *, check: bool = True, env: Mapping[str, str] | None = None
    ) -> Completed:
        return run(args, self.root, check=check, env=env)

    def _out(self, args: Sequence[str]) -> str:
        return output(args, self.root)

    # --- where git keeps things ---------------------------------------------------------------

    @property
    def git_dir(self) -> Path:
        """The absolute git folder (`.git`, or a linked worktree's own)."""
        return Path(self._out(["rev-parse", "--absolute-git-dir"]))

    def git_paths(self, *names: str) -> list[Path]:
        """Where git keeps NAMES (`hooks`, `rr-cache`...), honouring core.hooksPath; one call."""
        found = self._out(["rev-parse", *[arg for name in names for arg in ("--git-path", name)]])
        return [self.root / line for line in found.splitlines()]

    def git_path(self, name: str) -> Path:
        """Where git keeps NAME."""
        return self.git_paths(name)[0]

    def operation_in_progress(self) -> str | None:
        """What is underway that a merge would mix with (`a rebase`...), or None."""
        git_dir = self.git_dir
        for name, what in _IN_PROGRESS.items():
            if (git_dir / name).exists():
                return what
        return None

    # --- refs and history ---------------------------------------------------------------------

    def resolve(self, name: str) -> str | None:
        """The commit NAME (a ref, a branch, an id) points at, or None."""
        found = self._git(["rev-parse", "--verify", "--quiet", name + "^{commit}"], check=False)
        return found.stdout.strip() or None

    def head(self) -> str:
        """The commit HEAD points at."""
        return self._out(["rev-parse", "HEAD"])

    def has_commits(self) -> bool:
        """Whether HEAD points at a commit (false in a fresh repository)."""
        return self._git(["rev-parse", "--verify", "--quiet", "HEAD"], check=False).returncode == 0

    def current_branch(self) -> str | None:
        """The branch checked out (short name), or None when HEAD is detached."""
        found = self._git(["symbolic-ref", "--quiet", "--short", "HEAD"], check=False)
        return found.stdout.strip() if found.returncode == 0 else None

    def update_ref(self, ref: str, commit: str, message: str | None = None) -> None:
        """Point REF (a full name, `refs/...`) at COMMIT, creating it if needed."""
        logged = ["-m", message] if message else []
        self._git(["update-ref", *logged, ref, commit])

    def delete_ref(self, ref: str) -> None:
        """Delete REF if it exists."""
        self._git(["update-ref", "-d", ref], check=False)

    def create_branch(self, name: str) -> None:
        """Create branch NAME at HEAD and check it out."""
        self._git(["checkout", "--quiet", "-b", name])

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two commits, or None when their histories are unrelated."""
        found = self._git(["merge-base", one, other], check=False)
        return (found.stdout.strip() or None) if found.returncode == 0 else None

    def tree(self, commit: str) -> str:
        """The id of COMMIT's tree (its files)."""
        return self._out(["rev-parse", commit + "^{tree}"])

    def blob(self, commit: str, path: str) -> str:
        """The id of file PATH in COMMIT; empty when there is none."""
        spec = f"{commit}:{path}"
        return self._git(["rev-parse", "--verify", "--quiet", spec], check=False).stdout.strip()

    def first_parents(self, commit: str) -> list[str]:
        """COMMIT and its first-parent ancestors, oldest first."""
        return self._out(["rev-list", "--first-parent", "--reverse", commit]).splitlines()

    def commit_with_tree(self, tree: str) -> str | None:
        """The newest commit in HEAD's history whose files are exactly TREE."""
        for line in self._out(["log", "--format=%H %T", "HEAD"]).splitlines():
            commit, _, commit_tree = line.partition(" ")
            if commit_tree == tree:
                return commit
        return None

    def ancestry(self, tip: str, trailer: str) -> list[LoggedCommit]:
        """The commits of HEAD's history that descend from TIP, each with its TRAILER's value."""
        listed = self._out(
            [
                "log",
                "--ancestry-path",
                f"--format=%H %P%x09%(trailers:key={trailer},valueonly,separator=%x2C)",
                f"{tip}..HEAD",
            ]
        )
        found = []
        for line in listed.splitlines():
            ids, _, value = line.partition("\t")
            commit, *parents = ids.split()
            found.append(LoggedCommit(commit, tuple(parents), value.strip()))
        return found
