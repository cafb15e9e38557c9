"""The engines behind `Renderer`: the answers copier used are read back and nothing is left over."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import COPIER_FIXTURE, run_portkit, write_tree


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _answers(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / ".portkit.yml").read_text())["answers"]
    return loaded


def test_local_folder_answers_recorded_and_the_folder_untouched(
    tmp_path: Path, workdir: Path
) -> None:
    template = write_tree(tmp_path / "tpl", COPIER_FIXTURE)
    before = _tree(template)
    result = run_portkit(
        "new", str(template), "p", "--defaults", "--data", "flavour=fancy", cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert _answers(workdir / "p") == {"project_name": "Demo", "flavour": "fancy"}  # no secret
    assert _tree(template) == before
    assert not list((workdir / "p").glob("portkit-answers-*"))


@pytest.mark.parametrize(
    ("settings", "readme"),
    [
        ("_subdirectory: template\n", "template/README.md.jinja"),
        ("_templates_suffix: .tmpl\n", "README.md.tmpl"),
        ("_envops: {variable_start_string: '[[', variable_end_string: ']]'}\n", "README.md.jinja"),
    ],
)
def test_answers_read_back_whatever_the_template_layout(
    tmp_path: Path, workdir: Path, settings: str, readme: str
) -> None:
    start, end = ("[[", "]]") if "_envops" in settings else ("{{", "}}")
    copier_yml = (
        settings + "project_name:\n  type: str\n  default: Demo\n"
        "derived:\n  type: str\n  default: '" + start + " project_name | lower " + end + "'\n"
        "hidden:\n  type: str\n  default: x\n  when: false\n"
    )
    text = start + " derived " + end + "\n"
    template = write_tree(tmp_path / "tpl", {"copier.yml": copier_yml, readme: text})
    result = run_portkit("new", str(template), "p", "--defaults", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert _answers(workdir / "p") == {"project_name": "Demo", "derived": "demo"}
    assert (workdir / "p" / "README.md").read_text() == "demo\n"
    assert not list((workdir / "p").glob("portkit-answers-*"))
