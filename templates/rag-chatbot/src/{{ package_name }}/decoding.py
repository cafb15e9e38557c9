"""Bytes to text: UTF-8 or a byte-order mark first, other encodings detected (charset-normalizer),
binary files recognised and refused rather than indexed as text."""

from __future__ import annotations

import codecs
import math
import re
from typing import Any

# utf-32 first: its little-endian mark starts with utf-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# When the detector finds several encodings equally plausible (short Western text often fits
# cp1250 as well as cp1252), take the most widespread one.
_COMMON = ("ascii", "utf_8", "cp1252", "latin_1")
# Control characters no text file holds (tab, newlines, form feed and vertical tab are fine).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


class NotTextError(ValueError):
    """The bytes are not text in any encoding we can recognise (a binary file)."""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of DATA; NotTextError for binary content."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                raise NotTextError(f"starts like {codec} text but is not valid {codec}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if looks_like_text(text):
            return text, "utf-8"
    return _detect(data)


def looks_like_text(text: str) -> bool:
    """No NUL character, and control characters are at most 1% of the text."""
    return "\x00" not in text and len(_CONTROL.findall(text)) * 100 <= len(text)


def _detect(data: bytes) -> tuple[str, str]:
    import charset_normalizer

    if charset_normalizer.is_binary(data):
        raise NotTextError("binary file, not text")
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise NotTextError("binary file, or text in no encoding we can recognise")
    best = _most_common(best, matches)
    text = str(best)
    if not looks_like_text(text):
        raise NotTextError("binary file, not text (control characters)")
    return text, best.encoding


def _most_common(best: Any, matches: Any) -> Any:
    """Among the matches as plausible as BEST, the most widespread encoding (else BEST)."""
    ties = [
        m
        for m in matches
        if math.isclose(m.chaos, best.chaos, abs_tol=1e-9)
        and math.isclose(m.coherence, best.coherence, abs_tol=1e-9)
    ]
    for name in _COMMON:
        for match in ties:
            if match.encoding == name:
                return match
    return best
