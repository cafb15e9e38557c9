"""A retrieved chunk as the answerer reads it: sentences, list items and whole code blocks.

Each unit carries its search terms (`analysis.tokenize`, stemmed) and a normalised key, so the
extractive answerer scores sentences against the question and never repeats one. Units are
cached per chunk text: a popular chunk is split and tokenised once, not on every request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .analysis import fold, tokenize
from .chunking import split_sentences

CODE, ITEM, TEXT = "code", "item", "text"
# A fenced block (``` or ~~~) up to its closing fence, or to the end of a cut-off chunk.
_FENCE = re.compile(r"(?P<fence>```+|~~~+)(?P<body>.*?)(?:(?P=fence)|\Z)", re.DOTALL)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\S")
_FLAT_ITEM_SPLIT = re.compile(r"\s+(?=[-*+]\s+\S)")  # "- a - b" (a list whose lines were joined)
_CITATION = re.compile(r"\[\d+\]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_LANGUAGES = frozenset(
    [
        "bash",
        "sh",
        "shell",
        "console",
        "zsh",
        "powershell",
        "python",
        "py",
        "json",
        "toml",
        "yaml",
        "yml",
        "ini",
        "text",
        "sql",
        "javascript",
        "js",
        "typescript",
        "ts",
        "html",
        "css",
        "xml",
        "make",
        "makefile",
        "dockerfile",
        "go",
        "rust",
        "java",
        "c",
        "cpp",
        "r",
    ]
)


@dataclass(frozen=True)
class Unit:
    """One sentence, list item or code block of a chunk."""

    kind: str
    text: str
    terms: frozenset[str]
    key: str  # the text normalised for comparison: case, accents, punctuation, citations

    @property
    def lead_in(self) -> bool:
        """A sentence that introduces what follows ("Run this:")."""
        return self.kind != CODE and self.text.rstrip().endswith(":")


def normalise(text: str) -> str:
    """TEXT reduced to lower-case words, so that two copies of a sentence compare equal."""
    return " ".join(_NOT_WORD.sub(" ", fold(_CITATION.sub(" ", text))).split())


@lru_cache(maxsize=4096)
def units(text: str, language: str) -> tuple[Unit, ...]:
    """The units of a chunk's TEXT, in reading order."""
    found: list[Unit] = []
    start = 0
    for match in _FENCE.finditer(text):
        found.extend(_prose_units(text[start : match.start()], language))
        code = _code_block(match.group("fence"), match.group("body"))
        found.append(Unit(CODE, code, frozenset(tokenize(code, language)), normalise(code)))
        start = match.end()
    found.extend(_prose_units(text[start:], language))
    return tuple(found)


def _code_block(fence: str, body: str) -> str:
    """A fenced block on its own lines, as it was; one whose line breaks were lost is re-fenced."""
    if "\n" in body.strip("\n") or body.startswith("\n"):
        return f"{fence}{body.rstrip()}\n{fence}"
    first, _, rest = body.strip().partition(" ")
    info = first if first.lower() in _LANGUAGES and rest else ""
    code = rest if info else body.strip()
    return f"{fence}{info}\n{code}\n{fence}"


def _prose_units(text: str, language: str) -> list[Unit]:
    pieces: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            pieces.extend((TEXT, s.strip()) for s in split_sentences(" ".join(paragraph)))
            paragraph.clear()

    for line in text.split("\n"):
        if _ITEM.match(line):
            flush()
            pieces.extend((ITEM, item.strip()) for item in _items(line))
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
    flush()
    return [
        Unit(kind, piece, frozenset(tokenize(piece, language)), normalise(piece))
        for kind, piece in pieces
        if piece
    ]


def _items(line: str) -> list[str]:
    """A list line; several items when a list's lines were joined into one ("- a - b")."""
    if line.lstrip()[:1] in "-*+":
        return [part for part in _FLAT_ITEM_SPLIT.split(line.strip()) if part.strip()]
    return [line.strip()]
