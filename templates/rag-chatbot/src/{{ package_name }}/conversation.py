"""Conversations: the history a client sends, trimmed, and follow-ups made retrievable.

The API is stateless: every request carries the history. A follow-up ("and how do I undo
that?") names nothing to search for, so it is retrieved with the content words of the previous
user questions added at a lower weight (the offline rule below), or, with an LLM backend, as
the standalone question the LLM rewrites it into (`engine.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import fold, tokenize
from .config import ConversationSettings

ROLES = ("user", "assistant")
_WORD = re.compile(r"\w+", re.UNICODE)
# Words that point back at something said before, and openers that continue a previous turn.
_REFERENCES = frozenset(
    [
        "it",
        "its",
        "itself",
        "that",
        "this",
        "these",
        "those",
        "they",
        "them",
        "their",
        "there",
        "one",
        "ones",
        "same",
        "such",
        "former",
        "latter",
        "he",
        "she",
        "him",
        "her",
        "his",
    ]
)
_OPENERS = frozenset({"and", "but", "so", "then", "also", "or", "what about", "how about"})
FOLLOWUP_MAX_TERMS = 3  # a question with more content words than this stands on its own
CONTEXT_MAX_WORDS = 8


class HistoryError(ValueError):
    """The history is malformed (a wrong role, a message too long, too many messages)."""


@dataclass(frozen=True)
class Message:
    """One message of a conversation."""

    role: str
    content: str


def check_history(history: Sequence[Message], settings: ConversationSettings) -> None:
    """Raise HistoryError (one clear line) when HISTORY cannot be used as sent."""
    if len(history) > settings.max_history:
        raise HistoryError(
            f"history: too many messages ({len(history)}; max {settings.max_history}). "
            f"Send the last {settings.history_messages}: older ones are not used."
        )
    for i, message in enumerate(history):
        if message.role not in ROLES:
            raise HistoryError(f"history[{i}].role must be 'user' or 'assistant'")
        if len(message.content) > settings.max_message_chars:
            raise HistoryError(
                f"history[{i}].content is too long ({len(message.content)} characters; "
                f"max {settings.max_message_chars})."
            )


def trim_history(history: Sequence[Message], settings: ConversationSettings) -> list[Message]:
    """The last `history_messages` non-blank messages that fit in `history_chars` characters.

    The newest messages are kept first; when even the newest does not fit, its beginning is.
    """
    kept: list[Message] = []
    budget = settings.history_chars
    recent = [m for m in history if m.content.strip()]
    recent = recent[max(0, len(recent) - settings.history_messages) :]
    if not settings.history_messages:
        recent = []
    for message in reversed(recent):
        if len(message.content) > budget:
            if not kept and budget > 0:
                kept.append(Message(message.role, message.content[: budget - 1] + "…"))
            break
        kept.append(message)
        budget -= len(message.content)
    return kept[::-1]


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def is_followup(question: str, language: str = "english") -> bool:
    """Whether QUESTION leans on the previous turns (the offline rule, see the README).

    A follow-up has at most FOLLOWUP_MAX_TERMS content words and either opens with a connective
    ("and ...", "what about ...") or refers back ("it", "that", "them", ...); a question with at
    most one content word is always one.
    """
    words = _words(question)
    terms = set(tokenize(question, language))
    if len(terms) <= 1:
        return True
    if len(terms) > FOLLOWUP_MAX_TERMS:
        return False
    opens = bool(words) and (words[0] in _OPENERS or " ".join(words[:2]) in _OPENERS)
    return opens or any(w in _REFERENCES for w in words)


def context_words(
    question: str, history: Sequence[Message], language: str = "english"
) -> list[str]:
    """Content words of the previous user questions that QUESTION does not already have.

    Walks back through the user messages, newest first, and stops after the first one that
    stands on its own (the topic's start); at most CONTEXT_MAX_WORDS words, newest first.
    """
    seen = set(tokenize(question, language))
    words: list[str] = []
    for message in reversed(history):
        if message.role != "user":
            continue
        for word in _words(message.content):
            stems = tokenize(word, language)
            if not stems or word in _REFERENCES or stems[0] in seen:
                continue
            seen.add(stems[0])
            words.append(word)
        if not is_followup(message.content, language):
            break
    return words[:CONTEXT_MAX_WORDS]


def followup_context(question: str, history: Sequence[Message], language: str = "english") -> str:
    """The words a follow-up is retrieved with besides its own; "" for a standalone QUESTION."""
    if not history or not is_followup(question, language):
        return ""
    return " ".join(context_words(question, history, language))


def transcript(history: Sequence[Message]) -> str:
    """HISTORY as `user: ...` / `assistant: ...` lines, for the condensing prompt."""
    return "\n".join(f"{m.role}: {' '.join(m.content.split())}" for m in history)
