"""Hermetic tests: HOME, git config and tool caches redirected; helpers to build fixture templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from portkit.catalog import Catalog

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


# --- one logical template from each kind of source (update, check, status tests) ----------


NOTES = "".join(f"note line {n}\n" for n in range(1, 9))
V1_FILES: dict[str, str | None] = {
    "README.md": "# %project_name%\n\nMade from the template.\n",
    "notes.txt": NOTES,
    "old.txt": "the template drops this file in v2\n",
    "keep.txt": "keep\n",
}
V1_QUESTIONS = {"project_name": "Demo"}


class Source:
    """One template source; `release` publishes the next version of the same logical template."""

    kind = ""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.questions: dict[str, str] = {}
        self.version = 0

    # engine syntax
    def expression(self, name: str) -> str:
        raise NotImplementedError

    def file_path(self, relative: str, templated: bool) -> Path:
        raise NotImplementedError

    def write_config(self) -> None:
        raise NotImplementedError

    def publish(self) -> None:
        """Make the written files the newest version."""

    def catalog(self) -> Catalog:
        from portkit.catalog import Catalog

        return Catalog(builtin=self.root.parent / "no-builtins")

    def template_argument(self) -> str:
        return str(self.root)

    def release(
        self, files: dict[str, str | None], questions: dict[str, str] | None = None
    ) -> None:
        """Write FILES (None removes one) and add QUESTIONS, then publish as the next version."""
        self.questions.update(questions or {})
        for relative, text in files.items():
            for templated in (True, False):
                self.file_path(relative, templated).unlink(missing_ok=True)
            if text is None:
                continue
            rendered = text
            for name in self.questions:
                rendered = rendered.replace(f"%{name}%", self.expression(name))
            path = self.file_path(relative, rendered != text)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rendered)
        self.write_config()
        self.version += 1
        self.publish()

    def new(self, destination: Path, **data: str) -> Path:
        from portkit.models import NewRequest
        from portkit.new import new_project

        request = NewRequest(
            template=self.template_argument(), destination=destination, data=data, defaults=True
        )
        new_project(request, self.catalog())
        return destination


class GitSource(Source):
    def publish(self) -> None:
        if not (self.root / ".git").exists():
            git("init", "--quiet", cwd=self.root)
        git("add", "--all", cwd=self.root)
        git("commit", "--quiet", "-m", f"v{self.version}", cwd=self.root)
        git("tag", f"v{self.version}", cwd=self.root)


class CopierSource(GitSource):
    kind = "copier"

    def expression(self, name: str) -> str:
        return "{{ " + name + " }}"

    def file_path(self, relative: str, templated: bool) -> Path:
        return self.root / (relative + ".jinja" if templated else relative)

    def write_config(self) -> None:
        config = {name: {"type": "str", "default": d} for name, d in self.questions.items()}
        (self.root / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False))


class CookiecutterSource(GitSource):
    kind = "cookiecutter"

    def expression(self, name: str) -> str:
        return "{{ cookiecutter." + name + " }}"

    def file_path(self, relative: str, templated: bool) -> Path:
        return self.root / "{{cookiecutter.project_slug}}" / relative

    def write_config(self) -> None:
        config: dict[str, str] = dict(self.questions)
        config["project_slug"] = "{{ cookiecutter.project_name|lower|replace(' ', '-') }}"
        (self.root / "cookiecutter.json").write_text(json.dumps(config, indent=2) + "\n")


class BuiltinSource(CopierSource):
    """A built-in template in a templates folder of its own; changing it = a newer portkit."""

    kind = "builtin"

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.templates = root
        self.root = root / "tiny"
        self.root.mkdir(parents=True)
        write_tree(self.templates / "_shared", {"copier.yml": "_description: shared base\n"})

    def write_config(self) -> None:
        config = {name: {"type": "str", "default": d} for name, d in self.questions.items()}
        (self.templates / "_shared" / "copier.yml").write_text(yaml.safe_dump(config))
        (self.root / "copier.yml").write_text("_description: A tiny built-in template\n")

    def publish(self) -> None:
        pass

    def catalog(self) -> Catalog:
        from portkit.catalog import Catalog

        return Catalog(builtin=self.templates)

    def template_argument(self) -> str:
        return "tiny"


SOURCES = {"copier": CopierSource, "cookiecutter": CookiecutterSource, "builtin": BuiltinSource}


@pytest.fixture
def v1_files() -> dict[str, str | None]:
    """The files of the template's first version; a test module may add its own."""
    return dict(V1_FILES)


@pytest.fixture(params=sorted(SOURCES))
def source(
    request: pytest.FixtureRequest, tmp_path: Path, v1_files: dict[str, str | None]
) -> Source:
    """The same logical template from each kind of source, released once (v1)."""
    made = SOURCES[request.param](tmp_path / "template")
    made.root.mkdir(parents=True, exist_ok=True)
    made.release(v1_files, V1_QUESTIONS)
    return made
