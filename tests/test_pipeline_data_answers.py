"""ml-pipeline's params.yaml `data:` section follows the answers: the bundled sample by the `task`
question, or the user's table (`dataset`), whose task is inferred from the target, not forced."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_portkit

TABLE = "bill_length,island,species\n39.1,Torgersen,Adelie\n46.5,Dream,Chinstrap\n"


def params(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / "params.yaml").read_text())
    return loaded


@pytest.mark.parametrize(
    ("extra", "data", "gate_min"),
    [
        (
            [],
            {"file": "", "sample": "breast_cancer", "target": "target", "task": "classification"},
            {"test_f1_macro": 0.9, "test_roc_auc": 0.95, "cv_f1_macro_mean": 0.9},
        ),
        (
            ["--data", "task=regression"],
            {"file": "", "sample": "diabetes", "target": "target", "task": "regression"},
            {"test_r2": 0.3, "cv_r2_mean": 0.3},
        ),
        (
            ["--data", "dataset=penguins.csv", "--data", "target=species"],
            {"file": "data/penguins.csv", "target": "species", "task": "auto"},
            {},
        ),
        (
            [
                *("--data", "dataset=penguins.csv", "--data", "target=bill_length"),
                *("--data", "task=regression"),
            ],
            {"file": "data/penguins.csv", "target": "bill_length", "task": "regression"},
            {},
        ),
    ],
)
def test_the_data_section_follows_the_answers(
    workdir: Path, extra: list[str], data: dict[str, str], gate_min: dict[str, float]
) -> None:
    (workdir / "penguins.csv").write_text(TABLE)
    result = run_portkit("new", "ml-pipeline", "proj", "--defaults", *extra, cwd=workdir)
    assert result.returncode == 0, result.stderr
    rendered = params(workdir / "proj")
    assert "task" not in rendered  # one place for the task: data.task
    section = rendered["data"]
    assert isinstance(section, dict)
    assert {key: section[key] for key in data} == data
    assert section["schema"] == "schema.yaml"
    gates = rendered["gates"]
    assert isinstance(gates, dict)
    assert (gates["min"] or {}) == gate_min
    if not gate_min:  # the user's data: only "beats the champion", until they add thresholds
        assert gates["primary_metric"] == "auto" and not gates["max"]
