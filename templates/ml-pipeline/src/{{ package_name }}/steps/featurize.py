"""Step 3, featurize: choose the feature columns and split off the held-out test set."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..dag import Outcome
from ..errors import ParamsError
from ..params import FeatureParams, SplitParams
from .context import Context
from .ingest import OUTPUT as RAW
from .validate import load_schema

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


def featurize(
    frame: pd.DataFrame, columns: list[str], target: str, split: SplitParams, task: str
) -> Split:
    """Split FRAME's COLUMNS and TARGET into train and test (stratified for classification)."""
    from sklearn.model_selection import train_test_split

    x = frame[columns].apply(pd.to_numeric).astype("float64")
    y = frame[target]
    stratify = y if task == "classification" and split.stratify else None
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=split.test_size, random_state=split.random_state, stratify=stratify
    )
    return Split(x_train, x_test, y_train, y_test)


def save(split: Split, target: str, ctx: Context) -> None:
    """Write the two halves as Parquet (features and target side by side)."""
    for relative, x, y in (
        (TRAIN, split.x_train, split.y_train),
        (TEST, split.x_test, split.y_test),
    ):
        x.assign(**{target: y}).reset_index(drop=True).to_parquet(ctx.path(relative), index=False)


def load(ctx: Context, relative: str) -> tuple[pd.DataFrame, pd.Series]:
    """Read one half back as (features, target)."""
    frame = pd.read_parquet(ctx.root / relative)
    target = ctx.params.data.target
    return frame.drop(columns=[target]), frame[target]


def run(ctx: Context) -> Outcome:
    """Select features and split data/raw.parquet into data/train.parquet and data/test.parquet."""
    params = ctx.params
    schema = load_schema(ctx.root / params.data.schema_file)
    columns = select_features(list(schema.columns), params.features)
    frame = pd.read_parquet(ctx.root / RAW)
    split = featurize(frame, columns, params.data.target, params.split, params.task)
    save(split, params.data.target, ctx)
    return Outcome(
        summary=f"{len(columns)} features; {len(split.x_train)} train / {len(split.x_test)} test",
        metrics={
            "n_features": len(columns),
            "train_rows": len(split.x_train),
            "test_rows": len(split.x_test),
        },
    )
