"""Server-rendered pages, one blueprint per feature."""

from __future__ import annotations

from flask import Flask

from . import errors
from .admin import bp as admin_bp
from .auth import bp as auth_bp
from .dashboard import bp as dashboard_bp
from .shop import bp as shop_bp


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(shop_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    errors.init_app(app)
