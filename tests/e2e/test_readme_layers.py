"""The README's `portkit add` and `portkit adopt` blocks, run verbatim as one shell script each.

No `make`, but two renders each (tens of seconds on a shared machine): marked slow. Each block's lines run in one
`bash -e`, so its `cd` lines hold, with this checkout's `portkit` first on PATH.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from generated import ROOT, clean_env, code_block

README = (ROOT / "README.md").read_text()
ADD = "### `portkit add TEMPLATE [SUBDIR]`: more than one template in a project"
ADOPT = "### `portkit adopt TEMPLATE`: a repository that never came from a template"


def run_block(heading: str, cwd: Path) -> str:
    env = clean_env()
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    script = "set -euo pipefail\n" + "\n".join(code_block(README, heading)) + "\n"
    done = subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.mark.slow
def test_readme_add_block_runs_verbatim(tmp_path: Path) -> None:
    out = run_block(ADD, tmp_path)
    project = tmp_path / "churn-pipeline"
    assert "as the layer serving/" in out
    assert "layers:\n  serving/    model-api " in out
    assert out.count("Already up to date: model-api") == 2  # every layer, then the one
    name = yaml.safe_load((project / "params.yaml").read_text())["registry"]["model_name"]
    settings = next((project / "serving" / "src").glob("*/settings.py")).read_text()
    assert f'MODEL_NAME = "{name}"' in settings  # the API serves the pipeline's model


@pytest.mark.slow
def test_readme_adopt_block_runs_verbatim(tmp_path: Path) -> None:
    out = run_block(ADOPT, tmp_path)
    repo = tmp_path / "my-old-api"
    assert "Nothing was changed." in out
    assert "Adopted model-api" in out and "Already up to date: model-api" in out
    assert (repo / ".portkit.yml").is_file() and (repo / "app.py").read_text() == "print('hello')\n"
