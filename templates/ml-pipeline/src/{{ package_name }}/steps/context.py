"""What every step adapter receives: the project root, the parameters and the MLflow run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..params import Params
from ..runs import PipelineRun

if TYPE_CHECKING:
    from ..tabular import Schema

# The schema this run uses: schema.yaml, or inferred from the data when there is none yet.
SCHEMA = "artifacts/schema.yaml"


@dataclass
class Context:
    """One pipeline invocation, as seen by a step."""

    root: Path
    params: Params
    run: PipelineRun
    register: bool = True

    def path(self, relative: str) -> Path:
        """A path under the project root, with its folder created."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def schema(self) -> Schema:
        """The schema the ingest step settled on (the task is resolved in it)."""
        from ..tabular import read_schema

        return read_schema(self.root / SCHEMA)

    def primary_metric(self, task: str) -> str:
        """The configured primary metric for TASK (gates.primary_metric, or the task's default)."""
        return self.params.primary_metric(task)

    def read_json(self, relative: str) -> Any:
        """Load a JSON file another step wrote."""
        return json.loads((self.root / relative).read_text(encoding="utf-8"))

    def write_json(self, relative: str, data: Any) -> Path:
        """Write DATA as indented JSON, keys sorted so the bytes only change when values do."""
        path = self.path(relative)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        partial.replace(path)
        return path
