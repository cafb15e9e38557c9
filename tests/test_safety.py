"""Nothing outside DEST, no template code without --trust, nothing half-written on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import COOKIECUTTER_FIXTURE, COPIER_FIXTURE, run_portkit, write_tree


def _cookiecutter(root: Path, extra: dict[str, str], context: str | None = None) -> Path:
    files = {**COOKIECUTTER_FIXTURE, **extra}
    if context is not None:
        files["cookiecutter.json"] = context
    return write_tree(root, files)


def _nothing_created(workdir: Path, *names: str) -> None:
    assert sorted(p.name for p in workdir.iterdir()) == sorted(names)


@pytest.mark.parametrize(
    "evil", ["../escaped.txt", "../../escaped.txt", "sub/../../../escaped.txt"]
)
def test_cookiecutter_file_names_cannot_escape(tmp_path: Path, workdir: Path, evil: str) -> None:
    context = (
        '{"project_name": "Demo", "project_slug": "demo", "flavour": "plain", "evil": "'
        + evil
        + '"}'
    )
    template = _cookiecutter(
        tmp_path / "cc",
        {"{{cookiecutter.project_slug}}/{{ cookiecutter.evil }}": "pwned\n"},
        context,
    )
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert "tried to write outside the destination" in result.stderr
    assert not list(tmp_path.rglob("escaped.txt"))
    _nothing_created(workdir)


def test_cookiecutter_absolute_file_name_refused(tmp_path: Path, workdir: Path) -> None:
    target = tmp_path / "absolute-target.txt"
    context = f'{{"project_name": "Demo", "project_slug": "demo", "flavour": "plain", "where": "{target}"}}'
    template = _cookiecutter(
        tmp_path / "cc",
        {"{{cookiecutter.project_slug}}/{{cookiecutter.where}}": "pwned\n"},
        context,
    )
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "outside the destination" in result.stderr
    assert not target.exists()
    _nothing_created(workdir)


def test_cookiecutter_project_dir_cannot_escape(tmp_path: Path, workdir: Path) -> None:
    template = _cookiecutter(
        tmp_path / "cc",
        {},
        '{"project_name": "Demo", "project_slug": "../../outside", "flavour": "plain"}',
    )
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "outside the destination" in result.stderr
    assert not (tmp_path / "outside").exists() and not (tmp_path.parent / "outside").exists()


def test_cookiecutter_symlink_out_of_template_refused(tmp_path: Path, workdir: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    template = _cookiecutter(tmp_path / "cc", {})
    os.symlink(secret, template / "{{cookiecutter.project_slug}}" / "leak.txt")
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "outside the destination" in result.stderr and "leak.txt" in result.stderr
    _nothing_created(workdir)


def test_copier_file_names_cannot_escape(tmp_path: Path, workdir: Path) -> None:
    template = write_tree(
        tmp_path / "tpl",
        {
            **COPIER_FIXTURE,
            "copier.yml": COPIER_FIXTURE["copier.yml"]
            + "evil:\n  type: str\n  default: ../escaped.txt\n",
            "{{ evil }}.jinja": "pwned\n",
        },
    )
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "outside the destination" in result.stderr
    assert not list(tmp_path.rglob("escaped.txt"))
    _nothing_created(workdir)


def test_copier_symlink_out_of_template_refused(tmp_path: Path, workdir: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    template = write_tree(tmp_path / "tpl", COPIER_FIXTURE)
    os.symlink(secret, template / "leak.txt")
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    _nothing_created(workdir)


def test_copier_tasks_need_trust(tmp_path: Path, workdir: Path) -> None:
    marker = tmp_path / "task-ran"
    template = write_tree(
        tmp_path / "tpl",
        {
            **COPIER_FIXTURE,
            "copier.yml": COPIER_FIXTURE["copier.yml"] + f"_tasks:\n  - touch {marker}\n",
        },
    )
    refused = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert refused.returncode == 1
    assert "This template would run code: tasks after rendering (_tasks)." in refused.stderr
    assert "--trust" in refused.stderr
    assert not marker.exists()
    _nothing_created(workdir)
    trusted = run_portkit("new", str(template), "p", "--defaults", "--trust", cwd=workdir)
    assert trusted.returncode == 0, trusted.stderr
    assert marker.exists()


def test_cookiecutter_hooks_need_trust(tmp_path: Path, workdir: Path) -> None:
    template = _cookiecutter(
        tmp_path / "cc",
        {"hooks/post_gen_project.py": "open('hook-ran.txt', 'w').write('yes')\n"},
    )
    refused = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert refused.returncode == 1
    assert "This template would run code: hook hooks/post_gen_project.py." in refused.stderr
    _nothing_created(workdir)
    trusted = run_portkit("new", str(template), "p", "--defaults", "--trust", cwd=workdir)
    assert trusted.returncode == 0, trusted.stderr
    assert (workdir / "p" / "hook-ran.txt").read_text() == "yes"


def test_cookiecutter_local_extensions_need_trust(tmp_path: Path, workdir: Path) -> None:
    marker = tmp_path / "imported"
    context = '{"project_name": "Demo", "project_slug": "demo", "flavour": "plain", "_extensions": ["local_extensions.Shout"]}'
    template = _cookiecutter(
        tmp_path / "cc",
        {
            "local_extensions.py": f"open({str(marker)!r}, 'w').write('x')\nfrom jinja2.ext import Extension\nclass Shout(Extension):\n    pass\n"
        },
        context,
    )
    refused = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert refused.returncode == 1
    assert "Jinja extensions (_extensions: local_extensions.Shout)" in refused.stderr
    assert "local_extensions.py" in refused.stderr
    assert not marker.exists()
    _nothing_created(workdir)


def test_cookiecutter_template_text_is_sandboxed(tmp_path: Path, workdir: Path) -> None:
    marker = tmp_path / "pwned"
    payload = "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
    template = _cookiecutter(tmp_path / "cc", {"{{cookiecutter.project_slug}}/evil.txt": payload})
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "The template failed to render" in result.stderr
    assert not marker.exists()
    _nothing_created(workdir)


def test_cookiecutter_sandbox_also_covers_computed_defaults(tmp_path: Path, workdir: Path) -> None:
    marker = tmp_path / "pwned"
    payload = "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
    template = _cookiecutter(
        tmp_path / "cc",
        {},
        '{"project_name": "Demo", "project_slug": "demo", "flavour": "plain", "x": "'
        + payload
        + '"}',
    )
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert not marker.exists()
    _nothing_created(workdir)


def test_render_failure_leaves_nothing_and_removes_created_parents(
    tmp_path: Path, workdir: Path
) -> None:
    template = write_tree(tmp_path / "tpl", {**COPIER_FIXTURE, "broken.txt.jinja": "{% if %}\n"})
    result = run_portkit("new", str(template), "new/nested/p", "--defaults", cwd=workdir)
    assert result.returncode == 1
    assert "The template failed to render" in result.stderr
    assert "Traceback" not in result.stderr
    _nothing_created(workdir)


def test_interrupt_leaves_nothing(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portkit import engines
    from portkit.catalog import Catalog
    from portkit.models import NewRequest
    from portkit.new import new_project

    real_render = engines.render

    def render_then_interrupt(*args: object, **kwargs: object) -> dict[str, object]:
        real_render(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(engines, "render", render_then_interrupt)
    monkeypatch.chdir(workdir)
    with pytest.raises(KeyboardInterrupt):
        new_project(NewRequest("model-api", workdir / "a" / "p", defaults=True), Catalog())
    _nothing_created(workdir)


def test_empty_existing_destination_is_used(workdir: Path) -> None:
    (workdir / "empty").mkdir()
    result = run_portkit("new", "model-api", "empty", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / "empty" / ".portkit.yml").is_file()


def test_destination_that_is_a_file(workdir: Path) -> None:
    (workdir / "f").write_text("mine\n")
    result = run_portkit("new", "model-api", "f", "--defaults", cwd=workdir)
    assert result.returncode == 1 and "exists and is not a folder" in result.stderr
    assert (workdir / "f").read_text() == "mine\n"


def test_internal_errors_exit_70_and_debug_shows_traceback(
    monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    from typer.testing import CliRunner

    from portkit import new as new_module
    from portkit.cli.app import app

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(new_module, "new_project", boom)
    monkeypatch.chdir(workdir)
    runner = CliRunner()
    plain = runner.invoke(app, ["new", "model-api", "x", "--defaults"])
    assert plain.exit_code == 70
    assert "Internal error: RuntimeError: boom" in plain.output
    assert "Re-run with --debug" in plain.output and "Traceback" not in plain.output
    debug = runner.invoke(app, ["--debug", "new", "model-api", "x", "--defaults"])
    assert debug.exit_code == 70 and "Traceback" in debug.output
