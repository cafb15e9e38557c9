"""What `portkit update` adds to its own `git merge`: merge drivers and remembered resolutions.

The structure-aware drivers (`merge_driver`) are configured for the update's merge only, with
`-c` options: the driver definitions, and `core.attributesFile` pointing at a temporary file
that assigns them to `pyproject.toml` and YAML configuration. Nothing is written to the user's
config or `.gitattributes`, so their own merges stay git's line merges. The user's own global
attributes file is copied after ours, so its entries keep working (and a `merge=` they set for
these files wins); the project's `.gitattributes` and `.git/info/attributes` take precedence
over both anyway, as git documents.

After the merge, `Wiring` reads what the drivers noted and what rerere replayed, and concludes
a merge whose every conflict rerere resolved the way the user did before.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from portkit import merge_driver, resolutions
from portkit.git import Completed, Repository
from portkit.resolutions import Resolutions

__all__ = ["ATTRIBUTES", "Wiring", "prepare"]

#: Which files get which driver (gitattributes patterns: with a slash, relative to the root).
ATTRIBUTES = (
    ("pyproject.toml", "toml"),
    (".pre-commit-config.yaml", "yaml"),
    (".pre-commit-config.yml", "yaml"),
    (".github/workflows/*.yml", "yaml"),
    (".github/workflows/*.yaml", "yaml"),
)


#: `python -m portkit.merge_driver`, except that git runs drivers in the project's folder, which
#: `-m` would put first on sys.path: a `portkit/` folder in a project must not run in its place.
_DRIVER = (
    "import sys; del sys.path[0]; "
    "from portkit.merge_driver import main; sys.exit(main(sys.argv[1:]))"
)


@dataclass
class Wiring:
    """The update's merge options, and what happened in the merge, for the report."""

    config: list[str]
    notes_file: Path
    resolutions: Resolutions
    forgotten: int | None = None  # --forget-resolutions: how many were deleted
    replayed: list[str] = field(default_factory=list)

    def conclude(
        self, repo: Repository, merged: Completed, commit: bool, *, plumbing: bool
    ) -> Completed:
        """The merge, succeeded when rerere resolved every conflict (committed unless not COMMIT).

        PLUMBING: the merge was `git merge-recursive`, which does not run rerere itself.
        """
        output = merged.stdout + merged.stderr
        if plumbing and merged.returncode == 1 and self.resolutions.enabled:
            again = repo.rerere()
            output += again.stdout + again.stderr
        self.replayed = resolutions.replayed(output)
        if merged.returncode != 1 or not self.replayed or repo.unmerged_files():
            return merged
        if commit:
            return repo.commit_merge()
        return subprocess.CompletedProcess(merged.args, 0, merged.stdout, merged.stderr)

    def notes(self) -> list[str]:
        """What the user should know about this merge, one line each."""
        lines = []
        if self.forgotten is not None:
            lines.append(f"Forgot {self.forgotten} remembered resolution(s).")
        for path, outcome, detail in _read_notes(self.notes_file):
            if outcome == merge_driver.MERGED:
                lines.append(f"{path}: merged entry by entry, both sides' changes kept.")
            elif outcome == merge_driver.CONFLICT:
                lines.append(f"{path}: merged entry by entry; both sides changed {detail}.")
            else:
                lines.append(f"{path}: {detail}; merged line by line instead.")
        if self.replayed:
            lines.append(
                "Resolved as you resolved them before (git rerere): "
                + ", ".join(self.replayed)
                + ". Review with `git show` (or `git diff --cached` before committing)."
            )
        return lines

    def labelled(self) -> list[str]:
        """Warnings, then notes, each line saying which it is (for a conflict's hint)."""
        return [f"Warning: {line}" for line in self.warnings()] + [
            f"Note: {line}" for line in self.notes()
        ]

    def warnings(self) -> list[str]:
        """Problems that did not stop the update."""
        warning = self.resolutions.warning()
        return [warning] if warning else []


def prepare(repo: Repository, folder: Path, *, write: bool, forget: bool = False) -> Wiring:
    """The options for the update's merge; FOLDER holds the attributes and notes files.

    WRITE False (a dry run) leaves the repository's config alone; FORGET deletes the remembered
    resolutions first.
    """
    forgotten = resolutions.forget(repo) if forget else None
    settings = repo.config_matching(r"^(rerere\.|core\.attributesfile$)")  # lower-case keys
    remembered = resolutions.prepare(repo, settings, write=write)
    notes = folder / "merge-notes"
    notes.touch()
    attributes = folder / "attributes"
    lines = [f"{pattern} merge=portkit-{kind}\n" for pattern, kind in ATTRIBUTES]
    users = _users_attributes(repo.root, settings.get("core.attributesfile"))
    attributes.write_text("".join(lines) + users, encoding="utf-8")
    config = ["-c", f"core.attributesFile={attributes}"]
    for kind in ("toml", "yaml"):
        command = [sys.executable, "-c", _DRIVER, kind]
        driver = shlex.join(command) + " %O %A %B %L %P " + shlex.quote(str(notes))
        config += ["-c", f"merge.portkit-{kind}.name=portkit {kind} merge"]
        config += ["-c", f"merge.portkit-{kind}.driver={driver}"]
    return Wiring(config, notes, remembered, forgotten)


def _users_attributes(root: Path, configured: str | None) -> str:
    """The user's global attributes file (core.attributesFile or git's default), if any."""
    if configured:
        path = root / Path(configured).expanduser()  # an absolute path stays as it is
    else:
        config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        path = Path(config_home) / "git" / "attributes"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    return "# the user's own attributes, after portkit's so they win\n" + text + "\n"


def _read_notes(notes: Path) -> list[tuple[str, str, str]]:
    try:
        lines = notes.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        path, _, rest = line.partition("\t")
        outcome, _, detail = rest.partition("\t")
        found.append((path, outcome, detail))
    return found
