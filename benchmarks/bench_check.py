"""`portkit update --check` on up-to-date projects: the issue's target is under a second.

Three pairs, each side by side (A, B alternate; `harness.compare`):

1. a model-api project (built-in template), check answered from the cached verdict of an earlier
   check / `portkit info` (reads the same record, renders nothing): the usual case;
2. the same project with the cache removed before each run (a fresh clone, as in CI): the check
   renders once / `portkit diff` (the same render plus the in-memory merge);
3. a project from a git template (`file://`, tagged v1), check (one `git ls-remote`) / `portkit
   info` (the same `git ls-remote`).

Run: `python benchmarks/bench_check.py [--runs N]` from the repository's virtualenv.
Standard library only, plus the `portkit` and `git` commands.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import HEADER, Comparison, compare

PORTKIT = [sys.executable, "-m", "portkit"]
TEMPLATE = {
    "copier.yml": "project_name:\n  type: str\n  default: Demo\n",
    "README.md.jinja": "# {{ project_name }}\n",
    "CHANGELOG.md": "# Changelog\n\n## v1\n\n- First.\n",
}


def make(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {cwd}:\n{done.stderr}")


def git_template(root: Path) -> Path:
    root.mkdir()
    for name, text in TEMPLATE.items():
        (root / name).write_text(text)
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v1"], ["tag", "v1"]):
        make(["git", *argv], root)
    return root


def main() -> None:
    """Build the two projects, time the three pairs, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--warmup", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as work:
        root = Path(work)
        home = root / "home"
        home.mkdir()
        os.environ.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"))
        make(["git", "config", "--global", "user.name", "Bench"], root)
        make(["git", "config", "--global", "user.email", "bench@example.com"], root)
        make([*PORTKIT, "new", "model-api", "api", "--defaults"], root)
        api = root / "api"
        make([*PORTKIT, "update", "--check"], api)  # the first check renders and caches
        url = "file://" + str(git_template(root / "template"))
        make([*PORTKIT, "new", url, "fromgit", "--defaults"], root)
        cache = api / ".git" / "portkit-check.json"
        rows: list[Comparison] = [
            compare(
                "check, model-api (cached verdict)",
                lambda _: [*PORTKIT, "update", "--check"],
                "info, model-api",
                lambda _: [*PORTKIT, "info"],
                runs=options.runs,
                warmup=options.warmup,
                cwd=api,
            ),
            compare(
                "check, model-api (no cache: renders)",
                lambda _: [*PORTKIT, "update", "--check"],
                "diff, model-api",
                lambda _: [*PORTKIT, "diff"],
                runs=options.runs,
                warmup=options.warmup,
                cwd=api,
                setup=lambda _: cache.unlink(missing_ok=True),
            ),
            compare(
                "check, git template (ls-remote)",
                lambda _: [*PORTKIT, "update", "--check"],
                "info, git template",
                lambda _: [*PORTKIT, "info"],
                runs=options.runs,
                warmup=options.warmup,
                cwd=root / "fromgit",
            ),
        ]
    print(HEADER)
    for row in rows:
        print(row.row())


if __name__ == "__main__":
    main()
