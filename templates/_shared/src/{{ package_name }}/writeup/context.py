"""What every part of the write-up reads: the runs, the best one, where figures go, numbers' format."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from .runs import RunSummary, Store

DOCS = Path("docs")
IMG = DOCS / "img"


@dataclass(frozen=True)
class Figure:
    """A figure written under docs/img/: its file name and the sentence that introduces it."""

    name: str
    caption: str

    def markdown(self, prefix: str = "img/") -> str:
        """The image line, relative to docs/ (README passes ``docs/img/``)."""
        return f"![{self.caption}]({prefix}{self.name})"


@dataclass
class Context:
    """One `make writeup`: the project root, the store's runs, the best one, figures made so far."""

    root: Path
    store: Store
    best: RunSummary
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: DataSummary | None = None
    performance: Performance | None = None

    @property
    def runs(self) -> list[RunSummary]:
        """The runs in time order."""
        return sorted(self.store.runs, key=lambda run: run.start_time)

    @property
    def img(self) -> Path:
        """Where figures go (docs/img under the project root)."""
        return self.root / IMG

    @property
    def metric(self) -> str | None:
        """The primary metric of the best run."""
        return self.best.primary_metric

    def commit_message(self, sha: str) -> str:
        """The subject line of commit SHA when it exists in this repository, else ""."""
        return _commit_subject(self.root, sha)


def fmt(value: float | None) -> str:
    """Four significant digits (``—`` for a missing value): stable across re-runs."""
    if value is None:
        return "—"
    return f"{value:.4g}"


def signed(value: float | None) -> str:
    """A difference with its sign, four significant digits."""
    if value is None:
        return "—"
    return f"{value:+.4g}"


def day(start_time_ms: int) -> str:
    """A run's start as a UTC date and minute."""
    moment = datetime.fromtimestamp(start_time_ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def cell(text: str) -> str:
    """TEXT made safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


@cache
def _commit_subject(root: Path, sha: str) -> str:
    if not sha or sha == "unknown":
        return ""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%s", sha, "--"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


@dataclass(frozen=True)
class Performance:
    """A template's performance section: its Markdown, and what the README and prompts reuse."""

    markdown: str
    headline: str | None = None  # one README line, e.g. the benchmark's headline ratio
    fact: str | None = None  # one number worth a question in "Next steps"
    figure: Figure | None = None  # the figure the README shows, when better than the journey


@dataclass(frozen=True)
class DataSummary:
    """``data_summary.json`` of a run (tabular templates): what the model card describes."""

    rows: int
    columns: int
    target: str
    task: str
    class_balance: dict[str, int]
    missing: dict[str, int]
    source: str

    @classmethod
    def parse(cls, raw: object) -> DataSummary | None:
        """The summary from its JSON, None when absent or not in the contract's shape."""
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                rows=int(raw["rows"]),
                columns=int(raw["columns"]),
                target=str(raw.get("target", "")),
                task=str(raw.get("task", "")),
                class_balance={str(k): int(v) for k, v in (raw.get("class_balance") or {}).items()},
                missing={str(k): int(v) for k, v in (raw.get("missing") or {}).items()},
                source=str(raw.get("source", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def describe(self) -> str:
        """A few words: rows, columns, target."""
        target = f", target `{self.target}`" if self.target else ""
        task = f" ({self.task})" if self.task else ""
        return f"{self.rows} rows, {self.columns} columns{target}{task}"
