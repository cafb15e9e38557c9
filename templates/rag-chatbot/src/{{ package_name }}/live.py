"""The engine a running server answers with, replaced whole when a new index appears.

Any ingestion (the page's, or `make ingest` in another process) swaps the index folder in one
go and gives it a new generation id (`store.py`). Each request reads that id (one small file);
when it changed, a background thread loads the new engine while requests keep using the old
one, then one reference assignment swaps them. A query therefore never sees a half-built
index and never waits for a load.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .config import Settings
from .engine import ChatEngine
from .ingest import read_manifest
from .store import generation

log = logging.getLogger(__name__)

Loader = Callable[[Settings], ChatEngine]
# While a new index loads (pure Python work that holds the interpreter lock), hand the lock to
# the threads answering questions every 0.5 ms instead of Python's default 5 ms.
LOAD_SWITCH_INTERVAL = 0.0005


@contextlib.contextmanager
def _yielding_often() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, LOAD_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _load(settings: Settings) -> ChatEngine:
    engine = ChatEngine.load(settings)
    engine.tracer.warm_up()
    return engine


class LiveEngine:
    """Holds the current ChatEngine behind one reference; reloads it when the index changes."""

    def __init__(
        self, settings: Settings, engine: ChatEngine | None = None, loader: Loader = _load
    ) -> None:
        self.settings = settings
        self._index = settings.ingest.index
        self._loader = loader
        self._generation = generation(self._index)
        self._engine = engine or loader(settings)
        self._docs = self._docs_of_index()
        self._loading = threading.Lock()
        self._failed: str | None = None  # a generation that could not be loaded: not retried
        self.last_error = ""

    @property
    def docs_dir(self) -> Path:
        """The folder the current index was built from (`ingest --docs` may differ from
        rag.toml's)."""
        return self._docs

    def current(self) -> ChatEngine:
        """The engine to answer this request with; starts loading a newer index if one appeared.

        Never waits: until the new engine is loaded, the previous one answers.
        """
        found = generation(self._index)
        if found != self._generation and found != self._failed and self._loading.acquire(False):
            threading.Thread(target=self._reload_then_release, daemon=True).start()
        return self._engine

    def reload(self) -> bool:
        """Load the newest index now, in the caller's thread (an upload waits for its document
        to be answerable); True when a new engine was swapped in."""
        with self._loading:
            return self._reload()

    def _reload_then_release(self) -> None:
        try:
            self._reload()
        finally:
            self._loading.release()

    def _reload(self) -> bool:
        for _ in range(3):  # an ingestion may finish during the load: then load again
            before = generation(self._index)
            if before is None or before == self._generation:
                return False
            try:
                with _yielding_often():
                    engine = self._loader(self.settings)
            except Exception as exc:  # a broken index must not take the server down
                self._failed = before
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("Kept the previous index: the new one did not load (%s).", exc)
                return False
            if generation(self._index) == before:
                self._engine, self._generation = engine, before
                self._docs = self._docs_of_index()
                self.last_error = ""
                log.info("Now answering from the new index (%d chunks).", len(engine.chunks))
                return True
        return False

    def _docs_of_index(self) -> Path:
        docs = read_manifest(self._index).get("docs", self.settings.ingest.docs)
        return Path(str(docs)).resolve()
