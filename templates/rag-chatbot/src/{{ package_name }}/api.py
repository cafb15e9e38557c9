"""The web chat page and JSON API: `/`, `/health`, `POST /chat`, `POST /chat/stream` (SSE),
the documents (`/documents`, `/reindex`: documents_api.py) and the viewer (`/view`: viewer.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from importlib import resources
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from .config import Settings, load_settings
from .conversation import HistoryError, Message, check_history
from .documents_api import documents_routes
from .engine import ChatEngine, Event, QuestionError, check_question
from .generation import Answer
from .kit.errors import ProjectError
from .live import LiveEngine
from .llm import LLMError
from .markup import present_answer, present_sources
from .viewer import viewer_routes


class HistoryMessage(BaseModel):
    """One earlier message of the conversation, as the client keeps it."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: StrictStr


class ChatRequest(BaseModel):
    """A question; `history` is the conversation so far (oldest first; the API keeps no state);
    `k` overrides how many chunks are retrieved."""

    question: str = Field(description="The question, 1 to max_question_chars characters")
    history: list[HistoryMessage] = Field(
        default_factory=list, description="Earlier messages, oldest first ([conversation])"
    )
    k: int | None = Field(default=None, ge=1, le=50)
    backend: str | None = Field(default=None, pattern="^(extractive|openai)$")

    def messages(self) -> list[Message]:
        """The history as the engine takes it."""
        return [Message(m.role, m.content) for m in self.history]


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    messages = []
    for error in errors:
        field = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        messages.append(f"{field}: {message}" if field else message)
    detail = "; ".join(messages) or "Invalid request."
    return JSONResponse(status_code=422, content={"detail": detail, "errors": _plain(errors)})


def _plain(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]


def _sse(event: Event) -> str:
    data = event.data
    if event.kind == "sources":
        data = present_sources([asdict(s) for s in data])
    elif event.kind == "done":
        data = present_answer(data.to_dict())
    return f"event: {event.kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _answer(
    engine: ChatEngine, request: ChatRequest, question: str, history: list[Message]
) -> dict[str, Any]:
    """/chat's body; a failed backend is the HTTP status saying so, never a bare 500."""
    try:
        answer = engine.ask(question, request.k, request.backend, history)
    except LLMError as exc:
        raise HTTPException(502, str(exc)) from None
    except ProjectError as exc:  # e.g. the vector database server went down
        raise HTTPException(503, str(exc)) from None
    return present_answer(answer.to_dict())


def _events(
    engine: ChatEngine, request: ChatRequest, question: str, history: list[Message]
) -> Iterator[str]:
    """/chat/stream's events; the status is already sent, so a failed backend is an `error`
    event and a `done` marking the answer incomplete, as a broken LLM stream is reported."""
    try:
        for event in engine.stream(question, request.k, request.backend, history):
            yield _sse(event)
    except ProjectError as exc:
        yield _sse(Event("error", str(exc)))
        yield _sse(Event("done", Answer("", backend="", notice=str(exc), error=str(exc))))


def create_app(settings: Settings | None = None, engine: ChatEngine | None = None) -> FastAPI:
    """The application; the index is loaded here, and again whenever it is rebuilt (live.py)."""
    settings = settings or load_settings()
    live = LiveEngine(settings, engine)
    live.current().tracer.warm_up()
    limit = settings.generation.max_question_chars
    app = FastAPI(title="RAG chatbot", version="0.1.0")
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(documents_routes(live))
    app.include_router(viewer_routes(live))
    page = resources.files(__package__).joinpath("static/index.html").read_text(encoding="utf-8")

    def check(request: ChatRequest) -> tuple[str, list[Message]]:
        """The question and history, checked as `ask` and `chat` check them (422 before any
        answer starts)."""
        try:
            history = request.messages()
            check_history(history, settings.conversation)
            return check_question(request.question, limit), history
        except (QuestionError, HistoryError) as exc:
            raise HTTPException(422, str(exc)) from None

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return page

    @app.get("/health")
    def health() -> dict[str, Any]:
        engine = live.current()
        return {
            "status": "ok",
            "chunks": len(engine.chunks),
            "retriever": engine.retriever.name,
            "backend": settings.generation.backend,
            "reload_error": live.last_error,
        }

    @app.post("/chat")
    def chat(request: ChatRequest) -> dict[str, Any]:
        question, history = check(request)
        engine = live.current()
        return _answer(engine, request, question, history)

    @app.post("/chat/stream")
    def chat_stream(request: ChatRequest) -> StreamingResponse:
        question, history = check(request)
        engine = live.current()
        return StreamingResponse(
            _events(engine, request, question, history),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )

    return app


def serve(settings: Settings, host: str, port: int, engine: ChatEngine | None = None) -> None:
    """Run the app with one uvicorn worker (see README: several workers add latency here)."""
    import uvicorn

    uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="info")
