"""portkit's start-up and `new` cost, side by side with their floors.

- `portkit --help` against `python -c "import typer"` (target: within 1.5x)
- `portkit new model-api --defaults` (render + provenance + git init + commit) against a plain
  `copier copy --defaults` of the same assembled template folder (target: within 1.3x)

Run: `python benchmarks/bench_cli.py [--runs N]` from the repository's virtualenv.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from harness import HEADER, compare

from portkit.catalog import builtin_root
from portkit.fetch import assemble_builtin

BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--template", default="model-api")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        assembled = assemble_builtin(builtin_root() / args.template, work / "assembled")
        help_cmp = compare(
            "portkit --help",
            lambda i: [str(BIN / "portkit"), "--help"],
            'python -c "import typer"',
            lambda i: [sys.executable, "-c", "import typer"],
            runs=args.runs,
        )
        new_cmp = compare(
            f"portkit new {args.template} --defaults",
            lambda i: [
                str(BIN / "portkit"),
                "new",
                args.template,
                str(work / f"p{i}"),
                "--defaults",
            ],
            "copier copy --defaults (same folder)",
            lambda i: [
                str(BIN / "copier"),
                "copy",
                "--defaults",
                "--quiet",
                str(assembled),
                str(work / f"c{i}"),
            ],
            runs=args.runs,
        )
    print(HEADER)
    print(help_cmp.row())
    print(new_cmp.row())


if __name__ == "__main__":
    main()
