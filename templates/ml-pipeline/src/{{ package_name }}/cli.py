"""The project's command line: `python -m <package> <command>` (every Make target calls it).

Exit codes (the shared kit's, the same in every portkit project): 0 ok, 1 a problem you can fix
(bad params, data or schema), 2 bad usage, 3 a quality gate failed, 4 an unexpected error (run
with --debug for the traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .kit import add_debug_option

STAGES = ("ingest", "validate", "featurize", "train", "evaluate", "gate", "register")


def _override(text: str) -> str:
    """A --set value: KEY=VALUE, else bad usage (exit code 2) before anything runs."""
    key, sep, _ = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"'{text}' must look like section.key=value")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description="Validate, train, evaluate, gate and promote a model, tracked in MLflow.",
    )
    add_debug_option(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def pipeline_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file")
        sub.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            type=_override,
            metavar="KEY=VALUE",
            help="override one parameter, e.g. --set model.type=logistic_regression",
        )
        sub.add_argument("--force", action="store_true", help="re-run even if cached")
        sub.add_argument(
            "--no-register",
            dest="register",
            action="store_false",
            help="compare with the champion but never register or promote (pull requests)",
        )

    run = commands.add_parser("run", help="the whole pipeline on the configured data")
    pipeline_options(run)
    pipe = commands.add_parser("pipeline", help="the pipeline, or one --step and what it needs")
    pipeline_options(pipe)
    pipe.add_argument("--step", choices=STAGES, help="run this stage (and the stages it needs)")

    status = commands.add_parser("status", help="which stages are cached and which would run")
    status.add_argument("--params", type=Path, default=Path("params.yaml"))
    status.add_argument("--set", dest="overrides", action="append", default=[], type=_override)

    schema = commands.add_parser("schema", help="infer schema.yaml from the current data")
    schema.add_argument("--params", type=Path, default=Path("params.yaml"))
    schema.add_argument(
        "--set", dest="overrides", action="append", default=[], type=_override, metavar="KEY=VALUE"
    )
    schema.add_argument("--write", action="store_true", help="write it (default: print it)")

    bench = commands.add_parser(
        "bench", help="time the pipeline: first run, re-run, 10x, 100x rows"
    )
    bench.add_argument("--params", type=Path, default=Path("params.yaml"))
    bench.add_argument("--scales", default="1,10,100", help="row multipliers, comma separated")
    bench.add_argument("--output", type=Path, default=Path("reports/bench.md"))

    export = commands.add_parser("export", help="download the champion model to a folder")
    export.add_argument("--params", type=Path, default=Path("params.yaml"))
    export.add_argument("--output", type=Path, default=Path("dist/champion"))
    export.add_argument(
        "--missing-ok",
        action="store_true",
        help="when no model holds the alias yet, print a notice and exit 0 (the CI package job)",
    )

    writeup = commands.add_parser("writeup", help="refresh docs/writeup.md from the MLflow runs")
    writeup.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (the shared runner prints any error)."""
    args = _parser().parse_args(argv)
    from .kit import run

    return run(
        lambda: _dispatch(args),
        debug=args.debug,
        on_error=lambda error: _publish_failure(args, error.message),
    )


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in ("run", "pipeline"):
        return _pipeline(args)
    if args.command == "status":
        return _status(args)
    if args.command == "schema":
        return _schema(args)
    if args.command == "export":
        return _export(args)
    if args.command == "bench":
        from . import bench

        scales = [int(s) for s in args.scales.split(",") if s.strip()]
        report = bench.run_bench(args.params.resolve().parent, scales, echo=print)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
        print(report)
        return 0
    from . import writeup

    return int(writeup.main(args.args) or 0)


def _pipeline(args: argparse.Namespace) -> int:
    from .params import load_params
    from .pipeline import PipelineResult, project_root, run_pipeline

    params = load_params(args.params, args.overrides)
    root = project_root(args.params)
    from .errors import GateFailedError

    result = PipelineResult()
    report = root / "reports" / "metrics.md"
    print(f"pipeline ({root.name}):")
    try:
        run_pipeline(
            root,
            params,
            step=getattr(args, "step", None),
            force=args.force,
            register=args.register,
            echo=print,
            result=result,
        )
    except GateFailedError:
        _publish(report)
        raise
    if result.statuses.get("gate") in ("ran", "cached"):
        _publish(report)
    if result.run_id:
        print(f"MLflow run {result.run_id}")
    return 0


def _publish(report: Path) -> None:
    """Append REPORT to the GitHub job summary, when there is one."""
    from .pipeline import github_summary

    target = github_summary()
    if target is not None and report.is_file():
        with target.open("a", encoding="utf-8") as handle:
            handle.write(report.read_text(encoding="utf-8") + "\n")


def _publish_failure(args: argparse.Namespace, message: str) -> None:
    from .pipeline import github_summary

    target = github_summary()
    if target is not None and args.command in ("run", "pipeline"):
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"### Pipeline failed\n\n```\n{message}\n```\n")


def _export(args: argparse.Namespace) -> int:
    """Download the champion; with --missing-ok, a store without one is a notice, not a failure.

    A fresh repository has no tracking-server secret, so the CI package job starts from an empty
    store on a new runner: it must say so and stay green. `exported=true|false` goes to the
    step's outputs (GITHUB_OUTPUT) so the steps that publish the model can be skipped.
    """
    from .errors import NoChampionError
    from .params import load_params
    from .pipeline import project_root
    from .registry import export_champion

    params = load_params(args.params)
    try:
        folder = export_champion(project_root(args.params), params.registry, args.output)
    except NoChampionError as exc:
        if not args.missing_ok:
            raise
        # A GitHub workflow command: shown as a notice on the workflow run's page.
        print(
            f"::notice title=No champion to package::{exc.message} Nothing was exported. "
            "Without the MLFLOW_TRACKING_URI secret every job has its own empty store: "
            "set it to a shared tracking server to package the model the train job promoted."
        )
        _step_output("exported", "false")
        return 0
    print(f"exported {params.registry.model_name}@{params.registry.alias} to {folder}")
    _step_output("exported", "true")
    return 0


def _step_output(name: str, value: str) -> None:
    """Set a GitHub Actions step output, when running in one."""
    import os

    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def _status(args: argparse.Namespace) -> int:
    from .params import load_params
    from .pipeline import project_root, status

    params = load_params(args.params, args.overrides)
    for name, state in status(project_root(args.params), params).items():
        print(f"  {name:<10} {state}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    """Infer the schema from the configured data; print it, or write data.schema (atomic)."""
    import tempfile

    from .params import load_params
    from .pipeline import project_root
    from .steps.ingest import ingest
    from .tabular import infer_schema, write_schema

    params = load_params(args.params, args.overrides)
    root = project_root(args.params)
    task = None if params.data.task == "auto" else params.data.task
    frame = ingest(params.data, root)  # a tabular.DataError is one line, exit code 1
    schema = infer_schema(frame, params.data.target, task)
    if args.write:
        path = params.data.schema_path(root)
        write_schema(schema, path)
        print(
            f"wrote {params.data.schema_} ({schema.task}: {len(schema.columns)} feature(s), "
            f"{len(schema.dropped)} dropped); edit it to fix a kind, a range or the categories"
        )
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        shown = Path(tmp) / "schema.yaml"
        write_schema(schema, shown)
        print(shown.read_text(encoding="utf-8"), end="")
    return 0
