"""Real public tables, as a user would have them on disk, for the "your own data" end-to-end test.

Each table ships inside a package of portkit's `dev` extra, so nothing is downloaded at test time.
`materialise` writes it into a folder the way a user would hold it (the CSV as shipped, a JSON
file converted to CSV, a CSV converted to Parquet); `raw_rows` reads rows back exactly as the
file has them, as JSON values (numbers as written, missing cells as None, strings and dates as
the file's strings), without the target: what a client of the served model would send.

Licences (public data only; the packages themselves are MIT):
- palmerpenguins: the Palmer Station LTER penguin data (Gorman, Williams & Fraser 2014), CC0 1.0.
- vega_datasets: `cars` (Donoho & Ramos 1982, made public in the StatLib archive) and
  `seattle-weather` (NOAA daily records, public domain).
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


def copy_as_shipped(shipped: Path, destination: Path) -> None:
    shutil.copyfile(shipped, destination)


def json_records_to_csv(shipped: Path, destination: Path) -> None:
    """A JSON array of records saved as CSV: values as the JSON writes them, null as an empty cell."""
    records = json.loads(shipped.read_text(encoding="utf-8"))
    with destination.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


def csv_to_parquet_with_dates(date_column: str, date_format: str) -> Callable[[Path, Path], None]:
    """A CSV saved as Parquet with DATE_COLUMN as a real timestamp, as a Parquet user has it."""

    def convert(shipped: Path, destination: Path) -> None:
        import pandas as pd

        frame = pd.read_csv(shipped)
        frame[date_column] = pd.to_datetime(frame[date_column], format=date_format)
        frame.to_parquet(destination, index=False)

    return convert


@dataclass(frozen=True)
class Table:
    """One real table, the column to predict, the task it implies and what it exercises."""

    key: str  # short name, used in test ids
    package: str  # the package that ships it
    shipped: str  # path of the file inside that package
    file_name: str  # the name of the user's file
    convert: Callable[[Path, Path], None]
    target: str
    task: str  # "binary", "multiclass" or "regression"
    categorical: str | None = None  # a string feature with few values
    id_like: str | None = None  # a column with (nearly) one value per row
    date: str | None = None  # a date column, and the format the file writes it in
    date_format: str | None = None
    exercises: str = ""

    @property
    def family(self) -> str:
        return "regression" if self.task == "regression" else "classification"

    def shipped_path(self) -> Path:
        return Path(str(importlib.resources.files(self.package).joinpath(self.shipped)))

    def materialise(self, folder: Path) -> Path:
        """Write the table into FOLDER as the user has it; return the file's path."""
        folder.mkdir(parents=True, exist_ok=True)
        destination = folder / self.file_name
        self.convert(self.shipped_path(), destination)
        return destination

    def frame(self, path: Path) -> Any:
        """The user's file as a pandas DataFrame."""
        import pandas as pd

        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)

    def classes(self, path: Path) -> set[str]:
        """The class names in the target column (classification only)."""
        assert self.family == "classification", self.key
        return {str(name) for name in self.frame(path)[self.target].dropna().unique()}

    def raw_rows(self, path: Path) -> list[dict[str, Any]]:
        """Every row of the CSV file PATH as JSON values, target left out (see module docstring)."""
        import pandas as pd

        assert path.suffix == ".csv", "raw rows are read from CSV files"
        numeric = {
            name
            for name, dtype in self.frame(path).dtypes.items()
            if pd.api.types.is_numeric_dtype(dtype)
        }
        text = pd.read_csv(path, dtype=str)  # missing cells still come back as NaN
        features = [name for name in text.columns if name != self.target]
        return [
            {name: cell(record[name], name in numeric) for name in features}
            for record in text.to_dict("records")
        ]

    def unseen_date(self, path: Path) -> str:
        """A year after the file's latest date, written as the file writes dates: a new row's date."""
        assert self.date and self.date_format, self.key
        dates = self.frame(path)[self.date].dropna()
        latest = max(datetime.strptime(value, self.date_format) for value in dates)
        return (latest + timedelta(days=365)).strftime(self.date_format)


def cell(text: Any, numeric: bool) -> Any:
    """One CSV cell as a client would send it: None when missing, a number as written, or text."""
    if not isinstance(text, str):  # NaN: the cell was empty or NA
        return None
    if not numeric:
        return text
    try:
        return int(text)
    except ValueError:
        number = float(text)
        assert math.isfinite(number), text
        return number


PENGUINS = Table(
    key="penguins",
    package="palmerpenguins",
    shipped="data/penguins.csv",
    file_name="penguins.csv",
    convert=copy_as_shipped,
    target="species",
    task="multiclass",
    categorical="island",
    exercises="3 string classes; categorical island and sex; NA in 5 feature columns",
)

PENGUINS_RAW = Table(
    key="penguins-raw",
    package="palmerpenguins",
    shipped="data/penguins-raw.csv",
    file_name="penguins-raw.csv",
    convert=copy_as_shipped,
    target="Clutch Completion",
    task="binary",
    categorical="Island",
    id_like="Individual ID",
    date="Date Egg",
    date_format="%Y-%m-%d",
    exercises=(
        "binary Yes/No classes (9:1); column names that are not identifiers ('Culmen Length "
        "(mm)'); an ID (190 values in 344 rows) and a running number; a date; constant columns "
        "(Region, Stage); free text missing in 84% of rows (Comments)"
    ),
)

CARS = Table(
    key="cars",
    package="vega_datasets",
    shipped="_data/cars.json",
    file_name="cars.csv",
    convert=json_records_to_csv,
    target="Acceleration",
    task="regression",
    categorical="Origin",
    id_like="Name",
    date="Year",
    date_format="%Y-%m-%d",
    exercises=(
        "regression; missing values in Miles_per_Gallon and Horsepower; categorical Origin; "
        "ID-like Name (311 values in 406 rows); a date (Year); shipped as JSON, used as CSV"
    ),
)

SEATTLE_WEATHER = Table(
    key="seattle-weather",
    package="vega_datasets",
    shipped="_data/seattle-weather.csv",
    file_name="seattle-weather.parquet",
    convert=csv_to_parquet_with_dates("date", "%Y/%m/%d"),
    target="weather",
    task="multiclass",
    date="date",
    date_format="%Y/%m/%d",
    exercises=(
        "Parquet with a timestamp column; 5 string classes, unbalanced (snow 23 rows: 1.6%; sun 714)"
    ),
)

TABLES = {table.key: table for table in (PENGUINS, PENGUINS_RAW, CARS, SEATTLE_WEATHER)}
