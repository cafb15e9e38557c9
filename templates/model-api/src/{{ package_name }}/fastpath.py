"""The request path through the fitted preprocessing, without pandas or the ColumnTransformer.

For the one to a few rows of a request, the logged pipeline's own ``ColumnTransformer`` costs
more than the model (~3-7 ms a row: a DataFrame, column selection by name, one conversion per
column). Here the validated values already have their JSON types, so each group of columns is
put straight into the NumPy array its fitted steps expect. A fitted numeric imputer and scaler
are applied as their two lines of fitted arithmetic (fill gaps with ``statistics_``, then
``(x - mean_) / scale_``); every category's one-hot block is computed once, at start-up, by the
fitted encoder itself; any other step is called as it is. Nothing is re-fitted, and the
estimator is never re-implemented. The groups are the kit's (``tabular.features``): numbers,
booleans, categories, dates.

A model this module does not recognise, or any row on which the two paths disagree at start-up,
keeps the pipeline's own path: the fast path is an optimisation, never a second opinion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

Rows = list[tuple[Any, ...]]


def _floats(rows: Rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)  # None becomes NaN, then imputed


def _texts(rows: Rows) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=object)


def _date_parts(rows: Rows) -> np.ndarray:
    """Year, month, day and day of week of ISO dates; ValueError for any other spelling."""
    out = []
    for row in rows:
        parts: list[float] = []
        for value in row:
            if value is None:
                parts += [np.nan] * 4
            else:
                when = datetime.fromisoformat(value)
                parts += [when.year, when.month, when.day, when.weekday()]
        out.append(parts)
    return np.array(out, dtype=np.float64)


#: The kit's column groups and how a request's values become their first step's output.
CONVERT = {"numbers": _floats, "booleans": _floats, "categories": _texts, "dates": _date_parts}


class FastEncoder:
    """The fitted preprocessing of PIPELINE, called group by group on plain arrays."""

    def __init__(self, pipeline: Any, names: list[str], categories: dict[str, list[str]]) -> None:
        self.parts = []
        for group, steps, columns in pipeline[0].transformers_:
            if group == "remainder" and steps == "drop":
                continue
            # KeyError/ValueError/AttributeError: not the kit's preprocessing, use the slow path
            convert = CONVERT[group]
            positions = [names.index(column) for column in columns]
            fitted = [step for _, step in steps.steps[1:]]
            if group == "categories":
                values = {c: [*categories.get(c, []), None] for c in columns}
                transforms = [_OneHotLookup(fitted, columns, values).transform]
            else:
                transforms = [_arithmetic(step) for step in fitted]
            self.parts.append((positions, convert, transforms))

    def transform(self, rows: Rows) -> np.ndarray:
        """The model's input for ROWS (values in feature order, as validated)."""
        blocks = []
        for positions, convert, transforms in self.parts:
            x = convert([[row[i] for i in positions] for row in rows])
            for transform in transforms:
                x = transform(x)
            blocks.append(x)
        return np.hstack(blocks) if len(blocks) > 1 else blocks[0]


def _arithmetic(step: Any) -> Any:
    """A fitted imputer or scaler as its arithmetic on a float array; other steps as they are."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    if isinstance(step, SimpleImputer) and step.statistics_.dtype.kind == "f":
        fill = step.statistics_
        flagged = step.indicator_.features_ if step.add_indicator else None

        def impute(x: np.ndarray) -> np.ndarray:
            gaps = np.isnan(x)
            out = np.where(gaps, fill, x)
            return out if flagged is None else np.hstack([out, gaps[:, flagged]])

        return impute
    if isinstance(step, StandardScaler):
        mean = 0.0 if step.mean_ is None else step.mean_
        scale = 1.0 if step.scale_ is None else step.scale_
        return lambda x: (x - mean) / scale
    return step.transform


def _key(value: Any) -> Any:
    return None if value is np.nan else value  # a gap (see _texts)


class _OneHotLookup:
    """The fitted category steps' output for every allowed value, looked up per column.

    One-hot output is a block of columns per input column that depends on that value only, so
    each block is computed once, by the fitted steps themselves, at start-up.
    """

    def __init__(self, fitted: list[Any], columns: list[str], values: dict[str, list[Any]]) -> None:
        def run(x: np.ndarray) -> np.ndarray:
            for step in fitted:
                x = step.transform(x)
            return np.asarray(x, dtype=np.float64)

        reference = [values[c][0] for c in columns]
        base = run(_texts([reference]))[0]
        encoder = fitted[-1]
        owners = [
            n.split("_", 1)[0]
            for n in encoder.get_feature_names_out([f"c{i}" for i in range(len(columns))])
        ]
        if len(owners) != len(base):
            raise ValueError("the category steps' output is not one block per column")
        self.tables: list[dict[Any, np.ndarray]] = []
        for j, column in enumerate(columns):
            block = np.array([owner == f"c{j}" for owner in owners])
            rows = [[*reference[:j], value, *reference[j + 1 :]] for value in values[column]]
            out = run(_texts(rows))
            self.tables.append({v: out[k, block] for k, v in enumerate(values[column])})

    def transform(self, x: np.ndarray) -> np.ndarray:
        # A value with no entry (KeyError) is not a category of the schema: the slow path decides.
        tables = self.tables
        try:
            return np.array(
                [
                    np.concatenate([t[_key(v)] for t, v in zip(tables, row, strict=True)])
                    for row in x
                ]
            )
        except KeyError as error:
            raise ValueError(f"no one-hot entry for {error}") from None


def fast_encoder(
    pipeline: Any, names: list[str], categories: dict[str, list[str]], samples: list[Rows]
) -> FastEncoder | None:
    """A FastEncoder when PIPELINE is the kit's and agrees with it on every one of SAMPLES."""
    import pandas as pd

    try:
        encoder = FastEncoder(pipeline, names, categories)
        for rows in samples:
            slow = pipeline[0].transform(pd.DataFrame(rows, columns=names))
            if not np.allclose(encoder.transform(rows), slow, equal_nan=True):
                return None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError):
        return None
    return encoder
