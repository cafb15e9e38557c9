"""Remembered conflict resolutions: git's `rerere`, turned on for the project by `portkit update`.

A file the user customised conflicts again on every later update that touches the same lines.
With `rerere.enabled`, git records each conflict (the two sides of every hunk) during the merge
and the user's resolution when they commit it (`git commit` and `git merge --continue` both do,
hooks or not), and replays it when the same hunks meet again; `rerere.autoUpdate` stages the
replayed file, so an update whose every conflict was resolved before can be committed at once.
A setting the user made themselves (either key, true or false) is left as it is.

The cache lives in the git folder (`rr-cache`, plus `MERGE_RR` during a merge). When it is
damaged in some ways, git stops a merge with `fatal:` after writing it, and fails every later
`git commit` (after making the commit). So it is checked first, and a damaged cache is moved
aside (`rr-cache.damaged`, kept for the user to inspect) with a warning: the update, and the
user's next commits, start a fresh one.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from portkit.git import Repository

__all__ = ["Resolutions", "forget", "prepare", "replayed"]

_ASIDE = ".damaged"
_SETTINGS = {"rerere.enabled": "true", "rerere.autoUpdate": "true"}
#: rerere's own words (git's `rerere.c`) for a file it resolved from a recorded resolution.
_REPLAYED = re.compile(r"^(?:Staged|Resolved) '(.+)' using previous resolution\.$", re.M)
_MERGE_RR_ENTRY = re.compile(r"^[0-9a-f]{40,64}(?:\.\d+)?\t[^\0]+$")


@dataclass(frozen=True)
class Resolutions:
    """Whether this update's merge uses remembered resolutions; a damaged cache found."""

    enabled: bool
    damaged: str = ""  # what was wrong with the cache
    moved_to: str = ""  # where the damaged cache now is (empty in a dry run)

    def warning(self) -> str:
        """What the user should know about a damaged cache, or nothing."""
        if not self.damaged:
            return ""
        if not self.moved_to:
            return (
                f"Your remembered resolutions are damaged ({self.damaged}); `portkit update` "
                "will move them aside and start afresh."
            )
        return (
            f"Your remembered resolutions were damaged ({self.damaged}): moved aside to "
            f"{self.moved_to}, and this update started afresh. "
            "`portkit update --forget-resolutions` deletes them."
        )


def prepare(repo: Repository, config: Mapping[str, str], *, write: bool) -> Resolutions:
    """Turn rerere on in the repository's config unless the user set it; check the cache.

    CONFIG holds the `rerere.*` settings in effect (keys lower-case, as git lists them).
    WRITE False (a dry run) changes nothing and only reports.
    """
    if write:
        for key, value in _SETTINGS.items():
            if key.lower() not in config:
                repo.set_config(key, value)
    cache, pending = repo.git_paths("rr-cache", "MERGE_RR")
    setting = config.get("rerere.enabled")
    if setting is not None:
        enabled = setting.lower() in ("true", "yes", "on", "1", "")
    else:  # git's own default when unset: on once the cache exists
        enabled = write or cache.is_dir()
    damaged, path = _damage(cache, pending) if enabled else ("", None)
    if path is None or not write:
        return Resolutions(enabled, damaged)
    return Resolutions(enabled, damaged, _move_aside(repo.root, path))


def forget(repo: Repository) -> int:
    """Delete every remembered resolution (the cache, damaged or not); return how many."""
    cache, pending = repo.git_paths("rr-cache", "MERGE_RR")
    count = 0
    if cache.is_dir() and not cache.is_symlink():
        count = sum(1 for entry in cache.iterdir() if (entry / "postimage").is_file())
    for path in (
        cache,
        cache.with_name(cache.name + _ASIDE),
        pending.with_name(pending.name + _ASIDE),
    ):
        _remove(path)
    return count


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _move_aside(root: Path, path: Path) -> str:
    """Move PATH (the cache, or a leftover MERGE_RR) to NAME.damaged; return where, to show."""
    aside = path.with_name(path.name + _ASIDE)
    _remove(aside)
    path.rename(aside)
    return str(aside.relative_to(root)) if aside.is_relative_to(root) else str(aside)


def replayed(output: str) -> list[str]:
    """The files git resolved from a remembered resolution, from the merge's output."""
    return sorted(set(_REPLAYED.findall(output)))


def _damage(cache: Path, pending: Path) -> tuple[str, Path | None]:
    """What would make git fail or misbehave with this cache, and the file or folder at fault."""
    if cache.is_symlink() or (cache.exists() and not cache.is_dir()):
        return f"{cache.name} is not a folder", cache
    if pending.exists():  # no merge is in progress (checked before), so it is a leftover
        try:
            entries = [e for e in pending.read_bytes().decode().split("\0") if e]
        except (OSError, UnicodeDecodeError):
            entries = ["?"]
        if not all(_MERGE_RR_ENTRY.match(entry) for entry in entries):
            return f"{pending.name} is unreadable", pending
    if cache.is_dir():
        for entry in cache.iterdir():
            if not entry.is_dir() or any(
                (entry / name).exists() and not (entry / name).is_file()
                for name in ("preimage", "postimage")
            ):
                return f"its entry {entry.name[:12]} is damaged", cache
    return "", None
