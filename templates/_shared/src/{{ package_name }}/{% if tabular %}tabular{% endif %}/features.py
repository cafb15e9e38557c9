"""Preprocessing inside the model, so the logged model takes raw rows exactly like the file's.

Per kind of column (from the schema): numbers and integers -> to float, median imputation with a
missing-value indicator for columns that had gaps, optional scaling; booleans -> 0/1 (text such
as yes/no too), most frequent value imputed; categories -> text, "missing" for a gap, one-hot
with the rare and unseen values grouped (``handle_unknown="infrequent_if_exist"``: an unknown
category never crashes a prediction); datetimes -> year, month, day and day of week, median
imputed. Dropped columns and any other column are ignored (``remainder="drop"``).

The conversion functions are top-level so skops (the format the templates log models in) can
save them by name; :func:`trusted_types` lists them for ``skops_trusted_types``. Classifiers are
fit on the class names (strings), so ``predict`` returns class names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .check import as_boolean, to_number
from .schema import Schema, as_text, parse_dates

#: One-hot: a category seen in less than this share of the training rows is grouped as rare.
MIN_FREQUENCY = 0.01
DATE_PARTS = ("year", "month", "day", "day_of_week")


def _frame(x: Any) -> pd.DataFrame:
    return x if isinstance(x, pd.DataFrame) else pd.DataFrame(x)


def _bool_float(value: object) -> float:
    flag = as_boolean(value)
    return np.nan if flag is None else float(flag)


# numpy loops over the cells: far cheaper than pandas per column on the one-row requests of an API
_TEXT = np.frompyfunc(as_text, 1, 1)
_BOOL = np.frompyfunc(_bool_float, 1, 1)


def numbers_as_float(x: Any) -> np.ndarray:
    """Every column as float; text that is not a number becomes NaN (then imputed)."""
    frame = _frame(x)
    try:
        return frame.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):  # text among the numbers: convert column by column
        return frame.apply(to_number).to_numpy(dtype=float)


def booleans_as_float(x: Any) -> np.ndarray:
    """True/False (or yes/no, 1/0) as 1.0/0.0; anything else NaN."""
    with np.errstate(invalid="ignore"):  # NaN in, NaN out: nothing to warn about
        return np.asarray(_BOOL(_frame(x).to_numpy(dtype=object)), dtype=float)


def categories_as_text(x: Any) -> np.ndarray:
    """Every value as text (1.0 -> '1'), missing as NaN, so training and serving agree."""
    with np.errstate(invalid="ignore"):  # NaN in, NaN out: nothing to warn about
        return np.asarray(_TEXT(_frame(x).to_numpy(dtype=object)), dtype=object)


def date_parts(x: Any) -> np.ndarray:
    """Year, month, day and day of week of every date column (NaN where it does not parse)."""
    parts = []
    for _, values in _frame(x).items():
        dates = parse_dates(values).dt
        parts += [getattr(dates, part).astype(float).to_numpy() for part in DATE_PARTS]
    return np.column_stack(parts) if parts else np.empty((len(x), 0))


def date_part_names(_transformer: Any, names: Any) -> np.ndarray:
    """The output names of date_parts: '<column>_year', '<column>_month', ..."""
    return np.asarray([f"{name}_{part}" for name in names for part in DATE_PARTS], dtype=object)


def trusted_types() -> list[str]:
    """The kit's own names skops must be told to trust (they are this project's code)."""
    functions = (numbers_as_float, booleans_as_float, categories_as_text, date_parts)
    return [f"{f.__module__}.{f.__name__}" for f in (*functions, date_part_names)]


def build_preprocessor(schema: Schema, *, scale: bool = True) -> Any:
    """A ColumnTransformer turning the schema's raw columns into numbers (dense)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    def convert(func: Any, names: Any = "one-to-one") -> Any:
        return FunctionTransformer(func, feature_names_out=names, validate=False)

    def scaled(*steps: Any) -> Any:
        return make_pipeline(*steps, *([StandardScaler()] if scale else []))

    encoder = OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        min_frequency=MIN_FREQUENCY,
        max_categories=schema.max_categories,
        sparse_output=False,
    )
    groups = {
        "numbers": (
            schema.features("number") + schema.features("integer"),
            scaled(convert(numbers_as_float), SimpleImputer(strategy="median", add_indicator=True)),
        ),
        "booleans": (
            schema.features("boolean"),
            make_pipeline(convert(booleans_as_float), SimpleImputer(strategy="most_frequent")),
        ),
        "categories": (
            schema.features("category"),
            make_pipeline(
                convert(categories_as_text),
                SimpleImputer(strategy="constant", fill_value="missing"),
                encoder,
            ),
        ),
        "dates": (
            schema.features("datetime"),
            scaled(convert(date_parts, date_part_names), SimpleImputer(strategy="median")),
        ),
    }
    return ColumnTransformer(
        [(name, steps, columns) for name, (columns, steps) in groups.items() if columns],
        remainder="drop",
        sparse_threshold=0.0,
    )


def build_pipeline(schema: Schema, estimator: Any, *, scale: bool = True) -> Any:
    """Pipeline([("features", preprocessor), ("model", estimator)]): fit it on raw frames."""
    from sklearn.pipeline import Pipeline

    return Pipeline([("features", build_preprocessor(schema, scale=scale)), ("model", estimator)])
