"""Hermetic tests: HOME, git config and tool caches redirected; helpers to build fixture templates."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: Real package caches, captured before HOME is isolated, so end-to-end installs stay warm.
REAL_HOME = Path.home()
PACKAGE_CACHE_ENV = {
    "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(REAL_HOME / ".cache" / "uv")),
    "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(REAL_HOME / ".cache" / "pip")),
    "PRE_COMMIT_HOME": os.environ.get("PRE_COMMIT_HOME", str(REAL_HOME / ".cache" / "pre-commit")),
}
PORTKIT = [sys.executable, "-m", "portkit"]


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A throw-away HOME with a git identity; no user-level copier/cookiecutter/git config leaks in."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(home / "cookiecutter.yaml"))
    (home / "cookiecutter.yaml").write_text(
        f"cookiecutters_dir: {home / 'cc'}\nreplay_dir: {home / 'replay'}\n"
    )
    monkeypatch.delenv("PORTKIT_TEMPLATES", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for key, value in PACKAGE_CACHE_ENV.items():
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "config", "--global", "user.name", "Test User"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "test@example.com"], check=True)
    subprocess.run(["git", "config", "--global", "init.defaultBranch", "main"], check=True)
    return home


def run_portkit(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a subprocess, stdin not a terminal."""
    return subprocess.run(
        [*PORTKIT, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        input=input_text if input_text is not None else "",
        timeout=600,
    )


@pytest.fixture
def portkit() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_portkit


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Create FILES (relative path -> text) under ROOT."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def make_git_template(root: Path, files: dict[str, str], tag: str | None = "v1") -> Path:
    """A template in its own git repository, committed and optionally tagged."""
    write_tree(root, files)
    git("init", "--quiet", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "--quiet", "-m", "template", cwd=root)
    if tag:
        git("tag", tag, cwd=root)
    return root


COPIER_FIXTURE = {
    "copier.yml": (
        "_description: A tiny copier fixture\n"
        "project_name:\n  type: str\n  default: Demo\n"
        "flavour:\n  type: str\n  choices: [plain, fancy]\n  default: plain\n"
        "api_token:\n  type: str\n  secret: true\n  default: s3cret\n"
    ),
    "README.md.jinja": "# {{ project_name }}\n\nFlavour: {{ flavour }}\n",
    "notes.txt": "static notes\n",
}

COOKIECUTTER_FIXTURE = {
    "cookiecutter.json": '{"project_name": "Demo", "project_slug": "{{ cookiecutter.project_name|lower }}", "flavour": ["plain", "fancy"]}\n',
    "{{cookiecutter.project_slug}}/README.md": "# {{ cookiecutter.project_name }}\n\nFlavour: {{ cookiecutter.flavour }}\n",
    "{{cookiecutter.project_slug}}/notes.txt": "static notes\n",
}


@pytest.fixture
def copier_template(tmp_path: Path) -> Path:
    return make_git_template(tmp_path / "copier-tpl", COPIER_FIXTURE)


@pytest.fixture
def cookiecutter_template(tmp_path: Path) -> Path:
    return make_git_template(tmp_path / "cc-tpl", COOKIECUTTER_FIXTURE)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "work"
    path.mkdir()
    yield path
