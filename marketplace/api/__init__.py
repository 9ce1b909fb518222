"""The JSON API under /api/v1, with its OpenAPI document generated from the code."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app
from flask_smorest import Api

from .schemas import ErrorSchema

API_SETTINGS: dict[str, Any] = {
    "API_TITLE": "Co-op Market API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Read the federation's public catalogue, and manage your co-op's listings "
                "with its API token. Amounts are integers in the currency's minor unit. "
                "Errors are JSON with a stable `code`."
            )
        }
    },
}


class MarketApi(Api):
    """flask-smorest's Api with our error shape, and without its own error handler:
    web/errors.py answers JSON for API paths and HTML for the rest of the site."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass

    def register_blueprint(self, blp: Any, **options: Any) -> None:
        """Like Api.register_blueprint, with the blueprint's human-readable tag.

        The routes are registered at once; their OpenAPI description only when the
        document is first read (`documented`): building it is most of what creating an
        app costs, and most processes (workers, CLI, tests) never serve it.
        """
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        self.__dict__.setdefault("_undocumented", []).append(blp)

    def documented(self) -> Any:
        """The OpenAPI document (an apispec.APISpec), with every blueprint described."""
        with _documenting:
            pending = self.__dict__.setdefault("_undocumented", [])
            while pending:
                blp = pending.pop(0)
                blp.register_views_in_doc(
                    self, self._app, self.spec, name=blp.name, parameters=None
                )
                self.spec.tag({"name": blp.tag, "description": blp.description})
        return self.spec

    def _openapi_json(self) -> Any:
        self.documented()
        return super()._openapi_json()


#: two requests may be the first to read the document at once
_documenting = threading.Lock()


def current_spec() -> dict[str, Any]:
    """The OpenAPI document of the running app, as a dict."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.documented().to_dict()


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from . import coops, docs, labels, listings, payouts  # noqa: F401  (routes register on the blueprints)
    from .auth import auth_bp
    from .base import BEARER_AUTH, coop_bp, coops_bp, labels_bp, listings_bp
    from .buyer_auth import PERSONAL_AUTH, PERSONAL_AUTH_SCHEME
    from .cart import cart_bp
    from .coop_orders import coop_orders_bp
    from .orders import orders_bp
    from .search import search_bp

    for key, value in API_SETTINGS.items():
        app.config.setdefault(key, value)
    api = MarketApi(app)
    api.spec.components.security_scheme(
        BEARER_AUTH,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A co-op API token (cm_...), created by a co-op admin in the "
            "dashboard under API tokens, or with `flask coop token SLUG`.",
        },
    )
    api.spec.components.security_scheme(PERSONAL_AUTH, PERSONAL_AUTH_SCHEME)
    for blueprint in (
        listings_bp,
        search_bp,
        coops_bp,
        labels_bp,
        coop_bp,
        auth_bp,
        cart_bp,
        orders_bp,
        coop_orders_bp,
    ):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    app.register_blueprint(docs.bp)
