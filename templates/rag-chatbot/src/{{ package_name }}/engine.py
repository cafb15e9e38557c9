"""One chat turn: rewrite a follow-up, retrieve, then generate (extractive or LLM, with
fallback), traced if enabled."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import conversation
from .calibration import answer_threshold
from .chunking import Chunk
from .config import Settings
from .conversation import Message
from .generation import NO_ANSWER, Answer, extractive_answer, make_sources, mark_cited
from .ingest import load_chunks
from .kit.errors import ProjectError
from .llm import LLMError, OpenAICompatibleClient, build_messages, condense, load_prompt
from .retrieval import Hit, IndexMissingError, Retriever, open_retriever
from .store import recover
from .tracing import Tracer

log = logging.getLogger(__name__)
FOLLOWUP_DEPTH = 30  # how deep both rankings of a follow-up are read before blending them


class NotIngestedError(ProjectError, RuntimeError):
    """The index is missing or unusable: run `ingest` first."""


class NoIndexError(NotIngestedError):
    """Nothing was ever ingested into the index folder (a fresh project)."""


class QuestionError(ProjectError, ValueError):
    """The question is empty or too long (the same rule for the API, `ask` and `chat`)."""


def check_question(question: str, limit: int) -> str:
    """QUESTION without surrounding blanks; QuestionError if it is empty or over LIMIT chars."""
    question = question.strip()
    if not question:
        raise QuestionError("The question is empty: type a question.")
    if len(question) > limit:
        raise QuestionError(f"The question is too long ({len(question)} characters; max {limit}).")
    return question


@dataclass(frozen=True)
class Query:
    """What one turn retrieves with: the question, and for a follow-up its context words or
    the LLM's standalone rewrite."""

    question: str
    rewritten: str
    context: str = ""  # the offline rule's added words (weighted down)
    condensed: bool = False


@dataclass
class Event:
    """One piece of a streamed answer: `sources`, `token`, `notice`, `error` or `done`."""

    kind: str
    data: Any = None


@dataclass
class ChatEngine:
    """Holds the loaded index and answers questions."""

    settings: Settings
    retriever: Retriever
    chunks: list[Chunk]
    tracer: Tracer = field(default_factory=lambda: Tracer(False))
    # The no-answer score; None: the one `make eval` calibrated, read at every turn (so that a
    # new calibration reaches a running server).
    threshold: float | None = None

    @classmethod
    def load(cls, settings: Settings, trace: bool | None = None) -> ChatEngine:
        """Open the persisted index; TRACE overrides `[tracking] trace_chat`."""
        recover(settings.ingest.index)  # a swap that a crash stopped half-way
        chunks = load_chunks(settings.ingest.index)
        if not chunks:
            raise NoIndexError(
                f"No index in {settings.ingest.index}: run `make ingest` (or `python -m "
                f"{__package__} ingest`) first."
            )
        try:
            retriever = open_retriever(settings, chunks)
        except IndexMissingError as exc:
            raise NotIngestedError(f"{exc}: run `make ingest` again.") from None
        enabled = settings.tracking.trace_chat if trace is None else trace
        return cls(settings, retriever, chunks, Tracer(enabled))

    def retrieve(self, question: str, k: int | None = None) -> list[Hit]:
        """The best chunks for QUESTION."""
        k = k or self.settings.retrieval.top_k
        with self.tracer.span("retrieve", "RETRIEVER", {"query": question, "k": k}) as span:
            hits = self.retriever.search(question, k)
            span.set_outputs([{"id": h.chunk.id, "score": h.score} for h in hits])
        return hits

    def retrieve_turn(self, query: Query, k: int | None = None) -> list[Hit]:
        """The best chunks for a turn. A follow-up under the offline rule blends two rankings,
        score(question) + w * score(context words): for plain BM25 exactly the context words
        counted at weight w (`followup_weight`); searched apart, the context keeps its weight
        whatever the retriever does with the question's own words (stop words, normalisation)."""
        if not query.context:
            return self.retrieve(query.rewritten, k)
        k = k or self.settings.retrieval.top_k
        weight = self.settings.conversation.followup_weight
        depth = max(k, FOLLOWUP_DEPTH)
        blended: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for text, share in ((query.question, 1.0), (query.context, weight)):
            for hit in self.retrieve(text, depth):
                blended[hit.chunk.id] = blended.get(hit.chunk.id, 0.0) + share * hit.score
                chunks[hit.chunk.id] = hit.chunk
        best = sorted(blended, key=blended.__getitem__, reverse=True)[:k]
        return [Hit(chunks[cid], blended[cid]) for cid in best]

    def rewrite(self, question: str, history: Sequence[Message], backend: str) -> Query:
        """What to retrieve with: QUESTION alone, or made standalone with the HISTORY."""
        if not history:
            return Query(question, question)
        gen = self.settings.generation
        if backend == "openai" and gen.condense:
            try:
                standalone = condense(gen, question, history)
                return Query(question, standalone or question, condensed=bool(standalone))
            except LLMError as exc:
                log.warning("Condensing the follow-up failed, using the offline rule: %s", exc)
        language = self.settings.retrieval.language
        context = conversation.followup_context(question, history, language)
        rewritten = f"{question} ({context})" if context else question
        return Query(question, rewritten, context=context)

    def ask(
        self,
        question: str,
        k: int | None = None,
        backend: str | None = None,
        history: Sequence[Message] = (),
    ) -> Answer:
        """The whole answer to QUESTION (HISTORY: the conversation so far, oldest first)."""
        answer = Answer(text="")
        for event in self.stream(question, k, backend, history):
            if event.kind == "done":
                answer = event.data
        if answer.error or (not answer.text and answer.notice):
            raise LLMError(answer.error or answer.notice)
        return answer

    def stream(
        self,
        question: str,
        k: int | None = None,
        backend: str | None = None,
        history: Sequence[Message] = (),
    ) -> Iterator[Event]:
        """Events of one chat turn: sources, tokens, notices, then `done` with the Answer.

        Raises QuestionError (before any event) for an empty or too long question and
        conversation.HistoryError for a malformed history; a long one is trimmed.
        """
        question = check_question(question, self.settings.generation.max_question_chars)
        conversation.check_history(history, self.settings.conversation)
        history = conversation.trim_history(history, self.settings.conversation)
        started = time.perf_counter()
        backend = backend or self.settings.generation.backend
        with self.tracer.span("chat", "CHAIN", {"question": question, "backend": backend}) as root:
            with self.tracer.span("rewrite", "CHAIN", {"history": len(history)}) as span:
                query = self.rewrite(question, history, backend)
                span.set_outputs(query.rewritten)
            hits = self.retrieve_turn(query, k)
            answer: Answer | None = None
            with self.tracer.span("generate", "LLM", {"backend": backend}) as span:
                for event in self._generate(query, hits, backend, history):
                    if event.kind == "done":
                        answer = replace(event.data, rewritten_question=query.rewritten)
                        span.set_outputs(answer.text)
                    else:
                        yield event
            assert answer is not None
            root.set_outputs({"answer": answer.text, "sources": answer.cited_sources})
        root.set_attribute("latency_ms", (time.perf_counter() - started) * 1000)
        yield Event("done", answer)

    def _threshold(self) -> float | None:
        return self.threshold if self.threshold is not None else answer_threshold(self.settings)

    def _below_threshold(self, hits: list[Hit], threshold: float | None) -> bool:
        return threshold is not None and bool(hits) and hits[0].score < threshold

    def _extractive(self, query: Query, hits: list[Hit], threshold: float | None) -> Answer:
        return extractive_answer(
            query.question,
            hits,
            language=self.settings.retrieval.language,
            threshold=threshold,
            context=query.context,
            context_weight=self.settings.conversation.followup_weight,
        )

    def _generate(
        self, query: Query, hits: list[Hit], backend: str, history: Sequence[Message]
    ) -> Iterator[Event]:
        threshold = self._threshold()
        if backend == "extractive" or not hits or self._below_threshold(hits, threshold):
            # Below the calibrated threshold the LLM is not asked either: nothing to answer from.
            answer = self._extractive(query, hits, threshold)
            yield Event("sources", answer.sources)
            yield Event("token", answer.text)
            yield Event("done", answer)
            return
        sources = make_sources(hits)
        yield Event("sources", sources)
        gen = self.settings.generation
        client = OpenAICompatibleClient(
            gen.base_url, gen.model, gen.api_key, gen.connect_timeout, gen.timeout,
            gen.max_tokens, gen.temperature,
        )  # fmt: skip
        # A condensed question stands alone; otherwise the history gives the context.
        asked = query.rewritten if query.condensed else query.question
        messages = build_messages(load_prompt(gen.prompt), asked, hits, history)
        parts: list[str] = []
        try:
            for delta in client.stream(messages):
                parts.append(delta)
                yield Event("token", delta)
        except LLMError as exc:
            yield from self._on_llm_error(str(exc), query, hits, parts)
            return
        text = "".join(parts).strip() or NO_ANSWER
        cited = mark_cited(text, sources)
        answered = any(s.cited for s in cited)
        yield Event("done", Answer(text, cited, backend="openai", answered=answered))

    def _on_llm_error(
        self, message: str, query: Query, hits: list[Hit], parts: list[str]
    ) -> Iterator[Event]:
        if parts or not self.settings.generation.fallback_to_extractive:
            # Text already reached the user (or no fallback wanted): say what happened.
            yield Event("error", message)
            text = "".join(parts)
            done = Answer(text=text, sources=[], backend="openai", notice=message, error=message)
            yield Event("done", done)
            return
        notice = f"{message} Answered from the documents instead (extractive fallback)."
        yield Event("notice", notice)
        answer = self._extractive(query, hits, self._threshold())
        answer.notice = notice
        yield Event("sources", answer.sources)
        yield Event("token", answer.text)
        yield Event("done", answer)
