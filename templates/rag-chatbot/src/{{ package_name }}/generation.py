"""Answers with numbered sources; the offline extractive answerer."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from itertools import takewhile
from typing import Any

from .analysis import tokenize
from .passages import CODE, ITEM, TEXT, Unit, units
from .retrieval import Hit

NO_ANSWER = "The documents do not answer this question."
RELEVANCE = 0.5  # a sentence is kept when it scores at least this share of the best one
TOPIC_WEIGHT = 0.5  # a question term that is also the passage's title or section word
MAX_ITEMS = 8  # list items brought along by the sentence that introduces them
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
    answered: bool = False  # the text answers from the documents (it cites at least one)
    rewritten_question: str = ""  # what was retrieved with (a follow-up made standalone)

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


@dataclass(frozen=True)
class _Candidate:
    rank: int  # the hit's number, 1 = best
    position: int  # the unit's place in its chunk
    unit: Unit
    passage: float = 1.0  # the hit's retrieval score relative to the best hit's (0..1)
    topic: frozenset[str] = frozenset()  # the terms of the passage's title and section
    score: float = 0.0


def extractive_answer(
    question: str,
    hits: Sequence[Hit],
    max_sentences: int = 3,
    max_chars: int = 700,
    language: str = "english",
    threshold: float | None = None,
    context: str = "",
    context_weight: float = 0.5,
) -> Answer:
    """Compose an answer from the sentences of the passages that bear on QUESTION.

    Sentences are scored by the question's stemmed terms they contain, each weighted by how
    rare it is among the candidate sentences (a word in every sentence tells nothing); terms of
    CONTEXT (a follow-up's previous question) count CONTEXT_WEIGHT. The lead sentence comes from
    the best-ranked passage (the retriever's judgement); the others must score at least
    RELEVANCE of the best. Code blocks stay whole and fenced, list items stay items, no sentence
    appears twice, and each cites its passage as [n]. Below THRESHOLD (the calibrated no-answer
    score), or when no passage has a word of the question in its text, title or section (the
    retriever matched on common words only), the answer says plainly that the documents do not
    answer.
    """
    sources = make_sources(hits)
    weights = _query_weights(question, context, context_weight, language)
    if not hits or not weights:
        return Answer(text=NO_ANSWER, sources=[])
    if threshold is not None and hits[0].score < threshold:
        return Answer(text=NO_ANSWER, sources=sources)
    candidates = _score(_candidates(hits, language), weights)
    if not candidates:
        return Answer(text=NO_ANSWER, sources=[])
    if not any((c.unit.terms | c.topic) & weights.keys() for c in candidates):
        return Answer(text=NO_ANSWER, sources=sources)
    own = frozenset(tokenize(question, language))
    context_terms = frozenset(weights) - own
    chosen = _choose(candidates, max_sentences, max_chars, own, context_terms)
    text = _format(_with_attachments(chosen, hits, language), max_chars)
    return Answer(text=text, sources=mark_cited(text, sources), answered=True)


def _query_weights(question: str, context: str, weight: float, language: str) -> dict[str, float]:
    weights = dict.fromkeys(tokenize(context, language), weight) if context else {}
    weights.update(dict.fromkeys(tokenize(question, language), 1.0))
    return weights


def _candidates(hits: Sequence[Hit], language: str) -> list[_Candidate]:
    found = []
    top = hits[0].score
    for rank, hit in enumerate(hits, start=1):
        passage = min(1.0, max(0.0, hit.score / top)) if top > 0 else 1.0
        topic = _topic(hit.chunk.title, hit.chunk.section, language)
        for position, unit in enumerate(units(hit.chunk.text, language)):
            if position == 0 and hit.chunk.position > 0 and unit.text[:1].islower():
                continue  # the tail of a sentence carried over from the previous chunk
            found.append(_Candidate(rank, position, unit, passage, topic))
    return found


@lru_cache(maxsize=4096)
def _topic(title: str, section: str, language: str) -> frozenset[str]:
    return frozenset(tokenize(f"{title} {section}", language))


def _score(candidates: list[_Candidate], weights: dict[str, float]) -> list[_Candidate]:
    """CANDIDATES with their scores: the matched query terms' weights times a local IDF, times
    how well the retriever ranked the passage (a sentence of a weak passage needs more).

    A term of the passage's own title or section counts half: a sentence that only names its
    topic ("The laser cutter is ...") says little about a question on that topic."""
    count = len(candidates)
    frequency: dict[str, int] = {}
    for c in candidates:
        for term in c.unit.terms & weights.keys():
            frequency[term] = frequency.get(term, 0) + 1
    idf = {term: math.log(1 + count / n) for term, n in frequency.items()}
    return [
        replace(
            c,
            score=c.passage
            * sum(
                weights[t] * idf[t] * (TOPIC_WEIGHT if t in c.topic else 1.0)
                for t in c.unit.terms & idf.keys()
            ),
        )
        for c in candidates
    ]


def _choose(
    candidates: list[_Candidate],
    max_sentences: int,
    max_chars: int,
    own: frozenset[str],
    context: frozenset[str],
) -> list[_Candidate]:
    """The lead (the best sentence of the top passage), then the best relevant others; for a
    follow-up, others from other passages must also name its CONTEXT (the topic so far).

    When no sentence of the top passage has one of the question's OWN words ("Why is that?",
    or a passage found by its heading), the answer stays in that passage, as the retriever
    chose it: its sentences that name the context, else its first ones."""
    top = [c for c in candidates if c.rank == candidates[0].rank]
    if not any(c.unit.terms & own for c in top):
        candidates = top
        if max(c.score for c in top) <= 0:
            return _leading(top, max_sentences, max_chars)
    best = max(c.score for c in candidates)
    lead = max(top, key=lambda c: (c.score, -c.position))
    chosen, keys = [lead], [lead.unit.key]
    used = len(lead.unit.text)
    ranked = sorted(candidates, key=lambda c: (-c.score, c.rank, c.position))
    for c in ranked:
        if len(chosen) >= max_sentences or c.score < RELEVANCE * best:
            break
        if _repeats(c.unit.key, keys) or used + len(c.unit.text) > max_chars:
            continue
        if context and c.rank != lead.rank and not c.unit.terms & context:
            continue
        chosen.append(c)
        keys.append(c.unit.key)
        used += len(c.unit.text)
    return chosen


def _leading(top: list[_Candidate], max_sentences: int, max_chars: int) -> list[_Candidate]:
    chosen = top[:1]
    for c in top[1:max_sentences]:
        if sum(len(x.unit.text) for x in chosen) + len(c.unit.text) > max_chars:
            break
        chosen.append(c)
    return chosen


def _repeats(key: str, keys: list[str]) -> bool:
    """Whether KEY says what one of KEYS says (the same words, or a longer sentence's part)."""
    if len(key) < 20:
        return key in keys
    return any(key in other or (len(other) >= 20 and other in key) for other in keys)


def _attachments(c: _Candidate, chunk_units: tuple[Unit, ...]) -> list[tuple[int, Unit]]:
    """What a kept unit brings along: the code block or list it introduces, or a code block's
    lead-in sentence ("Rebuild the index with:")."""
    if c.unit.kind == CODE:
        before = c.position - 1
        return (
            [(before, chunk_units[before])] if before >= 0 and chunk_units[before].lead_in else []
        )
    following = list(enumerate(chunk_units, start=0))[c.position + 1 :]
    if not following:
        return []
    if following[0][1].kind == CODE:
        return following[:1]
    if c.unit.lead_in and following[0][1].kind == ITEM:
        return list(takewhile(lambda pair: pair[1].kind == ITEM, following))[:MAX_ITEMS]
    return []


def _with_attachments(
    chosen: list[_Candidate], hits: Sequence[Hit], language: str
) -> list[_Candidate]:
    """CHOSEN plus their attachments, in reading order (passage rank, then position)."""
    picked = {(c.rank, c.position): c for c in chosen}
    keys = [c.unit.key for c in chosen]
    for c in chosen:
        for position, unit in _attachments(c, units(hits[c.rank - 1].chunk.text, language)):
            if (c.rank, position) not in picked and not _repeats(unit.key, keys):
                picked[(c.rank, position)] = _Candidate(c.rank, position, unit)
                keys.append(unit.key)
    return [picked[key] for key in sorted(picked)]


def _format(chosen: list[_Candidate], max_chars: int) -> str:
    """Markdown: prose sentences cited inline, list items one per line, code blocks fenced."""
    blocks: list[str] = []
    previous: _Candidate | None = None
    for c in chosen:
        cite = f"[{c.rank}]"
        follows = previous is not None and previous.rank == c.rank and bool(blocks)
        if c.unit.kind == CODE:
            # Cited by the sentence that introduces it, or by its own line after the fence.
            blocks.append(c.unit.text if follows else f"{c.unit.text}\n{cite}")
        elif c.unit.kind == ITEM and follows and previous and previous.unit.kind == ITEM:
            blocks[-1] += f"\n{c.unit.text} {cite}"
        elif c.unit.kind == TEXT and follows and previous and previous.unit.kind == TEXT:
            blocks[-1] += f" {_clip(c.unit.text, max_chars)} {cite}"
        else:
            blocks.append(f"{_clip(c.unit.text, max_chars)} {cite}")
        previous = c
    return "\n\n".join(blocks)


def _clip(sentence: str, limit: int) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"
