"""Prepare the template-update pull request: check, update on a branch, test, describe.

Run by `.github/workflows/template-update.yml` every week, and by you, locally, whenever you like:

    python tools/template_update_pr.py            # prints the pull request's title and body

It asks `portkit update --check --json` whether the template has a newer version. If it has, it
makes the branch `portkit/template-update` from your current branch, runs `portkit update` there
and then your tests (`make test`), and prints a title and a body saying what changed: the
template's changelog entries, the files it changed, the tests' result. When the update conflicts
with your edits, the branch gets one empty commit instead of conflict markers (a branch that
cannot build helps nobody), and the body lists the conflicted files and the commands that resolve
them on your machine; the workflow then opens the pull request as a draft. You end up back on your
branch; the update branch is left for you (or the workflow) to push.

Exit codes: 0 up to date or prepared (whatever the tests said: the body says it), 1 an error.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BRANCH = "portkit/template-update"
TEMPLATE_BRANCH = "portkit/template"
EXIT_UP_TO_DATE, EXIT_AVAILABLE, EXIT_CONFLICTS = 0, 10, 3


@dataclass
class Outcome:
    """What the run found and did: the body is written from it."""

    check: dict
    base: str = "main"  # the branch the update starts from, and the pull request's base
    conflicts: list[str] = field(default_factory=list)
    tests: tuple[int, str] | None = None  # exit code and the output's last lines

    @property
    def state(self) -> str:
        """`conflicts` or `clean`: the workflow opens a draft for the first."""
        return "conflicts" if self.conflicts else "clean"


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the steps, print (and optionally write) the title and body."""
    options = _parser().parse_args(argv)
    portkit = shlex.split(options.portkit)
    if _git("status", "--porcelain", "--untracked-files=no", check=False).stdout.strip():
        print(
            "Uncommitted changes to tracked files: commit or stash them first, then run this again.",
            file=sys.stderr,
        )
        return 1
    checked = _run([*portkit, "update", "--check", "--json"])
    if checked.returncode == EXIT_UP_TO_DATE:
        print(json.loads(checked.stdout).get("template", "The template"), "is up to date.")
        _write(options.write, "up-to-date", None, None)
        return 0
    if checked.returncode != EXIT_AVAILABLE:
        sys.stderr.write(checked.stderr)
        return 1
    try:
        outcome = _update_on_branch(portkit, options, json.loads(checked.stdout))
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip().splitlines()
        print(
            f"{' '.join(error.cmd)} failed: {detail[-1] if detail else error.returncode}",
            file=sys.stderr,
        )
        return 1
    if outcome is None:
        return 1
    title, body = title_of(outcome), body_of(outcome, options.test_command)
    print(title, body, sep="\n\n")
    _write(options.write, outcome.state, title, body)
    print(
        f"The branch {options.branch} holds the update; push it to open the pull request.",
        file=sys.stderr,
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--portkit", default="portkit", help="how to run portkit (default: portkit)"
    )
    parser.add_argument(
        "--test-command", default="make test", help="the tests (default: make test)"
    )
    parser.add_argument("--branch", default=BRANCH, help=f"the update branch (default: {BRANCH})")
    parser.add_argument("--write", type=Path, help="also write title.txt, body.md and state here")
    return parser


def _update_on_branch(
    portkit: list[str], options: argparse.Namespace, check: dict
) -> Outcome | None:
    """Update on a fresh branch from here, test it, come back; only the update branch stays."""
    home = _git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
    if not home or home == options.branch:
        print(f"Check out your own branch first (not {options.branch}).", file=sys.stderr)
        return None
    template = _git("rev-parse", "--verify", "--quiet", TEMPLATE_BRANCH, check=False).stdout.strip()
    _git("switch", "--quiet", "--force-create", options.branch)
    outcome: Outcome | None = None
    try:
        outcome = _update(portkit, options.test_command, Outcome(check, home))
        return outcome
    finally:
        _git("switch", "--quiet", home)
        if template:  # the update moved it on the update branch's behalf: not yours yet
            _git("update-ref", f"refs/heads/{TEMPLATE_BRANCH}", template)
        if outcome is None:  # nothing to propose: no branch left behind either
            _git("branch", "--quiet", "--delete", "--force", options.branch, check=False)


def _update(portkit: list[str], test_command: str, outcome: Outcome) -> Outcome | None:
    """`portkit update` on the current branch: tested when clean, an empty commit on conflicts."""
    updated = _run([*portkit, "update", "--defaults"])
    if updated.returncode == EXIT_CONFLICTS:
        outcome.conflicts = _conflicted_files() or list(outcome.check.get("conflicts") or [])
        _git("merge", "--abort")
        message = f"{title_of(outcome)}\n\nResolve it locally: see the pull request."
        _git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)
    elif updated.returncode == 0:
        outcome.tests = _test(test_command)
    else:
        sys.stderr.write(updated.stderr)
        if _git("rev-parse", "--quiet", "--verify", "MERGE_HEAD", check=False).stdout:
            _git("merge", "--abort")
        return None
    return outcome


def _conflicted_files() -> list[str]:
    return _git("diff", "--name-only", "-z", "--diff-filter=U").stdout.split("\0")[:-1]


def _test(command: str) -> tuple[int, str]:
    done = subprocess.run(command, shell=True, capture_output=True, text=True)
    tail = (done.stdout + done.stderr).strip().splitlines()[-30:]
    return done.returncode, "\n".join(tail)


# --- the pull request's title and body --------------------------------------------------------


def title_of(outcome: Outcome) -> str:
    """`Template update: model-api 0.1.0 -> 0.2.0`, marked when conflicts need a hand."""
    check = outcome.check
    versions = f"{check['current']} -> {check['latest']}"
    if check["current"] == check["latest"]:
        versions = f"{check['latest']} (re-render)"
    title = f"Template update: {check['template']} {versions}"
    return title + (" (conflicts to resolve)" if outcome.conflicts else "")


def body_of(outcome: Outcome, test_command: str) -> str:
    """What changed, the files, the tests' result, and how to finish."""
    check = outcome.check
    parts = [
        f"Updates this project from the **{check['template']}** template, "
        f"**{check['current']}** to **{check['latest']}**, with `portkit update`.",
        _changelog_section(check.get("changelog") or []),
        _files_section(check.get("changes") or []),
    ]
    if outcome.conflicts:
        parts.append(_conflicts_section(outcome.conflicts, outcome.base))
    else:
        parts.append(_tests_section(outcome.tests, test_command))
        parts.append(
            "### Merging\n\nUse **Create a merge commit** (not squash or rebase): the template's "
            "render is the merge's second parent, which is how the next `portkit update` finds "
            "where this project stands."
        )
    return "\n\n".join(parts) + "\n"


def _changelog_section(entries: list[dict]) -> str:
    if not entries:
        return "### What changed in the template\n\nThe template's changelog has no entries for these versions."
    sections = [f"#### {entry['title']}\n\n{entry['body'].strip()}" for entry in entries]
    return "### What changed in the template\n\n" + "\n\n".join(sections)


def _files_section(changes: list[dict]) -> str:
    lines = []
    for change in changes:
        moved = f"`{change['old_path']}` -> " if change.get("old_path") else ""
        lines.append(f"- {change['status']} {moved}`{change['path']}`")
    return f"### Files changed by the template ({len(changes)})\n\n" + "\n".join(lines)


def _tests_section(tests: tuple[int, str] | None, command: str) -> str:
    if tests is None:
        return "### Tests\n\nNot run."
    code, tail = tests
    if code == 0:
        return f"### Tests\n\n`{command}` passed on the updated branch."
    fence = "```"
    return (
        f"### Tests\n\n`{command}` **failed** (exit {code}) on the updated branch; its last lines:"
        f"\n\n{fence}text\n{tail}\n{fence}\n\nFix it on this branch before merging."
    )


def _conflicts_section(conflicts: list[str], base: str) -> str:
    files = "\n".join(f"- `{path}`" for path in conflicts)
    quoted = " ".join(shlex.quote(path) for path in conflicts)
    fence = "```"
    return (
        f"### Conflicts with your edits ({len(conflicts)})\n\n{files}\n\n"
        "This pull request is a draft and its branch holds no changes: the update needs your "
        "hand on the files above, and a branch with conflict markers would only break the build. "
        "Resolve it on your machine:\n\n"
        f"{fence}console\n"
        f"git switch {base} && git pull\n"
        "portkit update                 # stops on the conflicts, exit code 3\n"
        "# edit the files listed above: keep what you want, remove the conflict markers\n"
        f"git add {quoted}\n"
        "git commit --no-edit\n"
        f"git push origin {base} portkit/template\n"
        f"{fence}\n\n"
        "(`git merge --abort` backs out completely.) Then close this pull request: the next "
        "scheduled run finds the project up to date."
    )


# --- plumbing ---------------------------------------------------------------------------------


def _write(folder: Path | None, state: str, title: str | None, body: str | None) -> None:
    """Files for the workflow, and the `state` step output when run by GitHub Actions."""
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "state").write_text(state + "\n", encoding="utf-8")
        if title is not None and body is not None:
            (folder / "title.txt").write_text(title + "\n", encoding="utf-8")
            (folder / "body.md").write_text(body, encoding="utf-8")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"state={state}\n")


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def _git(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=check)


if __name__ == "__main__":
    sys.exit(main())
