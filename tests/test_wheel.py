"""The templates ship inside the wheel: build it, install it into a fresh venv, generate from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _build_wheel(out: Path) -> Path:
    if shutil.which("uv"):
        subprocess.run(["uv", "build", "--wheel", "-q", "-o", str(out), str(ROOT)], check=True)
    else:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "-o", str(out), str(ROOT)], check=True
        )
    return next(out.glob("portkit-*.whl"))


def _venv_with(wheel: Path, venv: Path) -> Path:
    if shutil.which("uv"):
        subprocess.run(["uv", "venv", "-q", "-p", sys.executable, str(venv)], check=True)
        subprocess.run(
            ["uv", "pip", "install", "-q", "-p", str(venv / "bin" / "python"), str(wheel)],
            check=True,
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    return venv / "bin" / "portkit"


@pytest.mark.slow
def test_wheel_installs_and_generates_every_builtin_template(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    portkit = _venv_with(wheel, tmp_path / "venv")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    listing = subprocess.run(
        [str(portkit), "list"], cwd=work, env=env, capture_output=True, text=True, check=True
    )
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert names == ["ml-pipeline", "model-api", "rag-chatbot"]
    for name in names:
        result = subprocess.run(
            [str(portkit), "new", name, name, "--defaults"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        project = work / name
        assert (project / ".portkit.yml").is_file()
        assert (project / "src" / "my_ml_project" / "__init__.py").is_file()
        # the installed copy is used, not this checkout's templates
        located = subprocess.run(
            [
                str(tmp_path / "venv" / "bin" / "python"),
                "-c",
                "from portkit.catalog import builtin_root; print(builtin_root())",
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert located.startswith(str(tmp_path / "venv")), located
    # what `pipx install portkit` brings: the render-time extensions, not the projects' own tools
    installed = subprocess.run(
        [
            str(tmp_path / "venv" / "bin" / "python"),
            "-c",
            "import importlib.util as u; print(*[bool(u.find_spec(m)) for m in ("
            "'copier_template_extensions', 'copier_templates_extensions', 'mlflow', 'pre_commit',"
            " 'sklearn', 'pandas')])",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert installed == ["True", "True", "False", "False", "False", "False"]
