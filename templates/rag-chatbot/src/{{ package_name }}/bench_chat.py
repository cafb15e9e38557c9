"""The benchmark's `/chat` round trip: the chat API served over HTTP on 127.0.0.1, first
questions and follow-ups sent with the previous turn as `history`."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from .bench_timing import percentile


def _serve(engine: Any) -> tuple[Any, threading.Thread, int]:
    """The chat API on a free port of 127.0.0.1, in a thread; returns (server, thread, port)."""
    import socket

    import uvicorn

    from .api import create_app

    app = create_app(engine.settings, engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, thread, port


def _takes_history(client: Any) -> bool:
    """Whether this server's `POST /chat` declares `history` (older ones ignore the field)."""
    schemas = client.get("/openapi.json").json().get("components", {}).get("schemas", {})
    return "history" in schemas.get("ChatRequest", {}).get("properties", {})


NO_HISTORY = "this server's /chat has no history field: first turns only"
HISTORY_REJECTED = "this server rejects conversation history (HTTP 422): first turns only"


def _conversations(
    client: Any, turns: list[tuple[str, str]], history: bool, note: str = NO_HISTORY
) -> dict[str, Any]:
    """Time each first question, then (with HISTORY) its follow-up sent with the first turn;
    without, NOTE says why there are no follow-up figures."""
    first, follow = [], []
    for question, follow_up in turns:
        t0 = time.perf_counter()
        answer = client.post("/chat", json={"question": question})
        first.append((time.perf_counter() - t0) * 1000)
        answer.raise_for_status()
        if not history:
            continue
        past = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.json()["text"]},
        ]
        t0 = time.perf_counter()
        reply = client.post("/chat", json={"question": follow_up, "history": past})
        follow.append((time.perf_counter() - t0) * 1000)
        if reply.status_code == 422:
            return _conversations(client, turns, history=False, note=HISTORY_REJECTED)
        reply.raise_for_status()
    result: dict[str, Any] = {
        "chat_p50_ms": statistics.median(first),
        "chat_p99_ms": percentile(first, 0.99),
    }
    if follow:
        result["chat_followup_p50_ms"] = statistics.median(follow)
        result["chat_followup_p99_ms"] = percentile(follow, 0.99)
    else:
        result["chat_note"] = note
    return result


def chat_round_trip(engine: Any, turns: list[tuple[str, str]]) -> dict[str, Any]:
    """p50/p99 of `POST /chat` over HTTP keep-alive on 127.0.0.1: first questions, and
    follow-ups sent with the previous turn as `history`."""
    import httpx

    server, thread, port = _serve(engine)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for question, _ in turns[:20]:  # warm-up
                client.post("/chat", json={"question": question}).raise_for_status()
            return _conversations(client, turns, _takes_history(client))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
