"""The git merge driver `portkit update` runs for `pyproject.toml` and YAML configuration.

    python -m portkit.merge_driver FORMAT %O %A %B %L %P NOTES

Git calls it (only during the update's own merge; see `update_merge`) with the base, the user's
(`%A`, where the result goes) and the template's version of one file, the conflict marker size
and the file's path. It merges entry by entry (`structured_merge`) and exits 0 when clean, 1
with git-style conflict markers around the entries both sides changed differently. Whenever a
side does not parse, or would not keep its formatting, it does what git would have done, a line
merge with `git merge-file`, and says so in NOTES (one line per file: path, outcome, detail)
for the update's report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from portkit.merge_formats import FORMATS, Format, FormatError
from portkit.structured_merge import Merge, Side

#: The labels `git merge` gives the two sides of an update's conflicts (`template_branch`).
LABELS = ("HEAD", "base", "portkit/update")

MERGED = "merged"  # entry by entry, no conflict
CONFLICT = "conflict"  # entry by entry, with conflicts on the entries named
FALLBACK = "fallback"  # line by line, for the reason given

_USAGE = "toml|yaml %O %A %B %L %P NOTES"
_SIDES = {"base": "the base", "ours": "your side", "theirs": "the template's side"}


def main(argv: list[str]) -> int:
    """Merge one file for git; the exit code is git's contract (0 clean, 1 conflicts)."""
    if len(argv) != 7 or argv[0] not in FORMATS:
        print(f"usage: python -m portkit.merge_driver {_USAGE}", file=sys.stderr)
        return 2
    kind, base, ours, theirs, size, path, notes = argv
    files = {"base": Path(base), "ours": Path(ours), "theirs": Path(theirs)}
    marker_size = int(size) if size.isdigit() else 7
    try:
        text, entries = merge(FORMATS[kind], _read(files), marker_size)
        _note(Path(notes), path, CONFLICT if entries else MERGED, ", ".join(entries))
        conflicted = bool(entries)
    except FormatError as error:
        _note(Path(notes), path, FALLBACK, str(error))
        text, conflicted = _line_merge(files, marker_size)
    except Exception as error:  # never fail the user's update over this driver: do git's merge
        _note(Path(notes), path, FALLBACK, f"could not be merged entry by entry ({error!r})")
        text, conflicted = _line_merge(files, marker_size)
    _write(files["ours"], text)
    return 1 if conflicted else 0


def merge(fmt: Format, texts: dict[str, str], marker_size: int = 7) -> tuple[str, list[str]]:
    """The merged text and the entries in conflict; FormatError when a side cannot be merged."""
    parsed = {side: _parse(fmt, side, text) for side, text in texts.items()}
    if fmt.dump(parsed["ours"], texts["ours"]) != texts["ours"]:
        raise FormatError(f"your side would not keep its exact layout as {fmt.name}")
    first = _render(fmt, texts, Side.OURS)
    if not first[1]:
        return first
    renders = {side: _render(fmt, texts, side)[0] for side in (Side.BASE, Side.THEIRS)}
    renders[Side.OURS] = first[0]
    with tempfile.TemporaryDirectory(prefix="portkit-merge-") as folder:
        paths = {}
        for side, text in renders.items():
            paths[side] = Path(folder) / side.value
            paths[side].write_text(text, encoding="utf-8", newline="")
        merged, _ = _merge_file(paths[Side.OURS], paths[Side.BASE], paths[Side.THEIRS], marker_size)
    return merged, first[1]


def _render(fmt: Format, texts: dict[str, str], pick: Side) -> tuple[str, list[str]]:
    """Merge fresh parses, conflicting entries taking PICK's value."""
    documents = {side: fmt.parse(text) for side, text in texts.items()}
    merger = Merge(fmt.list_keys, fmt.insert, pick)
    merger.document(documents["base"], documents["ours"], documents["theirs"])
    return fmt.dump(documents["ours"], texts["ours"]), merger.conflicts


def _parse(fmt: Format, side: str, text: str) -> object:
    try:
        return fmt.parse(text)
    except FormatError as error:
        raise FormatError(f"{_SIDES[side]} {error}") from error


def _read(files: dict[str, Path]) -> dict[str, str]:
    texts = {}
    for side, path in files.items():
        try:
            texts[side] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise FormatError(f"{_SIDES[side]} is not UTF-8 text") from error
    return texts


def _line_merge(files: dict[str, Path], marker_size: int) -> tuple[str, bool]:
    """What git would have done without this driver; True when it left conflicts."""
    text, count = _merge_file(files["ours"], files["base"], files["theirs"], marker_size)
    return text, count > 0


def _merge_file(ours: Path, base: Path, theirs: Path, marker_size: int) -> tuple[str, int]:
    """Git's own line merge and conflict markers (it honours merge.conflictStyle)."""
    labels = [arg for label in LABELS for arg in ("-L", label)]
    done = subprocess.run(
        ["git", "merge-file", "-p", f"--marker-size={marker_size}", *labels, ours, base, theirs],
        capture_output=True,
        check=False,
    )
    if done.returncode < 0 or done.returncode > 127:
        raise OSError(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="surrogateescape"), done.returncode


def _note(notes: Path, path: str, outcome: str, detail: str) -> None:
    with notes.open("a", encoding="utf-8") as stream:
        stream.write(f"{path}\t{outcome}\t{detail}\n")


def _write(path: Path, text: str) -> None:
    """Write beside, then rename: git reads %A only after we exit, but never half a file."""
    handle, temporary = tempfile.mkstemp(prefix=".portkit-merge-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape", newline="") as stream:
        stream.write(text)
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
