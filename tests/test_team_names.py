"""Several projects on one tracking server: their MLflow names never meet.

Different templates with the same slug are covered in test_shared_template.py; here, two projects
of the SAME template with different slugs. Registered-model aliases (`@champion`) belong to a
registered model, so distinct model names keep each project's champion its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_shared_template import mlflow_names, render


@pytest.mark.parametrize("template", ["model-api", "ml-pipeline", "rag-chatbot"])
def test_two_projects_of_one_template_get_their_own_names(tmp_path: Path, template: str) -> None:
    seen = []
    for slug in ("alpha", "beta"):
        project = render(template, tmp_path / slug, f"project_name={slug.title()}")
        seen.append(mlflow_names(project, template))
    (first_experiment, first_model), (second_experiment, second_model) = seen
    assert first_experiment.startswith("alpha-") and second_experiment.startswith("beta-")
    assert first_experiment != second_experiment
    assert first_model in (None, first_experiment) and second_model in (None, second_experiment)
