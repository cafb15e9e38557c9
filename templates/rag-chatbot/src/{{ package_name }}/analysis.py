"""Turning text into search terms: lower case, words, no stop words, a Snowball stemmer."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)

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
    """Search terms of TEXT, in order, repeats kept; stemmed with LANGUAGE's Snowball stemmer."""
    words = _WORD.findall(fold(text))
    stopwords = STOPWORDS if language == "english" else frozenset()
    words = [w for w in words if len(w) > 1 and w not in stopwords]
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else words
