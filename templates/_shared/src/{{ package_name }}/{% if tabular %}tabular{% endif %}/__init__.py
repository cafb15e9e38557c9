"""Train on any tidy table: read it, infer a schema the user owns, preprocess inside the model.

The public API, in the order a project uses it:

- :func:`read_table` / :func:`bundled`: a CSV or Parquet file, or a scikit-learn sample, as a frame;
- :func:`infer_schema`, :func:`write_schema`, :func:`read_schema`: the feature schema (YAML);
- :func:`check_frame`: validate a table against the schema (errors name columns and file rows);
- :func:`prepare_target`: features, labels and notices (rows dropped for a missing target);
- :func:`build_pipeline`: preprocessing + estimator in one scikit-learn ``Pipeline``;
- :func:`score`, :func:`per_class_report`: metrics named as in :data:`GREATER_IS_BETTER`;
- what every training run logs for the write-up (``runlog``): the baseline
  (:func:`baseline_estimator`), the curated parameters (:func:`changed_params`), the evaluation
  figures (:func:`evaluation_figures`) and the data summary (:func:`data_summary`).

Everything wrong with the data raises :class:`DataError` (one message naming file, columns, rows).
scikit-learn is imported lazily, inside the functions that need it.
"""

from __future__ import annotations

from ._schema_file import read_schema
from .baseline import baseline_estimator, baseline_metrics
from .check import Prepared, check_frame, prepare_target
from .curated import SEED_PARAMS, changed_params
from .errors import DataError
from .features import build_pipeline, build_preprocessor, trusted_types
from .figures import evaluation_figures, importance_figure, save_figures
from .metrics import DEFAULT_PRIMARY, GREATER_IS_BETTER, per_class_report, score
from .schema import (
    Column,
    Schema,
    infer_schema,
    write_schema,
)
from .summary import data_summary, display_name
from .table import BUNDLED, bundled, read_table

__all__ = [
    "BUNDLED",
    "DEFAULT_PRIMARY",
    "GREATER_IS_BETTER",
    "SEED_PARAMS",
    "Column",
    "DataError",
    "Prepared",
    "Schema",
    "baseline_estimator",
    "baseline_metrics",
    "build_pipeline",
    "build_preprocessor",
    "bundled",
    "changed_params",
    "check_frame",
    "data_summary",
    "display_name",
    "evaluation_figures",
    "importance_figure",
    "infer_schema",
    "per_class_report",
    "prepare_target",
    "read_schema",
    "read_table",
    "save_figures",
    "score",
    "trusted_types",
    "write_schema",
]
