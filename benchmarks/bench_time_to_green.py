"""Time-to-green per built-in template: `portkit new` -> `make setup` -> `make test` passes.

Measured with a warm package cache (what a second project on the same machine sees, and what CI
sees with its uv cache): one untimed warm-up round first, then N timed rounds, each in a fresh
folder. Reports the median seconds of each step and of the total, per template. Templates whose
`cli.py` does not exist yet are skipped.

Run: `python benchmarks/bench_time_to_green.py [--runs N] [--template NAME ...]` from the
repository's virtualenv. Standard library only, plus the `portkit`, `make` and `git` commands;
git identity and HOME are redirected to a temporary folder, package caches are left alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
STEPS = ("new", "setup", "test")


def ready_templates() -> list[str]:
    """Built-in templates that have their package CLI (the others cannot go green yet)."""
    names = []
    for folder in sorted(TEMPLATES_DIR.iterdir()):
        package = folder / "src" / "{{ package_name }}"
        if folder.name.startswith(("_", ".")) or not folder.is_dir():
            continue
        if (package / "cli.py").is_file() or (package / "cli.py.jinja").is_file():
            names.append(folder.name)
    return names


def isolated_env(home: Path) -> dict[str, str]:
    """The caller's environment with HOME and git config redirected; caches keep their place."""
    real_home = Path.home()
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env.setdefault("UV_CACHE_DIR", str(real_home / ".cache" / "uv"))
    env.setdefault("PIP_CACHE_DIR", str(real_home / ".cache" / "pip"))
    env.setdefault("PRE_COMMIT_HOME", str(real_home / ".cache" / "pre-commit"))
    env.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig")})
    env.pop("MLFLOW_TRACKING_URI", None)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    return env


def one_round(template: str, where: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds for each step of one new -> setup -> test round in WHERE."""
    project = where / "project"
    commands = {
        "new": (
            [sys.executable, "-m", "portkit", "new", template, str(project), "--defaults"],
            where,
        ),
        "setup": (["make", "setup"], project),
        "test": (["make", "test"], project),
    }
    seconds = {}
    for name in STEPS:
        argv, cwd = commands[name]
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
        seconds[name] = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(
                f"{template}: `{' '.join(argv)}` failed\n{result.stdout}\n{result.stderr}"
            )
    return seconds


def bench(template: str, runs: int, env: dict[str, str], work: Path) -> dict[str, list[float]]:
    """Warm up once, then time RUNS rounds; every round in a fresh folder."""
    one_round(template, Path(tempfile.mkdtemp(dir=work)), env)
    timings: dict[str, list[float]] = {name: [] for name in (*STEPS, "total")}
    for _ in range(runs):
        seconds = one_round(template, Path(tempfile.mkdtemp(dir=work)), env)
        for name in STEPS:
            timings[name].append(seconds[name])
        timings["total"].append(sum(seconds.values()))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed rounds per template")
    parser.add_argument("--template", action="append", help="only this template (repeatable)")
    args = parser.parse_args()
    templates = args.template or ready_templates()
    print(f"time-to-green, warm package cache, median of {args.runs} run(s), seconds\n")
    print("| template | new | make setup | make test | total (new -> green) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = isolated_env(home)
        for template in templates:
            timings = bench(template, args.runs, env, work)
            cells = " | ".join(f"{statistics.median(timings[n]):.1f}" for n in (*STEPS, "total"))
            print(f"| {template} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
