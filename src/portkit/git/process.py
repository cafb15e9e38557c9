"""The git command line as a subprocess: every call names its folder, failures are typed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from portkit.errors import GitError

Completed = subprocess.CompletedProcess[str]

#: Used only when the user has no git identity configured, so `portkit new` never fails on it.
FALLBACK_IDENTITY = {"user.name": "portkit", "user.email": "portkit@users.noreply.github.com"}


def available() -> bool:
    """Whether a git executable is on PATH."""
    return shutil.which("git") is not None


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> Completed:
    """Run `git ARGS` in CWD and return the completed process; raise GitError when it fails."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            input=input_text,
            check=False,
        )
    except FileNotFoundError as error:
        if not available():
            raise GitError(
                "git is not installed or not on PATH.", "Install git, or use --no-git."
            ) from error
        raise
    if check and result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {last_line(result)}")
    return result


def output(args: Sequence[str], cwd: Path) -> str:
    """Stdout of a git command, stripped."""
    return run(args, cwd).stdout.strip()


def last_line(result: Completed) -> str:
    """Git's own last word on a failure (stderr, else stdout), for a one-line message."""
    detail = (result.stderr or result.stdout).strip().splitlines()
    return detail[-1] if detail else "no output"


def identity_config(cwd: Path) -> list[str]:
    """`-c` options supplying a fallback identity when user.name or user.email is unset."""
    options = []
    for key, value in FALLBACK_IDENTITY.items():
        if run(["config", "--get", key], cwd, check=False).returncode != 0:
            options += ["-c", f"{key}={value}"]
    return options


def is_repository(path: Path) -> bool:
    """True when PATH is inside a git work tree."""
    if not path.is_dir():
        return False
    result = run(["rev-parse", "--is-inside-work-tree"], path, check=False)
    return result.returncode == 0 and result.stdout.strip() == "true"
