"""One chat turn: retrieve, then generate (extractive or LLM, with fallback), traced if enabled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .chunking import Chunk
from .config import Settings
from .generation import NO_ANSWER, Answer, extractive_answer, make_sources, mark_cited
from .ingest import load_chunks
from .llm import LLMError, OpenAICompatibleClient, build_messages, load_prompt
from .retrieval import Hit, IndexMissingError, Retriever, open_retriever
from .store import recover
from .tracing import Tracer


class NotIngestedError(RuntimeError):
    """The index is missing or unusable: run `ingest` first."""


class NoIndexError(NotIngestedError):
    """Nothing was ever ingested into the index folder (a fresh project)."""


class QuestionError(ValueError):
    """The question is empty or too long (the same rule for the API, `ask` and `chat`)."""


def check_question(question: str, limit: int) -> str:
    """QUESTION without surrounding blanks; QuestionError if it is empty or over LIMIT chars."""
    question = question.strip()
    if not question:
        raise QuestionError("The question is empty: type a question.")
    if len(question) > limit:
        raise QuestionError(f"The question is too long ({len(question)} characters; max {limit}).")
    return question


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

    def ask(self, question: str, k: int | None = None, backend: str | None = None) -> Answer:
        """The whole answer to QUESTION."""
        answer = Answer(text="")
        for event in self.stream(question, k, backend):
            if event.kind == "done":
                answer = event.data
        if answer.error or (not answer.text and answer.notice):
            raise LLMError(answer.error or answer.notice)
        return answer

    def stream(
        self, question: str, k: int | None = None, backend: str | None = None
    ) -> Iterator[Event]:
        """Events of one chat turn: sources, tokens, notices, then `done` with the Answer.

        Raises QuestionError (before any event) for an empty or too long question.
        """
        question = check_question(question, self.settings.generation.max_question_chars)
        started = time.perf_counter()
        backend = backend or self.settings.generation.backend
        with self.tracer.span("chat", "CHAIN", {"question": question, "backend": backend}) as root:
            hits = self.retrieve(question, k)
            answer: Answer | None = None
            with self.tracer.span("generate", "LLM", {"backend": backend}) as span:
                for event in self._generate(question, hits, backend):
                    if event.kind == "done":
                        answer = event.data
                        span.set_outputs(answer.text if answer else "")
                    else:
                        yield event
            assert answer is not None
            root.set_outputs({"answer": answer.text, "sources": answer.cited_sources})
        root.set_attribute("latency_ms", (time.perf_counter() - started) * 1000)
        yield Event("done", answer)

    def _generate(self, question: str, hits: list[Hit], backend: str) -> Iterator[Event]:
        if backend == "extractive" or not hits:
            answer = extractive_answer(question, hits, language=self.settings.retrieval.language)
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
        messages = build_messages(load_prompt(gen.prompt), question, hits)
        parts: list[str] = []
        try:
            for delta in client.stream(messages):
                parts.append(delta)
                yield Event("token", delta)
        except LLMError as exc:
            yield from self._on_llm_error(str(exc), question, hits, parts)
            return
        text = "".join(parts).strip() or NO_ANSWER
        yield Event("done", Answer(text=text, sources=mark_cited(text, sources), backend="openai"))

    def _on_llm_error(
        self, message: str, question: str, hits: list[Hit], parts: list[str]
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
        answer = extractive_answer(question, hits, language=self.settings.retrieval.language)
        answer.notice = notice
        yield Event("sources", answer.sources)
        yield Event("token", answer.text)
        yield Event("done", answer)
