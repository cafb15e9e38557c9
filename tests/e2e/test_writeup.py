"""End to end, per built-in template: two runs with different settings (and, for model-api, one
`make bench`), then `make writeup`; the post's numbers must be the MLflow store's, read directly.

What the runs log is CONTRACTS.md's issue 12 (baselines, `portkit.*` tags, `figures/*.png`,
reports/bench.json); the write-up reads only that. Slow: real installs, training and a benchmark.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from generated import TEMPLATES, clean_env, generate, step

MARKER = re.compile(r"<!-- portkit:([a-z-]+):start -->.*?<!-- portkit:\1:end -->", re.DOTALL)
NOT_SCORES = ("baseline_", "stage_seconds_")
#: Per template: the two runs with different settings (the second changes one curated
#: parameter), the extra measurement, and the figures the write-up must then show.
RUNS = {
    "model-api": (
        ["make train", "{py} -m {pkg} train --seed 7"],
        ["{py} -m {pkg} bench --seconds 0.5 --skip-table"],
        {"journey.png", "confusion_matrix.png", "bench_latency.png", "bench_throughput.png"},
    ),
    "ml-pipeline": (
        ["make pipeline", "make pipeline ARGS='--set model.hyperparameters.n_estimators=40'"],
        [],
        {"journey.png", "confusion_matrix.png", "stage_timings.png"},
    ),
    "rag-chatbot": (
        [
            "make ingest",
            "make eval",
            "sed -i 's/^chunk_size = [0-9]*/chunk_size = 400/' rag.toml",
            "{py} -m {pkg} ingest --full",
            "make eval",
        ],
        [],
        {"journey.png", "retrieval_quality.png"},
    ),
}


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str]


def stored_runs(database: Path) -> list[StoredRun]:
    """The top-level runs with metrics, in time order, straight from the SQLite store."""
    with sqlite3.connect(database) as connection:
        ids = [
            row[0] for row in connection.execute("SELECT run_uuid FROM runs ORDER BY start_time")
        ]
        found = []
        for run_id in ids:
            tags = dict(
                connection.execute("SELECT key, value FROM tags WHERE run_uuid = ?", (run_id,))
            )
            metrics = dict(
                connection.execute(
                    "SELECT key, value FROM latest_metrics WHERE run_uuid = ?", (run_id,)
                )
            )
            params = dict(
                connection.execute("SELECT key, value FROM params WHERE run_uuid = ?", (run_id,))
            )
            if "mlflow.parentRunId" not in tags and metrics:
                found.append(
                    StoredRun(run_id, {k: float(v) for k, v in metrics.items()}, params, tags)
                )
    return found


def block(text: str, name: str) -> str:
    start = text.index(f"<!-- portkit:{name}:start -->")
    return text[start : text.index(f"<!-- portkit:{name}:end -->", start)]


def table(block_text: str, first_header: str) -> dict[str, list[str]]:
    """The rows of the Markdown table whose first header cell is FIRST_HEADER, by first cell."""
    lines = block_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [
            c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))
        ]
        rows[cells[0]] = cells[1:]
    return rows


def close(shown: str, value: float) -> bool:
    return (
        shown == "nan"
        if math.isnan(value)
        else math.isclose(float(shown), value, rel_tol=1e-3, abs_tol=1e-9)
    )


def outside(text: str) -> str:
    return MARKER.sub(lambda found: found.group(1), text)


def check_results(text: str, runs: list[StoredRun]) -> StoredRun:
    """The Results block holds the best run's every score, each beside its stored baseline."""
    results = block(text, "results")
    prefix = re.search(r"\(run `([0-9a-f]{8})`", results)
    assert prefix, f"no run named in the Results section:\n{results}"
    best = next(run for run in runs if run.run_id.startswith(prefix.group(1)))
    shown = table(results, "metric")
    scores = {
        k: v
        for k, v in best.metrics.items()
        if not k.startswith(NOT_SCORES) and not k.endswith("_std")
    }
    assert set(shown) == set(scores)
    for name, value in scores.items():
        assert close(shown[name][0], value), name
        baseline = best.metrics.get(f"baseline_{name}")
        assert shown[name][2] == "—" if baseline is None else close(shown[name][2], baseline), name
    primary = best.tags["portkit.primary_metric"]
    assert f"baseline_{primary}" in best.metrics, (
        "the best run logged no baseline (issue 12, item 1)"
    )
    curated = json.loads(best.tags["portkit.params"])
    params = table(results, "parameter")
    assert set(params) == set(curated)
    for key in curated:
        assert params[key][0] == best.params[key][:77] or params[key][0].endswith("..."), key
    return best


def check_journey(text: str, runs: list[StoredRun]) -> None:
    """Every run, in time order, with the primary metric from the store and what changed."""
    journey = block(text, "journey")
    rows = [line for line in journey.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == len(runs)
    for row, run in zip(rows, runs, strict=True):
        primary = run.tags.get("portkit.primary_metric")
        if primary in run.metrics:
            assert re.search(rf"\| {re.escape(f'{run.metrics[primary]:.4g}')} \|", row), row
    changed = [row.split(" | ")[3] for row in rows[1:]]
    assert any("→" in cell for cell in changed), f"no run says what changed:\n{journey}"


def check_figures(project: Path, text: str, expected: set[str]) -> None:
    """The figures issue 12 lists are there (a classifier's curve: precision-recall or ROC), and
    every figure in docs/img/ is referenced from the post."""
    images = {path.name for path in (project / "docs" / "img").glob("*.png")}
    assert expected <= images, f"missing figures: {expected - images}"
    if "confusion_matrix.png" in expected:
        assert images & {"precision_recall.png", "roc.png"}, f"no curve among {images}"
    for name in images:
        assert f"(img/{name})" in text, f"{name} is not referenced in docs/writeup.md"


@pytest.mark.slow
@pytest.mark.parametrize("template", TEMPLATES)
def test_writeup_from_two_runs_matches_the_store(tmp_path: Path, template: str) -> None:
    project = generate(template, tmp_path)
    env = clean_env()
    package = next(p.name for p in (project / "src").iterdir() if (p / "cli.py").is_file())
    python = str(project / ".venv" / "bin" / "python")
    step("make", "setup", cwd=project, env=env)
    commands, measurements, figures = RUNS[template]
    for line in commands + measurements:
        step("bash", "-c", line.format(py=python, pkg=package), cwd=project, env=env)

    writeup = project / "docs" / "writeup.md"
    mine = writeup.read_text().replace("## The problem\n", "## The problem\n\nMy words.\n", 1)
    writeup.write_text(mine)
    readme_before = (project / "README.md").read_text()
    done = step("make", "writeup", cwd=project, env=env)
    assert "Preview: docs/writeup.html" in done.stdout
    text = writeup.read_text()

    runs = stored_runs(project / "mlflow.db")
    assert len(runs) >= 2
    best = check_results(text, runs)
    check_journey(text, runs)
    check_figures(project, text, figures)
    readme = (project / "README.md").read_text()
    primary = best.tags["portkit.primary_metric"]
    assert f"**`{primary}` {best.metrics[primary]:.4g}**" in block(readme, "results")
    assert outside(readme) == outside(readme_before)
    if template == "model-api":
        bench = json.loads((project / "reports" / "bench.json").read_text())
        assert f"{bench['headline']['ratio']:.1f}x" in block(readme, "results")
    assert (project / "docs" / "writeup.html").stat().st_size > 0

    step("make", "writeup", cwd=project, env=env)
    assert writeup.read_text() == text
    assert outside(text) == outside(mine)
