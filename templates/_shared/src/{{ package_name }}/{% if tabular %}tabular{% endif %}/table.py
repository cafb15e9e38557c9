"""Read the user's table (CSV or Parquet) or a bundled sample, or say clearly why it cannot be read.

CSV-like files (``.csv``, ``.tsv``, ``.txt``): the delimiter is sniffed from the first 64 KiB with
the standard library's ``csv.Sniffer`` (``,`` ``;`` tab or ``|``), then pandas' C parser reads the
file. UTF-8 is tried first; another encoding (latin-1, cp1252, ...) is detected by
charset-normalizer (among its near-best guesses, cp1252 then latin-1 are preferred: short
texts fit several code pages about equally). Parquet (``.parquet``, ``.pq``) is read with pyarrow.

Row numbers in every message are data rows of the file, 1-based, header excluded: the frame keeps
its ``RangeIndex``, so row ``i`` of the file is index ``i - 1``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SAMPLE_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
PREFERRED_ENCODINGS = ("cp1252", "latin_1")
CHAOS_MARGIN = 0.05

#: The scikit-learn samples :func:`bundled` offers (shipped with scikit-learn: no download).
BUNDLED = ("breast_cancer", "diabetes", "iris", "wine")


def read_table(path: Path) -> pd.DataFrame:
    """The table at PATH as a frame with string column names; DataError when it is not one."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + PARQUET_SUFFIXES:
        raise DataError(
            f"{path}: unsupported file type '{path.suffix or '(none)'}'.",
            "Use a .csv, .tsv, .txt, .parquet or .pq file.",
        )
    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    try:
        if path.stat().st_size == 0:
            raise DataError(f"{path}: the file is empty.")
        frame = _read_parquet(path) if suffix in PARQUET_SUFFIXES else _read_text(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    return _checked(frame, path)


def _read_text(path: Path) -> pd.DataFrame:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if b"\x00" in sample:
        raise DataError(f"{path}: this is a binary file, not a CSV table.")
    encoding = _encoding(path, sample)
    text = sample.decode(encoding, errors="ignore")
    delimiter = _delimiter(text)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    _refuse_duplicates([name.strip() for name in header], path)
    try:
        return pd.read_csv(path, sep=delimiter, encoding=encoding, engine="c")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file holds no table (no header line).") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: not a readable table ({first}).") from None


def _encoding(path: Path, sample: bytes) -> str:
    """utf-8 (with or without BOM) when the whole file decodes as such, else the detected one."""
    try:
        path.read_bytes().decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_path

    results = from_path(path)
    best = results.best()
    if best is None:
        raise DataError(f"{path}: the text encoding cannot be recognised: not a text table?")
    # Short texts fit several 8-bit code pages about equally well; among the near-best ones,
    # prefer what spreadsheets on Western systems write.
    close = {str(match.encoding) for match in results if match.chaos <= best.chaos + CHAOS_MARGIN}
    return next((name for name in PREFERRED_ENCODINGS if name in close), str(best.encoding))


def _delimiter(text: str) -> str:
    """The sniffed delimiter; ',' when the sample has none (one column: refused later)."""
    lines = text.splitlines()
    sample = "\n".join(lines[:-1] if len(lines) > 1 else lines)  # the last line may be cut off
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except ImportError as exc:
        raise DataError(f"{path}: reading Parquet needs pyarrow ({exc}).") from None
    except Exception as exc:  # pyarrow raises ArrowInvalid & co. for a file that is not Parquet
        raise DataError(f"{path}: not a readable Parquet file ({exc}).") from None
    _refuse_duplicates([str(name) for name in table.column_names], path)
    frame = table.to_pandas()
    for name in frame.columns:  # None -> NaN in object columns, as the CSV reader gives
        if frame[name].dtype == object:
            frame[name] = frame[name].where(frame[name].notna(), np.nan)
    return frame


def _refuse_duplicates(names: list[str], path: Path) -> None:
    seen: set[str] = set()
    duplicates = sorted({name for name in names if name in seen or seen.add(name)})  # type: ignore[func-returns-value]
    if duplicates:
        raise DataError(
            f"{path}: duplicate column names: {', '.join(repr(n) for n in duplicates)}.",
            "Rename them so that every column has its own name.",
        )


def _checked(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame.columns = [str(name).strip() for name in frame.columns]
    _refuse_duplicates(list(frame.columns), path)
    if frame.shape[1] < 2:
        raise DataError(
            f"{path}: found {frame.shape[1]} column, so this is not a table "
            "(a target and at least one feature column are needed).",
            "Check the delimiter (, ; tab or |) and the header line.",
        )
    if frame.empty:
        raise DataError(f"{path}: the table has a header but no data rows.")
    return frame.reset_index(drop=True)


def bundled(name: str) -> tuple[pd.DataFrame, str]:
    """A scikit-learn sample as one table and its target column ('target'); classes by name."""
    from sklearn import datasets

    if name not in BUNDLED:
        raise DataError(f"No bundled dataset '{name}'.", f"Choose one of {', '.join(BUNDLED)}.")
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    if name != "diabetes":
        names = [str(n) for n in bunch.target_names]
        frame["target"] = [names[int(code)] for code in bunch.target]
    return frame, "target"
