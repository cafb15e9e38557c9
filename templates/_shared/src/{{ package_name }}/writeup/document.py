"""Marker blocks in the author's Markdown files, and atomic writes.

``make writeup`` owns only the text between ``<!-- portkit:NAME:start -->`` and
``<!-- portkit:NAME:end -->``; every byte outside is the author's and is written back unchanged.
Markers that were hand-edited (one missing, doubled, or out of order) stop the write-up with one
line naming the file, rather than a guess that could eat prose.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import WriteupError


def markers(name: str) -> tuple[str, str]:
    """The comment lines that fence block NAME."""
    return f"<!-- portkit:{name}:start -->", f"<!-- portkit:{name}:end -->"


def has_block(text: str, name: str) -> bool:
    """Whether TEXT holds either marker of block NAME."""
    start, end = markers(name)
    return start in text or end in text


def replace_block(text: str, name: str, body: str) -> str:
    """TEXT with the lines between block NAME's markers replaced by BODY; the rest untouched."""
    start, end = markers(name)
    counts = (text.count(start), text.count(end))
    if counts == (0, 0):
        raise WriteupError(f"markers {start} ... {end} not found: put them back around the block")
    if counts != (1, 1):
        raise WriteupError(
            f"the {name} markers appear {counts[0]} and {counts[1]} times (start, end): "
            "keep exactly one of each"
        )
    begin, finish = text.index(start), text.index(end)
    if finish < begin:
        raise WriteupError(f"{end} comes before {start}: put the end marker after the start")
    return text[: begin + len(start)] + "\n\n" + body.strip("\n") + "\n\n" + text[finish:]


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write DATA to PATH through a file beside it and a rename: never a half-written file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(raw)
        os.chmod(temporary, _mode(path))  # mkstemp makes 0600; keep what the file had
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class Document:
    """One Markdown file and the blocks to refresh in it (REQUIRED ones must be there)."""

    path: Path
    required: tuple[str, ...]
    text: str = ""
    skipped: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path, required: tuple[str, ...], label: str) -> Document:
        """Read PATH and check its required markers now, before anything is computed or written."""
        if not path.is_file():
            raise WriteupError(f"{label} is missing: restore it (git checkout {label}).")
        document = cls(path, required, path.read_text(encoding="utf-8"))
        for name in required:
            document.fill(name, "")  # raises on missing or hand-edited markers
        document.text = path.read_text(encoding="utf-8")
        return document

    def fill(self, name: str, body: str) -> None:
        """Replace block NAME; an optional block whose markers are both gone is skipped."""
        if name not in self.required and not has_block(self.text, name):
            self.skipped.append(name)
            return
        try:
            self.text = replace_block(self.text, name, body)
        except WriteupError as error:
            raise WriteupError(f"{self.path.name}: {error}") from None

    def save(self) -> bool:
        """Write the file if its text changed; return whether it did."""
        if self.path.read_text(encoding="utf-8") == self.text:
            return False
        write_atomic(self.path, self.text)
        return True


def _mode(path: Path) -> int:
    """PATH's permission bits, or the umask's default for a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
