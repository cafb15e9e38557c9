"""Step 1, ingest: load the rows from the bundled dataset or the user's CSV/Parquet file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from ..dag import Outcome
from ..errors import DataError
from ..params import DataParams
from .context import Context

OUTPUT = "data/raw.parquet"
CARD = "data/raw.json"


def load_bundled(name: str) -> pd.DataFrame:
    """A dataset that ships inside scikit-learn (nothing is downloaded); target column `target`."""
    from sklearn import datasets

    loader = getattr(datasets, f"load_{name}")
    return loader(as_frame=True).frame


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file; raise DataError naming the file and what is wrong with it."""
    if not path.is_file():
        raise DataError(f"Data file not found: {path}", "Check data.source in params.yaml.")
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise DataError(f"Data file {path.name} must be .csv or .parquet, not '{suffix}'.")
    try:
        frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        kind = "CSV" if suffix == ".csv" else "Parquet"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Data file {path.name} cannot be read as {kind}: {first}") from None
    if frame.empty or len(frame.columns) < 2:
        raise DataError(f"Data file {path.name} has no rows or fewer than two columns.")
    frame.columns = [str(column) for column in frame.columns]
    return frame


def ingest(source: DataParams, root: Path) -> pd.DataFrame:
    """The raw table, exactly as read: no row is changed or dropped here."""
    path = source.source_path(root)
    return load_bundled(source.dataset) if path is None else read_table(path)


def content_hash(frame: pd.DataFrame) -> str:
    """A SHA-256 of the table's values, column names and types (independent of file format)."""
    digest = hashlib.sha256()
    digest.update("\0".join(f"{c}:{t}" for c, t in frame.dtypes.astype(str).items()).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def run(ctx: Context) -> Outcome:
    """Read the source and store it as Parquet with a small data card (hash, shape, source)."""
    frame = ingest(ctx.params.data, ctx.root)
    frame.to_parquet(ctx.path(OUTPUT), index=False)
    sha = content_hash(frame)
    source = ctx.params.data.source
    label = f"bundled:{ctx.params.data.dataset}" if source == "bundled" else source
    ctx.write_json(
        CARD, {"sha256": sha, "rows": len(frame), "columns": len(frame.columns), "source": label}
    )
    return Outcome(
        summary=f"{len(frame)} rows x {len(frame.columns)} columns from {label}",
        metrics={"rows": len(frame), "columns": len(frame.columns)},
        tags={"data_sha256": sha, "data_source": label},
    )
