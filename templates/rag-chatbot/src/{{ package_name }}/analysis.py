"""Turning text into search terms: lower case, words, a Snowball stemmer; code identifiers
(`snake_case`, `CamelCase`) also count by their parts."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
# A word with an inner capital (after a lower-case letter or digit, or starting a word after an
# acronym: HTTPServer), or an inner underscore. Anchored at word starts: linear time.
_IDENTIFIER = re.compile(r"\b\w*?(?:[a-z0-9][A-Z]|[A-Z][A-Z][a-z]|[A-Za-z0-9]_[A-Za-z0-9])\w*")
# The same test, starting at capitals only (3x faster on prose than the plain alternation).
_INNER_CAPITAL = re.compile(r"[A-Z](?:(?<=[a-z0-9][A-Z])|(?=[A-Z][a-z]))")
# The parts of one identifier piece: "HTTPServerError" -> HTTP, Server, Error; "utf8" -> utf, 8.
_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves also may might must shall us via
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    if not language:
        return None
    import Stemmer  # PyStemmer: Snowball stemmers in C

    try:
        return Stemmer.Stemmer(language)
    except KeyError:
        choices = ", ".join(Stemmer.algorithms())
        raise ValueError(
            f"Unknown stemmer language {language!r}; choose one of {choices}"
        ) from None


def fold(text: str) -> str:
    """Lower case without accents, so 'Café' matches 'cafe'."""
    text = text.lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokenize(text: str, language: str = "english") -> list[str]:
    """Content words of TEXT, in order, repeats kept, stemmed with LANGUAGE's Snowball stemmer;
    English stop words dropped (for word overlap between texts; BM25 uses `index_terms`)."""
    words = _WORD.findall(fold(text))
    stopwords = STOPWORDS if language == "english" else frozenset()
    words = [w for w in words if len(w) > 1 and w not in stopwords]
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words


def identifier_parts(text: str) -> list[str]:
    """The parts of the code identifiers in TEXT, folded: `cache_hash` -> cache, hash;
    `ParamType` -> param, type. Dotted names are words already (`\\w` stops at dots)."""
    parts: list[str] = []
    if "_" not in text and not _INNER_CAPITAL.search(text):
        return parts  # most prose: one quick scan instead of a word-by-word match
    for identifier in _IDENTIFIER.findall(text):
        for piece in identifier.split("_"):
            parts.extend(fold(p) for p in _PART.findall(piece) if len(p) > 1)
    return parts


def index_terms(text: str, language: str = "english") -> list[str]:
    """The terms BM25 indexes and queries with: every word of 2+ characters, stemmed, stop
    words KEPT (BM25's idf already makes them cheap, and "is not" or "how do" can be what
    tells two headings apart: measured on real documentation, see the README), plus the parts
    of code identifiers, so `cache_hash` is found by "cache hash" and by `cache_hash`."""
    words = [w for w in _WORD.findall(fold(text)) if len(w) > 1]  # faster than \w\w+ here
    words += identifier_parts(text)
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words
