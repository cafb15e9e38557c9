"""Retrieval quality of rag-chatbot's default retriever against a plain bm25s baseline.

For each corpus under `benchmarks/rag/corpora/<name>/` (real documentation, vendored with its
licence; `docs/` and a hand-written `questions.jsonl`), a generated rag-chatbot project ingests
the documents and runs its own `eval`, which scores, in the same run and on the same chunks, the
default retriever and the plain `bm25s` baseline (no stemming, no stop words, chunk text only,
same k). Reports hit rate@k and MRR@k of both, side by side, and the retrieval latency.

Run: `python benchmarks/bench_retrieval.py [--project DIR] [--k 4] [--runs N]` from the
repository's virtualenv. Without `--project`, a project is generated with `portkit new
rag-chatbot --defaults` and set up with its `make setup` in a temporary folder (a minute or
so with a warm package cache). Quality figures do not depend on the machine; `--runs N`
repeats the evaluation and reports the median latency.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CORPORA = Path(__file__).resolve().parent / "rag" / "corpora"
TARGET = 0.05  # the default retriever's MRR should beat the baseline's by this much


def corpora() -> list[Path]:
    """Corpus folders that hold documents and questions."""
    return [
        folder
        for folder in sorted(CORPORA.iterdir())
        if (folder / "docs").is_dir() and (folder / "questions.jsonl").is_file()
    ]


def generate(workdir: Path) -> Path:
    """A fresh rag-chatbot project, set up (its own virtualenv)."""
    project = workdir / "rag-bench"
    portkit = Path(sys.executable).with_name("portkit")
    subprocess.run(
        [str(portkit), "new", "rag-chatbot", str(project), "--defaults"],
        check=True,
        capture_output=True,
    )
    subprocess.run(["make", "setup"], cwd=project, check=True, capture_output=True)
    return project


def package_of(project: Path) -> str:
    """The generated package's import name (the folder of `src/` holding `cli.py`)."""
    for cli in sorted((project / "src").glob("*/cli.py")):
        return cli.parent.name
    raise SystemExit(f"error: {project} is not a rag-chatbot project (no src/<package>/cli.py)")


def evaluate(project: Path, corpus: Path, k: int, workdir: Path) -> dict[str, object]:
    """Ingest CORPUS in PROJECT's virtualenv and return its eval report."""
    config = workdir / f"{corpus.name}.toml"
    config.write_text(
        f'[ingest]\ndocs = "{(corpus / "docs").as_posix()}"\n'
        f'index = "{(workdir / f"index-{corpus.name}").as_posix()}"\n'
        f'[eval]\nquestions = "{(corpus / "questions.jsonl").as_posix()}"\nk = {k}\n',
        encoding="utf-8",
    )
    python = project / ".venv" / "bin" / "python"
    module = [str(python), "-m", package_of(project), "--config", str(config)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    out = workdir / f"eval-{corpus.name}.json"
    for args in (["ingest", "--full"], ["eval", "--no-mlflow", "--out", str(out)]):
        done = subprocess.run([*module, *args], cwd=project, env=env, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"error: {' '.join(args[:1])} failed on {corpus.name}:\n"
                             f"{done.stderr.decode(errors='replace')}")  # fmt: skip
    report: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return report


def row(name: str, reports: list[dict[str, object]], k: int) -> dict[str, object]:
    """One table row: quality from the first run (identical in all), latency median of runs."""
    metrics = reports[0]["metrics"]
    params = reports[0]["params"]
    assert isinstance(metrics, dict) and isinstance(params, dict)
    p50 = statistics.median(float(r["metrics"]["latency_p50_ms"]) for r in reports)  # type: ignore[index]
    return {
        "corpus": name,
        "chunks": params["chunks"],
        "questions": params["questions"],
        "unanswerable": params.get("unanswerable_questions", 0),
        "hit": metrics[f"hit_rate_at_{k}"],
        "base_hit": metrics[f"baseline_hit_rate_at_{k}"],
        "mrr": metrics[f"mrr_at_{k}"],
        "base_mrr": metrics[f"baseline_mrr_at_{k}"],
        "p50_ms": p50,
        "threshold": metrics.get("no_answer_threshold"),
        "threshold_accuracy": metrics.get("no_answer_balanced_accuracy"),
    }


def table(rows: list[dict[str, object]], k: int) -> str:
    """The rows as a Markdown table."""
    lines = [
        f"| corpus | chunks | questions | hit@{k} default / bm25s | MRR@{k} default / bm25s "
        "| MRR gain | retrieval p50 | no-answer threshold (balanced acc.) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gain = float(r["mrr"]) - float(r["base_mrr"])  # type: ignore[arg-type]
        verdict = "meets" if gain >= TARGET else ("above, short of" if gain > 0 else "below")
        threshold = (
            f"{r['threshold']:.3f} ({r['threshold_accuracy']:.2f})" if r["threshold"] else "n/a"
        )
        lines.append(
            f"| {r['corpus']} | {r['chunks']} | {r['questions']} + {r['unanswerable']} "
            f"unanswerable | {r['hit']:.3f} / {r['base_hit']:.3f} | {r['mrr']:.3f} / "
            f"{r['base_mrr']:.3f} | {gain:+.3f} ({verdict} +{TARGET}) | {r['p50_ms']:.2f} ms "
            f"| {threshold} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse options, evaluate every corpus, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="an existing, set-up rag-chatbot project")
    parser.add_argument("--k", type=int, default=4, help="cut-off of hit rate and MRR")
    parser.add_argument("--runs", type=int, default=1, help="evaluations per corpus (latency)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        workdir = Path(tmp)
        project = args.project.resolve() if args.project else generate(workdir)
        rows = []
        for corpus in corpora():
            reports = [evaluate(project, corpus, args.k, workdir) for _ in range(args.runs)]
            rows.append(row(corpus.name, reports, args.k))
    print(table(rows, args.k))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
