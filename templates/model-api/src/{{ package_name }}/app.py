"""The prediction API: FastAPI with request and response models generated from the feature schema.

Speed comes from doing less per request, not from more processes:
- request bodies are parsed and validated in one pass by pydantic-core, and answers serialised by
  it too, instead of going through ``json.loads``/``json.dumps`` and Python dicts (``routes.py``);
- the fitted pipeline's steps are called one by one on the validated rows, with no MLflow pyfunc
  wrapper in the way (``predictor.py``);
- endpoints are ``async`` so a sub-millisecond model runs on the event loop with no thread hop;
  a slow model (measured at start-up) is moved to the thread pool instead, so it never blocks
  ``/health`` (``state.py``);
- middleware is plain ASGI (request log, body size limit), not ``BaseHTTPMiddleware``
  (``middleware.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from . import routes
from .apidocs import document_request_models, serve_docs_offline
from .http_errors import add_error_handlers
from .loading import LoadedModel, load
from .middleware import RequestLogMiddleware
from .schema import describe
from .settings import ServeSettings
from .state import ServingState

logger = logging.getLogger(__name__)


def create_app(loaded: LoadedModel | None = None, settings: ServeSettings | None = None) -> FastAPI:
    """Build the API around LOADED (or the model at ``settings.model_uri``, loaded now)."""
    settings = settings or ServeSettings.from_env()
    state = ServingState.build(loaded or load(settings.model_uri), settings)
    model = state.loaded
    app = FastAPI(
        title=f"{model.name} prediction API",
        version=model.version,
        description=describe(model.schema, model.name, model.version, model.dataset),
        lifespan=_lifespan(state),
        docs_url=None,  # served by serve_docs_offline: FastAPI's default page needs a CDN
        redoc_url=None,
    )
    serve_docs_offline(app)
    routes.add_operations(app, state)
    routes.add_predictions(app, state)
    document_request_models(app, [state.models.features, state.models.batch])
    add_error_handlers(app)
    app.add_middleware(RequestLogMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


def _lifespan(state: ServingState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up times the model (event loop or thread pool), then marks the API ready."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        seconds = state.measure()
        logger.info(
            "model %s version %s ready (%.2f ms per prediction, %s)",
            state.loaded.name,
            state.loaded.version,
            seconds * 1000,
            "thread pool" if state.offload else "event loop",
        )
        state.ready = True
        yield
        state.close()

    return lifespan
