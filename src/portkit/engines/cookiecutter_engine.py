"""Render cookiecutter templates safely.

cookiecutter itself writes files outside its output folder when a rendered name is `../x` or
absolute, copies what symlinks point at, runs hooks by default and evaluates template text with an
unsandboxed Jinja environment. Without `trust`, portkit refuses hooks and extensions, refuses
symlinks that leave the template, renders every path first and refuses any that would leave the
destination, and swaps in a sandboxed Jinja environment for the whole render.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from portkit.errors import AnswerError, ForbiddenPathError, TemplateError, extension_error
from portkit.models import FetchedTemplate

_HOOK_NAMES = ("pre_prompt", "pre_gen_project", "post_gen_project")


class CookiecutterRenderer:
    """The `Renderer` for cookiecutter templates."""

    def unsafe_features(self, folder: Path, config: dict[str, Any]) -> list[str]:
        """Hooks, Jinja extensions and `local_extensions.py`: all of them execute template code."""
        return _unsafe_features(folder, config)

    def render(
        self,
        template: FetchedTemplate,
        destination: Path,
        answers: dict[str, Any],
        *,
        interactive: bool,
        trust: bool,
    ) -> dict[str, Any]:
        """Render into DESTINATION; return the answers (cookiecutter's non-private keys)."""
        return _render(template, destination, answers, interactive=interactive, trust=trust)


def _unsafe_features(folder: Path, config: dict[str, Any]) -> list[str]:
    found = []
    hooks = folder / "hooks"
    if hooks.is_dir():
        found += [
            f"hook hooks/{path.name}"
            for path in sorted(hooks.iterdir())
            if path.is_file() and path.stem in _HOOK_NAMES
        ]
    if config.get("_extensions"):
        found.append(
            "Jinja extensions (_extensions: " + ", ".join(map(str, config["_extensions"])) + ")"
        )
    if (folder / "local_extensions.py").exists() or (folder / "local_extensions").is_dir():
        found.append("local_extensions.py")
    return found


def _render(
    template: FetchedTemplate,
    destination: Path,
    answers: dict[str, Any],
    *,
    interactive: bool,
    trust: bool,
) -> dict[str, Any]:
    from cookiecutter import exceptions as cc_errors
    from cookiecutter.find import find_template
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config
    from jinja2 import TemplateError as JinjaTemplateError

    folder = template.folder
    _refuse_escaping_symlinks(folder)
    try:
        with _sandboxed_jinja(enabled=not trust):
            context = generate_context(str(folder / "cookiecutter.json"), extra_context=answers)
            context["cookiecutter"] = prompt_for_config(context, no_input=not interactive)
            context["cookiecutter"]["_template"] = template.ref.name
            env = _environment(context, sandboxed=not trust)
            project_template = Path(find_template(folder, env))
            _refuse_escaping_paths(project_template, env, context)
            with tempfile.TemporaryDirectory(
                dir=destination.parent, prefix=".portkit-cc-"
            ) as stage:
                project_dir = Path(
                    generate_files(folder, context, output_dir=stage, accept_hooks=trust)
                )
                _move_contents(project_dir, destination)
    except ValueError as error:  # an extra_context value that is not one of a choice's options
        raise AnswerError(str(error)) from error
    except cc_errors.UnknownExtension as error:
        raise extension_error(error) from error
    except (cc_errors.CookiecutterException, JinjaTemplateError) as error:
        raise TemplateError(f"The template failed to render: {error}") from error
    return {key: value for key, value in context["cookiecutter"].items() if not key.startswith("_")}


def _environment(context: dict[str, Any], *, sandboxed: bool) -> Any:
    from cookiecutter.utils import create_env_with_context

    return _sandboxed_env(context) if sandboxed else create_env_with_context(context)


def _sandboxed_env(context: dict[str, Any]) -> Any:
    """Cookiecutter's StrictEnvironment with Jinja's sandbox: template text cannot reach `os`."""
    from cookiecutter.environment import StrictEnvironment
    from jinja2.sandbox import SandboxedEnvironment

    class SandboxedStrictEnvironment(SandboxedEnvironment, StrictEnvironment):  # type: ignore[misc]
        pass

    env_vars = context.get("cookiecutter", {}).get("_jinja2_env_vars", {})
    return SandboxedStrictEnvironment(context=context, keep_trailing_newline=True, **env_vars)


@contextmanager
def _sandboxed_jinja(*, enabled: bool) -> Iterator[None]:
    """Make cookiecutter's prompt and generate stages build the sandboxed environment.

    cookiecutter has no option for this; both stages call `create_env_with_context`, so that
    is the one seam to replace. A test renders a template that tries to reach `os` and fails if
    the seam ever moves.
    """
    if not enabled:
        yield
        return
    import cookiecutter.generate as generate_module
    import cookiecutter.prompt as prompt_module

    saved = generate_module.create_env_with_context, prompt_module.create_env_with_context
    generate_module.create_env_with_context = _sandboxed_env
    prompt_module.create_env_with_context = _sandboxed_env
    try:
        yield
    finally:
        generate_module.create_env_with_context, prompt_module.create_env_with_context = saved


def _refuse_escaping_symlinks(folder: Path) -> None:
    root = folder.resolve()
    for path in folder.rglob("*"):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise ForbiddenPathError(f"{path.relative_to(folder)} -> {os.readlink(path)}")


def _refuse_escaping_paths(project_template: Path, env: Any, context: dict[str, Any]) -> None:
    """Render every name under the project template exactly as cookiecutter will, and check it.

    The project folder's own name must render to one plain name, and every path below it must
    stay below it once `..` and absolute parts are resolved.
    """
    project_name = env.from_string(project_template.name).render(**context)
    if os.path.normpath(project_name) in ("", ".", "..") or Path(project_name).name != project_name:
        raise ForbiddenPathError(project_name)
    for path in project_template.rglob("*"):
        rendered = [
            env.from_string(part).render(**context)
            for part in path.relative_to(project_template).parts
        ]
        joined = os.path.normpath(os.path.join(*rendered))
        if os.path.isabs(joined) or joined == ".." or joined.startswith(".." + os.sep):
            raise ForbiddenPathError(joined)


def _move_contents(source: Path, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for child in source.iterdir():
        shutil.move(str(child), str(destination / child.name))
