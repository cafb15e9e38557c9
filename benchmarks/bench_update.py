"""`portkit update` against `copier update` on the same change, and the no-op `portkit update`.

One fixture copier template in a throw-away git repository, tagged v1 and v2 (v2 edits the
README, adds a file, renames one and deletes one). Two projects are made from v1 and given the
same committed user edit: one by `portkit new`, one by `copier copy` (with the answers file
`copier update` needs). Every timed run works on a fresh copy of its project, and the two commands
alternate (A, B, A, B, ...) so machine drift hits both alike. We report median wall and CPU
(user + system of the child processes) and the median of the per-pair ratios.

Run: `python benchmarks/bench_update.py [--runs N]` from the repository's virtualenv.
Standard library only, plus the `portkit`, `copier` and `git` commands.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable
PORTKIT = [PYTHON, "-m", "portkit"]
COPIER = [PYTHON, "-m", "copier"]

NOTES = "".join(f"note line {n}\n" for n in range(1, 21))
TEMPLATE_V1 = {
    "copier.yml": (
        "project_name:\n  type: str\n  default: Demo\nauthor:\n  type: str\n  default: Ada\n"
    ),
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "README.md.jinja": "# {{ project_name }}\n\nBy {{ author }}.\n\n## Usage\n\nRun it.\n",
    "notes.txt": NOTES,
    "old.txt": "dropped in v2\n",
    "src/app.py.jinja": "NAME = '{{ project_name }}'\n\n\ndef main() -> None:\n    print(NAME)\n",
    "Makefile": "test:\n\tpython -m pytest\n",
}
TEMPLATE_V2: dict[str, str | None] = {
    "README.md.jinja": "# {{ project_name }}\n\nBy {{ author }}.\n\n## Usage\n\nRun it twice.\n",
    "CHANGELOG.md": "v2\n",
    "notes.txt": None,
    "docs/notes.txt": NOTES,
    "old.txt": None,
}
USER_EDIT = {"src/app.py": "NAME = 'Demo'\n\n\ndef main() -> None:\n    print(NAME, 'edited')\n"}
# `--pyproject`: both sides edit adjacent lines of one dependency array, so portkit's merge
# driver runs (a line merge, copier's included, conflicts there).
PYPROJECT = '[project]\nname = "demo"\ndependencies = [\n    "fastapi>=0.110",\n    "uvicorn",\n]\n'
PYPROJECT_V2 = {"pyproject.toml": PYPROJECT.replace("0.110", "0.115")}
PYPROJECT_EDIT = {"pyproject.toml": PYPROJECT.replace('0",\n', '0",\n    "httpx",\n')}


@dataclass
class Series:
    """Wall and CPU seconds of one command over the runs."""

    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def write(root: Path, files: dict[str, str | None]) -> None:
    for relative, text in files.items():
        path = root / relative
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {cwd}:\n{done.stderr}")


def git(cwd: Path, env: dict[str, str], *args: str) -> None:
    run(["git", *args], cwd, env)


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str], series: Series) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(argv, cwd, env)
    series.wall.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    series.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def isolated_env(home: Path) -> dict[str, str]:
    """A throw-away HOME and git identity: no user configuration leaks into either tool."""
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def make_template(root: Path, env: dict[str, str], pyproject: bool) -> Path:
    write(root, {**TEMPLATE_V1, **({"pyproject.toml": PYPROJECT} if pyproject else {})})
    git(root, env, "init", "--quiet")
    git(root, env, "add", "--all")
    git(root, env, "commit", "--quiet", "-m", "v1")
    git(root, env, "tag", "v1")
    write(root, {**TEMPLATE_V2, **(PYPROJECT_V2 if pyproject else {})})
    git(root, env, "add", "--all")
    git(root, env, "commit", "--quiet", "-m", "v2")
    git(root, env, "tag", "v2")
    return root


def make_projects(
    work: Path, template: Path, env: dict[str, str], pyproject: bool
) -> tuple[Path, Path]:
    """The same v1 project with the same committed edit, made by each tool."""
    run([*PORTKIT, "new", str(template), "pk", "--vcs-ref", "v1", "--defaults"], work, env)
    portkit_project = work / "pk"
    run(
        [*COPIER, "copy", "--quiet", "--defaults", "--vcs-ref", "v1", str(template), "cp"],
        work,
        env,
    )
    copier_project = work / "cp"
    git(copier_project, env, "init", "--quiet")
    git(copier_project, env, "add", "--all")
    git(copier_project, env, "commit", "--quiet", "-m", "copier copy v1")
    for project in (portkit_project, copier_project):
        write(project, {**USER_EDIT, **(PYPROJECT_EDIT if pyproject else {})})
        git(project, env, "commit", "--quiet", "-am", "my edit")
    return portkit_project, copier_project


def fresh_copy(project: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(project, target, symlinks=True)
    return target


def report(a: Series, b: Series) -> str:
    wall_ratio = statistics.median(y / x for x, y in zip(a.wall, b.wall, strict=True))
    cpu_ratio = statistics.median(y / x for x, y in zip(a.cpu, b.cpu, strict=True))
    return (
        f"| {a.label} | {statistics.median(a.wall) * 1000:.0f} ms "
        f"| {statistics.median(a.cpu) * 1000:.0f} ms "
        f"| {b.label} | {statistics.median(b.wall) * 1000:.0f} ms "
        f"| {statistics.median(b.cpu) * 1000:.0f} ms "
        f"| {wall_ratio:.2f}x | {cpu_ratio:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed pairs (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed pairs first (default 1)")
    parser.add_argument(
        "--pyproject", action="store_true", help="also edit pyproject.toml on both sides"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp:
        work = Path(tmp)
        env = isolated_env(work / "home")
        template = make_template(work / "template", env, args.pyproject)
        portkit_project, copier_project = make_projects(work, template, env, args.pyproject)
        portkit_update = Series("`portkit update` v1 -> v2")
        copier_update = Series("`copier update --defaults` v1 -> v2")
        noop = Series("`portkit update`, already up to date")
        # copies sit beside the originals: portkit records a local template relative to the project

        def run_portkit(series: Series) -> None:
            project = fresh_copy(portkit_project, work / "pk-run")
            timed([*PORTKIT, "update", "--defaults"], project, env, series)

        def run_copier(series: Series) -> None:
            project = fresh_copy(copier_project, work / "cp-run")
            timed([*COPIER, "update", "--quiet", "--defaults"], project, env, series)

        updated = fresh_copy(portkit_project, work / "updated")
        run([*PORTKIT, "update", "--defaults"], updated, env)

        for index in range(args.warmup + args.runs):
            keep = index >= args.warmup
            targets = [(run_portkit, portkit_update), (run_copier, copier_update)]
            if index % 2:
                targets.reverse()
            for runner, series in targets:
                runner(series if keep else Series("warm-up"))
            timed([*PORTKIT, "update"], updated, env, noop if keep else Series("warm-up"))

        for project in (work / "pk-run", work / "cp-run", updated):  # both really applied v2
            assert (project / "CHANGELOG.md").is_file() and (project / "docs/notes.txt").is_file()
            assert "edited" in (project / "src/app.py").read_text()
        if args.pyproject:  # portkit's driver merged both edits; a line merge conflicts
            merged = (work / "pk-run" / "pyproject.toml").read_text()
            assert '"fastapi>=0.115",\n    "httpx",\n' in merged and "<<<<<<<" not in merged

        print(f"{args.runs} timed pairs after {args.warmup} warm-up, {os.cpu_count()} CPUs\n")
        print("| A | wall A | CPU A | B | wall B | CPU B | B/A wall | B/A CPU |")
        print("|---|---|---|---|---|---|---|---|")
        print(report(portkit_update, copier_update))
        print(
            f"\n{noop.label}: median wall {statistics.median(noop.wall) * 1000:.0f} ms, "
            f"CPU {statistics.median(noop.cpu) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
