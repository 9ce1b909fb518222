"""The co-op federation's marketplace."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .routing import LazyBuilderRule


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `overrides` replace settings (tests use it)."""
    settings = {**config.FIXED, **config.from_environment(), **(overrides or {})}
    app = Flask(__name__, instance_path=str(settings["INSTANCE_PATH"]))
    app.url_rule_class = LazyBuilderRule
    app.config.update(settings)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("marketplace").setLevel(logging.INFO)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from . import cli, extensions, housekeeping, i18n, models  # noqa: F401  (models register tables)
    from .models.base import render_migration_type
    from .services import search_index
    from .services.accounts import load_user
    from .web import register_blueprints

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=_migrations_dir(), render_item=render_migration_type
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.login_manager.user_loader(load_user)
    extensions.login_manager.login_view = "auth.login"
    extensions.login_manager.login_message = lazy_gettext("Please log in to see this page.")
    extensions.login_manager.login_message_category = "info"
    extensions.login_manager.session_protection = "basic"
    i18n.init_app(app)
    register_blueprints(app)
    from .api import init_app as init_api

    init_api(app)
    search_index.init_app(app)
    housekeeping.init_app(app)
    cli.init_app(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
