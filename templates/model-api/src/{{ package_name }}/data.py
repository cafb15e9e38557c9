"""Training data: the table named in params.yaml (or the bundled sample), its schema, a split.

The schema file is read when it exists (the user owns it). Without one, every run infers the
schema from the table (and logs it with the model) without writing into the project, so a run
leaves the tree clean; ``make schema`` writes it for the user to read, edit and commit.
Everything wrong with the data is a ``DataError``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .config import DataConfig
from .settings import SEED
from .tabular import (
    DataError,
    Schema,
    bundled,
    check_frame,
    data_summary,
    infer_schema,
    prepare_target,
    read_schema,
    write_schema,
)

TEST_SIZE = 0.2


@dataclass(frozen=True)
class Dataset:
    """Features (raw, as in the file) and target of the configured table, and its schema."""

    source: str
    schema: Schema
    features: pd.DataFrame
    target: pd.Series
    #: The table as read (before rows without a target are dropped): see ``tabular.data_summary``.
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Split:
    """A train/test split of a dataset."""

    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def read_frame(config: DataConfig) -> pd.DataFrame:
    """The configured table, or the bundled sample (no download)."""
    from .tabular import read_table

    if config.file is None:
        frame, _ = bundled(config.sample)
        return frame
    return read_table(config.file)


def load_schema(frame: pd.DataFrame, config: DataConfig) -> tuple[Schema, bool]:
    """The schema file when it exists, else the schema inferred from FRAME; and if inferred."""
    if config.schema.is_file():
        schema = read_schema(config.schema)
        if config.task is not None and config.task != schema.task:
            raise DataError(
                f"params.yaml asks for {config.task} but {config.schema.name} says {schema.task}.",
                f"Set 'task: {config.task}' in {config.schema.name}, or delete it to re-infer it.",
            )
        return schema, False
    return infer_schema(frame, config.target, config.task), True


def load_dataset(
    config: DataConfig, sample: int | None = None, seed: int = SEED, min_rows_per_class: int = 2
) -> Dataset:
    """Read, check against the schema and prepare the target; SAMPLE rows keep smoke tests fast."""
    frame = read_frame(config)
    schema, inferred = load_schema(frame, config)
    summary = data_summary(frame, schema.target, schema.task, config.source)
    frame = check_frame(frame, schema, source=config.source)
    prepared = prepare_target(
        frame, schema, min_rows_per_class=min_rows_per_class, source=config.source
    )
    if inferred:
        print(
            f"No {config.schema.name} yet: inferred the schema of {config.source} (it is logged "
            f"with the model). `make schema` writes it to {config.schema.name}, to read, edit "
            "(a kind, a range, the categories) and commit.",
            file=sys.stderr,
        )
        if schema.dropped:
            print(f"Not used for training: {schema.dropped_text()}.", file=sys.stderr)
    for notice in prepared.notices:
        print(notice, file=sys.stderr)
    x, y = prepared.x, prepared.y
    if sample is not None and sample < len(x):
        x, _, y, _ = _split(x, y, schema.task, seed, train_size=sample)
    return Dataset(source=config.source, schema=schema, features=x, target=y, summary=summary)


def split(dataset: Dataset, seed: int = SEED) -> Split:
    """Hold out a test set, stratified by class for classification."""
    x_train, x_test, y_train, y_test = _split(
        dataset.features, dataset.target, dataset.schema.task, seed, test_size=TEST_SIZE
    )
    return Split(x_train, x_test, y_train, y_test)


def _split(x: pd.DataFrame, y: pd.Series, task: str, seed: int, **size: float) -> list:
    from sklearn.model_selection import train_test_split

    stratify = y if task == "classification" else None
    try:
        return train_test_split(x, y, random_state=seed, stratify=stratify, **size)
    except ValueError:  # a class too small to stratify a sample: draw it plainly
        return train_test_split(x, y, random_state=seed, **size)


def write_inferred_schema(config: DataConfig) -> Schema:
    """`make schema`: infer the schema of the configured table (checked first) and write it."""
    frame = read_frame(config)
    schema = infer_schema(frame, config.target, config.task)
    prepare_target(check_frame(frame, schema, source=config.source), schema, source=config.source)
    write_schema(schema, config.schema)
    return schema
