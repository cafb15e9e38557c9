"""The API's documentation: OpenAPI entries for hand-parsed request bodies, and offline ``/docs``."""

# No `from __future__ import annotations`: FastAPI reads the `/docs` endpoint's annotations.

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: Documented in OpenAPI beside each prediction endpoint's 200 response.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"description": "Request body over MAX_BODY_BYTES"},
    415: {"description": "Content-Type is not JSON (`application/json` is required)"},
    422: {
        "description": "Invalid input: each error names its field (or the row, `rows[i]`, "
        "whose model output is NaN or infinite: type `non_finite_prediction`)"
    },
}


def request_body(model: Any) -> dict[str, Any]:
    """OpenAPI request body pointing at MODEL's schema (bodies are parsed by hand, see routes)."""
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}
    }


def document_request_models(app: FastAPI, models: list[Any]) -> None:
    """Add the request models to the OpenAPI components the first time the schema is built."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(definition.pop("$defs", {}))
                schemas[model.__name__] = definition
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def serve_docs_offline(app: FastAPI) -> None:
    """`/docs` with Swagger UI's script and styles from the installed swagger-ui-bundle package.

    FastAPI's default page loads them from a CDN, so the docs would be blank on a machine with no
    internet (a demo on a train, a hackathon with bad wifi).
    """
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )
