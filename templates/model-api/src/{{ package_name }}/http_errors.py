"""How the API answers errors: 422 naming each offending field, 500 with the traceback kept in the log."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

#: The API's own log (start-up and unhandled errors), named after the module that builds the app.
logger = logging.getLogger(f"{__package__}.app")


def add_error_handlers(app: FastAPI) -> None:
    """Answer invalid input with one entry per field, and hide unhandled errors from the client."""
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, internal_error)


async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming each offending field; the rejected input itself is not echoed back."""
    detail = []
    for item in error.errors():
        location = [part for part in item.get("loc", ()) if part != "body"]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location).lstrip(".")
        message = item.get("msg", "invalid value")
        detail.append(
            {
                "field": field or "body",
                "message": f"{field}: {message}" if field else message,
                "type": item.get("type", "value_error"),
            }
        )
    return JSONResponse({"detail": detail}, status_code=422)


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    """Log the traceback here; the client only learns that something went wrong."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "Internal server error"}, status_code=500)
