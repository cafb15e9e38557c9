"""Step 3, featurize: choose the feature columns and split off the held-out test set.

Features stay raw here (categories as text, dates, missing values): the model's own pipeline
imputes and encodes them (tabular.build_pipeline), so the logged model takes rows like the file's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from ..dag import Outcome
from ..errors import ParamsError
from ..params import FeatureParams, Params
from ..tabular import Schema, check_frame, prepare_target
from .context import Context
from .ingest import OUTPUT as RAW

TRAIN = "data/train.parquet"
TEST = "data/test.parquet"


@dataclass(frozen=True)
class Split:
    """Training and held-out test rows, features and target apart."""

    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def select_features(available: list[str], features: FeatureParams) -> list[str]:
    """The feature columns: `include` (or all of AVAILABLE) minus `exclude`, in schema order."""
    unknown = sorted(set(features.include + features.exclude) - set(available))
    if unknown:
        raise ParamsError(
            f"features.include/exclude name unknown column(s): {', '.join(unknown)}.",
            f"Known columns: {', '.join(available)}",
        )
    chosen = [c for c in available if (not features.include or c in features.include)]
    chosen = [c for c in chosen if c not in features.exclude]
    if not chosen:
        raise ParamsError("features.include/exclude leave no feature column.")
    return chosen


def model_schema(schema: Schema, features: FeatureParams) -> Schema:
    """SCHEMA reduced to the features params.yaml selects (what the model is built from)."""
    chosen = select_features(schema.features(), features)
    return dataclasses.replace(schema, columns={name: schema.columns[name] for name in chosen})


def featurize(frame: pd.DataFrame, schema: Schema, params: Params) -> Split:
    """Split FRAME's features and target into train and test (stratified for classification)."""
    from sklearn.model_selection import train_test_split

    source = params.data.label()
    checked = check_frame(frame, schema, source=source)
    prepared = prepare_target(
        checked, schema, min_rows_per_class=max(params.split.cv_folds, 2), source=source
    )
    split = params.split
    classify = schema.task == "classification" and split.stratify
    x_train, x_test, y_train, y_test = train_test_split(
        prepared.x,
        prepared.y,
        test_size=split.test_size,
        random_state=split.random_state,
        stratify=prepared.y if classify else None,
    )
    return Split(x_train, x_test, y_train, y_test)


def save(split: Split, target: str, ctx: Context) -> None:
    """Write the two halves as Parquet (features and target side by side)."""
    for relative, x, y in (
        (TRAIN, split.x_train, split.y_train),
        (TEST, split.x_test, split.y_test),
    ):
        path = ctx.path(relative)
        partial = path.with_name(path.name + ".partial")
        x.assign(**{target: y}).reset_index(drop=True).to_parquet(partial, index=False)
        partial.replace(path)


def load(ctx: Context, relative: str) -> tuple[pd.DataFrame, pd.Series]:
    """Read one half back as (features, target)."""
    frame = pd.read_parquet(ctx.root / relative)
    target = ctx.params.data.target
    return frame.drop(columns=[target]), frame[target]


def run(ctx: Context) -> Outcome:
    """Select features and split data/raw.parquet into data/train.parquet and data/test.parquet."""
    params = ctx.params
    schema = model_schema(ctx.schema(), params.features)
    frame = pd.read_parquet(ctx.root / RAW)
    split = featurize(frame, schema, params)
    save(split, schema.target, ctx)
    return Outcome(
        summary=f"{len(schema.columns)} features; "
        f"{len(split.x_train)} train / {len(split.x_test)} test",
        metrics={
            "n_features": len(schema.columns),
            "train_rows": len(split.x_train),
            "test_rows": len(split.x_test),
        },
    )
