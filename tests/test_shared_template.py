"""What `templates/_shared/` gives every generated project: MLflow names and the Makefile's `.env`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import run_portkit

TEMPLATES = ("model-api", "ml-pipeline", "rag-chatbot")
SUFFIX = {"model-api": "api", "ml-pipeline": "pipeline", "rag-chatbot": "rag"}


def render(template: str, dest: Path, *data: str) -> Path:
    args = [arg for pair in data for arg in ("--data", pair)]
    result = run_portkit(
        "new", template, dest.name, "--defaults", "--no-git", *args, cwd=dest.parent
    )
    assert result.returncode == 0, result.stderr
    return dest


def constant(path: Path, name: str) -> str:
    found = re.search(rf'^{name} = "([^"]*)"$', path.read_text(), re.MULTILINE)
    assert found, f"no {name} in {path}"
    return found.group(1)


def mlflow_names(project: Path, template: str) -> tuple[str, str | None]:
    """The default experiment name and registered-model name (None: the template registers none)."""
    package = next(p for p in (project / "src").iterdir() if p.is_dir())
    experiment = constant(package / "tracking.py", "EXPERIMENT_NAME")
    if template == "model-api":
        return experiment, constant(package / "settings.py", "MODEL_NAME")
    if template == "ml-pipeline":
        params = yaml.safe_load((project / "params.yaml").read_text())
        return experiment, str(params["registry"]["model_name"])
    return experiment, None


@pytest.mark.parametrize(
    ("answers", "slug"),
    [((), "my-ml-project"), (("project_name=Fraud Finder",), "fraud-finder")],
    ids=["defaults", "named"],
)
def test_default_mlflow_names_differ_per_template_and_derive_from_the_slug(
    tmp_path: Path, answers: tuple[str, ...], slug: str
) -> None:
    names = {}
    for template in TEMPLATES:
        project = render(template, tmp_path / template, *answers)
        experiment, model = mlflow_names(project, template)
        assert experiment == f"{slug}-{SUFFIX[template]}"
        assert model in (None, experiment)
        readme = (project / "README.md").read_text()
        assert f"`{experiment}`" in readme and "MLFLOW_EXPERIMENT_NAME=" in readme
        if template == "model-api":  # the docs name the model that is registered, not the slug
            for doc in ("README.md", ".env.example", "docs/model-card.md"):
                assert f"{model}" in (project / doc).read_text(), doc
            assert f"models:/{model}@champion" in readme
        names[template] = experiment
    assert len(set(names.values())) == len(TEMPLATES), names


def test_a_slug_that_already_ends_with_the_suffix_is_not_doubled(tmp_path: Path) -> None:
    project = render(
        "model-api", tmp_path / "api", "project_name=Fraud Finder", "project_slug=fraud-api"
    )
    assert mlflow_names(project, "model-api") == ("fraud-api", "fraud-api")


@pytest.fixture(scope="module")
def project_with_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render("model-api", tmp_path_factory.mktemp("env") / "project")
    (project / ".env").write_text("PORT=8001\nHOST=127.0.0.1\n")
    return project


def port_seen_by_recipes(project: Path, *make_args: str, env: dict[str, str]) -> str:
    """The PORT a recipe's process sees (what `make run` hands the server)."""
    probe = "probe: ; @echo PORT=$$PORT"
    result = subprocess.run(
        ["make", "--no-print-directory", *make_args, f"--eval={probe}", "probe"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_env_file_values_apply_when_nothing_else_is_given(project_with_env: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    assert port_seen_by_recipes(project_with_env, env=env) == "PORT=8001"


def test_the_environment_wins_over_the_env_file(project_with_env: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PORT": "8765"}
    assert port_seen_by_recipes(project_with_env, env=env) == "PORT=8765"


def test_the_command_line_wins_over_the_env_file(project_with_env: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    assert port_seen_by_recipes(project_with_env, "PORT=8766", env=env) == "PORT=8766"


@pytest.mark.parametrize(
    ("template", "command"),
    [("rag-chatbot", "`make eval`"), ("model-api", "`make run`"), ("ml-pipeline", "`make run`")],
)
def test_the_writeup_placeholder_names_the_command_that_logs_the_metrics(
    tmp_path: Path, template: str, command: str
) -> None:
    """rag-chatbot's metrics come from `make eval`, not from serving the chat (`make run`)."""
    project = render(template, tmp_path / template)
    writeup = (project / "docs" / "writeup.md").read_text()
    placeholder = next(line for line in writeup.splitlines() if line.startswith("_No results yet"))
    assert f"run {command}" in placeholder or f"(`{command.strip('`')}`)" in placeholder
    package = next(p for p in (project / "src").iterdir() if p.is_dir())
    assert command in (package / "writeup" / "core.py").read_text()


@pytest.mark.parametrize("template", ["model-api", "ml-pipeline"])
def test_the_writeup_and_model_card_name_the_users_table(tmp_path: Path, template: str) -> None:
    table = tmp_path / "penguins.csv"
    table.write_text("island,bill,species\nDream,39.1,Adelie\nBiscoe,46.5,Gentoo\n")
    project = render(template, tmp_path / template, f"dataset={table}", "target=species")
    writeup = (project / "docs" / "writeup.md").read_text()
    assert "The data: `data/penguins.csv`, predicting `species`." in writeup
    card = (project / "docs" / "model-card.md").read_text()
    assert "data/penguins.csv" in card and "breast cancer" not in card.lower()
