"""MLflow tracing of chat turns, imported lazily: `import mlflow` costs seconds, a span does not."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()
_configured = False


def configure_mlflow() -> Any:
    """Import mlflow and point it at the project's store and experiment (once); return it."""
    global _configured
    import mlflow

    from . import tracking

    with _lock:
        if not _configured:
            tracking.experiment_id()
            _configured = True
    return mlflow


class Tracer:
    """Spans around retrieval and generation; a no-op unless enabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._mlflow: Any = None

    def warm_up(self) -> None:
        """Pay the import and store set-up now (at server start) rather than on the first turn."""
        if self.enabled and self._mlflow is None:
            self._mlflow = configure_mlflow()

    @contextlib.contextmanager
    def span(self, name: str, span_type: str, inputs: dict[str, Any]) -> Iterator[Any]:
        """A span (or a stand-in with the same `set_outputs`/`set_attribute` methods)."""
        if not self.enabled:
            yield _NoSpan()
            return
        self.warm_up()
        with self._mlflow.start_span(name=name, span_type=span_type) as span:
            span.set_inputs(inputs)
            yield span


class _NoSpan:
    def set_outputs(self, outputs: Any) -> None:
        """Ignore."""

    def set_attribute(self, key: str, value: Any) -> None:
        """Ignore."""
