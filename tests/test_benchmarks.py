"""`make bench` runs scripts that exist, with options they accept; no timing is measured here."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_commands(*make_args: str) -> list[list[str]]:
    """The benchmark commands `make bench` would run (`make -n`: printed, not run)."""
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "bench", *make_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [shlex.split(line) for line in printed.splitlines() if "benchmarks/" in line]


def test_make_bench_runs_every_benchmark_script_that_exists() -> None:
    commands = bench_commands()
    scripts = [Path(command[1]) for command in commands]
    assert sorted(script.name for script in scripts) == sorted(
        path.name for path in (ROOT / "benchmarks").glob("bench_*.py")
    )
    for script in scripts:
        assert (ROOT / script).is_file(), f"make bench runs {script}, which does not exist"


def test_the_options_make_bench_passes_are_accepted() -> None:
    """RUNS=1 (the quick pass benchmarks/README.md documents) parses in every script."""
    for command in bench_commands("RUNS=1"):
        assert command[2:] == ["--runs", "1"]
        script = ROOT / command[1]
        shown = subprocess.run(
            [sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True
        )
        assert shown.returncode == 0, shown.stderr
        assert "--runs" in shown.stdout


def test_the_benchmarks_readme_the_makefile_points_to_exists() -> None:
    assert "benchmarks/README.md" in (ROOT / "Makefile").read_text()
    readme = (ROOT / "benchmarks" / "README.md").read_text()
    for script in (ROOT / "benchmarks").glob("bench_*.py"):
        assert script.name in readme
