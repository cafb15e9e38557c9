"""Command line: run, ingest, chat, ask, eval, bench, writeup. Cheap to import; work is lazy.

This module parses; `commands` does each command's work; the shared runner (`kit.runner`) turns
any error into one line and the documented exit code (1 a problem you can fix, 2 bad usage, 4 a
bug: `--debug` shows the traceback, 141 when the reader of the output went away).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .kit import add_debug_option, run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}", description="Chat with your own documents."
    )
    parser.add_argument("--config", help="path to rag.toml (default: nearest one)")
    add_debug_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="serve the chat page and JSON API")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    ingest = sub.add_parser("ingest", help="read, chunk and index the documents folder")
    ingest.add_argument("--docs", help="documents folder (default: [ingest] docs in rag.toml)")
    ingest.add_argument("--full", action="store_true", help="re-read every file")

    for name, text in (("chat", "chat in the terminal"), ("ask", "answer one question")):
        cmd = sub.add_parser(name, help=text)
        if name == "ask":
            cmd.add_argument("question")
            cmd.add_argument("--json", action="store_true", help="print the answer as JSON")
        cmd.add_argument("-k", type=int, help="number of chunks to retrieve")
        cmd.add_argument("--backend", choices=["extractive", "openai"])
        cmd.add_argument("--trace", action="store_true", help="trace the turn in MLflow")

    ev = sub.add_parser("eval", help="hit rate@k, MRR and citations on a question set")
    ev.add_argument("--questions", help="JSON Lines question file (default: rag.toml)")
    ev.add_argument("-k", type=int, help="cut-off for hit rate and MRR")
    ev.add_argument("--out", default="reports/eval.json")
    ev.add_argument("--no-mlflow", action="store_true", help="do not log the run to MLflow")

    bench = sub.add_parser(
        "bench", help="ingestion, query, /chat and dense latency on synthetic corpora"
    )
    bench.add_argument(
        "--sizes", type=_counts, default="10000,100000", help="comma-separated chunk counts"
    )
    bench.add_argument("--queries", type=_positive, default=300)
    bench.add_argument("--out", default="reports/bench.json")

    sub.add_parser("writeup", help="refresh the Results section of docs/writeup.md from MLflow")
    return parser


def _positive(text: str) -> int:
    """A whole number above 0 (argparse turns the error into a usage message, exit 2)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, not {text!r}")
    return int(text)


def _counts(text: str) -> list[int]:
    """Comma-separated whole numbers above 0, e.g. `10000,100000`."""
    return [_positive(part) for part in text.split(",") if part.strip()] or [_positive(text)]


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m <package>`; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr)
    from .commands import COMMANDS

    return run(lambda: COMMANDS[args.command](args), debug=args.debug)
