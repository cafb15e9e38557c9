"""Answers with numbered sources; the offline extractive answerer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .analysis import tokenize
from .chunking import split_sentences
from .retrieval import Hit

NO_ANSWER = "I could not find anything about that in the documents."
_CITATION = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Source:
    """A retrieved chunk as shown to the user; `n` is the number used in citations like [1]."""

    n: int
    source: str
    title: str
    section: str
    chunk_id: str
    snippet: str
    score: float
    page: int | None = None
    cited: bool = False


@dataclass
class Answer:
    """An answer, the sources it was built from, and which backend produced it."""

    text: str
    sources: list[Source] = field(default_factory=list)
    backend: str = "extractive"
    notice: str = ""
    error: str = ""  # the backend failed part-way: TEXT is incomplete (and this says why)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @property
    def cited_sources(self) -> list[str]:
        """File names of the sources the answer text cites."""
        return [s.source for s in self.sources if s.cited]


def make_sources(hits: Sequence[Hit], snippet_chars: int = 300) -> list[Source]:
    """Number the hits 1..n as sources."""
    sources = []
    for n, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        snippet = (
            chunk.text if len(chunk.text) <= snippet_chars else chunk.text[:snippet_chars] + "…"
        )
        sources.append(
            Source(
                n=n,
                source=chunk.source,
                title=chunk.title,
                section=chunk.section,
                chunk_id=chunk.id,
                snippet=snippet,
                score=round(hit.score, 4),
                page=chunk.page,
            )
        )
    return sources


def mark_cited(text: str, sources: list[Source]) -> list[Source]:
    """SOURCES with `cited` set for every [n] that appears in TEXT."""
    cited = {int(n) for n in _CITATION.findall(text)}
    return [Source(**{**asdict(s), "cited": s.n in cited}) for s in sources]


def extractive_answer(
    question: str,
    hits: Sequence[Hit],
    max_sentences: int = 3,
    max_chars: int = 700,
    language: str = "english",
) -> Answer:
    """Compose an answer from the sentences of the best passages that share most query terms.

    The lead sentence always comes from the best-ranked passage (the retriever's judgement);
    the others are the sentences, from any passage, that cover the most query terms.
    """
    sources = make_sources(hits)
    query = set(tokenize(question, language))
    candidates: list[tuple[float, int, int, str]] = []  # (score, rank, position, sentence)
    for rank, hit in enumerate(hits, start=1):
        for position, sentence in enumerate(split_sentences(hit.chunk.text)):
            overlap = len(query & set(tokenize(sentence, language)))
            # More shared terms first; earlier passages and earlier sentences break ties.
            candidates.append((overlap - 0.01 * rank - 0.001 * position, rank, position, sentence))
    if not candidates or not query:
        return Answer(text=NO_ANSWER, sources=[])
    lead = max((c for c in candidates if c[1] == 1), default=max(candidates))
    chosen = [lead]
    for candidate in sorted(candidates, reverse=True):
        if len(chosen) >= max_sentences:
            break
        if candidate[0] < 1 or candidate in chosen:
            continue
        if sum(len(c[3]) for c in chosen) + len(candidate[3]) > max_chars:
            continue
        chosen.append(candidate)
    text = " ".join(f"{_clip(sentence, max_chars)} [{rank}]" for _, rank, _, sentence in chosen)
    return Answer(text=text, sources=mark_cited(text, sources))


def _clip(sentence: str, limit: int) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"
