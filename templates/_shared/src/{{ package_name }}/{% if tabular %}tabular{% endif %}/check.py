"""Check a table against the schema, and split it into features and labels with clear errors.

Row numbers in messages are the file's data rows, 1-based (the frame index + 1): keep the index
that ``read_table`` gives (do not reset it after filtering) so the numbers stay right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataError, rows_text
from .schema import Schema, label_strings, parse_dates

TRUE = {"true", "yes", "y", "t", "1", "1.0"}
FALSE = {"false", "no", "n", "f", "0", "0.0"}


@dataclass
class Prepared:
    """Features and labels ready for fitting, and what was done to get them (for stderr)."""

    x: pd.DataFrame
    y: pd.Series
    notices: list[str] = field(default_factory=list)


def check_frame(frame: pd.DataFrame, schema: Schema, *, source: str = "the data") -> pd.DataFrame:
    """FRAME's feature columns coerced to the schema's kinds; DataError listing every problem.

    Problems: a missing column, a value of the wrong type, a category not in the schema, a number
    outside min/max, a missing value in a column that is not nullable. Other columns are kept.
    """
    missing = [name for name in schema.columns if name not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(n) for n in missing)}. "
            f"The columns are: {', '.join(map(str, frame.columns))}."
        )
    out = frame.copy()
    problems: list[str] = []
    for name, column in schema.columns.items():
        raw = frame[name]
        coerced = COERCE[column.kind](raw)
        bad = raw.notna() & coerced.isna()
        if bad.any():
            problems.append(f"'{name}' is not {column.kind} in {_where(bad)}")
        problems += _value_problems(name, column, coerced)
        out[name] = coerced
    if problems:
        raise DataError(
            f"{source} does not match the schema: " + "; ".join(problems) + ".",
            "Fix the data, or edit the schema if the data is right.",
        )
    return out


def _value_problems(name: str, column: object, values: pd.Series) -> list[str]:
    problems = []
    if not getattr(column, "nullable", True) and values.isna().any():
        problems.append(f"'{name}' has missing values (not nullable) in {_where(values.isna())}")
    categories = getattr(column, "categories", None)
    if categories is not None:
        unknown = values.notna() & ~values.isin(categories)
        if unknown.any():
            seen = ", ".join(repr(v) for v in values[unknown].unique()[:3])
            problems.append(f"'{name}' has unknown categories ({seen}) in {_where(unknown)}")
    low, high = getattr(column, "min", None), getattr(column, "max", None)
    if low is not None or high is not None:
        outside = (values < (low if low is not None else -float("inf"))) | (
            values > (high if high is not None else float("inf"))
        )
        if outside.any():
            problems.append(f"'{name}' is outside [{low}, {high}] in {_where(outside)}")
    return problems


def _where(mask: pd.Series) -> str:
    return rows_text(mask[mask].index)


def to_number(values: pd.Series) -> pd.Series:
    """Numbers as float; anything else becomes NaN."""
    return pd.to_numeric(values, errors="coerce").astype(float)


def as_boolean(value: object) -> bool | None:
    """True/False, also from yes/no, 1/0, t/f as text; None for anything else or missing."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def to_boolean(values: pd.Series) -> pd.Series:
    """Values as pandas' nullable boolean (see :func:`as_boolean`)."""
    return values.map(as_boolean).astype("boolean")


def to_category(values: pd.Series) -> pd.Series:
    """Categories as strings (1.0 -> '1'); missing stays missing."""
    return label_strings(values)


COERCE: dict[str, Callable[[pd.Series], pd.Series]] = {
    "number": to_number,
    "integer": to_number,
    "boolean": to_boolean,
    "category": to_category,
    "datetime": parse_dates,
}


def prepare_target(
    frame: pd.DataFrame, schema: Schema, *, min_rows_per_class: int = 2, source: str = "the data"
) -> Prepared:
    """Features (the schema's columns) and labels of FRAME, rows without a target dropped.

    Rows whose target is missing are dropped and counted in ``notices``. Classification labels
    are the class names as strings. DataError for: no target column, no row left, one class, a
    class with fewer than MIN_ROWS_PER_CLASS rows (set it to the CV folds or split needs), a
    regression target that is not a number.
    """
    target = schema.target
    if target not in frame.columns:
        raise DataError(
            f"{source}: no target column '{target}'. "
            f"The columns are: {', '.join(map(str, frame.columns))}."
        )
    notices = []
    absent = frame[target].isna()
    if absent.any():
        notices.append(
            f"{source}: dropped {int(absent.sum())} of {len(frame)} rows with no '{target}' "
            f"({_where(absent)})."
        )
    kept = frame[~absent]
    if kept.empty:
        raise DataError(f"{source}: the target column '{target}' has no value at all.")
    y = _labels(kept[target], schema, min_rows_per_class, source)
    return Prepared(x=kept[schema.features()], y=y, notices=notices)


def _labels(values: pd.Series, schema: Schema, min_rows: int, source: str) -> pd.Series:
    target = schema.target
    if schema.task == "regression":
        numbers = to_number(values)
        if numbers.isna().any():
            raise DataError(
                f"{source}: the regression target '{target}' is not a number in "
                f"{_where(numbers.isna())}."
            )
        return numbers
    labels = label_strings(values)
    counts = labels.value_counts()
    if len(counts) < 2:
        raise DataError(
            f"{source}: the target '{target}' has a single class ({counts.index[0]!r}): "
            "there is nothing to tell apart."
        )
    unknown = sorted(set(counts.index) - set(schema.classes or counts.index))
    if unknown:
        raise DataError(f"{source}: '{target}' has classes not in the schema: {unknown}.")
    small = counts[counts < min_rows]
    if not small.empty:
        listed = ", ".join(
            f"{label!r} ({n} row{'s' if n > 1 else ''})" for label, n in small.items()
        )
        raise DataError(
            f"{source}: too few rows for class {listed} in '{target}': at least {min_rows} "
            "are needed per class for the split and cross-validation.",
            "Add rows of that class, or remove them from the table.",
        )
    return labels
