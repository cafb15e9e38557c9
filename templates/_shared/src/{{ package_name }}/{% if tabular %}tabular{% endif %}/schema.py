"""The feature schema: inferred from the training table, then written to YAML for the user to own.

Inference rules (``infer_schema``; the same list is in the project README):

- **task**, from the target's non-missing values, unless ``task`` is given: strings, booleans and
  pandas categoricals -> ``classification``; whole numbers with at most ``MAX_INT_CLASSES`` (20)
  distinct values, each seen at least twice -> ``classification``; any other number ->
  ``regression``. Classes are the labels as strings (``1.0`` -> ``"1"``), sorted (numerically when
  they are all numbers); in a binary task ``classes[1]`` is the positive class.
- **dropped** columns, each with its reason: ``empty`` (no value at all), ``constant`` (one
  distinct value), ``id-like`` (a string unique per row without spaces; or a whole number unique
  per row whose name looks like an id or whose values are consecutive), ``text`` (strings unique
  per row that mostly hold spaces, or strings with more than
  ``HARD_MAX_CATEGORIES`` (1000) distinct values, or more than ``max_categories`` distinct values
  that are mostly unique: free text, not a category).
- **kinds** of the kept columns: ``boolean`` (bool dtype, or only True/False values),
  ``datetime`` (datetime dtype, or strings of which at least 95% parse as dates), ``integer``
  (whole numbers), ``number`` (other numbers), ``category`` (other strings; every observed value
  is listed, the encoder keeps the ``max_categories`` most frequent and groups the rest).
- ``nullable`` is true when the column had a missing value; ``min``/``max`` are the observed range.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .errors import DataError

TASKS = ("classification", "regression")
KINDS = ("number", "integer", "boolean", "category", "datetime")
MAX_INT_CLASSES = 20
MAX_CATEGORIES = 50
HARD_MAX_CATEGORIES = 1000
DATE_SHARE = 0.95
ID_NAME = re.compile(r"(^|[^a-z])(id|uuid|guid|key)$|^(index|row|rowid|row_id)$", re.IGNORECASE)


@dataclass
class Column:
    """One feature column: its kind, whether it may be missing, its categories or observed range."""

    kind: str
    nullable: bool = False
    categories: list[str] | None = None
    min: float | None = None
    max: float | None = None


@dataclass
class Schema:
    """What the model expects: the target, the task, its classes and the kept feature columns."""

    target: str
    task: str
    columns: dict[str, Column]
    classes: list[str] | None = None
    dropped: dict[str, str] = field(default_factory=dict)
    max_categories: int = MAX_CATEGORIES

    def features(self, kind: str | None = None) -> list[str]:
        """The kept feature columns in file order (only those of KIND when given)."""
        return [name for name, col in self.columns.items() if kind in (None, col.kind)]

    def dropped_text(self) -> str:
        """The columns the model ignores, with why, for a notice: ``Name (id-like), Region (constant)``."""
        return ", ".join(f"{name} ({reason})" for name, reason in self.dropped.items())


def infer_schema(
    frame: pd.DataFrame,
    target: str,
    task: str | None = None,
    *,
    max_categories: int = MAX_CATEGORIES,
) -> Schema:
    """The schema of FRAME for predicting TARGET, by the rules in this module's docstring."""
    if target not in frame.columns:
        raise DataError(
            f"No target column '{target}'. The columns are: {', '.join(map(str, frame.columns))}."
        )
    values = frame[target].dropna()
    if values.empty:
        raise DataError(f"The target column '{target}' has no value at all.")
    if task is not None and task not in TASKS:
        raise DataError(f"Unknown task '{task}': use classification or regression.")
    task = task or infer_task(values)
    if task == "regression" and not ptypes.is_numeric_dtype(values):
        raise DataError(f"The target '{target}' is not numeric, so it cannot be a regression.")
    schema = Schema(target=target, task=task, columns={}, max_categories=max_categories)
    if task == "classification":
        schema.classes = sorted_labels(label_strings(values).unique())
    for name in frame.columns:
        if name != target:
            _infer_column(schema, name, frame[name])
    return schema


def infer_task(values: pd.Series) -> str:
    """classification or regression, from the target's non-missing values (rules above)."""
    if not ptypes.is_numeric_dtype(values) or ptypes.is_bool_dtype(values):
        return "classification"
    counts = values.value_counts()
    whole = bool((values == values.round()).all())
    if whole and len(counts) <= MAX_INT_CLASSES and counts.min() >= 2:
        return "classification"
    return "regression"


def as_text(value: Any) -> Any:
    """One value as a label or category: 1.0 -> '1', True -> 'True', missing -> NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return np.nan
    if isinstance(value, float):
        return np.nan if value != value else str(int(value)) if value.is_integer() else str(value)
    return str(value)


def label_strings(values: pd.Series) -> pd.Series:
    """Class labels (or categories) as strings, missing as NaN: see :func:`as_text`."""
    return values.map(as_text).astype(object)


def sorted_labels(labels: Any) -> list[str]:
    """Labels in a stable order: numerically when all are numbers, else alphabetically."""
    labels = [str(label) for label in labels]
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _infer_column(schema: Schema, name: str, series: pd.Series) -> None:
    values = series.dropna()
    reason = _drop_reason(name, series, values, schema.max_categories)
    if reason:
        schema.dropped[name] = reason
        return
    column = Column(kind=_kind(values), nullable=bool(series.isna().any()))
    if column.kind == "category":
        column.categories = sorted_labels(values.astype(str).unique())
    elif column.kind in ("number", "integer"):
        cast = int if column.kind == "integer" else float
        column.min, column.max = cast(values.min()), cast(values.max())
    schema.columns[name] = column


def _drop_reason(name: str, series: pd.Series, values: pd.Series, max_categories: int) -> str:
    if values.empty:
        return "empty"
    distinct = values.nunique()
    if distinct <= 1:
        return "constant"
    unique_per_row = distinct == len(series) and len(values) == len(series)
    if _is_text(values):
        if _is_dates(values):
            return ""
        if unique_per_row:
            return "text" if values.astype(str).str.contains(r"\s").mean() > 0.5 else "id-like"
        too_many = distinct > max_categories and distinct > len(values) / 2
        return "text" if too_many or distinct > HARD_MAX_CATEGORIES else ""
    if unique_per_row and _is_whole(values) and not ptypes.is_bool_dtype(values):
        consecutive = values.max() - values.min() == len(values) - 1
        if consecutive or ID_NAME.search(str(name)):
            return "id-like"
    return ""


def _kind(values: pd.Series) -> str:
    if ptypes.is_bool_dtype(values) or _only_booleans(values):
        return "boolean"
    if ptypes.is_datetime64_any_dtype(values) or (_is_text(values) and _is_dates(values)):
        return "datetime"
    if _is_text(values):
        return "category"
    return "integer" if _is_whole(values) else "number"


def _only_booleans(values: pd.Series) -> bool:
    """True/False objects only (a bool column with gaps): 0 and 1 stay numbers."""
    return ptypes.is_object_dtype(values) and all(
        isinstance(v, (bool, np.bool_)) for v in values.unique()
    )


def _is_text(values: pd.Series) -> bool:
    return not ptypes.is_numeric_dtype(values) and not ptypes.is_datetime64_any_dtype(values)


def _is_whole(values: pd.Series) -> bool:
    return ptypes.is_integer_dtype(values) or (
        ptypes.is_float_dtype(values) and bool((values == values.round()).all())
    )


def _is_dates(values: pd.Series) -> bool:
    """Strings that look like dates (a digit and a - / : separator) and parse as such."""
    sample = values.astype(str).head(1000)
    if not sample.str.contains(r"\d").all() or not sample.str.contains(r"[-/:]").all():
        return False
    return bool(parse_dates(sample).notna().mean() >= DATE_SHARE)


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates from strings or datetimes; what does not parse becomes NaT."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(values, errors="coerce", format="mixed")


HEADER = """\
# The feature schema of this project's data: inferred from the training table, now yours to edit.
# Training, validation and the API's request model all read this file.
#   target          the column the model predicts
#   task            classification or regression
#   classes         the class labels (classification), in a fixed order; in a binary task the
#                   second one is the positive class (ROC AUC)
#   max_categories  one-hot columns kept per category column (the rarest are grouped together)
#   columns         the features the model uses, each with:
#     kind          number, integer, boolean, category or datetime
#     nullable      whether a value may be missing (it is then imputed)
#     categories    the allowed values of a category column
#     min / max     the allowed range of a number (delete them to check no range)
#   dropped         columns the model ignores, and why: empty, constant, id-like, text, ...
#                   To use one, delete it here and add it under columns with its kind.
"""


def write_schema(schema: Schema, path: Path) -> None:
    """Write SCHEMA as commented YAML to PATH, atomically (a half-written schema never exists)."""
    import yaml

    data: dict[str, Any] = {"target": schema.target, "task": schema.task}
    if schema.classes is not None:
        data["classes"] = list(schema.classes)
    data["max_categories"] = schema.max_categories
    data["columns"] = {
        name: {k: v for k, v in asdict(col).items() if v is not None}
        for name, col in schema.columns.items()
    }
    data["dropped"] = dict(schema.dropped)
    text = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
