"""`Repository`: the named git operations the use cases need, so none spells out a command line.

Following copier's `Subproject` and nf-core's `sync`, an update is a handful of named steps (commit
a render, list what changed, predict or run the merge, move a ref); the git commands behind them
live here, each written once, with what git prints parsed into typed values.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from portkit.git.process import Completed, identity_config, is_repository, output, run
from portkit.git.refs import LoggedCommit, RefStore
from portkit.models import FileChange

__all__ = ["LoggedCommit", "Repository"]

#: `git diff --name-status` letters; a copy is an added file that names its source.
_STATUS = {"A": "added", "C": "added", "D": "deleted", "M": "modified", "R": "renamed"}


class Repository(RefStore):
    """A git repository, by the top folder of its work tree.

    Refs and history come from `RefStore`; here are the work tree, commits, diffs and merges.
    """

    @classmethod
    def containing(cls, folder: Path) -> Repository | None:
        """The repository whose work tree holds FOLDER, at its top folder; None outside one."""
        if not is_repository(folder):
            return None
        return cls(Path(output(["rev-parse", "--show-toplevel"], folder)))

    @classmethod
    def init(cls, folder: Path, branch: str) -> Repository:
        """Make FOLDER a new repository whose first commit goes on BRANCH."""
        run(["init", "--quiet", f"--initial-branch={branch}"], folder)
        return cls(folder)

    # --- the work tree ------------------------------------------------------------------------

    def modified_tracked_files(self) -> list[str]:
        """Staged or modified tracked files (the dirty check); untracked files are not listed."""
        out = self._git(["status", "--porcelain=v1", "-z", "--untracked-files=no"]).stdout
        paths: list[str] = []
        skip_next = False
        for token in out.split("\0"):
            if skip_next or not token:
                skip_next = False
                continue
            paths.append(token[3:])
            skip_next = token[0] in "RC"  # a rename's second token is its old path
        return paths

    def in_the_way(self, path: str) -> str | None:
        """What in the work tree stops a file at PATH: PATH itself, or a parent that is no folder.

        A parent that is a file or a symlink counts: git would replace it (an ignored one silently).
        """
        parts = PurePosixPath(path).parts
        for depth in range(1, len(parts)):
            parent = self.root.joinpath(*parts[:depth])
            if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                return "/".join(parts[:depth])
        return path if os.path.lexists(self.root / path) else None

    def untracked_among(self, paths: Iterable[str]) -> list[str]:
        """What untracked (or ignored) stands in the way of PATHS (`in_the_way`), sorted."""
        blocked = {hit for path in paths if (hit := self.in_the_way(path))}
        if not blocked:
            return []
        listed = self._git(["--literal-pathspecs", "ls-files", "-z", "--", *blocked]).stdout
        tracked = set(listed.split("\0"))
        return sorted(blocked - tracked)

    def untracked_files(self) -> list[str]:
        """Files in the work tree that git neither tracks nor ignores."""
        listed = self._out(["ls-files", "-z", "--others", "--exclude-standard"])
        return [path for path in listed.split("\0") if path]

    def tracked_files(self, *pathspecs: str) -> list[str]:
        """Tracked files matching PATHSPECS (git's patterns: `*name` matches in any folder)."""
        listed = self._out(["ls-files", "-z", "--", *pathspecs])
        return [path for path in listed.split("\0") if path]

    def blobs_at(self, commit: str, paths: Sequence[str]) -> dict[str, str]:
        """The blob id of each of PATHS that COMMIT has (a path it lacks is left out)."""
        listed = self._out(["ls-tree", "-r", "-z", commit, "--", *paths])
        blobs = {}
        for entry in filter(None, listed.split("\0")):
            meta, _, path = entry.partition("\t")
            blobs[path] = meta.split()[2]
        return blobs

    def hash_files(self, files: Sequence[Path]) -> list[str]:
        """The blob id each of FILES would have, as is (no filters), in order; nothing written."""
        text = "".join(f"{file}\n" for file in files)
        hashed = run(["hash-object", "--no-filters", "--stdin-paths"], self.root, input_text=text)
        return hashed.stdout.split()

    def files_at(self, commit: str) -> set[str]:
        """The paths of every file in COMMIT."""
        listed = self._out(["ls-tree", "-r", "-z", "--name-only", commit])
        return {path for path in listed.split("\0") if path}

    # --- commits ------------------------------------------------------------------------------

    def commit_all(self, message: str) -> str:
        """Stage everything in the work tree and commit it; return the new commit id."""
        self._git(["add", "--all"])
        self.commit_paths([], message)
        return self.head()

    def commit_paths(self, paths: Sequence[str], message: str, *, force: bool = False) -> None:
        """Stage PATHS (FORCE: even ignored ones) and commit what is staged, hooks skipped."""
        if paths:
            self._git(["add", *(["--force"] if force else []), "--", *paths])
        identity = identity_config(self.root)
        self._git([*identity, "commit", "--quiet", "--no-verify", "-m", message])

    def snapshot(self, folder: Path, scratch: Path, start: str = "HEAD") -> str:
        """The tree id of FOLDER's files, staged as a commit of this repository would stage them.

        FOLDER's contents are moved (consumed) into a temporary worktree at SCRATCH that starts
        from START with an empty index (`--no-checkout`), so the tree is exactly FOLDER: files
        not in it are absent. `git add --all` applies the repository's ignore rules.
        """
        self._git(["worktree", "add", "--quiet", "--detach", "--no-checkout", str(scratch), start])
        try:
            for child in folder.iterdir():
                shutil.move(str(child), str(scratch / child.name))
            run(["add", "--all"], scratch)
            return output(["write-tree"], scratch)
        finally:
            self._git(["worktree", "remove", "--force", str(scratch)], check=False)

    def commit_tree(self, tree: str, parent: str | None, message: str) -> str:
        """Write a commit of TREE on PARENT (None: a new root) without moving any ref."""
        parents = ["-p", parent] if parent else []
        identity = identity_config(self.root)
        return self._out([*identity, "commit-tree", tree, *parents, "-m", message])

    def commit_folder(self, folder: Path, parent: str, message: str, scratch: Path) -> str:
        """Render-to-commit: FOLDER's files as a child of PARENT; PARENT itself when unchanged.

        No ref moves (the caller decides); FOLDER is consumed (`snapshot`).
        """
        tree = self.snapshot(folder, scratch, start=parent)
        if tree == self.tree(parent):
            return parent
        return self.commit_tree(tree, parent, message)

    # --- diffs --------------------------------------------------------------------------------

    def changed_files(self, old: str, new: str | None = None) -> list[FileChange]:
        """What changed from OLD to NEW (None: the work tree), file by file, renames detected."""
        if old == new:
            return []
        out = self._git(["diff", "--name-status", "-z", "-M", old, new or "--"]).stdout
        tokens = out.split("\0")
        changes: list[FileChange] = []
        index = 0
        while index < len(tokens) - 1:
            code = tokens[index][:1]
            if code in ("R", "C"):
                changes.append(FileChange(_STATUS[code], tokens[index + 2], tokens[index + 1]))
                index += 3
            else:
                changes.append(FileChange(_STATUS.get(code, "modified"), tokens[index + 1]))
                index += 2
        return changes

    def unmerged_files(self) -> list[str]:
        """Files with unresolved conflicts in the index."""
        return self._out(["diff", "--name-only", "--diff-filter=U"]).splitlines()

    # --- merges -------------------------------------------------------------------------------

    def predict_conflicts(self, theirs: str, options: Sequence[str] = ()) -> list[str] | None:
        """The files merging THEIRS into HEAD would conflict on; None when git cannot tell.

        An in-memory merge (`git merge-tree`, git 2.38 or later): nothing is touched.
        """
        predicted = self._git(
            [
                *options,
                "merge-tree",
                "--write-tree",
                "--name-only",
                "--no-messages",
                "HEAD",
                theirs,
            ],
            check=False,
        )
        if predicted.returncode not in (0, 1):
            return None  # git older than 2.38
        names = predicted.stdout.splitlines()[1:]
        return sorted({name for name in names if name})

    def merge(
        self,
        commit: str,
        message: str,
        *,
        label: str,
        base: str | None = None,
        no_commit: bool = False,
        options: Sequence[str] = (),
    ) -> Completed:
        """Merge COMMIT into HEAD as a merge commit with MESSAGE (NO_COMMIT: staged only).

        LABEL names COMMIT's side in conflict markers. BASE names the merge base when there is
        no common ancestor (`_merge_with_base`). Not checked: git's exit code is 0 when merged,
        1 when the merge stopped with conflicts (left in progress), anything else a failure.
        """
        if base is not None:
            return self._merge_with_base(base, commit, message, label, no_commit, options)
        args = [*options, *identity_config(self.root), "merge", "--no-ff", "--no-verify"]
        args += ["--no-commit"] if no_commit else []
        ref = "refs/" + label  # exists only while git merges, so that LABEL names COMMIT
        self.update_ref(ref, commit)
        try:
            return self._git([*args, "-m", message, label], check=False)
        finally:
            self.delete_ref(ref)

    def _merge_with_base(
        self,
        base: str,
        commit: str,
        message: str,
        label: str,
        no_commit: bool,
        options: Sequence[str],
    ) -> Completed:
        """A merge with no common ancestor, so BASE is named explicitly.

        `git merge-recursive BASE -- HEAD COMMIT` is the three-way merge `git merge` would do
        had BASE been in the history; MERGE_HEAD (and MERGE_MSG), written by hand, make the
        result an ordinary merge in progress, so `git commit` records both parents and `git
        merge --abort` works as usual.
        """
        merged = self._git(
            [*options, "merge-recursive", base, "--", "HEAD", commit],
            check=False,
            env={f"GITHEAD_{commit}": label},  # how merge-recursive names a side in markers
        )
        if merged.returncode not in (0, 1):
            return merged
        self.update_ref("MERGE_HEAD", commit)
        (self.git_dir / "MERGE_MSG").write_text(message + "\n", encoding="utf-8")
        if merged.returncode == 0 and not no_commit:
            identity = identity_config(self.root)
            return self._git(
                [*identity, "commit", "--quiet", "--no-verify", "-m", message], check=False
            )
        return merged

    def rerere(self) -> Completed:
        """Let rerere record the conflicts and replay remembered resolutions (not checked)."""
        return self._git(["rerere"], check=False)

    def commit_merge(self) -> Completed:
        """Commit the merge in progress with its prepared message (not checked)."""
        identity = identity_config(self.root)
        return self._git([*identity, "commit", "--quiet", "--no-edit", "--no-verify"], check=False)

    # --- configuration ------------------------------------------------------------------------

    def config_matching(self, pattern: str) -> dict[str, str]:
        """Settings whose key matches the regular expression PATTERN: keys lower-case, last wins."""
        found = self._git(["config", "-z", "--get-regexp", pattern], check=False)
        settings = {}
        for entry in found.stdout.split("\0"):
            key, _, value = entry.partition("\n")
            if key:
                settings[key.lower()] = value
        return settings

    def set_config(self, key: str, value: str) -> None:
        """Set KEY in this repository's own config (`--local`)."""
        self._git(["config", "--local", key, value])
