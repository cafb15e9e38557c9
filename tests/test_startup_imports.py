"""`portkit --help` and `portkit list` must not import the heavy engines (rule 9 in STYLE.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("copier", "cookiecutter", "jinja2", "mlflow", "tomlkit", "ruamel")

PROBE = """
import sys
from portkit.cli import main
sys.argv = ["portkit", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY_NAMES))
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
""".replace("HEAVY_NAMES", repr(HEAVY))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["list"],
        ["--version"],
        ["new", "--help"],
        ["info", "--help"],
        ["update", "--help"],
    ],
)
def test_cli_start_up_does_not_import_engines(args: list[str], workdir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "HEAVY=\n" in result.stderr, result.stderr


def test_probe_detects_heavy_imports(workdir: Path) -> None:
    """The probe itself must be able to fail: `new` does import copier."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "new", "model-api", "p", "--defaults", "--no-git"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "HEAVY=copier" in result.stderr and "jinja2" in result.stderr
