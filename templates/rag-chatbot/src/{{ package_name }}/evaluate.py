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
from .kit.errors import ProjectError
from .retrieval import Hit, Retriever


class QuestionFileError(ProjectError, ValueError):
    """The question file is missing or malformed."""


BASELINE = "plain bm25s (no stemming, no stop words, chunk text only, same chunks, same k)"


@dataclass(frozen=True)
class Question:
    """A question and the documents (relative to the docs folder) any of which answers it;
    no sources: a question the documents do not answer (it calibrates the no-answer threshold)."""

    question: str
    sources: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """The documents answer it (it has expected sources)."""
        return bool(self.sources)


@dataclass
class EvalResult:
    """Aggregate metrics plus one row per question."""

    metrics: dict[str, float]
    params: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    top_scores: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def load_questions(path: Path) -> list[Question]:
    """JSON Lines: one `{"question": ..., "sources": [...]}` object per line; `"sources": []`
    marks a question the documents do not answer."""
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
    if not any(q.answerable for q in questions):
        raise QuestionFileError(f"{path} holds no question with expected sources.")
    return questions


def _rank(hits: list[Hit], sources: tuple[str, ...]) -> int:
    """1-based rank of the first hit from one of SOURCES (0: none in the top k)."""
    return next((i for i, h in enumerate(hits, start=1) if h.chunk.source in sources), 0)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _retrieval_metrics(ranks: list[int], k: int) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        f"hit_rate_at_{k}": sum(r > 0 for r in ranks) / n,
        f"mrr_at_{k}": sum(1 / r for r in ranks if r) / n,
    }


def evaluate(
    engine: ChatEngine, questions: list[Question], k: int, baseline: Retriever | None = None
) -> EvalResult:
    """Run every question through retrieval (and the BASELINE retriever) and generation.

    Hit rate, MRR and citations count the answerable questions only; every question's top
    score is kept (`top_scores`) for the no-answer threshold.
    """
    rows, ranks, base_ranks, latencies = [], [], [], []
    scores: dict[str, list[float]] = {"answerable": [], "unanswerable": []}
    started = time.perf_counter()
    for q in questions:
        t0 = time.perf_counter()
        hits = engine.retrieve(q.question, k)
        latencies.append(time.perf_counter() - t0)
        top = hits[0].score if hits else 0.0
        scores["answerable" if q.answerable else "unanswerable"].append(top)
        row: dict[str, Any] = {
            "question": q.question,
            "expected": list(q.sources),
            "retrieved": [hit.chunk.source for hit in hits],
            "top_score": round(top, 4),
        }
        if q.answerable:
            ranks.append(_rank(hits, q.sources))
            cited = engine.ask(q.question, k).cited_sources
            row |= {"rank": ranks[-1], "hit": ranks[-1] > 0, "cited": cited}
            row["cites_right_source"] = any(s in q.sources for s in cited)
            if baseline is not None:
                base_ranks.append(_rank(baseline.search(q.question, k), q.sources))
                row["baseline_rank"] = base_ranks[-1]
        rows.append(row)
    metrics = _retrieval_metrics(ranks, k)
    answered = [r for r in rows if "rank" in r]
    metrics["cites_right_source"] = sum(r["cites_right_source"] for r in answered) / len(answered)
    metrics["seconds_per_question"] = (time.perf_counter() - started) / len(rows)
    metrics["latency_p50_ms"] = 1000 * _percentile(latencies, 0.50)
    metrics["latency_p95_ms"] = 1000 * _percentile(latencies, 0.95)
    name = engine.retriever.name
    metrics |= {f"{name}_{m}": v for m, v in _retrieval_metrics(ranks, k).items()}
    if baseline is not None:
        base = _retrieval_metrics(base_ranks, k)
        metrics |= {f"baseline_{m}": v for m, v in base.items()}
        metrics |= {f"{baseline.name}_{m}": v for m, v in base.items()}
    settings = engine.settings
    params = {
        "retriever": name,
        "k": k,
        "chunk_size": settings.ingest.chunk_size,
        "chunk_overlap": settings.ingest.chunk_overlap,
        "language": settings.retrieval.language,
        "backend": settings.generation.backend,
        "questions": len(answered),
        "unanswerable_questions": len(rows) - len(answered),
        "chunks": len(engine.chunks),
    }
    return EvalResult(metrics=metrics, params=params, rows=rows, top_scores=scores)


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
        "docs": (docs := str(manifest.get("docs", engine.settings.ingest.docs))),
        "docs_sha256": hashlib.sha256(listing).hexdigest(),
        "data": data_name(docs, files),
    }


def missing_sources(questions: list[Question], engine: ChatEngine) -> list[Question]:
    """The answerable questions none of whose expected sources is in the index: they cannot be
    hits."""
    indexed = {chunk.source for chunk in engine.chunks}
    return [q for q in questions if q.answerable and indexed.isdisjoint(q.sources)]


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


# The bundled sample's documents (data/docs of a fresh project), to name the data honestly.
SAMPLE_DOCS = frozenset(
    [
        "3d-printing.md",
        "annual-report-2025.pdf",
        "booking.html",
        "code-of-conduct.txt",
        "electronics-bench.txt",
        "events.md",
        "faq.htm",
        "laser-cutter.html",
        "membership.md",
        "safety.md",
        "welcome.md",
        "wood-shop.txt",
    ]
)
CURATED_PARAMS = (
    "retriever",
    "k",
    "chunk_size",
    "chunk_overlap",
    "language",
    "docs",
    "docs_sha256",
)


def data_name(docs: str, files: object) -> str:
    """What the write-up calls the documents: the bundled sample, or the folder's path."""
    if isinstance(files, dict) and set(files) == SAMPLE_DOCS:
        return "bundled sample: makerspace handbook (data/docs)"
    return docs


def run_tags(result: EvalResult) -> dict[str, str]:
    """The write-up's tags (CONTRACTS, issue 12): baseline, curated params, outcome, data."""
    k = result.params["k"]
    hit, base = result.metrics[f"hit_rate_at_{k}"], result.metrics.get(f"baseline_hit_rate_at_{k}")
    reason = f"hit_rate_at_{k} {hit:.3f}" + (f" vs baseline {base:.3f}" if base is not None else "")
    return {
        "portkit.baseline": BASELINE,
        "portkit.params": json.dumps([p for p in CURATED_PARAMS if p in result.params]),
        "portkit.outcome": "eval",
        "portkit.outcome_reason": f"evaluation run: {reason}",
        "portkit.data": str(result.params.get("data", result.params.get("docs", ""))),
    }


def log_to_mlflow(result: EvalResult, report: Path, tags: dict[str, str]) -> str:
    """Log params, metrics and the report as one MLflow run with TAGS; return its id.

    TAGS include the git state, computed by the caller before the report was written (the
    report itself must not make the run look "dirty").
    """
    import mlflow

    from . import tracking

    primary = next(iter(result.metrics))  # hit_rate_at_<k>
    name = f"eval-{result.params['retriever']}"
    tags = {**run_tags(result), **tags}
    with tracking.start_run(run_name=name, primary_metric=primary, tags=tags) as run:
        mlflow.log_params(result.params)
        mlflow.log_metrics(result.metrics)
        mlflow.log_artifact(str(report))
        return str(run.info.run_id)


def format_table(result: EvalResult) -> str:
    """The metrics as a small Markdown table, the baseline's beside where it has one."""
    lines = ["| metric | value | baseline |", "|---|---|---|"]
    prefixes = ("baseline_", f"{result.params['retriever']}_", "bm25s_")
    for name, value in result.metrics.items():
        if name.startswith(prefixes):
            continue
        base = result.metrics.get(f"baseline_{name}")
        lines.append(f"| {name} | {value:.3f} | {'' if base is None else f'{base:.3f}'} |")
    return "\n".join(lines)
