"""Retrieval and answer quality on a question set: hit rate@k, MRR, answer cites right source."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .engine import ChatEngine
from .ingest import read_manifest


class QuestionFileError(ValueError):
    """The question file is missing or malformed."""


@dataclass(frozen=True)
class Question:
    """A question and the documents (relative to the docs folder) any of which answers it."""

    question: str
    sources: tuple[str, ...]


@dataclass
class EvalResult:
    """Aggregate metrics plus one row per question."""

    metrics: dict[str, float]
    params: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def load_questions(path: Path) -> list[Question]:
    """JSON Lines: one `{"question": ..., "sources": [...]}` object per line."""
    if not path.is_file():
        raise QuestionFileError(f"No question file at {path}.")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            sources = item["sources"]
            sources = [sources] if isinstance(sources, str) else list(sources)
            questions.append(Question(str(item["question"]), tuple(str(s) for s in sources)))
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionFileError(
                f"{path}:{number}: expected an object with 'question' and 'sources' ({exc})"
            ) from None
    if not questions:
        raise QuestionFileError(f"{path} holds no questions.")
    return questions


def evaluate(engine: ChatEngine, questions: list[Question], k: int) -> EvalResult:
    """Run every question through retrieval and generation; aggregate the metrics."""
    rows = []
    started = time.perf_counter()
    for q in questions:
        t0 = time.perf_counter()
        hits = engine.retrieve(q.question, k)
        retrieved = [hit.chunk.source for hit in hits]
        rank = next((i for i, s in enumerate(retrieved, start=1) if s in q.sources), 0)
        answer = engine.ask(q.question, k)
        cited = answer.cited_sources
        rows.append(
            {
                "question": q.question,
                "expected": list(q.sources),
                "retrieved": retrieved,
                "rank": rank,
                "hit": rank > 0,
                "cited": cited,
                "cites_right_source": any(s in q.sources for s in cited),
                "seconds": round(time.perf_counter() - t0, 4),
            }
        )
    n = len(rows)
    metrics = {
        f"hit_rate_at_{k}": sum(r["hit"] for r in rows) / n,
        f"mrr_at_{k}": sum(1 / r["rank"] for r in rows if r["rank"]) / n,
        "cites_right_source": sum(r["cites_right_source"] for r in rows) / n,
        "seconds_per_question": (time.perf_counter() - started) / n,
    }
    settings = engine.settings
    params = {
        "retriever": engine.retriever.name,
        "k": k,
        "chunk_size": settings.ingest.chunk_size,
        "chunk_overlap": settings.ingest.chunk_overlap,
        "backend": settings.generation.backend,
        "questions": n,
        "chunks": len(engine.chunks),
    }
    return EvalResult(metrics=metrics, params=params, rows=rows)


def provenance(engine: ChatEngine, questions_file: Path) -> dict[str, str]:
    """What was measured: the question file and the indexed documents, by path and content hash.

    The documents' hash covers every indexed file's content hash (from the index manifest), so
    two runs with the same `docs_sha256` scored the same documents.
    """
    manifest = read_manifest(engine.settings.ingest.index)
    files = manifest.get("files", {})
    listing = json.dumps(files, sort_keys=True).encode("utf-8")
    return {
        "questions_file": str(questions_file.resolve()),
        "questions_sha256": hashlib.sha256(questions_file.read_bytes()).hexdigest(),
        "docs": str(manifest.get("docs", engine.settings.ingest.docs)),
        "docs_sha256": hashlib.sha256(listing).hexdigest(),
    }


def unanswerable(questions: list[Question], engine: ChatEngine) -> list[Question]:
    """The questions none of whose expected sources is in the index: they cannot be hits."""
    indexed = {chunk.source for chunk in engine.chunks}
    return [q for q in questions if indexed.isdisjoint(q.sources)]


def coverage_warning(missing: list[Question], total: int, docs: str) -> str:
    """One line saying that the scores do not measure the retriever ("" when nothing is missing)."""
    if not missing:
        return ""
    sources = sorted({s for q in missing for s in q.sources})
    shown = ", ".join(sources[:5]) + (f" and {len(sources) - 5} more" if len(sources) > 5 else "")
    return (
        f"{len(missing)} of {total} questions expect sources that are not in the index (built "
        f"from {docs}): {shown}. They count as misses: write questions about these documents "
        "(make eval QUESTIONS=path), or ingest the documents the questions are about."
    )


def write_report(result: EvalResult, path: Path) -> Path:
    """Write RESULT as JSON to PATH (whole or not at all), ending with a newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def log_to_mlflow(result: EvalResult, report: Path, tags: dict[str, str]) -> str:
    """Log params, metrics and the report as one MLflow run with TAGS; return its id.

    TAGS include the git state, computed by the caller before the report was written (the
    report itself must not make the run look "dirty").
    """
    import mlflow

    from . import tracking

    primary = next(iter(result.metrics))  # hit_rate_at_<k>
    name = f"eval-{result.params['retriever']}"
    with tracking.start_run(run_name=name, primary_metric=primary, tags=tags) as run:
        mlflow.log_params(result.params)
        mlflow.log_metrics(result.metrics)
        mlflow.log_artifact(str(report))
        return str(run.info.run_id)


def format_table(result: EvalResult) -> str:
    """The metrics as a small Markdown table."""
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {name} | {value:.3f} |" for name, value in result.metrics.items()]
    return "\n".join(lines)
