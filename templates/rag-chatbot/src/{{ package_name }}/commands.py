"""What each command does: read the settings, call the core, print the outcome.

`cli` parses the command line and hands the arguments here; errors are raised, never printed
(the shared runner, `kit.runner`, prints them once). Cheap to import; work is lazy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


def _settings(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from .config import load_settings

    return load_settings(Path(args.config) if args.config else None)


def cmd_run(args: argparse.Namespace) -> int:
    from .api import serve

    settings = _settings(args)
    serve(settings, args.host, args.port, _load_engine(settings))
    return 0


def _load_engine(settings: Any, trace: bool | None = None) -> Any:
    """The chat engine; on a fresh project (no index yet) build the index first, as `make
    ingest` would, so every command of the quick start works in any order."""
    from .engine import ChatEngine, NoIndexError

    try:
        return ChatEngine.load(settings, trace=trace)
    except NoIndexError:
        print(
            f"No index in {settings.ingest.index} yet: ingesting {settings.ingest.docs} first "
            "(what `make ingest` does).",
            file=sys.stderr,
        )
        _print_ingest_report(_ingest(settings, full=False), sys.stderr)
        return ChatEngine.load(settings, trace=trace)


def _ingest(settings: Any, full: bool) -> Any:
    from .ingest import ingest

    return ingest(settings, full=full)


def cmd_ingest(args: argparse.Namespace) -> int:
    report = _ingest(_settings(args).with_docs(args.docs), args.full)
    _print_ingest_report(report, sys.stdout)
    return 0


def _print_ingest_report(report: Any, stream: Any) -> None:
    print(
        f"Indexed {report.chunks} chunks from {report.docs}: {len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.skipped)} skipped "
        f"({report.seconds:.2f} s, {report.chunks_per_second:,.0f} new chunks/s).",
        file=stream,
    )


def _print_answer(answer: Any) -> None:
    if answer.notice:
        print(f"note: {answer.notice}", file=sys.stderr)
    print(answer.text)
    for source in answer.sources:
        mark = "*" if source.cited else " "
        where = f" · {source.section}" if source.section else ""
        print(f" {mark}[{source.n}] {source.source}{where}")


def cmd_ask(args: argparse.Namespace) -> int:
    from .engine import check_question

    settings = _settings(args)
    question = check_question(args.question, settings.generation.max_question_chars)
    engine = _load_engine(settings, trace=args.trace or None)
    answer = engine.ask(question, args.k, args.backend)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0


NEW_CONVERSATION = "/new"


def cmd_chat(args: argparse.Namespace) -> int:
    from .conversation import Message
    from .engine import QuestionError

    engine = _load_engine(_settings(args), trace=args.trace or None)
    print(
        f"{len(engine.chunks)} chunks loaded. Ask a question; follow-ups may refer to earlier "
        f"ones. {NEW_CONVERSATION} starts over; an empty line or Ctrl-D quits."
    )
    history: list[Message] = []
    while True:
        try:
            question = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            return 0
        if question == NEW_CONVERSATION:
            history.clear()
            print("(new conversation)")
            continue
        try:
            answer = _chat_turn(engine, question, args, history)
        except QuestionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        if answer is not None and not answer.error:
            history += [Message("user", question), Message("assistant", answer.text)]
            # Only what the next turn can use is kept ([conversation] in rag.toml).
            keep = engine.settings.conversation.history_messages
            history[:] = history[max(0, len(history) - keep) :] if keep else []


def _chat_turn(engine: Any, question: str, args: argparse.Namespace, history: list[Any]) -> Any:
    """Print one streamed answer; return it (None if the stream ended without one)."""
    answer = None
    for event in engine.stream(question, args.k, args.backend, history):
        if event.kind == "token":
            print(event.data, end="", flush=True)
        elif event.kind in ("notice", "error"):
            label = "note" if event.kind == "notice" else "error"
            print(f"\n{label}: {event.data}", file=sys.stderr)
        elif event.kind == "done":
            print()
            answer = event.data
            _print_answer_sources(answer)
    return answer


def _print_answer_sources(answer: Any) -> None:
    for source in answer.sources:
        if source.cited:
            where = f" · {source.section}" if source.section else ""
            print(f"  [{source.n}] {source.source}{where}")


def cmd_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import evaluate as ev
    from .retrieval import PlainBM25Retriever

    settings = _settings(args).with_questions(args.questions)
    questions = ev.load_questions(settings.eval.questions)
    engine = _load_engine(settings, trace=False)
    # The git state before this command writes anything (its report must not make it "dirty").
    tags = {} if args.no_mlflow else _git_tags(settings.root)
    source = ev.provenance(engine, settings.eval.questions)
    missing = ev.missing_sources(questions, engine)
    tags["eval.unanswerable_questions"] = str(len(missing))
    answerable = sum(q.answerable for q in questions)
    warning = ev.coverage_warning(missing, answerable, source["docs"])
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
        tags["eval.warning"] = warning[:5000]
    baseline = PlainBM25Retriever(engine.chunks)
    result = ev.evaluate(engine, questions, args.k or settings.eval.k, baseline=baseline)
    result.params.update(source)
    _calibrate(settings, engine, result)
    report = ev.write_report(result, settings.root / Path(args.out))
    print(ev.format_table(result))
    print(f"Wrote {report}")
    if not args.no_mlflow:
        run_id = ev.log_to_mlflow(result, report, tags)
        print(f"Logged MLflow run {run_id} (see it with `make mlflow-ui`).")
    return 0


def _calibrate(settings: Any, engine: Any, result: Any) -> None:
    """Compute and store the no-answer threshold; say what happened in one line."""
    from .calibration import NoThresholdError, calibrate

    try:
        calibration = calibrate(settings, engine.retriever.name, result.top_scores)
    except NoThresholdError as exc:
        print(str(exc), file=sys.stderr)
        return
    result.metrics["no_answer_threshold"] = calibration.threshold
    result.metrics["no_answer_balanced_accuracy"] = calibration.balanced_accuracy
    print(
        f"No-answer threshold {calibration.threshold:.3f} (top score below it: the answerer "
        f"says the documents do not answer), balanced accuracy "
        f"{calibration.balanced_accuracy:.2f} on {calibration.answerable} answerable and "
        f"{calibration.unanswerable} unanswerable questions; stored in {settings.ingest.index}."
    )


def _git_tags(root: Any) -> dict[str, str]:
    from . import tracking

    return tracking.run_tags(root)


def cmd_bench(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .bench import run_benchmarks

    run_benchmarks(args.sizes, args.queries, _settings(args).root / Path(args.out))
    return 0


def cmd_writeup(args: argparse.Namespace) -> int:
    from . import writeup

    return int(writeup.main([]) or 0)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "ingest": cmd_ingest,
    "chat": cmd_chat,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "bench": cmd_bench,
    "writeup": cmd_writeup,
}
